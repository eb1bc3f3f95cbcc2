"""Over AS4 too, nothing is lost or duplicated when either node is SIGKILLed mid-stream, on
SQLite and on PostgreSQL (two workers sharing one outbox)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from .. import samples
from ..conftest import NodeFactory
from ..helpers import inbox_ids, wait_delivered, wait_some_delivered
from .test_binding import link_as4


def _stream(vnm: Any, total: int, kill_at: dict[int, Any]) -> list[str]:
    ids = []
    for i in range(total):
        alert = dict(samples.risk_alert(), alert_id=f"VN-RA-2026-{i:05d}")
        ids.append(vnm.send("risk-alert", alert, receiver="THA"))
        if i in kill_at:
            wait_some_delivered(vnm, total)
            kill_at[i]()
        time.sleep(0.01)
    return ids


@pytest.mark.slow
def test_sqlite_receiver_and_sender_killed_mid_stream(make_node: NodeFactory,
                                                      serve: Any) -> None:
    vnm, tha = make_node("VNM"), make_node("THA")
    link_as4(vnm, tha)
    receiver = serve(tha)
    sender = serve(vnm, receive=False)

    def kill_receiver() -> None:
        receiver.kill()  # SIGKILL, then restart
        time.sleep(0.3)
        receiver.start(wait=False)
        receiver.wait_ready(timeout=120)  # a loaded machine starts a process slowly

    def kill_sender() -> None:
        sender.kill()  # its leased rows are taken up again by the new worker
        sender.start(wait=False)

    total = 60
    ids = _stream(vnm, total, {total // 3: kill_receiver, 2 * total // 3: kill_sender})
    wait_delivered(vnm, ids, timeout=180)
    received = inbox_ids(tha)
    assert len(received) == len(set(received)) == total and set(received) == set(ids)


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_two_workers_over_as4_across_a_receiver_crash(
        make_node: NodeFactory, serve: Any, pg_schema: Any) -> None:
    vnm = make_node("VNM", database_url=pg_schema(), lease_seconds=3.0)
    tha = make_node("THA", database_url=pg_schema())
    link_as4(vnm, tha)
    first = serve(vnm, wait=False)
    serve(vnm, receive=False)  # a second worker on the same outbox
    receiver = serve(tha, wait=False)
    first.wait_ready()
    receiver.wait_ready()

    def kill_receiver() -> None:
        receiver.kill()
        time.sleep(0.3)
        receiver.start(wait=False)
        receiver.wait_ready(timeout=120)  # a loaded machine starts a process slowly

    total = 60
    ids = _stream(vnm, total, {total // 2: kill_receiver})
    wait_delivered(vnm, ids, timeout=180)
    received = inbox_ids(tha)
    assert len(received) == len(set(received)) == total and set(received) == set(ids)
    detail = vnm.message(ids[0])
    assert detail.state == "delivered" and "NonRepudiationInformation" in (
        detail.receipt_jws or "")
