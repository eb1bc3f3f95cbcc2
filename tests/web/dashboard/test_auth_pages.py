"""Logging in and out of the dashboard in a real browser."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ..conftest import Account

pytestmark = pytest.mark.browser


def test_login_then_logout(browser_page, make_account: Callable[..., Account]) -> None:
    account = make_account("analyst")
    page = browser_page.page
    page.goto("/")
    assert "/login" in page.url  # no session: sent to the login page
    page.fill("input[name=username]", account.user.username)
    page.fill("input[name=password]", account.password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{browser_page.base_url}/")
    assert account.user.username in page.inner_text("header")
    assert "analyst" in page.inner_text("header")
    browser_page.shot("after-login")
    page.click("text=Log out")
    page.wait_for_url("**/login")
    page.goto("/")
    assert "/login" in page.url
    assert browser_page.console.errors == []


def test_wrong_password_shows_an_error_and_no_session(
    browser_page, make_account: Callable[..., Account]
) -> None:
    account = make_account("viewer")
    page = browser_page.page
    page.goto("/login")
    page.fill("input[name=username]", account.user.username)
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert "Login failed." in page.inner_text("[role=alert]")
    assert page.context.cookies() == []
    # The 401 of the failed login itself is the only console error allowed.
    assert all("401" in e for e in browser_page.console.errors)


def test_login_returns_to_the_page_asked_for(
    browser_page, make_account: Callable[..., Account]
) -> None:
    account = make_account("viewer")
    page = browser_page.page
    page.goto("/login?next=//evil.example/")
    page.fill("input[name=username]", account.user.username)
    page.fill("input[name=password]", account.password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.url == f"{browser_page.base_url}/"  # no open redirect off-site
