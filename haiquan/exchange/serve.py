"""Run a node: the HTTP receiver (uvicorn) and the dispatcher threads in one process.

Several such processes may share one PostgreSQL store (``--workers`` on different ports or
machines behind a load balancer): each claims its own outbox rows, the inbox's unique key keeps
receipt once-only. ``python -m haiquan.exchange serve --home DIR`` runs it without the rest of
haiquan's CLI, for the gateway's own security zone.
"""

from __future__ import annotations

import argparse
import logging
import threading
from pathlib import Path

import uvicorn

from haiquan.exchange.dispatcher import run_dispatcher
from haiquan.exchange.http import create_gateway_app
from haiquan.exchange.node import GatewayNode

__all__ = ["main", "serve_node"]


def serve_node(
    node: GatewayNode,
    *,
    host: str = "127.0.0.1",
    port: int = 8800,
    dispatchers: int = 1,
    receive: bool = True,
    log_level: str = "warning",
) -> None:
    """Serve ``node`` until interrupted: dispatcher threads plus (if ``receive``) HTTP."""
    stop = threading.Event()
    threads = [
        threading.Thread(target=run_dispatcher, args=(node, stop), daemon=True,
                         name=f"dispatcher-{i}")
        for i in range(dispatchers)
    ]
    for thread in threads:
        thread.start()
    try:
        if receive:
            uvicorn.run(
                create_gateway_app(node), host=host, port=port, log_level=log_level,
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
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    node = GatewayNode.from_home(args.home)
    serve_node(node, host=args.host, port=args.port, dispatchers=args.dispatchers,
               receive=not args.no_receive)
