"""Run a node: the HTTP receiver (uvicorn) and the dispatcher threads in one process.

Several such processes may share one PostgreSQL store (``--workers`` on different ports or
machines behind a load balancer): each claims its own outbox rows, the inbox's unique key keeps
receipt once-only. ``python -m haiquan.exchange serve --home DIR`` runs it without the rest of
haiquan's CLI, for the gateway's own security zone.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from pathlib import Path

import uvicorn

from haiquan._tls import check_tls_files, server_context
from haiquan.errors import ConfigurationError, HaiquanError
from haiquan.exchange._limits import MAX_HEADER_BYTES, RateLimitFilter, guarded_protocol
from haiquan.exchange.database import describe_database
from haiquan.exchange.dispatcher import run_dispatcher
from haiquan.exchange.http import create_gateway_app
from haiquan.exchange.logs import log_fields, log_handler
from haiquan.exchange.node import GatewayNode

__all__ = ["configure_logging", "main", "serve_node"]

_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def configure_logging(level: str | None = None) -> int:
    """Send haiquan's log records to standard error at ``level`` (default: the ``log_level``
    setting, ``HAIQUAN_LOG_LEVEL``), as text lines or JSON objects (the ``log_format`` setting,
    ``HAIQUAN_LOG_FORMAT``); returns the numeric level.

    Other libraries stay at WARNING (httpx logs every request at INFO). A handler already on the
    root logger (set up by an embedding program) is kept.

    Raises:
        ConfigurationError: the level is not a logging level name.
    """
    from haiquan.settings import get_settings

    name = (level or get_settings().log_level).strip().upper()
    if name not in _LEVELS:
        raise ConfigurationError(
            "unknown log level",
            expected="one of " + ", ".join(_LEVELS),
            got=repr(level or get_settings().log_level),
            fix="set HAIQUAN_LOG_LEVEL (see docs/settings.md) to INFO, or WARNING for less",
        )
    numeric = int(logging.getLevelName(name))
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(log_handler(get_settings().log_format))
        root.setLevel(logging.WARNING)
    logging.getLogger("haiquan").setLevel(numeric)
    return numeric


def serve_node(
    node: GatewayNode,
    *,
    host: str = "127.0.0.1",
    port: int = 8800,
    dispatchers: int = 1,
    receive: bool = True,
    log_level: str | None = None,
    tls_certificate: Path | None = None,
    tls_key: Path | None = None,
) -> None:
    """Serve ``node`` until interrupted: dispatcher threads plus (if ``receive``) HTTP, or
    HTTPS with ``tls_certificate`` and ``tls_key`` (TLS 1.2+, modern ciphers only).

    The receiver is bounded as :mod:`haiquan.exchange._limits` describes, with the limits of
    ``node.yaml``. Logging goes to standard error at ``log_level`` (default: the ``log_level``
    setting).

    Raises:
        ConfigurationError: the trust store, the TLS files or the node cannot be used.
        StorageError: the store is read-only or its disk full.
    """
    level = logging.getLevelName(configure_logging(log_level)).lower()
    if node.trust.problem is not None:
        raise node.trust.problem
    check_tls_files(tls_certificate, tls_key, where="gateway serve")
    node.store.check_writable()  # a node that cannot store what it receives says so now
    server = _http_server(node, host, port, level, tls_certificate, tls_key) if receive else None
    stop = threading.Event()
    threads = [
        threading.Thread(target=run_dispatcher, args=(node, stop), daemon=True,
                         name=f"dispatcher-{i}")
        for i in range(dispatchers)
    ]
    node.log.info(
        "gateway node %s starting: endpoint %s, %s, store %s, %d dispatcher(s), "
        "%d trusted partner(s) (%s), signing key %s",
        node.country, node.config.endpoint,
        (f"receiving on {'https' if tls_certificate else 'http'}://{host}:{port}" if receive
         else "sending only (--no-receive)"),
        describe_database(node.database_url), dispatchers, len(node.trust.partners),
        ", ".join(sorted(node.trust.partners)) or "none yet", node.keyring.active.kid,
        extra=log_fields("node_starting"),
    )
    mismatch = node.home_country_mismatch()
    if mismatch is not None:  # the gateway itself does not read it; what applies its inbox does
        node.log.warning("%s", mismatch, extra=log_fields("home_country_mismatch"))
    for thread in threads:
        thread.start()
    try:
        if server is not None:
            server.run()
        else:
            stop.wait()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)


def _http_server(node: GatewayNode, host: str, port: int, level: str,
                 certificate: Path | None, key: Path | None) -> uvicorn.Server:
    """uvicorn serving the node's app with its limits (and TLS when given)."""
    from haiquan.settings import get_settings

    limits = node.config
    _allow_open_files(limits.max_connections + 256)
    # In JSON, uvicorn's own lines go through the same handler (its text set-up is skipped).
    log_config = None if get_settings().log_format == "json" else uvicorn.config.LOGGING_CONFIG
    config = uvicorn.Config(
        create_gateway_app(node), host=host, port=port, log_level=level, access_log=False,
        log_config=log_config,
        http=guarded_protocol(header_timeout=limits.header_timeout_seconds,
                              max_connections=limits.max_connections),
        timeout_keep_alive=5, h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        backlog=min(2048, limits.max_connections), server_header=False,
        ssl_certfile=certificate, ssl_keyfile=key,
        ssl_context_factory=(
            (lambda _config, _default: server_context(certificate, key))
            if certificate is not None and key is not None else None),
    )
    # uvicorn warns once per malformed request ("Invalid HTTP request received.") and the AS4
    # binding once per refused AS4 message: anyone can cause those, so they are rate-limited
    # like the node's own refusals.
    for name in ("uvicorn.error", "haiquan.exchange.as4.binding"):
        logging.getLogger(name).addFilter(RateLimitFilter(limits.refusal_log_per_minute))
    return uvicorn.Server(config)


