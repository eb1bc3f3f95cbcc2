"""Run the application with uvicorn: in the foreground (``haiquan serve``) or in a background
thread (``haiquan demo`` and the tests, which need the server and something else at once).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn

from haiquan._tls import check_tls_files, server_context
from haiquan.errors import ConfigurationError
from haiquan.settings import get_settings
from haiquan.web.app import create_app

__all__ = ["ServerHandle", "serve", "start_server", "warm_up"]

log = logging.getLogger(__name__)


def _bind(host: str, port: int) -> socket.socket:
    if not 0 <= port <= 65535:
        raise ConfigurationError(
            "cannot listen on the web address",
            expected="a TCP port from 1 to 65535 (or 0 for any free port)",
            got=str(port),
            fix="pass --port 8000, for instance, or set HAIQUAN_WEB_PORT",
        )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise ConfigurationError(
            "cannot listen on the web address",
            expected="an IP address or a host name this machine can resolve to one of its own "
            "addresses",
            got=f"{host!r}, which cannot be resolved ({error.strerror})",
            fix="check the spelling of --host or HAIQUAN_WEB_HOST; use 127.0.0.1 (this machine "
            "only) or 0.0.0.0 (every interface, behind a TLS proxy)",
        ) from None
    # Name the protocol: asyncio turns Nagle's algorithm off only for IPPROTO_TCP sockets, and
    # without that every small response waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRNOTAVAIL:
            raise ConfigurationError(
                "cannot listen on the web address",
                expected="an address of one of this machine's network interfaces",
                got=f"{host}, which is not one of them ({error.strerror})",
                fix="check --host or HAIQUAN_WEB_HOST; use 127.0.0.1 (this machine only) or "
                "0.0.0.0 (every interface, behind a TLS proxy)",
            ) from None
        raise ConfigurationError(
            "cannot listen on the web address",
            expected=f"a free port on {host}",
            got=f"{host}:{port} ({error.strerror})",
            fix="choose another port with --port or HAIQUAN_WEB_PORT, or stop the other server",
        ) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _base_url(host: str, port: int) -> str:
    """The URL a server on ``host``:``port`` answers at.

    >>> _base_url("127.0.0.1", 8000)
    'http://127.0.0.1:8000'
    >>> _base_url("::1", 8080)
    'http://[::1]:8080'
    """
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _config(
    log_level: str, certificate: Path | None = None, key: Path | None = None
) -> uvicorn.Config:
    """uvicorn's configuration; HTTPS with TLS 1.2+ and modern ciphers when given a
    certificate and key (:mod:`haiquan._tls`)."""
    return uvicorn.Config(
        create_app(),
        log_level=log_level,
        proxy_headers=True,
        server_header=False,
        timeout_graceful_shutdown=5,
        ssl_certfile=certificate,
        ssl_keyfile=key,
        ssl_context_factory=(
            (lambda _config, _default: server_context(certificate, key))
            if certificate is not None and key is not None
            else None
        ),
    )


_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


def _log_level(chosen: str | None) -> str:
    """uvicorn's log level: ``chosen``, else the ``log_level`` setting (``HAIQUAN_LOG_LEVEL``).

    Raises:
        ConfigurationError: a level uvicorn does not know.
    """
    level = (chosen or get_settings().log_level).strip().lower()
    level = {"warn": "warning", "fatal": "critical"}.get(level, level)
    if level not in _LEVELS:
        from_setting = chosen is None
        raise ConfigurationError(
            "unknown log level",
            expected="one of " + ", ".join(_LEVELS),
            got=repr(chosen if chosen is not None else get_settings().log_level),
            fix="set HAIQUAN_LOG_LEVEL to e.g. INFO or WARNING"
            if from_setting
            else "pass log_level='info' or another of the levels above",
        )
    return level


def _log_haiquan_at(level: str) -> None:
    """Show haiquan's own log records (warm-up, warnings) at ``level`` next to uvicorn's, unless
    the embedding program (a test run, a host application) configured logging itself."""
    logger = logging.getLogger("haiquan")
    if not logger.handlers and not logging.getLogger().handlers:
        logger.setLevel("DEBUG" if level == "trace" else level.upper())
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
        logger.addHandler(handler)


def warm_up() -> None:
    """Read the dashboard's expensive results (scores, plan, indicators, rates) now, so the
    first visitor does not wait for them: with ``HAIQUAN_BACKGROUND_RESULTS`` (the default) a
    result not stored yet starts the background refresh (:mod:`haiquan.web._results`), else it
    is computed here. Failures are logged, not raised: a page whose data is missing says so
    itself."""
    from haiquan.web.dashboard import commitments, plan, priorities, risk, trade

    for name, compute in (
        ("trade totals", trade.home_totals),
        ("largest partners", trade.trade_partners),
        ("indicators", trade.indicators),
        ("partner scores", priorities.priority_report),
        ("cooperation plan", plan.cooperation_plan),
        ("commitments", commitments.commitments_overview),
        # Scores the newest declarations; loads LightGBM and scikit-learn (over a second)
        # here rather than in the first visitor's request.
        ("risk queue", risk.risk_queue),
    ):
        started = time.monotonic()
        try:
            compute()
        except Exception as error:  # noqa: BLE001 - a warm-up must never stop the server
            log.info("warm-up of %s skipped: %s", name, error)
        else:
            log.info("warm-up of %s took %.1f s", name, time.monotonic() - started)


#: File descriptors of the sockets ``serve`` listens on, closed in every forked child.
_LISTENING: list[int] = []
_AT_FORK_REGISTERED = False


def _forget_server_in_child() -> None:
    """Run in a process forked from the server (the local forecast engine's workers).

    A fork inherits the listening socket and uvicorn's signal handlers, which only note a
    signal for the server loop the child does not run: a worker alive when the server stopped
    then ignored Ctrl-C and SIGTERM and kept the port taken, so the next ``haiquan serve`` said
    "address already in use". The child gets the default handlers back and lets go of the port.
    """
    if not _LISTENING:
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for fd in _LISTENING:
        with contextlib.suppress(OSError):
            os.close(fd)
    _LISTENING.clear()


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _close_in_forked_children(fd: int) -> None:
    global _AT_FORK_REGISTERED
    if not _AT_FORK_REGISTERED:  # os.register_at_fork cannot be undone: register once
        os.register_at_fork(after_in_child=_forget_server_in_child)
        _AT_FORK_REGISTERED = True
    _LISTENING.append(fd)


def serve(
    host: str | None = None,
    port: int | None = None,
    log_level: str | None = None,
    warm: bool = True,
    on_listening: Callable[[str], None] | None = None,
    tls_certificate: Path | None = None,
    tls_key: Path | None = None,
) -> None:
    """Serve the dashboard and API until interrupted (Ctrl-C); over HTTPS with
    ``tls_certificate`` and ``tls_key`` (PEM files; TLS 1.2+, modern ciphers only).

    Args:
        host: address to listen on; defaults to the ``web_host`` setting (loopback).
        port: TCP port; defaults to the ``web_port`` setting (``0`` picks a free one).
        log_level: uvicorn's log level; defaults to the ``log_level`` setting
            (``HAIQUAN_LOG_LEVEL``, default INFO).
        warm: compute the expensive page results in the background from the start.
        on_listening: called with the base URL once the port is bound, before serving
            (``haiquan serve`` prints it).

    Raises:
        ConfigurationError: the address is taken or the settings are unsafe.
    """
    settings = get_settings()
    host = host or settings.web_host
    port = settings.web_port if port is None else port
    level = _log_level(log_level)
    check_tls_files(tls_certificate, tls_key, where="haiquan serve")
    config = _config(level, tls_certificate, tls_key)
    if tls_certificate is not None and tls_key is not None:
        server_context(tls_certificate, tls_key)  # refuse unusable files before binding
    sock = _bind(host, port)
    _log_haiquan_at(level)
    server = uvicorn.Server(config)
    from haiquan.web.auth import open_user_store

    # Open the users store before announcing the address: a store that cannot work is an error
    # the operator should read instead of a "Serving ..." line.
    users = open_user_store(settings).count_users()
    if on_listening is not None:
        url = _base_url(host, sock.getsockname()[1])
        on_listening(url.replace("http://", "https://", 1) if tls_certificate else url)
    if users == 0:
        log.warning(
            "no users yet: nobody can log in; create one with "
            "`haiquan users add NAME --role administrator`"
        )
    fd = sock.fileno()
    _close_in_forked_children(fd)
    # uvicorn re-raises SIGTERM once it has shut down, with the handler found before it started:
    # the default one would end the process before the workers below are stopped.
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm) if in_main else None
    if warm:
        threading.Thread(target=warm_up, name="haiquan-web-warm-up", daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
        _LISTENING.remove(fd)
        # Workers still computing for the stopped server (a forecast's processes) would wait
        # forever on a queue nobody reads once it is gone. Only a server that is the process's
        # main job (`haiquan serve`) does this: one in a thread (the demo, the tests) shares
        # the process with children that are not its own (a Dask cluster, say).
        if in_main:
            for child in multiprocessing.active_children():
                child.terminate()


@dataclass
class ServerHandle:
    """A server running in a background thread; ``stop()`` it (or use it as a context manager)."""

    host: str
    port: int
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:53211``."""
        return _base_url(self.host, self.port)

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the server to finish and wait for its thread."""
        self._server.should_exit = True
        self._thread.join(timeout)

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def start_server(
    host: str = "127.0.0.1", port: int = 0, log_level: str = "warning", timeout: float = 20.0
) -> ServerHandle:
    """Start the app in a background thread and return once it accepts connections.

    Args:
        host: address to listen on.
        port: TCP port; ``0`` picks a free one (read it from ``handle.port``).
        log_level: uvicorn's log level.
        timeout: seconds to wait for start-up.

    Raises:
        ConfigurationError: the port is taken, the settings are unsafe, or start-up timed out.
    """
    level = _log_level(log_level)
    sock = _bind(host, port)
    actual_port = sock.getsockname()[1]
    server = uvicorn.Server(_config(level))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="haiquan-web", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise ConfigurationError(
                "the web server did not start",
                expected=f"a server listening on {host}:{actual_port} within {timeout:.0f} s",
                got="a server that stopped or hung during start-up",
                fix="run `haiquan serve` in a terminal to see its log",
            )
        time.sleep(0.02)
    return ServerHandle(host=host, port=actual_port, _server=server, _thread=thread)
