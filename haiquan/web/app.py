"""``create_app()``: the FastAPI application — the HTTP API and the dashboard.

Errors are translated here, in one handler table (:func:`haiquan.web.responses.exception_handlers`),
into the one error shape, RFC 9457 ``application/problem+json``
(:class:`haiquan.web.responses.Problem`). Stack traces are logged for 5xx only.

Every API router listed in ``ROUTER_MODULES`` is mounted behind
:func:`haiquan.web.deps.default_policy` — an authenticated caller for everything, a named role
(else administrator) for every write — and declares the error shape for 401/403/413/422/500.
A request body larger than :data:`haiquan.web._body_limit.MAX_REQUEST_BYTES` is refused with 413
before any route or dependency reads it.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from haiquan import __version__
from haiquan.errors import ConfigurationError, PermissionDeniedError
from haiquan.settings import Settings, get_settings
from haiquan.web._body_limit import BodyLimit
from haiquan.web.deps import default_policy
from haiquan.web.responses import (
    PROBLEM_MEDIA_TYPE,
    error_responses,
    exception_handlers,
    problem_response,
)
from haiquan.web.routers import ROUTER_MODULES

__all__ = ["create_app", "operation_id"]

log = logging.getLogger(__name__)

_MIN_PRODUCTION_SECRET = 32

# Scripts only from this server (Plotly's JavaScript included): no CDN, no inline script.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
# The API explorer's own assets are served locally too (a customs network may have no internet);
# its page starts the explorer with one inline script, allowed on that page only.
_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'"
)
_DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"
_DOCS_PREFIX = "/static/api-docs"


class _SecurityHeaders:
    """Security headers on every HTTP response.

    A plain ASGI middleware: it only edits the response start message. (Starlette's
    ``BaseHTTPMiddleware`` runs every request through extra tasks and memory streams, which
    cost about 0.6 ms per request, a third of a bare request's time.)
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        docs = path == "/docs"
        no_store = path.startswith("/api") or not path.startswith("/static")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", _DOCS_CSP if docs else _CSP)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "DENY")
                if no_store:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class _NoCrossSiteWrites:
    """Refuse a write that a browser says another site started (``Sec-Fetch-Site: cross-site``).

    The API's cookie writes carry a CSRF token, but the login and logout forms cannot (there is
    no session yet, or it is ending): without this, another site could log a reader's browser
    into the attacker's account (whatever the reader then records is the attacker's) or log them
    out. Browsers set the header themselves and pages cannot forge it; scripts, the CLI and
    partner nodes do not send it, so they are unaffected. Same-origin and same-site requests
    and typed or bookmarked addresses (``none``) pass.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in _UNSAFE_METHODS:
            for name, value in scope["headers"]:
                if name == b"sec-fetch-site" and value.strip().lower() == b"cross-site":
                    error = PermissionDeniedError(
                        "a write started by another site is refused",
                        expected="a request from this server's own pages, or a script "
                        "(an API token)",
                        got="Sec-Fetch-Site: cross-site",
                        fix="open this server's own page and submit it there",
                    )
                    response = problem_response(error, scope.get("path"))
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def _check_settings(settings: Settings) -> None:
    if settings.mode != "local" and len(settings.secret_key) < _MIN_PRODUCTION_SECRET:
        raise ConfigurationError(
            "secret key too short for production",
            expected=f"HAIQUAN_SECRET_KEY of at least {_MIN_PRODUCTION_SECRET} characters",
            got=f"{len(settings.secret_key)} characters",
            fix="export HAIQUAN_SECRET_KEY=$(openssl rand -hex 32)",
        )


def _add_api_explorers(app: FastAPI) -> None:
    """``/docs`` (Swagger UI), with its JavaScript served by this app.

    The assets come from the installed ``fastapi-offline`` package (Swagger UI 5, which reads
    OpenAPI 3.1), so the explorer works on a network without internet access. ReDoc is not
    offered: it loads its logo from cdn.redoc.ly whatever its options say.
    """
    app.mount(_DOCS_PREFIX, StaticFiles(directory=_DOCS_ASSETS), name="api-docs")
    title = f"{app.title} API"

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=title,
            swagger_js_url=f"{_DOCS_PREFIX}/swagger-ui-bundle.js",
            swagger_css_url=f"{_DOCS_PREFIX}/swagger-ui.css",
            swagger_favicon_url=f"{_DOCS_PREFIX}/favicon.png",
        )


def operation_id(route: APIRoute) -> str:
    """The OpenAPI ``operationId`` of a route: its function's name, which names what it does
    (``list_aeo_operators``, ``get_partner_forecast``), so generated clients read well.

    FastAPI's default appends the path and method (``series_api_trade_partners__code__series_get``).
    Route functions are named verb first and unique across the API; ``tests/web/test_openapi.py``
    checks that every id is unique and readable.
    """
    return route.name


_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _serve_problems_as_problem_json(app: FastAPI) -> None:
    """Declare every error answer under ``application/problem+json``, the media type it is
    served with (FastAPI puts a ``responses=`` model under the route's own media type)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = build()
            for operations in spec.get("paths", {}).values():
                for operation in operations.values():
                    for answer in operation.get("responses", {}).values():
                        content = answer.get("content", {})
                        if content.get("application/json", {}).get("schema") == _PROBLEM_REF:
                            content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application: every API router in ``ROUTER_MODULES`` and the dashboard.

    Raises:
        ConfigurationError: the settings are unsafe for the configured mode.
    """
    settings = settings or get_settings()
    _check_settings(settings)
    app = FastAPI(
        title="haiquan",
        version=__version__,
        description=(
            "HTTP API of haiquan, a customs administration's international cooperation "
            "platform. Authenticate with `Authorization: Bearer <API token>` (create one with "
            "`haiquan users token USERNAME`). Every error is RFC 9457 problem details "
            "(`application/problem+json`, the schema `Problem`) with `expected`, `got` and "
            "`fix` members."
        ),
        exception_handlers=exception_handlers(),  # type: ignore[arg-type]
        generate_unique_id_function=operation_id,
        docs_url=None,
        redoc_url=None,
    )
    # Added first, so it runs inside the security headers: a 413 carries them too.
    app.add_middleware(BodyLimit)
    app.add_middleware(_NoCrossSiteWrites)
    app.add_middleware(_SecurityHeaders)
    _add_api_explorers(app)
    _serve_problems_as_problem_json(app)
    guarded = [Depends(default_policy)]
    for name in ROUTER_MODULES:
        module = importlib.import_module(f"haiquan.web.routers.{name}")
        if getattr(module, "PUBLIC", False):
            app.include_router(module.router, responses=error_responses(413, 422, 500))
        else:
            app.include_router(
                module.router,
                dependencies=guarded,
                responses=error_responses(401, 403, 413, 422, 500),
            )
    from haiquan.web.dashboard import router as dashboard_router

    app.include_router(dashboard_router)
    return app

