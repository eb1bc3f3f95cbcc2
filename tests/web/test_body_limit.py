"""Request bodies above MAX_REQUEST_BYTES are refused with 413 before anything reads them."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator

import httpx

from haiquan.web import ServerHandle, create_app
from haiquan.web._body_limit import MAX_REQUEST_BYTES

from .conftest import Account
from .test_error_shape import assert_error_shape


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


def test_declared_oversize_body_refused_at_once_without_reading_it(
    live_server: ServerHandle,
) -> None:
    # 300 MB announced, 64 KiB sent, no token: the answer must not wait for the rest.
    head = (
        b"POST /api/risk/score HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        b"Content-Length: 300000000\r\n\r\n"
    )
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=10) as sock:
        sock.sendall(head + b"[" * 65536)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    assert time.monotonic() - started < 5
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split()[1] == b"413"
    headers, _, body = rest.partition(b"\r\n\r\n")
    assert b"connection: close" in headers.lower()
    error = json.loads(body)
    assert error["code"] == "payload_too_large" and error["status"] == 413
    assert "300000000" in error["got"] and str(MAX_REQUEST_BYTES) in error["expected"]


def test_chunked_oversize_body_refused_with_413(http: httpx.Client) -> None:
    answer = http.post(
        "/api/risk/score",
        content=_chunks(MAX_REQUEST_BYTES + 1),
        headers={"content-type": "application/json"},
    )
    error = assert_error_shape(answer, 413, "payload_too_large")
    assert "chunked" in error["got"]


def test_chunked_body_under_the_limit_reaches_the_route(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    admin = make_account("administrator")
    body = json.dumps({"username": "chunked-user", "password": "a-long-test-passphrase"})
    answer = http.post(
        "/api/users",
        content=iter([body[:10].encode(), body[10:].encode()]),
        headers={**admin.headers, "content-type": "application/json"},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["username"] == "chunked-user"


def test_largest_legitimate_request_fits_with_headroom() -> None:
    """A full batch for POST /api/risk/score (1,000 declarations, pretty-printed) stays far
    below the limit."""
    from haiquan.declarations import DeclarationRecord, generate_synthetic_declarations

    frame = generate_synthetic_declarations(1000, seed=3, start="2024-01-01")
    fields = set(DeclarationRecord.model_fields)
    records = [
        {k: v for k, v in row.items() if k in fields} for row in frame.to_dict(orient="records")
    ]
    body = json.dumps(
        {"declarations": records, "mode": "batch", "explain": True}, default=str, indent=2
    ).encode()
    assert len(records) == 1000
    assert len(body) * 8 < MAX_REQUEST_BYTES


def test_openapi_declares_413_on_operations_with_a_body() -> None:
    spec = create_app().openapi()
    responses = spec["paths"]["/api/risk/score"]["post"]["responses"]
    assert responses["413"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }
