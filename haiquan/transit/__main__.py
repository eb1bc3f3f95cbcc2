"""``python -m haiquan.transit run``: a transit node's loop beside its gateway node.

Kept outside the ``haiquan`` CLI so it starts with the transit and gateway packages only:

    python -m haiquan.transit run --country VNM --gateway-home /srv/gw \\
        --database-url sqlite:////srv/transit/vnm.sqlite
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path

from haiquan.exchange import GatewayNode
from haiquan.transit.gateway import run_worker
from haiquan.transit.service import TransitService
from haiquan.transit.store import TransitStore


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m haiquan.transit")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="hand over and apply transit messages until stopped")
    run.add_argument("--country", required=True, help="ISO alpha-3 of this administration")
    run.add_argument("--gateway-home", required=True, type=Path)
    run.add_argument("--database-url", default=None,
                     help="transit store (default HAIQUAN_TRANSIT_DATABASE_URL)")
    run.add_argument("--interval", type=float, default=0.5, help="idle wait in seconds")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    service = TransitService(TransitStore(args.database_url), args.country)
    with GatewayNode.from_home(args.gateway_home) as node:
        run_worker(service, node, interval=args.interval, stop=stop)


if __name__ == "__main__":
    main()
