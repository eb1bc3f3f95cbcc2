"""Issue 16 item 5: no page waits on a computation. With background results (the server's
default) a result not stored yet is computed by a separate refresh process; meanwhile pages say
what is being computed and how far it has got, and the API answers 503 with the same."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from haiquan.settings import reset_settings

from .conftest import Account, login


@pytest.fixture
def background(monkeypatch: pytest.MonkeyPatch, synthetic_warehouse) -> None:
    monkeypatch.setenv("HAIQUAN_BACKGROUND_RESULTS", "true")
    reset_settings()


def _wait_for_refresh(timeout: float = 600) -> None:
    from haiquan.web._results import progress

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = progress()
        if not state["active"]:
            return
        time.sleep(1)
    raise AssertionError(f"the background refresh did not end within {timeout:.0f} s")


def test_pages_answer_at_once_and_the_background_refresh_fills_them(
    background, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    viewer = make_account("viewer")
    started = time.monotonic()
    answer = http.get("/api/priorities/scores", headers=viewer.headers)
    assert time.monotonic() - started < 10  # no scoring in the request
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "5"
    assert answer.headers["content-type"] == "application/problem+json"
    error = answer.json()
    assert error["code"] == "not_ready" and "haiquan refresh" in error["fix"]
    steps = error["details"]["steps"]
    assert [s["kind"] for s in steps] == [
        "commitments.overview",
        "forecast",
        "trade.indicators",
        "priorities.scores",
        "priorities.plan",
    ]
    assert error["details"]["active"] is True

    login(http, viewer)
    page = http.get("/plan")
    assert page.status_code == 200
    assert "being computed" in page.text and 'http-equiv="refresh"' in page.text
    assert "<progress" in page.text
    partner = http.get("/partners/KOR")  # the history at once, the forecast said to come
    assert partner.status_code == 200 and 'id="forecast-pending"' in partner.text

    _wait_for_refresh()
    scores = http.get("/api/priorities/scores", headers=viewer.headers)
    assert scores.status_code == 200, scores.text
    assert scores.json()
    plan = http.get("/plan")
    assert plan.status_code == 200 and "being computed" not in plan.text
    assert 'http-equiv="refresh"' not in plan.text
    assert 'id="forecast-run"' in plan.text and "stored forecast run" in plan.text
    partner = http.get("/partners/KOR")
    assert 'id="forecast-run"' in partner.text and "stored forecast run" in partner.text
    assert 'id="indicators"' in partner.text
    # Every stored result reads back in this process (the refresh ran in another one).
    indicators = http.get("/api/trade/indicators", headers=viewer.headers)
    assert indicators.status_code == 200 and indicators.json()["rows"]

    # A load makes a new data version: the stored results are no longer served as current.
    from haiquan.warehouse.loading import load_trade_frame
    from haiquan.warehouse.synthetic import generate_synthetic_trade

    rows = generate_synthetic_trade(first_year=2008, last_year=2021, seed=8)
    load_trade_frame(rows, label="synthetic 2021", sha256="8" * 64, synthetic=True)
    again = http.get("/api/priorities/scores", headers=viewer.headers)
    assert again.status_code == 503
    _wait_for_refresh()  # let the refresh started for the new data end with the test
