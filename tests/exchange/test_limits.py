"""What an unauthenticated client can make a served node hold is bounded (issue 18, point 4):
idle and slow connections are closed, a body is refused before it is read when it cannot be
right, a stalled body times out, bodies held at once are capped, connections are capped, and
refusals are logged at a bounded rate. Each case runs against a real node process."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest

from .conftest import NodeFactory, link
from .test_receiver import envelope, sign

pytestmark = pytest.mark.slow


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    return sock


def _closed_within(sock: socket.socket, seconds: float) -> tuple[bool, bytes]:
    """Whether the server closed ``sock`` within ``seconds``, and what it sent before."""
    sock.settimeout(seconds)
    received = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return True, received
            received += chunk
    except TimeoutError:
        return False, received
    except ConnectionResetError:
        return True, received


def _headers(port: int, length: int, content_type: str = "application/json") -> bytes:
    return (f"POST /exchange/v1/messages HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n").encode()


def test_idle_and_slow_header_connections_are_closed(make_node: NodeFactory, serve) -> None:
    tha = make_node("THA", header_timeout_seconds=1.0)
    proc = serve(tha)
    idle = _connect(proc.port)
    slow = _connect(proc.port)
    slow.sendall(b"POST /exchange/v1/messages HTTP/1.1\r\nHost: x\r\n")
    for sock in (idle, slow):
        closed, _ = _closed_within(sock, 5)
        assert closed
        sock.close()
    # A kept-alive connection that starts another request and stalls is closed too.
    kept = _connect(proc.port)
    kept.sendall(f"GET /exchange/v1/node HTTP/1.1\r\nHost: 127.0.0.1:{proc.port}\r\n\r\n"
                 .encode())
    time.sleep(0.3)
    kept.sendall(b"GET /exchange/v1/node HTTP/1.1\r\nHo")
    closed, answered = _closed_within(kept, 5)
    assert closed and answered.startswith(b"HTTP/1.1 200")
    assert httpx.get(proc.url + "/exchange/v1/node").status_code == 200


def test_endless_headers_are_cut(make_node: NodeFactory, serve) -> None:
    tha = make_node("THA", header_timeout_seconds=30.0)
    proc = serve(tha)
    sock = _connect(proc.port)
    sock.sendall(b"POST /exchange/v1/messages HTTP/1.1\r\n")
    with pytest.raises(OSError):
        for _ in range(200):  # 200 x 8 KiB of headers, never ending
            sock.sendall(b"X-Padding: " + b"a" * 8192 + b"\r\n")
        _closed, _ = _closed_within(sock, 5)
        sock.sendall(b"X-Padding: more\r\n")
        raise AssertionError("the server still reads")  # pragma: no cover - the failure case
    sock.close()


def test_a_body_that_cannot_be_right_is_refused_before_it_is_read(
    make_node: NodeFactory, serve
) -> None:
    tha = make_node("THA")
    proc = serve(tha)
    for content_type, length, status in [("text/plain", 1000, 400),
                                         ("application/json", 10**9, 413)]:
        sock = _connect(proc.port)
        sock.sendall(_headers(proc.port, length, content_type))  # and no body at all
        closed, answer = _closed_within(sock, 5)
        assert closed and answer.startswith(f"HTTP/1.1 {status}".encode()), answer[:200]
        body = json.loads(answer.split(b"\r\n\r\n", 1)[1])
        assert body["jws"] and body["error"]["status"] == status
        sock.close()


def test_a_stalled_body_times_out_signed(make_node: NodeFactory, serve) -> None:
    vnm, tha = make_node("VNM"), make_node("THA", body_timeout_seconds=1.0)
    link(vnm, tha)
    proc = serve(tha)
    sock = _connect(proc.port)
    sock.sendall(_headers(proc.port, 5000) + b'{"messages": [')
    closed, answer = _closed_within(sock, 6)
    assert closed and answer.startswith(b"HTTP/1.1 408"), answer[:200]
    body = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert body["error"]["code"] == "request_timeout"
    assert json.loads(vnm.trust.verify(body["jws"]).payload)["receiver"] == "THA"


def test_bodies_held_at_once_are_capped_and_honest_traffic_resumes(
    make_node: NodeFactory, serve
) -> None:
    vnm = make_node("VNM")
    tha = make_node("THA", max_payload_bytes=4000, max_batch=5,
                    max_buffered_bytes=1_048_576, body_timeout_seconds=30.0)
    link(vnm, tha)
    proc = serve(tha)
    limit = tha.config.max_request_bytes
    sizes = [limit - 10] * (1_048_576 // (limit - 10))
    sizes.append(1_048_576 - sum(sizes) - 100)  # fill the budget to within 100 bytes
    stalled = []
    for size in sizes:  # bodies sent all but their last 10 bytes, then nothing more
        sock = _connect(proc.port)
        sock.sendall(_headers(proc.port, size + 10) + b" " * size)
        stalled.append(sock)
    time.sleep(1.0)
    env = envelope()
    busy = httpx.post(proc.url + "/exchange/v1/messages", json={"messages": [sign(vnm, env)]})
    assert busy.status_code == 503, busy.text
    assert busy.json()["error"]["code"] == "busy"
    for sock in stalled:
        sock.close()
    time.sleep(1.0)
    answer = httpx.post(proc.url + "/exchange/v1/messages", json={"messages": [sign(vnm, env)]})
    assert answer.status_code == 200, answer.text
    assert [r["status"] for r in answer.json()["results"]] == ["accepted"]


def test_connections_beyond_the_cap_are_closed(make_node: NodeFactory, serve) -> None:
    tha = make_node("THA", max_connections=8, header_timeout_seconds=30.0)
    proc = serve(tha)
    held = [_connect(proc.port) for _ in range(8)]
    time.sleep(0.3)
    extra = _connect(proc.port)
    closed, _ = _closed_within(extra, 5)
    assert closed
    for sock in held:
        sock.close()
    time.sleep(0.5)
    assert httpx.get(proc.url + "/exchange/v1/node").status_code == 200


def test_refusals_are_logged_at_a_bounded_rate(make_node: NodeFactory, serve) -> None:
    vnm, tha = make_node("VNM"), make_node("THA", refusal_log_per_minute=5)
    link(vnm, tha)
    proc = serve(tha)
    for _ in range(10):
        answer = httpx.post(proc.url + "/exchange/v1/messages",
                            json={"messages": ["not.a.jws"] * 20})
        assert answer.status_code == 200
    log = proc.log.read_text()
    assert log.count("refused message") == 5, log[-2000:]
