from __future__ import annotations

import socket

import httpx
import pytest

from haiquan.errors import ConfigurationError
from haiquan.web import ServerHandle, start_server


def test_live_server_answers_on_loopback(live_server: ServerHandle) -> None:
    assert live_server.url.startswith("http://127.0.0.1:") and live_server.port > 0
    answer = httpx.get(f"{live_server.url}/api/health", trust_env=False)
    assert answer.json()["status"] == "ok"
    assert "server" not in answer.headers  # do not advertise the stack


def test_busy_port_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(ConfigurationError) as caught:
            start_server("127.0.0.1", port)
    assert str(port) in str(caught.value.got) and "--port" in str(caught.value.fix)


def test_stop_closes_the_port() -> None:
    handle = start_server("127.0.0.1", 0)
    handle.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{handle.url}/api/health", trust_env=False, timeout=2)


def test_warm_up_fills_the_page_caches(synthetic_warehouse) -> None:
    from haiquan.web._cache import cached, clear_cache, warehouse_stamp
    from haiquan.web.server import warm_up

    def not_cached() -> None:
        raise LookupError("not in the cache")  # errors are never cached

    warm_up()  # the first run also lets the commitments store create its tables
    clear_cache("trade.totals")
    with pytest.raises(LookupError):
        cached("trade.totals", not_cached, warehouse_stamp())
    warm_up()
    totals = cached("trade.totals", not_cached, warehouse_stamp())
    assert set(totals["flow"]) == {"export", "import"}
