"""The one error shape of the HTTP API (RFC 9457 problem details), declared in OpenAPI, and the
handler table.

Every error — ours (:class:`~haiquan.errors.HaiquanError`), FastAPI's request validation, an
unknown path, a wrong method, an unexpected crash — leaves the server as
``application/problem+json``::

    {"type": "urn:haiquan:problem:not_found", "title": "Not found", "status": 404,
     "detail": "...", "instance": "/api/...",
     "code": "not_found", "expected": "...", "got": "...", "fix": "...", "details": {...}}

``type``/``title``/``status``/``detail``/``instance`` are RFC 9457's members, so generic HTTP
clients read them; ``code``, ``expected``, ``got``, ``fix`` and ``details`` are extension members
carrying what :class:`~haiquan.errors.HaiquanError` says. Scripts parse this, so it is a contract:
``Problem`` declares it in OpenAPI for every route, and ``tests/web/test_error_shape.py`` holds
it. (The gateway's partner-facing protocol, in :mod:`haiquan.exchange`, has its own versioned
error format; this module does not touch it.)
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from haiquan.errors import HaiquanError, NotFoundError, NotReadyError, ValidationError

__all__ = [
    "ERROR_DESCRIPTIONS",
    "PROBLEM_MEDIA_TYPE",
    "LoginRequired",
    "Problem",
    "error_responses",
    "exception_handlers",
    "problem_body",
    "problem_response",
]

log = logging.getLogger(__name__)

#: What each error status means on this API (shown in OpenAPI).
ERROR_DESCRIPTIONS: Mapping[int, str] = {
    400: "Bad input; nothing was changed.",
    401: "Not authenticated: no, expired or invalid session cookie or API token.",
    403: "Authenticated, but the user's role does not allow this.",
    404: "The thing asked for does not exist (or the code is unknown).",
    405: "This path does not accept this HTTP method.",
    409: "The request clashes with stored state.",
    413: "The request body is too large.",
    422: "The request or a value in it breaks its rules; nothing was changed.",
    500: "Server error; the message says what to check.",
    502: "A partner node could not be reached or refused.",
    503: "The result is still being computed in the background for the current data; "
    "`details` say how far it has got. Ask again after the Retry-After seconds.",
}

#: Seconds a client is told to wait (``Retry-After``) before asking again for a result still
#: being computed.
RETRY_AFTER_SECONDS = 5


#: The media type of every error answer (RFC 9457).
PROBLEM_MEDIA_TYPE = "application/problem+json"
_TYPE_PREFIX = "urn:haiquan:problem:"


class Problem(BaseModel):
    """An error as RFC 9457 problem details, with what was expected, what came and the fix."""

    type: str = Field(
        description="URI naming the kind of problem: `urn:haiquan:problem:` and the `code`."
    )
    title: str = Field(description="Short summary of the kind of problem (the same for a type).")
    status: int = Field(description="The HTTP status, repeated for clients that lose it.")
    detail: str = Field(description="This occurrence in one readable sentence.")
    instance: str | None = Field(default=None, description="The path of the request.")
    code: str = Field(description="Stable machine-readable code, e.g. 'not_found'.")
    expected: str | None = Field(default=None, description="What the server expected.")
    got: str | None = Field(default=None, description="What it received instead.")
    fix: str | None = Field(default=None, description="What the caller can do about it.")
    details: dict[str, Any] = Field(
        default_factory=dict, description="Structured extra facts (e.g. validation errors)."
    )


def problem_body(error: HaiquanError, instance: str | None = None) -> dict[str, Any]:
    """``error`` as a problem-details object (the body of :func:`problem_response`).

    >>> from haiquan.errors import NotFoundError
    >>> body = problem_body(NotFoundError("no such user", got="ann"), "/api/users/ann")
    >>> body["type"], body["title"], body["status"], body["got"], body["instance"]
    ('urn:haiquan:problem:not_found', 'Not found', 404, 'ann', '/api/users/ann')
    """
    inner = error.to_dict()["error"]
    code = str(inner["code"])
    return {
        "type": _TYPE_PREFIX + code,
        "title": code.replace("_", " ").capitalize(),
        "status": inner["status"],
        "detail": inner["message"],
        "instance": instance,
        "code": code,
        "expected": inner.get("expected"),
        "got": inner.get("got"),
        "fix": inner.get("fix"),
        "details": inner.get("details") or {},
    }


def problem_response(
    error: HaiquanError, instance: str | None = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The ``application/problem+json`` answer for ``error``."""
    return JSONResponse(
        problem_body(error, instance),
        status_code=error.status,
        headers=dict(headers) if headers else None,
        media_type=PROBLEM_MEDIA_TYPE,
    )


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """An OpenAPI ``responses=`` mapping declaring ``Problem`` for each status (served as
    ``application/problem+json``: :func:`haiquan.web.app.create_app` moves the schema there).

    >>> sorted(error_responses(404, 401))
    [401, 404]
    """
    return {
        status: {"model": Problem, "description": ERROR_DESCRIPTIONS.get(status, "Error.")}
        for status in statuses
    }


