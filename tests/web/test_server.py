from __future__ import annotations

import logging
import signal
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
    from haiquan.web._cache import cached, clear_cache
    from haiquan.web._results import data_version
    from haiquan.web.server import warm_up

    def not_cached() -> None:
        raise LookupError("not in the cache")  # errors are never cached

    warm_up()  # the first run also lets the commitments store create its tables
    clear_cache("trade.totals")
    with pytest.raises(LookupError):
        cached("trade.totals", not_cached, data_version())
    warm_up()
    totals = cached("trade.totals", not_cached, data_version())
    assert set(totals["flow"]) == {"export", "import"}


def test_unresolvable_host_is_named_as_such() -> None:
    with pytest.raises(ConfigurationError) as caught:
        start_server("no.such.host.invalid", 0)
    error = caught.value
    assert "cannot be resolved" in str(error.got) and "no.such.host.invalid" in str(error.got)
    assert "free port" not in str(error) and "HAIQUAN_WEB_HOST" in str(error.fix)


@pytest.mark.parametrize(("setting", "level"), [("DEBUG", "debug"), ("warn", "warning")])
def test_log_level_comes_from_the_setting(
    isolated_settings, monkeypatch: pytest.MonkeyPatch, setting: str, level: str
) -> None:
    from haiquan.settings import reset_settings
    from haiquan.web.server import _log_level

    monkeypatch.setenv("HAIQUAN_LOG_LEVEL", setting)
    reset_settings()
    assert _log_level(None) == level
    assert _log_level("error") == "error"  # an explicit level wins


def test_serve_uses_the_log_level_setting(
    isolated_settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    from haiquan.settings import reset_settings
    from haiquan.web import serve

    monkeypatch.setenv("HAIQUAN_LOG_LEVEL", "WARNING")
    reset_settings()
    seen: list[object] = []

    def run(self: uvicorn.Server, sockets: list[socket.socket]) -> None:
        seen.append(self.config.log_level)
        for sock in sockets:
            sock.close()

    monkeypatch.setattr(uvicorn.Server, "run", run)
    monkeypatch.setattr(logging.getLogger(), "handlers", [])  # as in `haiquan serve`
    logger = logging.getLogger("haiquan")
    level, handlers = logger.level, list(logger.handlers)
    try:
        serve("127.0.0.1", 0, warm=False)
        assert logger.getEffectiveLevel() == logging.WARNING  # haiquan's own records too
    finally:
        logger.setLevel(level)
        logger.handlers[:] = handlers
    assert seen == ["warning"]


def test_unknown_log_level_setting_is_a_clear_error(
    isolated_settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from haiquan.settings import reset_settings

    monkeypatch.setenv("HAIQUAN_LOG_LEVEL", "loud")
    reset_settings()
    from haiquan.web import serve

    with pytest.raises(ConfigurationError) as caught:
        serve("127.0.0.1", 0, warm=False)
    assert "HAIQUAN_LOG_LEVEL" in str(caught.value.fix) and "'loud'" in str(caught.value.got)


@pytest.mark.parametrize("port", [-1, 65536, 99999])
def test_port_out_of_range_is_a_clear_error(port: int) -> None:
    with pytest.raises(ConfigurationError) as caught:
        start_server("127.0.0.1", port)
    assert caught.value.got == str(port) and "65535" in str(caught.value.expected)


def test_address_of_another_machine_is_named_as_such() -> None:
    with pytest.raises(ConfigurationError) as caught:
        start_server("192.0.2.1", 0)  # TEST-NET-1: never an address of this machine
    assert "not one of them" in str(caught.value.got)
    assert "--host" in str(caught.value.fix) and "port" not in str(caught.value.fix)


# What `haiquan serve` does around a forked worker (the local forecast engine's processes):
# uvicorn's handler notes SIGTERM for the server loop, which the child does not run.
_FORKED_WORKER = """
import os, signal, socket, sys, time
from haiquan.web import server

sock = server._bind("127.0.0.1", 0)
port = sock.getsockname()[1]
server._close_in_forked_children(sock.fileno())
signal.signal(signal.SIGTERM, lambda *_: None)
child = os.fork()
if child == 0:
    time.sleep(20)
    os._exit(0)
time.sleep(0.3)
sock.close()
again = socket.socket()
again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
again.bind(("127.0.0.1", port))
again.listen(1)
os.kill(child, signal.SIGTERM)
_, status = os.waitpid(child, 0)
print(os.waitstatus_to_exitcode(status))
"""


def test_a_worker_forked_by_the_server_lets_go_of_the_port_and_stops_on_sigterm() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _FORKED_WORKER], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(-signal.SIGTERM)


# `haiquan serve` whose warm-up has a worker process computing (as the forecast engine does).
_SERVER_WITH_A_WORKER = """
import multiprocessing, sys, time
from haiquan.web import server

def compute():
    time.sleep(60)

def warm_up():
    worker = multiprocessing.get_context("fork").Process(target=compute)
    worker.start()
    print(worker.pid, flush=True)

server.warm_up = warm_up
server.serve("127.0.0.1", 0, log_level="warning")
"""


def test_sigterm_stops_the_server_and_its_workers(isolated_settings) -> None:
    import os
    import subprocess
    import sys
    import time

    running = subprocess.Popen(
        [sys.executable, "-c", _SERVER_WITH_A_WORKER], stdout=subprocess.PIPE, text=True
    )
    try:
        assert running.stdout is not None
        worker = int(running.stdout.readline())
        time.sleep(0.5)  # serving
        running.send_signal(signal.SIGTERM)
        assert running.wait(timeout=30) == 128 + signal.SIGTERM
        # The worker was stopped too, instead of waiting forever for a server that is gone.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(worker, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            os.kill(worker, signal.SIGKILL)
            raise AssertionError("the worker outlived the server")
    finally:
        if running.poll() is None:
            running.kill()


def test_warm_up_scores_the_risk_queue(risk_warehouse, caplog: pytest.LogCaptureFixture) -> None:
    """The first visitor of /risk does not wait for the model's libraries to load and the
    declarations to be scored: the server's warm-up did it."""
    from haiquan.web.server import warm_up

    with caplog.at_level(logging.INFO, logger="haiquan.web.server"):
        warm_up()
    said = [r.getMessage() for r in caplog.records if "risk queue" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("warm-up of risk queue took"), said
