"""Authorisation: no credentials, no data; a viewer cannot write; writes fail closed."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient

from haiquan.web import create_app
from haiquan.web.auth import SESSION_COOKIE, Role, SessionSigner
from haiquan.web.deps import CurrentUser, default_policy, require_role
from haiquan.web.responses import exception_handlers

from .conftest import Account, login

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _api_routes() -> list[tuple[str, str]]:
    """Every documented API operation, path parameters filled with plausible values."""
    routes = []
    for template, operations in create_app().openapi()["paths"].items():
        if template == "/api/health":
            continue
        path = re.sub(r"\{[^}]*id\}", "1", template)
        path = re.sub(r"\{[^}]+\}", "someone", path)
        routes.extend((method.upper(), path) for method in operations)
    return sorted(routes)


API_ROUTES = _api_routes()
WRITE_ROUTES = [(m, p) for m, p in API_ROUTES if m in UNSAFE]


def test_there_are_routes_to_check() -> None:
    assert len(API_ROUTES) >= 8 and len(WRITE_ROUTES) >= 4


@pytest.mark.parametrize(("method", "path"), API_ROUTES)
def test_no_token_no_data(http: httpx.Client, method: str, path: str) -> None:
    answer = http.request(method, path, json={})
    assert answer.status_code == 401, answer.text
    assert answer.json()["code"] == "not_authenticated"


def test_bad_token_no_data(http: httpx.Client) -> None:
    answer = http.get("/api/me", headers={"Authorization": "Bearer hq_not-a-real-token"})
    assert answer.status_code == 401


def test_viewer_cannot_write_anything_but_their_own_tokens(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    viewer = make_account("viewer")
    # /api/me/* writes act on the caller's own tokens and sessions: tested below.
    others = [(m, p) for m, p in WRITE_ROUTES if not p.startswith("/api/me")]
    assert others
    for method, path in others:
        answer = http.request(method, path, headers=viewer.headers, json={})
        assert answer.status_code == 403, (method, path, answer.text)
        assert answer.json()["code"] == "permission_denied"


def test_viewer_reads(http: httpx.Client, make_account: Callable[..., Account]) -> None:
    viewer = make_account("viewer")
    answer = http.get("/api/me", headers=viewer.headers)
    assert answer.status_code == 200
    assert answer.json()["role"] == "viewer"


def test_admin_writes_and_the_change_holds(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    admin = make_account("administrator")
    body = {"username": "new.analyst", "password": "a-long-password-1", "role": "analyst"}
    created = http.post("/api/users", headers=admin.headers, json=body)
    assert created.status_code == 201
    assert "password" not in created.json()
    patched = http.patch("/api/users/new.analyst", headers=admin.headers, json={"role": "viewer"})
    assert patched.json()["role"] == "viewer"
    listed = http.get("/api/users", headers=admin.headers).json()["items"]
    assert {u["username"]: u["role"] for u in listed}["new.analyst"] == "viewer"


def test_token_created_through_api_works_once_shown(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    viewer = make_account("viewer")
    made = http.post("/api/me/tokens", headers=viewer.headers, json={"label": "script", "days": 7})
    assert made.status_code == 201
    secret = made.json()["token"]
    assert http.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    listed = http.get("/api/me/tokens", headers=viewer.headers).json()["items"]
    assert all("token" not in t for t in listed) and len(listed) == 2
    token_id = made.json()["id"]
    assert http.delete(f"/api/me/tokens/{token_id}", headers=viewer.headers).status_code == 200
    assert http.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_cookie_writes_need_the_csrf_token(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    viewer = make_account("viewer")
    csrf = login(http, viewer)
    assert http.get("/api/me").status_code == 200  # reads work with the cookie alone
    refused = http.post("/api/me/tokens", json={"label": "x"})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    accepted = http.post("/api/me/tokens", json={"label": "x"}, headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 201


def test_logout_everywhere_ends_the_cookie_session(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    viewer = make_account("viewer")
    login(http, viewer)
    assert http.post("/api/me/logout-everywhere", headers=viewer.headers).status_code == 200
    assert http.get("/api/me").status_code == 401


def test_logout_ends_the_session_on_the_server_too(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    # A copy of the cookie taken before logging out (a saved browser profile, a captured
    # request) must not keep working until it expires.
    viewer = make_account("viewer")
    login(http, viewer)
    copied = http.cookies[SESSION_COOKIE]
    assert http.get("/api/me").status_code == 200
    assert http.post("/logout", follow_redirects=False).status_code == 303
    answer = http.get("/api/me", cookies={SESSION_COOKIE: copied})
    assert answer.status_code == 401
    assert "logged out" in answer.json()["got"]
    # logging in again opens a new session; other sessions of the same user are untouched
    login(http, viewer)
    second = http.cookies[SESSION_COOKIE]
    assert http.get("/api/me", cookies={SESSION_COOKIE: second}).status_code == 200


def test_logout_with_a_foreign_or_missing_cookie_just_redirects(http: httpx.Client) -> None:
    for cookies in ({}, {SESSION_COOKIE: "not.a-cookie"}):
        answer = http.post("/logout", cookies=cookies, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/login"


def test_expired_session_cookie_refused(
    http: httpx.Client, make_account: Callable[..., Account], isolated_settings
) -> None:
    viewer = make_account("viewer")
    signer = SessionSigner(isolated_settings.secret_key, isolated_settings.session_minutes)
    old = signer.issue(
        viewer.user.id, 0, now=time.time() - isolated_settings.session_minutes * 60 - 1
    )
    fresh = signer.issue(viewer.user.id, 0)
    assert http.get("/api/me", cookies={SESSION_COOKIE: fresh}).status_code == 200
    answer = http.get("/api/me", cookies={SESSION_COOKIE: old})
    assert answer.status_code == 401 and "expired" in answer.json()["detail"]


def test_cookie_signed_with_another_secret_refused(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    viewer = make_account("viewer")
    forged = SessionSigner("guessed-secret-of-the-attacker-xxxxx", 60).issue(viewer.user.id, 0)
    assert http.get("/api/me", cookies={SESSION_COOKIE: forged}).status_code == 401


def _tiny_app(*routers: APIRouter) -> FastAPI:
    app = FastAPI(exception_handlers=exception_handlers())
    for router in routers:
        app.include_router(router, dependencies=[Depends(default_policy)])
    return app


def test_write_without_a_named_role_fails_closed(make_account: Callable[..., Account]) -> None:
    router = APIRouter()

    @router.post("/forgot-the-role")
    def forgot(user: CurrentUser) -> dict[str, str]:
        return {"ok": user.username}

    @router.post("/analysts", dependencies=[Depends(require_role("analyst"))])
    def named() -> dict[str, str]:
        return {"ok": "yes"}

    client = TestClient(_tiny_app(router))
    analyst = make_account("analyst")
    admin = make_account("administrator")
    assert client.post("/forgot-the-role", headers=analyst.headers).status_code == 403
    assert client.post("/forgot-the-role", headers=admin.headers).status_code == 200
    assert client.post("/analysts", headers=analyst.headers).status_code == 200


@pytest.mark.parametrize(
    ("held", "status"),
    [(Role.VIEWER, 403), (Role.ANALYST, 403), (Role.RISK_OFFICER, 200), (Role.ADMINISTRATOR, 200)],
)
def test_require_role_alias_in_signature(
    make_account: Callable[..., Account], held: Role, status: int
) -> None:
    router = APIRouter()

    @router.post("/score")
    def score(user: Annotated[object, Depends(require_role("risk_officer"))]) -> dict[str, str]:
        return {"ok": "yes"}

    client = TestClient(_tiny_app(router))
    assert client.post("/score", headers=make_account(held).headers).status_code == status


def test_password_guessing_is_slowed_down(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    account = make_account("viewer", username="guessed-user")
    for _ in range(5):
        wrong = {"username": "guessed-user", "password": "wrong-password-x"}
        assert http.post("/login", data=wrong).status_code == 401
    right = {"username": "guessed-user", "password": account.password}
    refused = http.post("/login", data=right)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert "Too many failed logins" in refused.text  # the page starts its sentence with a capital
    assert "haiquan_session" not in refused.cookies


def test_guesses_from_ever_new_addresses_are_capped_per_account(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    # The server trusts X-Forwarded-For from 127.0.0.1 (a local TLS proxy); a client claiming a
    # new address on each try escaped the per-address limit of 5. The account has its own: 20.
    account = make_account("viewer", username="sprayed-user")
    wrong = {"username": "sprayed-user", "password": "wrong-password-y"}
    for n in range(20):
        answer = http.post("/login", data=wrong, headers={"X-Forwarded-For": f"203.0.113.{n}"})
        assert answer.status_code == 401, n
    right = {"username": "sprayed-user", "password": account.password}
    refused = http.post("/login", data=right, headers={"X-Forwarded-For": "198.51.100.7"})
    assert refused.status_code == 429 and "haiquan_session" not in refused.cookies
    other = make_account("viewer", username="other-user")  # other accounts are not held up
    assert http.post("/login", data={"username": "other-user", "password": other.password},
                     headers={"X-Forwarded-For": "203.0.113.1"}).status_code == 303


def test_another_authorization_scheme_is_named_without_its_secret(http: httpx.Client) -> None:
    answer = http.get("/api/me", headers={"Authorization": "Basic YW46c2VjcmV0LXBhc3N3b3Jk"})
    assert answer.status_code == 401
    error = answer.json()
    assert error["got"] == "an Authorization header of the scheme 'Basic', not Bearer"
    assert "YW46" not in answer.text