class LoginRequired(Exception):
    """A dashboard page was asked for without a valid session: send the browser to log in."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def _json(request: Request, error: HaiquanError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    if isinstance(error, NotReadyError):
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return problem_response(error, request.url.path, headers)


def _wants_html(request: Request) -> bool:
    # Dashboard pages answer a browser with a readable page; the API always answers JSON.
    path = request.url.path
    return (
        not path.startswith(("/api", "/static"))
        and path not in ("/openapi.json",)
        and "text/html" in request.headers.get("accept", "")
    )


def _reader(request: Request) -> Any:
    """The logged-in user behind the request's session cookie, or ``None`` (never an error:
    an error page must render whatever the cookie holds)."""
    from haiquan.settings import get_settings
    from haiquan.web.auth import SESSION_COOKIE, SessionSigner
    from haiquan.web.deps import read_session, user_store

    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        settings = get_settings()
        signer = SessionSigner(settings.secret_key, settings.session_minutes)
        user, _ = read_session(cookie, user_store(settings), signer)
    except HaiquanError:
        return None
    return user


def _html(request: Request, error: HaiquanError, problems: list[Any] | None = None) -> Response:
    from haiquan.web.dashboard._render import render

    # A logged-in reader keeps the menu on an error page, to go on from there; the user is known
    # when the error came after authentication (an unknown partner, say), not before it.
    user = getattr(request.state, "user", None)
    context = {"error": error, "title": "Error", "problems": problems or []}
    return render(request, "error.html", context, user, status_code=error.status)


def _html_validation_error(request: Request, error: RequestValidationError,
                           problems: list[Any]) -> Response:
    """A dashboard page's address or form that does not fit, for a person with a browser: each
    field named as the page labels it, in words (pydantic's field paths and rule sentences stay
    in the JSON shape only)."""
    from haiquan.web._field_errors import field_problems

    fields = field_problems(request, error.errors())
    if not fields:
        return _html(request, ValidationError(
            "this page's address or form is not valid",
            fix="follow a link from the dashboard", details={"errors": problems}))
    if len(fields) == 1:
        (field,) = fields
        wrapped = ValidationError(field.heading, expected=field.expected, got=field.got,
                                  fix=field.fix, details={"errors": problems})
        return _html(request, wrapped)
    names = ", ".join(dict.fromkeys(f.label for f in fields))
    where = ("of the form" if all(f.in_form for f in fields)
             else "in the page's address" if not any(f.in_form for f in fields)
             else "of this page's form and address")
    wrapped = ValidationError(
        f"{len(fields)} fields {where} are not valid: {names}",
        fix="correct each field as said below and try again, or follow a link from the "
        "dashboard",
        details={"errors": problems},
    )
    return _html(request, wrapped, fields)


async def _haiquan_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HaiquanError)
    if error.status >= 500 and not isinstance(error, NotReadyError):
        log.error("server error on %s", request.url.path, exc_info=error)
    if _wants_html(request):
        return _html(request, error)
    return _json(request, error)


def _location(loc: Any) -> str:
    parts = [str(p) for p in loc if p not in ("body",)] if isinstance(loc, list | tuple) else []
    return ".".join(parts) or "request"


def _body_error(
    request: Request, first: Mapping[str, Any], json_error: str | None, problems: list[Any]
) -> ValidationError | None:
    """A clearer error for a body that is not JSON at all, or not sent as JSON; else ``None``."""
    loc = first.get("loc") or ()
    if not loc or loc[0] != "body":
        return None
    content_type = request.headers.get("content-type", "")
    sent_as_json = content_type.split(";")[0].strip().lower() == "application/json"
    if first.get("type") == "json_invalid":
        position = loc[1] if len(loc) > 1 else "?"
        return ValidationError(
            f"the body is not valid JSON at position {position} ({json_error or 'decode error'})",
            expected="a JSON object as described in /openapi.json",
            got=f"a body that stops being JSON at character {position}",
            fix="check the JSON near that position (quotes around keys and strings, commas, "
            "no trailing comma), e.g. with `python -m json.tool`",
            details={"errors": problems},
        )
    if len(loc) == 1 and not sent_as_json and request.method in ("POST", "PUT", "PATCH"):
        got = first.get("input")
        return ValidationError(
            "the body was not sent as JSON",
            expected="a JSON body with the header Content-Type: application/json",
            got=f"Content-Type {content_type or 'none'}"
            + (f" with the body {repr(got)[:200]}" if got not in (None, "", b"") else ""),
            fix="send the header Content-Type: application/json (curl: -H 'Content-Type: "
            "application/json' --data ..., or --json ...)",
            details={"errors": problems},
        )
    if len(loc) == 1 and first.get("type") == "missing":
        return ValidationError(
            "the request has no body",
            expected="a JSON body as described in /openapi.json",
            got="an empty body",
            fix="send the JSON body with the header Content-Type: application/json",
            details={"errors": problems},
        )
    return None


#: Body fields whose values never come back in an error (a rejected password, a token).
_SECRET_FIELDS = frozenset({"password", "token", "secret"})
_HIDDEN = "(hidden)"


def _safe_input(value: Any, key: object = None) -> Any:
    """``value`` fit to go back in an error body: secrets hidden, and numbers JSON cannot carry
    (NaN, Infinity: Python's JSON reader accepts them) given as text, as the caller wrote
    them, instead of crashing the answer into a 500."""
    if isinstance(key, str) and key.lower() in _SECRET_FIELDS and value is not None:
        return _HIDDEN
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, Mapping):
        return {k: _safe_input(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_safe_input(v) for v in value]
    return value


def _safe_problem(problem: Mapping[str, Any]) -> dict[str, Any]:
    loc = problem.get("loc") or ()
    last = loc[-1] if loc else None
    out = dict(problem)
    if "input" in out:
        out["input"] = _safe_input(out["input"], last)
    return out


def _shown_input(problem: Mapping[str, Any]) -> str:
    """What came, for ``got``: a missing field is "nothing" (not the whole object around it),
    an explicit JSON null is "null"."""
    if problem.get("type") == "missing":
        return "nothing"
    got = problem.get("input")
    return "null" if got is None else repr(got)[:200]


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = [_safe_problem(p) for p in jsonable_encoder(error.errors())]
    json_error: str | None = None
    for problem in problems:
        problem.pop("url", None)
        ctx = problem.pop("ctx", None)
        if problem.get("type") == "json_invalid" and isinstance(ctx, dict):
            json_error = str(ctx.get("error", "")) or None
    first = problems[0] if problems else {}
    where = _location(first.get("loc", ()))
    shown = _shown_input(first)
    if _wants_html(request):
        # A dashboard page's address or form: the reader is a person with a browser.
        return _html_validation_error(request, error, problems)
    wrapped = _body_error(request, first, json_error, problems) or ValidationError(
        f"request does not match the API at {where}",
        expected=str(first.get("msg", "a request as described in /openapi.json")),
        got=shown,
        fix="see the parameter's schema in /docs (OpenAPI) and correct the request",
        details={"errors": problems},
    )
    return _json(request, wrapped)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 404:
        if _wants_html(request):
            # A reader who followed an old bookmark or mistyped an address: a page in the
            # dashboard's words, with the menu when the session cookie says who they are.
            page = NotFoundError(
                "no such page",
                expected="a page of the dashboard (the menu lists them)",
                got=request.url.path,
                fix="check the address, or start again from the overview at /",
            )
            request.state.user = await run_in_threadpool(_reader, request)
            return _html(request, page)
        wrapped: HaiquanError = NotFoundError(
            "no such path",
            expected="a path listed in /openapi.json",
            got=f"{request.method} {request.url.path}",
            fix="check the URL; the API lives under /api and is documented at /docs",
        )
    else:
        wrapped = HaiquanError(
            str(error.detail),
            expected="a request this path accepts",
            got=f"{request.method} {request.url.path}",
            fix="see /docs for the methods this path accepts",
        )
        wrapped.status = error.status_code  # type: ignore[misc]
        wrapped.code = {405: "method_not_allowed"}.get(error.status_code, "http_error")  # type: ignore[misc]
    response = _json(request, wrapped)
    if error.headers:
        response.headers.update(error.headers)
    return response


async def _crash(request: Request, error: Exception) -> Response:
    log.error("unhandled error on %s", request.url.path, exc_info=error)
    wrapped = HaiquanError(
        "internal server error",
        expected="the request to be handled",
        got=type(error).__name__,
        fix="retry later; if it persists, send the server log to the administrator",
    )
    return _json(request, wrapped)


async def _login_required(request: Request, error: Exception) -> Response:
    assert isinstance(error, LoginRequired)
    from urllib.parse import quote

    return RedirectResponse(f"/login?next={quote(error.next_path, safe='/')}", status_code=303)


Handler = Callable[[Request, Exception], Awaitable[Response]]


def exception_handlers() -> dict[Any, Handler]:
    """The one handler table: each exception type and the function that answers it."""
    return {
        HaiquanError: _haiquan_error,
        RequestValidationError: _validation_error,
        StarletteHTTPException: _http_error,
        LoginRequired: _login_required,
        Exception: _crash,
    }
