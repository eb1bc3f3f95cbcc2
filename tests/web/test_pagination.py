"""Every list endpoint answers one page of its list in the ``Page`` envelope, never a bare array,
and takes ``limit``/``offset`` with bounds."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from haiquan.web import create_app
from haiquan.web.pagination import MAX_LIMIT

from .conftest import Account
from .test_error_shape import assert_error_shape

PAGE_MEMBERS = {"items", "total", "limit", "offset", "next"}


def _schema(spec: dict, ref_or_schema: dict) -> dict:
    ref = ref_or_schema.get("$ref")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else ref_or_schema


def test_no_operation_answers_a_bare_array_and_every_page_takes_limit_and_offset() -> None:
    spec = create_app().openapi()
    pages = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            ok = operation["responses"].get("200", {}).get("content", {})
            for media in ok.values():
                schema = _schema(spec, media.get("schema", {}))
                assert schema.get("type") != "array", f"{method} {path} answers a bare array"
                if set(schema.get("properties", {})) == PAGE_MEMBERS:
                    pages.append(f"{method.upper()} {path}")
                    assert schema["title"].endswith("Page"), schema["title"]
                    query = {
                        p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"
                    }
                    assert query["limit"]["schema"]["minimum"] == 1
                    assert query["limit"]["schema"]["maximum"] == MAX_LIMIT
                    assert query["offset"]["schema"]["minimum"] == 0
    for listed in (
        "GET /api/users",
        "GET /api/me/tokens",
        "GET /api/aeo/operators",
        "GET /api/aeo/partners",
        "GET /api/gateway/messages",
        "GET /api/transit/movements",
    ):
        assert listed in pages


def test_pages_walk_a_list_with_next_links(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    admin = make_account("administrator")
    for name in ("ana", "bao", "chi", "dung"):
        make_account("viewer", f"user-{name}")
    everyone = http.get("/api/users", headers=admin.headers).json()
    assert everyone["total"] == 5 and everyone["next"] is None and len(everyone["items"]) == 5
    seen: list[str] = []
    link: str | None = "/api/users?limit=2"
    while link is not None:
        page = http.get(link, headers=admin.headers).json()
        assert page["limit"] == 2 and page["total"] == 5 and len(page["items"]) <= 2
        seen += [u["username"] for u in page["items"]]
        link = page["next"]
    assert seen == [u["username"] for u in everyone["items"]]
    past = http.get("/api/users", params={"offset": 10}, headers=admin.headers).json()
    assert past["items"] == [] and past["total"] == 5 and past["next"] is None


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": MAX_LIMIT + 1}, {"offset": -1}])
def test_limit_and_offset_out_of_bounds_are_422(
    http: httpx.Client, make_account: Callable[..., Account], params: dict[str, int]
) -> None:
    admin = make_account("administrator")
    answer = http.get("/api/users", params=params, headers=admin.headers)
    error = assert_error_shape(answer, 422, "validation_failed")
    assert error["details"]["errors"][0]["loc"][-1] in params


def test_gateway_messages_keep_their_filters_in_the_next_link(
    gateway_traffic: list[str], http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    viewer = make_account("viewer")
    first = http.get(
        "/api/gateway/messages", params={"state": "pending", "limit": 1}, headers=viewer.headers
    ).json()
    # The gateway's store is not counted: total is null until a page reaches the end.
    assert len(first["items"]) == 1 and first["total"] is None
    assert first["next"] == "/api/gateway/messages?state=pending&limit=1&offset=1"
    last = http.get(first["next"], headers=viewer.headers).json()
    assert last["next"] is None and last["total"] == 2 and last["offset"] == 1
    ids = {m["message_id"] for m in first["items"] + last["items"]}
    assert ids == set(gateway_traffic)
    # Each page reads the newest messages up to it: the offset's bound is in the schema.
    far = http.get("/api/gateway/messages", params={"offset": 100_001}, headers=viewer.headers)
    assert_error_shape(far, 422, "validation_failed")
