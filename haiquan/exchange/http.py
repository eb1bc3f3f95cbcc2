"""The node's own small HTTP app: receive envelope batches, publish the JWKS.

It is separate from haiquan's main web app because a gateway runs in its own security zone.
Routes (all JSON):

* ``POST /exchange/v1/messages`` — body ``{"messages": [jws, ...]}``; answers 200 with
  ``{"results": [{"message_id", "status", "error"?}], "receipt": jws}``: one result per
  envelope, in order, and the receiver's signature over all of them.
  A body that is unusable as a whole gets the error shape plus ``jws`` (the same error, signed).
* ``GET /.well-known/jwks.json`` — this node's public keys.
* ``GET /exchange/v1/node`` — country, protocol version and document types.
* ``POST /exchange/as4`` — an eDelivery AS4 user message (``haiquan.exchange.as4``), read
  under the same limits as a batch (type and declared length first, body timeout, bytes held
  at once); a body refused unread is answered with a signed ebMS error signal.

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
from haiquan.exchange.as4.binding import AS4_PATH, As4Answer, as4_gateway, as4_request_limit
from haiquan.exchange.as4.ebms import EbmsProblem
from haiquan.exchange.client import JWKS_PATH, MESSAGES_PATH, NODE_PATH
from haiquan.exchange.documents import DOCUMENT_TYPES
from haiquan.exchange.logs import log_fields
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
        if scope["type"] == "http" and scope["method"] == "POST":
            if scope["path"] == MESSAGES_PATH:
                await _fast_messages(self, scope, receive, send)
                return
            if scope["path"] == AS4_PATH:
                await _fast_as4(self, scope, receive, send)
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


async def _fast_as4(app: _GatewayApp, scope: Scope, receive: Receive, send: Send) -> None:
    """``POST /exchange/as4`` under the limits of ``POST /exchange/v1/messages``: the type
    (``multipart/related``) and declared length are checked before any byte of the body is read,
    the body must arrive within ``body_timeout_seconds`` and counts against the bytes held at
    once. A refused body is answered with a signed ebMS error, as AS4 senders expect: too large
    (EBMS:0004) or not a SOAP-with-attachments message (EBMS:0007) are final (HTTP 200, as
    every ebMS refusal of this binding); busy (503), too slow (408) and a store that cannot
    write (507) are EBMS:0005, which a sender retries."""
    answer = await _answer_as4(app, dict(scope["headers"]), receive)
    if answer is None:
        return
    out = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers.items()
           if k.lower() != "content-length"]
    out.append((b"content-length", str(len(answer.body)).encode("ascii")))
    await send({"type": "http.response.start", "status": answer.status, "headers": out})
    await send({"type": "http.response.body", "body": answer.body})


async def _answer_as4(app: _GatewayApp, headers: dict[bytes, bytes], receive: Receive
                      ) -> As4Answer | None:
    """The answer to an AS4 request (None: the client went away before sending its body)."""
    node = app.node
    body = b""
    try:
        body = await _read_body(node, app.budget, headers, receive,
                                media_type="multipart/related",
                                limit=as4_request_limit(node.config.max_payload_bytes))
        kept = {name.decode("latin-1"): value.decode("latin-1")
                for name, value in headers.items() if name in (b"content-type", b"mime-version")}
        answer = await run_in_threadpool(as4_gateway(node).receive, kept, body)
    except _Disconnected:
        return None
    except _BodyUnread as error:
        answer = await run_in_threadpool(_as4_refusal, node, error)
        answer.headers["connection"] = "close"  # the rest of its body is not wanted
    except StorageError as error:  # a full or read-only store: EBMS:0005, the sender retries
        answer = await run_in_threadpool(_as4_refusal, node, _storage_told(node, error,
                                                                          AS4_PATH))
    except Exception as error:  # noqa: BLE001 - e.g. no AS4 identity: the signed JSON error
        status, payload = _error_answer(node, error, AS4_PATH)
        answer = As4Answer(status, {"content-type": "application/json"},
                           json.dumps(payload).encode("utf-8"))
    finally:
        app.budget.give_back(len(body))
    return answer


def _as4_refusal(node: GatewayNode, error: HaiquanError) -> As4Answer:
    """The signed ebMS error for an AS4 request refused before its body was read (logged at the
    refusals' bounded rate) or that could not be stored; the signed JSON error when this node
    has no AS4 identity."""
    if isinstance(error, _BodyUnread):
        node.receiver.refusals.warning("refused a request to %s as a whole: %s [%s]", AS4_PATH,
                                       one_line(str(error)), error.code,
                                       extra=log_fields("request_refused", code=error.code))
    final: dict[type[HaiquanError], tuple[str, int]] = {
        _TooLargeError: ("EBMS:0004", 200), _TypeError: ("EBMS:0007", 200)}
    code, status = final.get(type(error), ("EBMS:0005", error.status))
    from haiquan.exchange.as4 import codec

    try:
        headers, signal = codec.build_error_signal(EbmsProblem(code, one_line(str(error), 900)),
                                                   as4_gateway(node).me())
    except HaiquanError:
        status, payload = _error_answer(node, error, AS4_PATH)
        return As4Answer(status, {"content-type": "application/json"},
                         json.dumps(payload).encode("utf-8"))
    return As4Answer(status, dict(headers), signal)


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
    node: GatewayNode, budget: BodyBudget, headers: dict[bytes, bytes], receive: Receive,
    *, media_type: str = "application/json", limit: int | None = None,
) -> bytes:
    """The request body, refused before it is read when it is not ``media_type`` or declared
    larger than ``limit`` (default: a full batch), and while it is read when it passes that
    size, takes longer than ``body_timeout_seconds``, or would pass the bytes all bodies may
    hold at once.

    The bytes returned stay reserved in ``budget``: the caller gives them back once handled.
    """
    content_type = headers.get(b"content-type", b"").decode("latin-1")
    if content_type.split(";")[0].strip().lower() != media_type:
        raise _TypeError(
            f"the request must be {media_type}",
            expected=f"content-type {media_type}",
            got=one_line(content_type, 100) or "none",
            fix=f"post the request as {media_type}",
        )
    limit = node.receiver.max_request_bytes if limit is None else limit
    declared = headers.get(b"content-length", b"").decode("latin-1")
    if declared.isdigit() and int(declared) > limit:
        raise _TooLargeError(
            "the request is too large",
            expected=f"at most {limit} bytes",
            got=f"{declared} bytes",
            fix="send fewer envelopes per request or smaller documents",
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
                        fix="send fewer envelopes per request or smaller documents",
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


def _storage_told(node: GatewayNode, error: StorageError, path: str) -> StorageError:
    """What a partner is told of a store that cannot write: the cause, not the path (the
    operator reads both in the log, once per request, no trace: it is not a bug)."""
    node.log.error("cannot store on %s: %s", path, error, extra=log_fields("store_unavailable"))
    full = "full" in error.summary
    return StorageError(
        "the receiving node cannot store messages now: "
        + ("its disk is full" if full else "its store is read-only"),
        expected="a receiving node able to store messages",
        got="disk full" if full else "read-only store",
        fix="the sender retries automatically; the receiving operator must "
        + ("free disk space" if full else "make the store writable"),
    )


def _error_answer(node: GatewayNode, error: Exception, path: str) -> tuple[int, dict[str, Any]]:
    """The status and signed error body for a failure; logged with its trace when a 5xx."""
    if isinstance(error, StorageError):
        told = _storage_told(node, error, path)
        return told.status, node.receiver.signed_error(told)
    if isinstance(error, HaiquanError):
        if error.status >= 500:
            node.log.exception("server error on %s", path, exc_info=error,
                               extra=log_fields("server_error", code=error.code))
        elif path == MESSAGES_PATH:
            node.receiver.refusals.warning("refused a request to %s as a whole: %s [%s]", path,
                                           one_line(str(error)), error.code,
                                           extra=log_fields("request_refused", code=error.code))
        return error.status, node.receiver.signed_error(error)
    # A bug or a database outage: log it, and still answer in the signed error shape so the
    # sender knows to retry (a 5xx is never final).
    node.log.exception("unexpected error on %s", path, exc_info=error,
                       extra=log_fields("server_error"))
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

    @app.post(AS4_PATH, include_in_schema=False, response_class=Response)
    async def receive_as4(request: Request) -> Response:
        """An AS4 user message (served by the app's ASGI fast path; this route answers the
        same way if reached)."""
        answer = await _answer_as4(app, dict(request.scope["headers"]), request.receive)
        if answer is None:
            return Response(status_code=400)  # nobody is left to read it
        return Response(answer.body, status_code=answer.status, headers=answer.headers)

    return app
