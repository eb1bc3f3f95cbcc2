"""Waiting helpers for tests with real node processes."""

from __future__ import annotations

import time
from collections.abc import Iterable

from sqlalchemy import func, select

from haiquan.exchange import GatewayNode
from haiquan.exchange.tables import inbox, outbox


def wait_delivered(node: GatewayNode, ids: Iterable[str], timeout: float = 60.0) -> None:
    """Wait until every message in ``ids`` is delivered (fail with the states if not)."""
    wanted = set(ids)
    deadline = time.monotonic() + timeout
    while True:
        with node.store.read() as conn:
            states = dict(conn.execute(
                select(outbox.c.message_id, outbox.c.state).where(
                    outbox.c.message_id.in_(list(wanted)))
            ).all())
        if all(states.get(m) == "delivered" for m in wanted):
            return
        if time.monotonic() > deadline:
            bad = {m: s for m, s in states.items() if s != "delivered"}
            raise AssertionError(f"{len(bad)} not delivered: {list(bad.items())[:5]} "
                                 f"{node.summary()}")
        time.sleep(0.1)


def wait_some_delivered(node: GatewayNode, total: int, timeout: float = 60.0) -> int:
    """Wait until the stream is under way (some, not all, delivered); return how many are."""
    deadline = time.monotonic() + timeout
    while (count := delivered_count(node)) == 0:
        assert time.monotonic() < deadline, "nothing was delivered"
        time.sleep(0.02)
    assert count < total, "the stream was already over: the crash would not be mid-stream"
    return count


def delivered_count(node: GatewayNode) -> int:
    with node.store.read() as conn:
        return int(conn.execute(
            select(func.count()).where(outbox.c.state == "delivered")).scalar() or 0)


def inbox_ids(node: GatewayNode) -> list[str]:
    with node.store.read() as conn:
        return [r[0] for r in conn.execute(select(inbox.c.message_id).order_by(inbox.c.seq))]
