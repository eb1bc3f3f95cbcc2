"""Every dashboard page on a phone (390×844): nothing pushes the page sideways."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ..conftest import Account
from .test_pages import PAGES, _log_in

pytestmark = pytest.mark.browser


def test_no_page_is_wider_than_a_phone(
    browser_page, make_account: Callable[..., Account], risk_warehouse, gateway_traffic
) -> None:
    _log_in(browser_page, make_account("viewer"))
    page = browser_page.page
    page.set_viewport_size({"width": 390, "height": 844})
    wider = []
    for path, _ in PAGES:
        answer = page.goto(path)
        assert answer is not None and answer.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            wider.append((path, width))
    # A wide table scrolls inside its own card instead.
    assert wider == []
    assert browser_page.console.errors == []


def test_chart_titles_fit_on_a_phone(
    browser_page, make_account: Callable[..., Account], risk_warehouse, gateway_traffic
) -> None:
    """A long chart title wraps instead of running off both sides of a 390 px screen."""
    _log_in(browser_page, make_account("viewer"))
    page = browser_page.page
    page.set_viewport_size({"width": 390, "height": 844})
    clipped = []
    for path, _ in PAGES:
        page.goto(path)
        if not page.locator("div.chart").count():
            continue
        page.wait_for_function(
            "document.querySelectorAll('div.chart').length === "
            "document.querySelectorAll('div.chart[data-rendered=true]').length",
            timeout=20_000,
        )
        clipped += page.eval_on_selector_all(
            "div.chart",
            """nodes => nodes.flatMap(n => {
                 const title = n.querySelector('.gtitle');
                 if (!title) { return []; }
                 const box = n.getBoundingClientRect(), text = title.getBoundingClientRect();
                 return (text.left < box.left - 1 || text.right > box.right + 1)
                   ? [n.id + ': ' + title.textContent] : [];
               })""",
        )
    assert clipped == []
    assert browser_page.console.errors == []
