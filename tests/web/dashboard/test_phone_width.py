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
