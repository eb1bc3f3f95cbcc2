"""The AS4 route is held to the gateway's limits against unauthenticated clients (issue 18,
point 4): its type and declared length are checked before any byte of the body is read, an
undeclared (chunked) body is cut at the limit, a stalled body times out, and the bytes held at
once are capped — each refusal a signed ebMS error. Real node process, real loopback HTTP."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from haiquan.exchange.as4 import codec
from haiquan.exchange.as4.binding import AS4_PATH, as4_request_limit
from haiquan.exchange.as4.certificates import NodeCredentials

from ..conftest import NodeFactory
from ..test_limits import _closed_within, _connect
from .test_binding import _error, _message, link_as4

pytestmark = pytest.mark.slow

_TYPE = 'multipart/related; type="application/soap+xml"; boundary="b"'


def _head(port: int, content_type: str, length: int | None) -> bytes:
    size = (f"Content-Length: {length}\r\n" if length is not None
            else "Transfer-Encoding: chunked\r\n")
    return (f"POST {AS4_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: {content_type}\r\n{size}\r\n").encode()


def _signal(answer: bytes, tha: Any) -> tuple[int, str | None]:
    """The HTTP status of a raw answer and the ebMS error code of its signal (verified as
    signed by THA's certificate)."""
    head, body = answer.split(b"\r\n\r\n", 1)
    status = int(head.split()[1])
    reading = codec.read_signal(body, partner_certificate=NodeCredentials.load(
        tha.home).certificate, message_id="", signed_references=[])
    assert reading.error_code == _error(body)
    return status, reading.error_code


def test_as4_bodies_are_bounded_before_they_are_held(make_node: NodeFactory, serve: Any
                                                     ) -> None:
    vnm = make_node("VNM")
    tha = make_node("THA", max_payload_bytes=100_000, max_batch=2, body_timeout_seconds=3.0,
                    max_buffered_bytes=1_048_576)
    link_as4(vnm, tha)
    proc = serve(tha)
    limit = as4_request_limit(tha.config.max_payload_bytes)

    # Declared too large, or not multipart/related: answered at once, no body ever sent.
    for content_type, length, code in [(_TYPE, 10**9, "EBMS:0004"),
                                       ("application/json", 100, "EBMS:0007")]:
        sock = _connect(proc.port)
        sock.sendall(_head(proc.port, content_type, length))
        closed, answer = _closed_within(sock, 5)
        sock.close()
        assert closed and _signal(answer, tha) == (200, code), answer[:300]

    # Undeclared (chunked) and endless: cut once past the limit, the rest never read.
    sock = _connect(proc.port)
    sock.sendall(_head(proc.port, _TYPE, None))
    chunk = b"%x\r\n%s\r\n" % (65_536, b"x" * 65_536)
    with pytest.raises(OSError):
        for _ in range(limit // 65_536 + 200):
            sock.sendall(chunk)
        raise AssertionError("the node still reads past the limit")  # pragma: no cover
    sock.close()

    # A stalled body: a signed EBMS:0005 (retry) with 408 after body_timeout_seconds.
    sock = _connect(proc.port)
    sock.sendall(_head(proc.port, _TYPE, 5000) + b"--b\r\n")
    closed, answer = _closed_within(sock, 8)
    sock.close()
    assert closed and _signal(answer, tha) == (408, "EBMS:0005"), answer[:300]

    # Bodies held at once: stalled bodies fill the budget; an honest message then gets 503
    # with a signed EBMS:0005, and is received once they are gone.
    out = _message(vnm, tha)  # signed before the budget is filled (the bodies time out)
    sizes = [limit - 10] * (1_048_576 // limit)
    sizes.append(1_048_576 - sum(sizes) - 100)  # fill the budget to within 100 bytes
    stalled = []
    for size in sizes:  # bodies sent all but their last 10 bytes, then nothing more
        sock = _connect(proc.port)
        sock.sendall(_head(proc.port, _TYPE, size + 10) + b" " * size)
        stalled.append(sock)
    time.sleep(0.5)
    answer = httpx.post(proc.url + AS4_PATH, content=out.body, headers=out.headers, timeout=30)
    assert answer.status_code == 503 and _error(answer.content) == "EBMS:0005", answer.text[:300]
    for sock in stalled:
        sock.close()
    time.sleep(4.0)  # the stalled bodies time out and give their bytes back
    answer = httpx.post(proc.url + AS4_PATH, content=out.body, headers=out.headers, timeout=30)
    assert answer.status_code == 200 and _error(answer.content) is None, answer.text[:300]
    assert len(tha.inbox()) == 1


def test_as4_refusals_are_logged_at_a_bounded_rate(make_node: NodeFactory, serve: Any) -> None:
    """Each refused AS4 message logs a warning; an unauthenticated client sending garbage gets
    at most ``refusal_log_per_minute`` of them written."""
    vnm, tha = make_node("VNM"), make_node("THA", refusal_log_per_minute=5)
    link_as4(vnm, tha)
    proc = serve(tha)
    for _ in range(12):
        answer = httpx.post(proc.url + AS4_PATH, content=b"--b\r\n\r\nnot a message\r\n--b--\r\n",
                            headers={"Content-Type": _TYPE}, timeout=30)
        assert answer.status_code == 200 and _error(answer.content) is not None
    time.sleep(0.5)
    log = proc.log.read_text()
    assert log.count("refused AS4 message") == 5, log[-2000:]
