"""Validation errors of a page's form or address in words (``haiquan.web._field_errors``): a
field without a title still reads as words, and the JSON shape is untouched."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from typing import Annotated

import httpx
from fastapi import FastAPI, Form
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient

from haiquan.web.responses import exception_handlers


def _app() -> FastAPI:
    """A page with a form like the dashboard's, answered by the app's own handler table."""
    app = FastAPI(exception_handlers=exception_handlers())  # type: ignore[arg-type]

    @app.post("/renew", response_class=PlainTextResponse)
    def renew(
        aeo_id: Annotated[str, Form(title="AEO number", examples=["VN-AEO-0001"])],
        valid_until: Annotated[dt.date, Form()],
        staff: Annotated[int, Form(ge=1)] = 1,
    ) -> str:
        return "ok"

    return app


def _post(data: dict[str, str], accept: str) -> httpx.Response:
    # TestClient runs the app on its own event loop, so this works even when another test
    # (the browser tests' Playwright) has left a loop running in this thread.
    with TestClient(_app(), base_url="http://page") as client:
        return client.post("/renew", data=data, headers={"Accept": accept})


def test_unlabelled_fields_read_as_words_with_what_fits() -> None:
    page = _post({"valid_until": "2025-02-30", "staff": "0"}, "text/html")
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    text = unescape(re.sub(r"<[^>]+>", " ", page.text))
    assert "3 fields of the form are not valid: AEO number, Valid until, Staff" in text
    items = [unescape(re.sub(r"<[^>]+>", "", i))
             for i in re.findall(r"<li>(.*?)</li>", page.text, re.S)]
    assert items[0].startswith("AEO number is missing.") and "e.g. VN-AEO-0001" in items[0]
    assert items[1].startswith("Valid until is not valid. Expected a date written YYYY-MM-DD")
    assert "got '2025-02-30'" in items[1]
    assert "Expected a number of at least 1, got '0'" in items[2]
    for jargon in ("body.", "valid_until", "Field required", "Input should"):
        assert jargon not in text, jargon


def test_the_json_shape_keeps_the_field_paths() -> None:
    answer = _post({"valid_until": "soon"}, "application/json")
    assert answer.status_code == 422
    error = answer.json()
    assert error["code"] == "validation_failed"
    assert [e["loc"] for e in error["details"]["errors"]] == [
        ["body", "aeo_id"], ["body", "valid_until"]]
    assert "aeo_id" in error["detail"]
