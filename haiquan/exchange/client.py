"""HTTP client for talking to a partner node: post envelope batches, fetch its JWKS."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import httpx

from haiquan.errors import DeliveryError

__all__ = ["BatchReply", "GatewayClient", "JWKS_PATH", "MESSAGES_PATH", "NODE_PATH"]

MESSAGES_PATH = "/exchange/v1/messages"
JWKS_PATH = "/.well-known/jwks.json"
NODE_PATH = "/exchange/v1/node"
#: The most bytes read of a partner's answer (a batch result for 5,000 envelopes, each with a
#: long error, and its signed receipt fit well within): a partner answering more is treated
#: as unreachable, so a hostile or broken node cannot make the sender hold unbounded memory.
MAX_ANSWER_BYTES = 32 * 1_048_576


@dataclass(frozen=True)
class BatchReply:
    """What a partner answered to a batch: the HTTP status and its JSON body."""

    status: int
    body: dict[str, Any]


class GatewayClient:
    """A pooled HTTP client (keep-alive) for one node's outgoing traffic."""

    def __init__(self, timeout: float = 30.0) -> None:
        self._http = httpx.Client(
            timeout=timeout, limits=httpx.Limits(max_connections=32), trust_env=False
        )

    def close(self) -> None:
        self._http.close()

    def post_batch(self, endpoint: str, tokens: list[str]) -> BatchReply:
        """POST ``{"messages": tokens}``; raise DeliveryError when the partner can't be reached."""
        body = json.dumps({"messages": tokens}).encode("utf-8")
        try:
            status, content = self._bounded("POST", endpoint + MESSAGES_PATH, content=body,
                                            headers={"content-type": "application/json"})
        except httpx.HTTPError as error:
            raise DeliveryError(
                f"partner node at {endpoint} cannot be reached",
                expected="an HTTP answer",
                got=f"{type(error).__name__}: {error}",
                fix="the message stays pending and is retried; check the partner's endpoint",
            ) from error
        try:
            data = json.loads(content)
        except ValueError:
            data = {}
        return BatchReply(status, data if isinstance(data, dict) else {})

    def _bounded(self, method: str, url: str, **options: Any) -> tuple[int, bytes]:
        """The status and body of a request, the body read only up to
        :data:`MAX_ANSWER_BYTES` and within the client's timeout as a whole (httpx's timeout
        counts between two reads, so a partner sending a byte at a time would hold the sender
        for ever).

        Raises:
            httpx.HTTPError: no answer, or an answer too large or too slow
                (``httpx.ReadError`` naming which).
        """
        deadline = time.monotonic() + (self._http.timeout.read or 30.0)
        with self._http.stream(method, url, **options) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
                raise httpx.ReadError(f"the answer declares {declared} bytes, more than the "
                                      f"{MAX_ANSWER_BYTES} a node reads")
            parts, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_ANSWER_BYTES:
                    raise httpx.ReadError(f"the answer is longer than the {MAX_ANSWER_BYTES} "
                                          "bytes a node reads")
                if time.monotonic() > deadline:
                    raise httpx.ReadError(f"the answer was not received whole within "
                                          f"{self._http.timeout.read:g} s")
                parts.append(chunk)
            return response.status_code, b"".join(parts)

    def is_up(self, endpoint: str) -> bool:
        """Whether the partner node answers at all (a cheap probe before sending again)."""
        return self.probe(endpoint) is None

    def probe(self, endpoint: str) -> str | None:
        """None when the partner's node route answers 200, else why not (for the log)."""
        try:
            status = self._http.get(endpoint + NODE_PATH, timeout=5.0).status_code
        except httpx.HTTPError as error:
            return f"{endpoint} cannot be reached: {type(error).__name__}: {error}"
        return None if status == 200 else f"{endpoint}{NODE_PATH} answered HTTP {status}"

    def fetch_jwks(self, endpoint: str) -> dict[str, Any]:
        """The partner's published JWKS."""
        try:
            status, content = self._bounded("GET", endpoint + JWKS_PATH)
            if status != 200:
                raise ValueError(f"HTTP {status}")
            data = json.loads(content)
        except (httpx.HTTPError, ValueError) as error:
            raise DeliveryError(
                f"cannot read the JWKS of {endpoint}",
                expected=f"JSON at {endpoint}{JWKS_PATH}",
                got=f"{type(error).__name__}: {error}",
                fix="check the endpoint, or pass the partner's JWKS file with --jwks",
            ) from error
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            raise DeliveryError(
                f"the JWKS of {endpoint} has no keys",
                expected='{"keys": [...]}',
                got=str(data)[:80],
            )
        return data
