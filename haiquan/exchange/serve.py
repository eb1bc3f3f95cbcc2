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

from haiquan.errors import ConfigurationError, HaiquanError
from haiquan.exchange.dispatcher import run_dispatcher
from haiquan.exchange.http import create_gateway_app
from haiquan.exchange.node import GatewayNode
from haiquan.exchange.store import describe_database

__all__ = ["configure_logging", "main", "serve_node"]

_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str | None = None) -> int:
    """Send haiquan's log records to standard error at ``level`` (default: the ``log_level``
    setting, ``HAIQUAN_LOG_LEVEL``); returns the numeric level.

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
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(_FORMAT))
        root.addHandler(handler)
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
) -> None:
    """Serve ``node`` until interrupted: dispatcher threads plus (if ``receive``) HTTP.

    Logging goes to standard error at ``log_level`` (default: the ``log_level`` setting).
    """
    level = logging.getLevelName(configure_logging(log_level)).lower()
    if node.trust.problem is not None:
        raise node.trust.problem
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
        f"receiving on {host}:{port}" if receive else "sending only (--no-receive)",
        describe_database(node.database_url), dispatchers, len(node.trust.partners),
        ", ".join(sorted(node.trust.partners)) or "none yet", node.keyring.active.kid,
    )
    for thread in threads:
        thread.start()
    try:
        if receive:
            uvicorn.run(
                create_gateway_app(node), host=host, port=port, log_level=level,
                access_log=False,
            )
        else:
            stop.wait()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)


def main(argv: list[str] | None = None) -> None:
    """``python -m haiquan.exchange serve --home DIR [--host H] [--port P]``."""
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
    args = parser.parse_args(argv)
    try:
        configure_logging(args.log_level)
        node = GatewayNode.from_home(args.home)
        serve_node(node, host=args.host, port=args.port, dispatchers=args.dispatchers,
                   receive=not args.no_receive, log_level=args.log_level)
    except HaiquanError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2 if error.status < 500 else 1)
