"""The node's own small HTTP app: receive envelope batches, publish the JWKS.

It is separate from haiquan's main web app because a gateway runs in its own security zone.
Routes (all JSON):

* ``POST /exchange/v1/messages`` — body ``{"messages": [jws, ...]}``; answers 200 with
  ``{"results": [{"message_id", "status", "error"?}], "receipt": jws}``: one result per
  envelope, in order, and the receiver's signature over all of them.
  A body that is unusable as a whole gets the error shape plus ``jws`` (the same error, signed).
* ``GET /.well-known/jwks.json`` — this node's public keys.
* ``GET /exchange/v1/node`` — country, protocol version and document types.

Any other path (or method) is answered in the same signed error shape: 404 ``not_found``
(405 for a known path with the wrong method).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from haiquan import __version__
from haiquan.errors import (
    HaiquanError,
    InputError,
    NotFoundError,
    PayloadTooLargeError,
    StorageError,
)
from haiquan.exchange._limits import BodyBudget
from haiquan.exchange._util import one_line
from haiquan.exchange.client import JWKS_PATH, MESSAGES_PATH, NODE_PATH
from haiquan.exchange.documents import DOCUMENT_TYPES
from haiquan.exchange.node import GatewayNode

__all__ = ["create_gateway_app"]

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"description": text}
    for status, text in {
        400: "malformed request body (signed error)",
        413: "request too large (signed error)",
        500: "server error (signed error)",
    }.items()
}


class _GatewayApp(FastAPI):
    """The node's FastAPI app with a raw ASGI fast path for ``POST /exchange/v1/messages``.

    That route carries every message, so it skips FastAPI's and Starlette's per-request
    machinery (middleware stack, dependency solving, request objects) and runs the receiver in
    the event loop rather than handing it to a worker thread (the hand-over and wake-ups cost
    more than they save). The receiver's work is CPU-bound Python under the GIL, so a thread
    gained no parallelism; a batch being stored delays the node's other requests by that batch's
    time. The route stays declared on the app; both paths answer alike.
    """

    node: GatewayNode
    budget: BodyBudget

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["method"] == "POST"
                and scope["path"] == MESSAGES_PATH):
            await _fast_messages(self, scope, receive, send)
            return
        await super().__call__(scope, receive, send)


async def _fast_messages(app: _GatewayApp, scope: Scope, receive: Receive, send: Send) -> None:
    node = app.node
    status = 200
    headers = [(b"content-type", b"application/json")]
    body = b""
    try:
        body = await _read_body(node, app.budget, dict(scope["headers"]), receive)
        outcome = node.receiver.receive_body(body)
        payload = outcome.to_json()
    except _Disconnected:
        return
    except Exception as error:  # noqa: BLE001 - every failure is answered as a signed error
        status, answer = _error_answer(node, error, MESSAGES_PATH)
        payload = json.dumps(answer).encode("utf-8")
        if isinstance(error, _BodyUnread):
            headers.append((b"connection", b"close"))  # the rest of its body is not wanted
    finally:
        app.budget.give_back(len(body))
    headers.append((b"content-length", str(len(payload)).encode("ascii")))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


class _Disconnected(Exception):
    """The client went away before sending its whole body."""


class _BodyUnread(HaiquanError):
    """A request refused before its whole body was read (the connection is then closed)."""


class _BodyTimeoutError(_BodyUnread):
    status = 408
    code = "request_timeout"


class _BusyError(_BodyUnread):
    status = 503
    code = "busy"


async def _read_body(
    node: GatewayNode, budget: BodyBudget, headers: dict[bytes, bytes], receive: Receive
) -> bytes:
    """The request body, refused before it is read when it is not JSON or declared larger than
    a full batch, and while it is read when it passes that size, takes longer than
    ``body_timeout_seconds``, or would pass the bytes all bodies may hold at once.

    The bytes returned stay reserved in ``budget``: the caller gives them back once handled.
    """
    content_type = headers.get(b"content-type", b"").decode("latin-1")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise _TypeError(
            "the request must be JSON",
            expected="content-type application/json",
            got=one_line(content_type, 100) or "none",
            fix="post the batch as application/json",
        )
    limit = node.receiver.max_request_bytes
    declared = headers.get(b"content-length", b"").decode("latin-1")
    if declared.isdigit() and int(declared) > limit:
        raise _TooLargeError(
            "the request is too large",
            expected=f"at most {limit} bytes",
            got=f"{declared} bytes",
            fix="send fewer envelopes per request",
        )
    parts: list[bytes] = []
    size = 0
    seconds = node.config.body_timeout_seconds
    try:
        async with asyncio.timeout(seconds):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise _Disconnected
                chunk = message.get("body", b"")
                if size + len(chunk) > limit:
                    raise _TooLargeError(
                        "the request is too large",
                        expected=f"at most {limit} bytes",
                        got=f"more than {limit} bytes",
                        fix="send fewer envelopes per request",
                    )
                if not budget.take(len(chunk)):
                    raise _BusyError(
                        "the node is busy receiving other requests",
                        expected=f"room for this request among the {budget.limit} bytes of "
                        "requests this node holds at once",
                        got=f"{budget.held} bytes held",
                        fix="retry later (the sender does so by itself)",
                    )
                size += len(chunk)
                parts.append(chunk)
                if not message.get("more_body", False):
                    break
    except TimeoutError:
        budget.give_back(size)
        raise _BodyTimeoutError(
            "the request body was not sent in time",
            expected=f"the whole body within {seconds:g} s",
            got=f"{size} bytes",
            fix="send the batch at once; on a slow link send smaller batches",
        ) from None
    except BaseException:
        budget.give_back(size)
        raise
    return b"".join(parts)


class _TypeError(_BodyUnread, InputError):
    """Not JSON: refused before the body is read."""


class _TooLargeError(_BodyUnread, PayloadTooLargeError):
    """Declared or found larger than a full batch: refused without reading the rest."""


class _RouteError(InputError):
    """Starlette's refusal of a request (e.g. 405, wrong method) in haiquan's error shape."""

    code = "bad_request"

    def __init__(self, status: int, message: str, **parts: Any) -> None:
        super().__init__(message, **parts)
        self.status = status  # type: ignore[misc]  # this instance's HTTP status


def _error_answer(node: GatewayNode, error: Exception, path: str) -> tuple[int, dict[str, Any]]:
    """The status and signed error body for a failure; logged with its trace when a 5xx."""
    if isinstance(error, StorageError):
        # The operator reads the cause and the store's path in the log (once per request, no
        # trace: it is not a bug); the partner learns the cause, not the path, and retries.
        node.log.error("cannot store on %s: %s", path, error)
        full = "full" in error.summary
        told = StorageError(
            "the receiving node cannot store messages now: "
            + ("its disk is full" if full else "its store is read-only"),
            expected="a receiving node able to store messages",
            got="disk full" if full else "read-only store",
            fix="the sender retries automatically; the receiving operator must "
            + ("free disk space" if full else "make the store writable"),
        )
        return told.status, node.receiver.signed_error(told)
    if isinstance(error, HaiquanError):
        if error.status >= 500:
            node.log.exception("server error on %s", path, exc_info=error)
        elif path == MESSAGES_PATH:
            node.receiver.refusals.warning("refused a request to %s as a whole: %s [%s]", path,
                                           one_line(str(error)), error.code)
        return error.status, node.receiver.signed_error(error)
    # A bug or a database outage: log it, and still answer in the signed error shape so the
    # sender knows to retry (a 5xx is never final).
    node.log.exception("unexpected error on %s", path, exc_info=error)
    wrapped = HaiquanError(
        "the receiving node failed while handling the request",
        expected="a node able to store messages",
        got=type(error).__name__,
        fix="the sender retries automatically; the receiving operator should check its logs",
    )
    return 500, node.receiver.signed_error(wrapped)


def create_gateway_app(node: GatewayNode) -> FastAPI:
    """A FastAPI app serving ``node``."""
    # No /docs, /redoc or /openapi.json: a gateway answers partners only, and Swagger UI would
    # load scripts from a CDN into a node in its own security zone. The protocol is described in
    # docs/exchange-protocol.md; every other path gets the signed 404.
    app = _GatewayApp(title=f"haiquan gateway {node.country}", version=__version__,
                      docs_url=None, redoc_url=None, openapi_url=None)
    app.node = node
    app.budget = BodyBudget(node.config.body_budget_bytes)

    async def _signed_error(request: Request, error: Exception) -> JSONResponse:
        status, answer = _error_answer(node, error, request.url.path)
        return JSONResponse(answer, status_code=status)

    async def _unknown_route(request: Request, error: Exception) -> JSONResponse:
        # Starlette's own answers (no such path, wrong method) in the gateway's error shape.
        status = getattr(error, "status_code", 404)
        known = f"POST {MESSAGES_PATH}, GET {NODE_PATH} or GET {JWKS_PATH}"
        wrapped: HaiquanError = (
            NotFoundError(
                "no such gateway route",
                expected=known,
                got=f"{request.method} {one_line(request.url.path, 200)}",
                fix="check the partner endpoint configured for this node (no path after the "
                "host); see docs/exchange-protocol.md",
            )
            if status == 404
            else _RouteError(
                status,
                "the request cannot be served",
                expected=known,
                got=f"{request.method} {one_line(request.url.path, 200)}: HTTP {status} "
                f"{getattr(error, 'detail', '')}",
                fix="use the method and path the protocol names",
            )
        )
        answer = node.receiver.signed_error(wrapped)
        return JSONResponse(answer, status_code=wrapped.status,
                            headers=getattr(error, "headers", None))

    app.add_exception_handler(HaiquanError, _signed_error)
    app.add_exception_handler(StarletteHTTPException, _unknown_route)
    app.add_exception_handler(Exception, _signed_error)

    @app.post(MESSAGES_PATH, responses=_ERRORS, response_class=Response)
    async def receive_messages(request: Request) -> Response:
        """Receive a batch of signed envelopes (served by the app's ASGI fast path; this
        route answers the same way if reached)."""
        body = await _read_body(node, app.budget, dict(request.scope["headers"]),
                                request.receive)
        try:
            outcome = await run_in_threadpool(node.receiver.receive_body, body)
        finally:
            app.budget.give_back(len(body))
        return Response(outcome.to_json(), media_type="application/json")

    @app.get(JWKS_PATH)
    def jwks() -> dict[str, Any]:
        """The public keys that verify this node's envelopes and receipts."""
        node.keyring.reload_if_changed()
        return node.jwks()

    @app.get(NODE_PATH)
    def about() -> dict[str, Any]:
        """Who this node is and what it accepts."""
        return {
            "country": node.country,
            "name": node.config.name,
            "protocol": "haiquan-c2c/1",
            "max_payload_bytes": node.config.max_payload_bytes,
            "max_batch": node.config.max_batch,
            "document_types": [d.summary() for d in DOCUMENT_TYPES.values()],
        }

    from haiquan.exchange.as4.binding import mount_as4  # POST /exchange/as4 (AS4 partners)

    mount_as4(app, node)
    return app
