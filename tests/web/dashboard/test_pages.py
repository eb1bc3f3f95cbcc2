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
            # Each chart is named for screen readers by its title (Plotly's SVG has no name).
            names = page.eval_on_selector_all(
                "div.chart", "nodes => nodes.map(n => n.getAttribute('aria-label') || '')"
            )
            assert all(name.startswith("Chart: ") and len(name) > 7 for name in names), names
        # Ids are unique (a chart and a table both called "partners" broke the overview's).
        duplicated = page.evaluate(
            "() => { const seen = {}; document.querySelectorAll('[id]').forEach("
            "n => { seen[n.id] = (seen[n.id] || 0) + 1; });"
            " return Object.keys(seen).filter(k => seen[k] > 1); }"
        )
        assert duplicated == [], (path, duplicated)
        assert page.locator("h1").count() == 1, path
        # A date (and time) in a table never breaks at its hyphen or space ("2022-03-" / "31").
        breakable = page.eval_on_selector_all(
            "td",
            "cells => cells.filter(c => /^\\d{4}-\\d{2}-\\d{2}( \\d{2}:\\d{2})?$/"
            ".test(c.innerText.trim()) && getComputedStyle(c).whiteSpace !== 'nowrap')"
            ".map(c => c.innerText.trim())",
        )
        assert breakable == [], (path, breakable[:5])
        # No table or chart pushes the page sideways on a laptop screen.
        assert page.evaluate(
            "document.documentElement.scrollWidth <= window.innerWidth"
        ), path
        browser_page.shot(path.strip("/").replace("/", "_") or "overview")
        assert browser_page.console.errors == [], (path, browser_page.console.errors)


def test_keyboard_users_can_skip_the_menu(browser_page, make_account) -> None:
    _log_in(browser_page, make_account("viewer"))
    page = browser_page.page
    page.goto("/commitments")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator("a.skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The menu is a named landmark.
    assert page.locator("nav[aria-label=Pages]").count() == 1
    assert browser_page.console.errors == []
