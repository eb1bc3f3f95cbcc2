"""``/api/gateway``: monitoring of this server's gateway node."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from ..conftest import Account


def test_summary_and_messages(
    gateway_traffic: list[str], http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    viewer = make_account("viewer")
    summary = http.get("/api/gateway/summary", headers=viewer.headers).json()
    assert summary["outbox"]["pending"] == 2 and summary["pending_by_partner"] == {"THA": 2}
    listed = http.get(
        "/api/gateway/messages", params={"state": "pending"}, headers=viewer.headers
    ).json()["items"]
    assert {m["message_id"] for m in listed} == set(gateway_traffic)
    assert all("cannot be reached" in m["last_error"] for m in listed)
    one = http.get(f"/api/gateway/messages/{gateway_traffic[0]}", headers=viewer.headers)
    assert one.json()["envelope"]["document_type"] == "risk-alert"


def test_unknown_message_is_404(
    gateway_traffic: list[str], http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    viewer = make_account("viewer")
    answer = http.get("/api/gateway/messages/absent-000", headers=viewer.headers)
    assert answer.status_code == 404


def test_no_node_is_404_with_the_fix(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    viewer = make_account("viewer")
    error = http.get("/api/gateway/summary", headers=viewer.headers).json()
    assert error["status"] == 404 and "haiquan gateway init" in error["fix"]


def test_a_broken_trust_file_does_not_hide_the_traffic(
    gateway_traffic: list[str], http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    from haiquan.exchange.node import default_gateway_home

    (default_gateway_home() / "trust.yaml").write_text("partners: [unclosed\n")
    viewer = make_account("viewer")
    summary = http.get("/api/gateway/summary", headers=viewer.headers)
    assert summary.status_code == 200, summary.text
    assert summary.json()["outbox"]["pending"] == 2


def test_summary_lists_the_partners_found_down(
    gateway_traffic: list[str], http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    viewer = make_account("viewer")
    summary = http.get("/api/gateway/summary", headers=viewer.headers).json()
    (tha,) = summary["partners"]
    assert (tha["partner"], tha["state"]) == ("THA", "down")
    assert "cannot be reached" in tha["last_error"] and tha["since"] <= tha["last_checked"]


@pytest.mark.parametrize("partner", ["THA", "tha", "TH", "th", "764"])
def test_partner_filter_takes_any_iso_code_like_the_other_routes(
    gateway_traffic: list[str], http: httpx.Client, make_account: Callable[..., Account],
    partner: str,
) -> None:
    viewer = make_account("viewer")
    answer = http.get("/api/gateway/messages", params={"partner": partner},
                      headers=viewer.headers)
    assert answer.status_code == 200, answer.text
    assert {m["message_id"] for m in answer.json()["items"]} == set(gateway_traffic)


def test_partner_filter_with_an_unknown_code_is_404(
    gateway_traffic: list[str], http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    viewer = make_account("viewer")
    answer = http.get("/api/gateway/messages", params={"partner": "ZZZ"}, headers=viewer.headers)
    assert answer.status_code == 404
    assert answer.json()["code"] == "unknown_code"
