"""Dashboard pages over plain HTTP: labels, empty states and errors a browser user sees."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from ..conftest import Account, login

BANNER = "Demo data (synthetic)"


def test_overview_labels_synthetic_data(
    synthetic_warehouse, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    page = http.get("/")
    assert page.status_code == 200
    assert BANNER in page.text
    assert 'href="/partners/CHN"' in page.text


def test_overview_without_data_says_how_to_load_some(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    page = http.get("/")
    assert page.status_code == 200
    assert "No trade to show" in page.text and "haiquan demo" in page.text
    assert BANNER not in page.text


def test_unknown_partner_page_is_a_readable_404(
    synthetic_warehouse, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    page = http.get("/partners/QQ", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "unknown country code" in page.text.lower() and "To fix" in page.text


def test_gateway_page_without_a_node_says_how_to_make_one(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    page = http.get("/gateway")
    assert page.status_code == 200 and "haiquan gateway init" in page.text


def test_pages_carry_the_session_csrf_token(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    csrf = login(http, make_account("viewer"))
    assert len(csrf) > 16


def test_risk_queue_lists_highest_scores_first_with_reasons(
    risk_warehouse, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    from haiquan.web.dashboard.risk import risk_queue

    login(http, make_account("risk_officer"))
    page = http.get("/risk")
    assert page.status_code == 200 and BANNER in page.text
    table, facts = risk_queue()
    assert facts["scored"] == 400
    assert table["score"].is_monotonic_decreasing
    top = table.iloc[0]
    assert f"{top['declaration_id']}/{top['item_number']}" in page.text
    inspected = table[table["channel"].isin(["red", "yellow"])]
    assert len(inspected) > 0 and (inspected["reasons"].str.len() > 0).all()


def test_risk_page_without_a_model_says_how_to_train_one(
    synthetic_warehouse, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    page = http.get("/risk")
    assert page.status_code == 200 and "No risk queue" in page.text


def test_gateway_page_shows_pending_messages_and_their_errors(
    gateway_traffic: list[str], http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    page = http.get("/gateway")
    assert page.status_code == 200
    assert "cannot be reached" in page.text  # the failure table shows the delivery error
    assert page.text.count("risk-alert") >= 1 and "THA" in page.text