def _allow_open_files(wanted: int) -> None:
    """Raise this process's open-file limit towards ``wanted`` (each connection is one), as far
    as the hard limit allows; a node capped below its ``max_connections`` says so."""
    try:
        import resource
    except ImportError:  # not on Unix: nothing to raise
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    if target < wanted:
        logging.getLogger("haiquan.exchange").warning(
            "the open-file limit (%d) is below max_connections + 256 (%d): raise it (ulimit -n "
            "or LimitNOFILE= in the service unit) or lower max_connections in node.yaml",
            target, wanted, extra=log_fields("open_file_limit_low"))


def _db(action: str, home: Path | None) -> None:
    """``python -m haiquan.exchange db status|upgrade --home DIR``: ``haiquan db`` for the
    gateway store alone, without the rest of haiquan's CLI."""
    from haiquan.migrations import database_status, database_upgrade

    run = database_upgrade if action == "upgrade" else database_status
    try:
        (report,) = run(["gateway"], gateway_home=home)
    except HaiquanError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2 if error.status < 500 else 1)
    shown = report.before.summary if report.before else report.note
    print(f"gateway store, {report.where}: {shown}")
    if report.after is not None:
        print(f"now: {report.after.summary}")
    elif report.before is not None and report.before.state in ("older", "newer", "release-0.1.0"):
        sys.exit(1)  # like ``haiquan db status``: a deploy script stops before starting the node


def main(argv: list[str] | None = None) -> None:
    """``python -m haiquan.exchange serve --home DIR [--host H] [--port P]`` or
    ``python -m haiquan.exchange db status|upgrade --home DIR``."""
    parser = argparse.ArgumentParser(prog="python -m haiquan.exchange")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the node (receiver and dispatcher)")
    serve.add_argument("--home", type=Path, default=None)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8800)
    serve.add_argument("--dispatchers", type=int, default=1)
    serve.add_argument("--no-receive", action="store_true", help="send only (an extra worker)")
    serve.add_argument("--log-level", default=None,
                       help="DEBUG, INFO, WARNING ... (default: HAIQUAN_LOG_LEVEL, else INFO)")
    serve.add_argument("--tls-certificate", type=Path, default=None,
                       help="PEM certificate chain: serve HTTPS (with --tls-key)")
    serve.add_argument("--tls-key", type=Path, default=None, help="PEM private key")
    db = sub.add_parser("db", help="the store's schema revision: status, or upgrade it")
    db.add_argument("action", choices=["status", "upgrade"])
    db.add_argument("--home", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        _run(args)
    except ModuleNotFoundError as error:  # e.g. psycopg for a postgresql:// store: [postgres]
        from haiquan._extras import missing_extra

        told = missing_extra(error)
        if told is None:
            raise
        print(f"error: {told}", file=sys.stderr)
        sys.exit(1)


def _run(args: argparse.Namespace) -> None:
    if args.command == "db":
        _db(args.action, args.home)
        return
    try:
        configure_logging(args.log_level)
        node = GatewayNode.from_home(args.home)
        serve_node(node, host=args.host, port=args.port, dispatchers=args.dispatchers,
                   receive=not args.no_receive, log_level=args.log_level,
                   tls_certificate=args.tls_certificate, tls_key=args.tls_key)
    except HaiquanError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2 if error.status < 500 else 1)
