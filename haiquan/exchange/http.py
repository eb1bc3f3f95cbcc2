"""The node's own small HTTP app: receive envelope batches, publish the JWKS.

It is separate from haiquan's main web app because a gateway runs in its own security zone.
Routes (all JSON):

* ``POST /exchange/v1/messages`` — body ``{"messages": [jws, ...]}``; answers 200 with
  ``{"results": [{"message_id", "status", "error"?}], "receipt": jws}``: one result per
  envelope, in order, and the receiver's signature over all of them.
  A body that is unusable as a whole gets the error shape plus ``jws`` (the same error, signed).
* ``GET /.well-known/jwks.json`` — this node's public keys.
* ``GET /exchange/v1/node`` — country, protocol version and document types.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from haiquan import __version__
from haiquan.errors import HaiquanError, InputError, PayloadTooLargeError
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


def create_gateway_app(node: GatewayNode) -> FastAPI:
    """A FastAPI app serving ``node``."""
    app = FastAPI(title=f"haiquan gateway {node.country}", version=__version__)

    @app.exception_handler(HaiquanError)
    async def _signed_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HaiquanError)
        if error.status >= 500:
            node.log.exception("server error on %s", request.url.path, exc_info=error)
        return JSONResponse(node.receiver.signed_error(error), status_code=error.status)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        # A bug or a database outage: log it, and still answer in the signed error shape so the
        # sender knows to retry (a 5xx is never final).
        node.log.exception("unexpected error on %s", request.url.path, exc_info=error)
        wrapped = HaiquanError(
            "the receiving node failed while handling the request",
            expected="a node able to store messages",
            got=type(error).__name__,
            fix="the sender retries automatically; the receiving operator should check its logs",
        )
        return JSONResponse(node.receiver.signed_error(wrapped), status_code=500)

    @app.post(MESSAGES_PATH, responses=_ERRORS)
    async def receive_messages(request: Request) -> dict[str, Any]:
        """Receive a batch of signed envelopes."""
        limit = node.receiver.max_request_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLargeError(
                "the request is too large",
                expected=f"at most {limit} bytes",
                got=f"{declared} bytes",
                fix="send fewer envelopes per request",
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLargeError(
                    "the request is too large",
                    expected=f"at most {limit} bytes",
                    got=f"more than {limit} bytes",
                    fix="send fewer envelopes per request",
                )
            chunks.append(chunk)
        if request.headers.get("content-type", "").split(";")[0] != "application/json":
            raise InputError(
                "the request must be JSON",
                expected="content-type application/json",
                got=request.headers.get("content-type", "none"),
            )
        return await run_in_threadpool(node.receive_body, b"".join(chunks))

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

    return app
