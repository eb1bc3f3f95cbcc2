"""A ceiling on request bodies, enforced before any route or dependency reads one.

FastAPI reads the whole body before it runs a route's dependencies, authentication included, so
without a ceiling anybody — no token needed — could make the server read and hold hundreds of
megabytes before being told 401. This plain ASGI middleware refuses a body larger than
:data:`MAX_REQUEST_BYTES` with 413 in the one error shape (``application/problem+json``): at
once when ``Content-Length`` says so, and as soon as a chunked body has passed the ceiling (a
chunked body is read here first, never more than the ceiling, and handed on to the application
from memory).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from haiquan.errors import PayloadTooLargeError
from haiquan.web.responses import problem_response

__all__ = ["MAX_REQUEST_BYTES", "BodyLimit"]

#: The largest request body the web app accepts: 8 MiB. The largest legitimate request,
#: ``POST /api/risk/score`` with its maximum of 1,000 declarations, measured 0.49 MB as compact
#: JSON and 0.63 MB pretty-printed (synthetic declarations, 2026-11); the ceiling leaves more
#: than ten times that for long names and escaped text.
MAX_REQUEST_BYTES = 8 * 1024 * 1024


def _too_large(got: str, limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        "the request body is too large",
        expected=f"a body of at most {limit} bytes",
        got=got,
        fix="send fewer items per request (POST /api/risk/score takes up to 1,000 "
        "declarations), or split the request",
    )


async def _refuse(error: PayloadTooLargeError, scope: Scope, receive: Receive, send: Send) -> None:
    # The rest of the body is not read: closing the connection is the only way to drop it.
    response = problem_response(error, scope.get("path"), {"Connection": "close"})
    await response(scope, receive, send)


class BodyLimit:
    """Refuse request bodies larger than ``limit`` bytes with 413 (see the module docstring)."""

    def __init__(self, app: ASGIApp, limit: int = MAX_REQUEST_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared: bytes | None = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if declared is not None and not chunked:
            text = declared.decode("latin-1").strip()
            if text.isdigit() and int(text) > self.limit:
                await _refuse(_too_large(f"a body of {text} bytes (Content-Length)", self.limit),
                              scope, receive, send)
                return
            # The server reads exactly Content-Length bytes: nothing more can come.
            await self.app(scope, receive, send)
            return
        if not chunked:  # no body at all
            await self.app(scope, receive, send)
            return
        parts: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client went away: nobody to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await _refuse(_too_large(f"more than {self.limit} bytes (chunked)", self.limit),
                              scope, receive, send)
                return
            parts.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(parts)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the client to disconnect

        await self.app(scope, replay, send)
