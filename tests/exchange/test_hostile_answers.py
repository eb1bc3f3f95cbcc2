"""A hostile or broken partner cannot make the sender hold unbounded memory or time with its
answer: an answer declared or found larger than MAX_ANSWER_BYTES, or sent a byte at a time past
the request timeout, is an unreachable partner (the messages stay pending). A real loopback
server plays the partner."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from haiquan.errors import DeliveryError
from haiquan.exchange.client import MAX_ANSWER_BYTES, GatewayClient

Answer = Callable[[socket.socket], None]


@pytest.fixture
def partner() -> Iterator[Callable[[Answer], str]]:
    """``partner(answer)``: a loopback server calling ``answer(connection)`` after reading
    each request's headers; returns its URL."""
    servers: list[socket.socket] = []

    def start(answer: Answer) -> str:
        server = socket.create_server(("127.0.0.1", 0))
        servers.append(server)

        def run() -> None:
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                with conn:
                    conn.settimeout(20)
                    data = b""
                    while b"\r\n\r\n" not in data:
                        data += conn.recv(65536)
                    try:
                        answer(conn)
                    except OSError:
                        pass

        threading.Thread(target=run, daemon=True).start()
        return f"http://127.0.0.1:{server.getsockname()[1]}"

    yield start
    for server in servers:
        server.close()


def _endless(conn: socket.socket, declared: bool) -> None:
    head = (f"Content-Length: {10**12}\r\n" if declared else "Transfer-Encoding: chunked\r\n")
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 + head.encode() + b"\r\n")
    chunk = b"x" * 65536
    for _ in range(MAX_ANSWER_BYTES // 65536 * 4):  # four times the cap, if it is read
        conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) if not declared else chunk)


def _drip(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 1000\r\n\r\n")
    for _ in range(20):
        conn.sendall(b" ")
        time.sleep(0.5)


@pytest.mark.parametrize("declared", [True, False])
def test_an_endless_answer_is_cut_at_the_cap(partner, declared: bool) -> None:
    url = partner(lambda conn: _endless(conn, declared))
    client = GatewayClient(timeout=30.0)
    with pytest.raises(DeliveryError, match="a node reads"):
        client.post_batch(url, ["a.b.c"])
    with pytest.raises(DeliveryError, match="a node reads"):
        client.fetch_jwks(url)
    client.close()


def test_an_answer_dripped_past_the_timeout_is_given_up(partner) -> None:
    url = partner(_drip)
    client = GatewayClient(timeout=2.0)
    started = time.monotonic()
    with pytest.raises(DeliveryError, match="not received whole within 2 s"):
        client.post_batch(url, ["a.b.c"])
    assert time.monotonic() - started < 5
    client.close()
