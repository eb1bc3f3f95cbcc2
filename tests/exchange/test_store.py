"""The store: claims with leases, the duplicate store, and PostgreSQL with two workers sharing
one outbox across a receiver crash."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from haiquan.errors import ConfigurationError
from haiquan.exchange import GatewayStore
from haiquan.exchange.rows import InboxRow
from haiquan.exchange.tables import outbox

from . import samples
from .conftest import NodeFactory, link
from .helpers import inbox_ids, wait_delivered, wait_some_delivered


def _row(i: int) -> dict[str, object]:
    return {"message_id": f"msg-{i:08d}", "conversation_id": f"msg-{i:08d}", "receiver": "THA",
            "document_type": "risk-alert", "document_version": "1", "created_at": time.time(),
            "envelope": "{}"}


def _stores(tmp_path: Path, pg_schema: Callable[[], str] | None) -> GatewayStore:
    if pg_schema is None:
        return GatewayStore(f"sqlite:///{tmp_path / 'gw.db'}")
    return GatewayStore(pg_schema())


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_claims_are_disjoint_and_leases_expire(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    pg = request.getfixturevalue("pg_schema") if backend == "postgresql" else None
    store = _stores(tmp_path, pg)
    store.enqueue([_row(i) for i in range(10)])
    first = store.claim("w1", limit=6, lease_seconds=0.5)
    second = store.claim("w2", limit=6, lease_seconds=0.5)
    assert len(first) == 6 and len(second) == 4
    assert not {m.message_id for m in first} & {m.message_id for m in second}
    assert store.claim("w3", limit=6, lease_seconds=0.5) == []
    time.sleep(0.6)  # w1 and w2 "died": their leases run out and the rows are claimable again
    assert len(store.claim("w3", limit=20, lease_seconds=5)) == 10
    store.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_inbox_keeps_one_copy_per_sender_and_message(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    pg = request.getfixturevalue("pg_schema") if backend == "postgresql" else None
    store = _stores(tmp_path, pg)
    row = InboxRow("VNM", "m-00000001", "m-00000001", "risk-alert", "1", 0.0, "sha-256:x", "{}",
                   "jws")
    accepted, dups = store.store_received([row])
    assert list(accepted) == [("VNM", "m-00000001")] and dups == {}
    other_sender = InboxRow(**{**row.__dict__, "sender": "MYS"})
    accepted, dups = store.store_received([row, other_sender])
    assert list(accepted) == [("MYS", "m-00000001")]
    assert dups[("VNM", "m-00000001")][0] == "sha-256:x"
    store.close()


def test_a_bad_database_url_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="unsupported gateway database"):
        GatewayStore("mysql://x@localhost/db")
    with pytest.raises(ConfigurationError, match="cannot be read"):
        GatewayStore("not a url")
    with pytest.raises(ConfigurationError, match="synchronous"):
        GatewayStore(f"sqlite:///{tmp_path}/x.db?synchronous=sometimes")


@pytest.mark.slow
@pytest.mark.postgres
def test_two_workers_share_a_postgres_outbox_across_receiver_and_worker_crashes(
    make_node: NodeFactory, serve, pg_schema
) -> None:
    vnm = make_node("VNM", database_url=pg_schema(), max_batch=40, lease_seconds=3.0)
    tha = make_node("THA", database_url=pg_schema())
    link(vnm, tha)
    first = serve(vnm, wait=False)  # worker 1: receives and sends
    worker = serve(vnm, receive=False)  # worker 2: sends only, same outbox
    assert worker.process is not None
    worker_2 = str(worker.process.pid)
    receiver = serve(tha, wait=False)
    first.wait_ready()
    receiver.wait_ready()
    total = 300
    ids = []
    for i in range(total):
        alert = dict(samples.risk_alert(), alert_id=f"VN-RA-2026-{i:05d}")
        ids.append(vnm.send("risk-alert", alert, receiver="THA"))
        if i == total // 3:
            wait_some_delivered(vnm, total)
            receiver.kill()  # SIGKILL the receiver mid-stream, then restart it
            time.sleep(0.3)
            receiver.start()
        if i == 2 * total // 3:
            _wait_for_worker(vnm, worker_2)  # worker 2 has delivered some of the stream ...
            worker.kill()  # ... when it is SIGKILLed: worker 1 takes over its leased rows
        time.sleep(0.004)
    wait_delivered(vnm, ids, timeout=120)
    received = inbox_ids(tha)
    assert len(received) == len(set(received)) == total
    assert set(received) == set(ids)
    workers = _delivered_by(vnm)
    assert len(workers) == 2, f"both workers should have delivered: {workers}"


def _wait_for_worker(node, pid: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not any(w.split(":")[1] == pid for w in _delivered_by(node)):
        assert time.monotonic() < deadline, f"worker {pid} never delivered"
        time.sleep(0.05)


def _delivered_by(node) -> dict[str, int]:
    with node.store.read() as conn:
        return dict(conn.execute(
            select(outbox.c.delivered_by, func.count())
            .where(outbox.c.delivered_by.is_not(None))
            .group_by(outbox.c.delivered_by)
        ).all())


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_idle_worker_wakes_when_another_process_queues_not_when_the_inbox_fills(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    import threading

    if backend == "postgresql":
        url = request.getfixturevalue("pg_schema")()
    else:
        url = f"sqlite:///{tmp_path / 'gw.db'}"
    worker, back_office = GatewayStore(url), GatewayStore(url)  # two connections, as processes
    watcher = worker.watcher()
    stop, wakeup = threading.Event(), threading.Event()
    try:
        watcher.arm()
        started = time.monotonic()
        back_office.store_received(
            [InboxRow("VNM", "m-00000001", "m-00000001", "risk-alert", "1", 0.0, "sha-256:x",
                      "{}", "jws")]
        )
        watcher.wait(0.6, stop, wakeup)  # an inbox commit leaves the sender asleep
        assert time.monotonic() - started >= 0.55

        watcher.arm()
        waiting = threading.Thread(target=watcher.wait, args=(60.0, stop, wakeup))
        waiting.start()
        back_office.enqueue([_row(1)])
        waiting.join(timeout=20)
        assert not waiting.is_alive(), "the worker slept through a queued message"
    finally:
        stop.set()
        watcher.close()
        worker.close()
        back_office.close()


def test_next_due_waits_for_a_lease_held_by_another_worker(tmp_path: Path) -> None:
    store = GatewayStore(f"sqlite:///{tmp_path / 'gw.db'}")
    store.enqueue([_row(i) for i in range(3)])
    assert (store.next_due() or 0) <= time.time()
    store.claim("w1", limit=3, lease_seconds=60)
    assert (store.next_due() or 0) > time.time() + 50  # nothing claimable before the lease ends
    store.close()


def test_a_sqlite_store_in_a_missing_folder_is_refused_unless_asked_to_create_it(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "no-such-folder" / "gw.db"
    with pytest.raises(ConfigurationError, match="folder does not exist") as caught:
        GatewayStore(f"sqlite:///{missing}", source="HAIQUAN_GATEWAY_DATABASE_URL")
    assert "HAIQUAN_GATEWAY_DATABASE_URL" in str(caught.value.fix)
    assert not missing.parent.exists()
    GatewayStore(f"sqlite:///{missing}", create_folder=True).close()  # the node's default file
    assert missing.exists()
