"""Every dashboard page in a real browser: it loads, its charts render, the console is clean."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from haiquan.web.dashboard import PAGE_MODULES

from ..conftest import Account

pytestmark = pytest.mark.browser

#: Every page: the menu's, and a partner's page (reached from the overview).
PAGES = [(path or "/partners/CHN", label) for _, path, label in PAGE_MODULES]


def _log_in(browser_page, account: Account) -> None:
    page = browser_page.page
    page.goto("/login")
    page.fill("input[name=username]", account.user.username)
    page.fill("input[name=password]", account.password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{browser_page.base_url}/")


def test_every_page_renders_with_its_charts(
    browser_page, make_account: Callable[..., Account], risk_warehouse, gateway_traffic
) -> None:
    _log_in(browser_page, make_account("viewer"))
    page = browser_page.page
    for path, label in PAGES:
        answer = page.goto(path)
        assert answer is not None and answer.status == 200, path
        if label is not None:
            assert page.locator("nav a.active").inner_text() == label
        charts = page.locator("div.chart")
        count = charts.count()
        if count:
            page.wait_for_selector("div.chart[data-rendered=true] >> nth=-1", timeout=20_000)
            page.wait_for_function(
                "document.querySelectorAll('div.chart').length === "
                "document.querySelectorAll('div.chart[data-rendered=true]').length",
                timeout=20_000,
            )
            # Plotly drew real SVG marks, not an empty frame.
            assert page.locator("div.chart .main-svg").count() >= count
        browser_page.shot(path.strip("/").replace("/", "_") or "overview")
        assert browser_page.console.errors == [], (path, browser_page.console.errors)
