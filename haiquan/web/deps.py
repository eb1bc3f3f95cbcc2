"""Dependencies every router uses, as ``Annotated`` aliases.

Use them in route signatures::

    from haiquan.web.deps import AnalystUser, CurrentUser

    @router.get("/things")
    def list_things(user: CurrentUser) -> list[Thing]: ...

    @router.post("/things", dependencies=[Depends(require_role("analyst"))])
    def add_thing(body: ThingCreate) -> Thing: ...

A caller is authenticated by an API token (``Authorization: Bearer hq_...``, for machines) or by
the dashboard's signed session cookie. Writes made with a cookie must also carry the session's
CSRF token in the ``X-CSRF-Token`` header (the dashboard puts it in a ``<meta>`` tag), so another
site cannot make a logged-in browser write. Every router mounted by :func:`haiquan.web.create_app`
requires an authenticated caller, and a write route that names no role is held to
``administrator``: forgetting a role fails closed.

Per-request cost: the cheap dependencies are ``async def`` so FastAPI runs them on the event loop
instead of handing each one to a worker thread (a hop costs far more than the work), and a
verified API token is remembered for a short while
(:data:`haiquan.web.auth.store.TOKEN_CACHE_SECONDS`), so an API call needs no database query.
Only database work goes to a worker thread.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from haiquan.errors import AuthenticationError, PermissionDeniedError
from haiquan.settings import Settings, get_settings
from haiquan.web.auth import (
    SESSION_COOKIE,
    Role,
    Session,
    SessionSigner,
    User,
    UserStore,
    open_user_store,
)
from haiquan.web.responses import LoginRequired

__all__ = [
    "AdminUser",
    "AnalystUser",
    "CurrentUser",
    "OptionalUser",
    "PageUser",
    "RiskOfficerUser",
    "RoleRequirement",
    "SettingsDep",
    "SignerDep",
    "UserStoreDep",
    "authenticate",
    "default_policy",
    "require_role",
]

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiToken",
    description="An API token from `haiquan users token USERNAME` (starts with hq_).",
)
_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    scheme_name="SessionCookie",
    description="The dashboard's signed session cookie, set by POST /login.",
)

async def current_settings() -> Settings:
    """The process-wide settings (``async``: no worker thread for a cached value)."""
    return get_settings()


SettingsDep = Annotated[Settings, Depends(current_settings)]

_STORES: dict[str, UserStore] = {}


def user_store(settings: Settings) -> UserStore:
    """The users store configured in settings (one per database URL per process)."""
    url = settings.web_database
    store = _STORES.get(url)
    if store is None:
        store = _STORES.setdefault(url, open_user_store(settings))
    return store


async def get_user_store(settings: SettingsDep) -> UserStore:
    """:func:`user_store` as a dependency."""
    return user_store(settings)


UserStoreDep = Annotated[UserStore, Depends(get_user_store)]


async def get_signer(settings: SettingsDep) -> SessionSigner:
    """The session cookie signer for the configured secret and session length."""
    return SessionSigner(settings.secret_key, settings.session_minutes)


SignerDep = Annotated[SessionSigner, Depends(get_signer)]


def _no_credentials(got: str = "neither") -> AuthenticationError:
    return AuthenticationError(
        "authentication required",
        expected="an 'Authorization: Bearer hq_...' API token or a dashboard session cookie",
        got=got,
        fix="log in at /login, or create a token with `haiquan users token USERNAME`",
    )


def read_session(value: str, store: UserStore, signer: SessionSigner) -> tuple[User, Session]:
    """The user and session behind a cookie value.

    Raises:
        AuthenticationError: bad or expired cookie, unknown or deactivated user, or a session
            ended by a password/role change or "log out everywhere".
    """
    session = signer.read(value)
    user = store.get_user_by_id(session.user_id)
    if user is None or not user.active or user.session_epoch != session.epoch:
        raise AuthenticationError(
            "session ended",
            expected="a session of an active user",
            got="a session ended by logout everywhere, a password or role change, or deletion",
            fix="log in again",
        )
    if store.is_session_ended(session.session_id):
        raise AuthenticationError(
            "session ended",
            expected="a session that is still open",
            got="the cookie of a session that was logged out",
            fix="log in again",
        )
    return user, session


async def authenticate(
    request: Request,
    store: UserStoreDep,
    signer: SignerDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> User:
    """The caller, from an API token or a session cookie.

    Raises:
        AuthenticationError: no credentials, or credentials that do not verify.
    """
    cached = getattr(request.state, "user", None)
    if isinstance(cached, User):
        return cached
    if bearer is not None:
        if bearer.scheme.lower() != "bearer":
            raise _no_credentials()
        remembered = store.cached_user_for_token(bearer.credentials)
        if remembered is not None:
            user = remembered
        else:  # a database query: not on the event loop
            user = await run_in_threadpool(store.user_for_token, bearer.credentials)
    elif cookie:
        user, session = await run_in_threadpool(read_session, cookie, store, signer)
        if request.method in UNSAFE_METHODS:
            sent = request.headers.get("x-csrf-token")
            if sent is None or not hmac.compare_digest(sent, session.csrf):
                raise PermissionDeniedError(
                    "missing or wrong CSRF token",
                    expected="the X-CSRF-Token header holding this session's token",
                    got="no header" if sent is None else "a different token",
                    fix="send the value of <meta name='csrf-token'> from a dashboard page, "
                    "or use an API token instead of the cookie",
                )
    else:
        header = request.headers.get("authorization", "").strip()
        # Only the scheme is named: what follows it may be a password (Basic).
        raise _no_credentials(
            f"an Authorization header of the scheme {header.split()[0][:20]!r}, not Bearer"
            if header else "neither"
        )
    request.state.user = user
    return user


CurrentUser = Annotated[User, Depends(authenticate)]


def optional_user(
    request: Request,
    store: UserStoreDep,
    signer: SignerDep,
    cookie: Annotated[str | None, Depends(_cookie)],
) -> User | None:
    """The logged-in dashboard user, or ``None`` (for the login page itself)."""
    if not cookie:
        return None
    try:
        user, session = read_session(cookie, store, signer)
    except AuthenticationError:
        return None
    request.state.session = session
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]


def page_user(request: Request, user: OptionalUser) -> User:
    """The dashboard user; without a session, the browser is sent to the login page."""
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    request.state.user = user  # an error page later in the request keeps the menu
    return user


PageUser = Annotated[User, Depends(page_user)]


def _role_names(roles: tuple[Role, ...]) -> str:
    """The roles that pass, in words; administrators always pass, so they are named once.

    >>> _role_names((Role.ADMINISTRATOR,))
    'administrator'
    >>> _role_names((Role.RISK_OFFICER, Role.ANALYST))
    'risk_officer, analyst or administrator'
    """
    names = [r.value for r in roles if r is not Role.ADMINISTRATOR] + [Role.ADMINISTRATOR.value]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


class RoleRequirement:
    """A dependency that admits only users whose role allows one of ``roles``.

    ``create_app`` looks for instances of this class in a write route's dependencies to know
    that the route names its role.
    """

    def __init__(self, *roles: Role | str) -> None:
        if not roles:
            raise ValueError("require_role needs at least one role")
        self.roles = tuple(Role.parse(r) for r in roles)

    async def __call__(self, user: CurrentUser) -> User:
        if not any(user.allows(role) for role in self.roles):
            raise PermissionDeniedError(
                "your role does not allow this",
                expected=f"a user with the role {_role_names(self.roles)}",
                got=f"{user.username!r} with the role {user.role.value}",
                fix="ask an administrator to change your role, or use another account",
            )
        return user

    def __repr__(self) -> str:
        return f"require_role({', '.join(r.value for r in self.roles)})"


def require_role(*roles: Role | str) -> RoleRequirement:
    """A dependency admitting only users with one of ``roles`` (administrators always pass).

    >>> require_role("analyst", "risk officer")
    require_role(analyst, risk_officer)
    """
    return RoleRequirement(*roles)


AnalystUser = Annotated[User, Depends(require_role(Role.ANALYST))]
RiskOfficerUser = Annotated[User, Depends(require_role(Role.RISK_OFFICER))]
AdminUser = Annotated[User, Depends(require_role(Role.ADMINISTRATOR))]

_ADMIN_ONLY = RoleRequirement(Role.ADMINISTRATOR)
_MARK = "_haiquan_names_a_role"


def _names_a_role(route: object) -> bool:
    # The answer is cached on the route object itself: routes live as long as the app.
    found = getattr(route, _MARK, None)
    if found is None:
        found = False
        stack = list(getattr(getattr(route, "dependant", None), "dependencies", []))
        while stack and not found:
            dependant = stack.pop()
            found = isinstance(dependant.call, RoleRequirement)
            stack.extend(dependant.dependencies)
        if route is not None:
            setattr(route, _MARK, found)
    return bool(found)


async def default_policy(request: Request, user: CurrentUser) -> User:
    """Mounted on every API router: authenticate, and hold unnamed writes to administrator.

    Reads need any active user. A write route should name its role with :func:`require_role`;
    one that does not is treated as administrator-only, so a forgotten role fails closed.
    """
    if request.method in UNSAFE_METHODS and not _names_a_role(request.scope.get("route")):
        return await _ADMIN_ONLY(user)
    return user
