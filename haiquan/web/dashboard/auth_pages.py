"""``/login`` and ``/logout``: the dashboard's session cookie comes and goes here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from haiquan.errors import AuthenticationError
from haiquan.web.auth import SESSION_COOKIE, LoginThrottle
from haiquan.web.dashboard._render import render
from haiquan.web.deps import OptionalUser, SettingsDep, SignerDep, UserStoreDep

router = APIRouter(include_in_schema=False)

#: Failed logins per username and client address (5 in 15 minutes, then wait).
THROTTLE = LoginThrottle(attempts=5, window_seconds=15 * 60)
#: The same username from any address: a client that can claim a new address on each try
#: (X-Forwarded-For, which the server trusts from 127.0.0.1 for a local TLS proxy, or many
#: machines) still gets only this many guesses at one account per window.
USERNAME_THROTTLE = LoginThrottle(attempts=20, window_seconds=15 * 60)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after login is a phishing tool.
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, user: OptionalUser, next: str = "/") -> Response:
    """The login form (or straight on, when already logged in)."""
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", {"next": _safe_next(next), "error": None}, None)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    store: UserStoreDep,
    signer: SignerDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=64, title="Username")],
    password: Annotated[str, Form(max_length=1024, title="Password")],
    next: Annotated[str, Form(max_length=2000, title="Page to open after login")] = "/",
) -> Response:
    """Check the password and set a signed session cookie lasting ``session_minutes``."""
    client = request.client.host if request.client else "unknown"
    account = username.strip().lower()
    key = f"{account}@{client}"
    wait = max(THROTTLE.retry_after(key), USERNAME_THROTTLE.retry_after(account))
    if wait > 0:
        context = {
            "next": _safe_next(next),
            "error": f"too many failed logins; try again in {max(1, round(wait / 60))} minutes",
            "username": username,
        }
        refused = render(request, "login.html", context, None, status_code=429)
        refused.headers["Retry-After"] = str(int(wait) + 1)
        return refused
    try:
        user = store.authenticate(username, password)
    except AuthenticationError as error:
        THROTTLE.failed(key)
        USERNAME_THROTTLE.failed(account)
        context = {"next": _safe_next(next), "error": error.summary, "username": username}
        return render(request, "login.html", context, None, status_code=401)
    THROTTLE.succeeded(key)
    USERNAME_THROTTLE.succeeded(account)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signer.issue(user.id, user.session_epoch),
        max_age=settings.session_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=settings.mode == "production",
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request, store: UserStoreDep, signer: SignerDep) -> Response:
    """End the session on the server, drop its cookie and go back to the login page.

    Dropping the cookie alone would leave a copy of it (a shared computer's saved profile, a
    captured request) working until it expires; the session's id is recorded as ended instead.
    A cookie that does not verify or has expired is simply dropped: it opens nothing.
    """
    value = request.cookies.get(SESSION_COOKIE)
    if value:
        try:
            session = signer.read(value)
        except AuthenticationError:
            pass
        else:
            store.end_session(session.session_id,
                              datetime.fromtimestamp(session.expires_at, UTC))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
