"""Reliable delivery: backoff, retry until the signed receipt, failure with reason, and crashes
(SIGKILL of the receiver, then of the sender, in the middle of a stream) that lose nothing and
duplicate nothing."""

from __future__ import annotations

import logging
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haiquan.exchange import backoff_delay

from . import samples
from .conftest import NodeFactory, link
from .helpers import inbox_ids, wait_delivered, wait_some_delivered


@given(
    attempts=st.integers(min_value=0, max_value=200),
    base=st.floats(min_value=0.01, max_value=10),
    cap=st.floats(min_value=0.01, max_value=600),
)
def test_backoff_doubles_up_to_its_cap_with_jitter(attempts: int, base: float, cap: float) -> None:
    nominal = min(base * 2 ** min(attempts, 30), cap)
    assert 0.75 * nominal <= backoff_delay(attempts, base, cap) <= 1.25 * nominal


def test_an_unreachable_receiver_leaves_messages_pending_then_they_arrive(
    make_node: NodeFactory, serve
) -> None:
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    mid = vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    report = vnm.dispatch_once()
    assert (report.claimed, report.delivered, report.retried) == (1, 0, 1)
    view = vnm.message(mid)
    assert view.state == "pending" and view.attempts == 1
    assert view.last_error and "cannot be reached" in view.last_error
    assert vnm.dispatch_once().claimed == 0  # not due before its backoff
    serve(tha)
    time.sleep(1.3)  # retry_max_seconds=1.0 (+25 % jitter) in tests
    assert vnm.dispatch_once().delivered == 1
    assert vnm.message(mid).state == "delivered"
    assert inbox_ids(tha) == [mid]


def test_an_unreachable_partner_is_probed_with_one_batch_not_all(make_node: NodeFactory) -> None:
    vnm, tha = make_node("VNM", max_batch=10), make_node("THA")
    link(vnm, tha)
    ids = vnm.send_many("risk-alert", [samples.risk_alert()] * 35, receiver="THA")
    report = vnm.dispatch_once()
    assert (report.claimed, report.retried, report.unreachable) == (35, 35, {"THA"})
    attempts = sorted(vnm.message(m).attempts for m in ids)
    assert attempts == [0] * 25 + [1] * 10  # only the first batch was signed and posted
    assert vnm.dispatch_once().claimed == 0  # the circuit is open: THA is left alone for now


def _wait_for_probe(node, country: str) -> None:
    time.sleep(max(node.partners_down[country].until - time.time(), 0) + 0.01)


def test_messages_for_a_partner_found_down_wait_for_its_probe_and_say_so(
    make_node: NodeFactory, serve, caplog: pytest.LogCaptureFixture
) -> None:
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    caplog.set_level(logging.DEBUG, logger="haiquan.exchange")
    first = vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    assert vnm.dispatch_once().unreachable == {"THA"}
    # Queued during the outage: skipped by the claim, then held by the next failed probe.
    later = vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    for _ in range(2):
        _wait_for_probe(vnm, "THA")
        assert vnm.dispatch_once().claimed == 0
    probe_at = vnm.partners_down["THA"].until
    assert probe_at > time.time()
    for mid, attempts in ((first, 1), (later, 0)):
        view = vnm.message(mid)
        assert view.state == "pending" and view.attempts == attempts
        # What the operator sees is true: due at the next probe, and why it waits.
        assert view.next_attempt_at is not None
        assert view.next_attempt_at.timestamp() == pytest.approx(probe_at)
        assert view.last_error and "THA unreachable since" in view.last_error
        assert "cannot be reached" in view.last_error and "next probe" in view.last_error
    serve(tha)
    _wait_for_probe(vnm, "THA")
    assert vnm.dispatch_once().delivered == 2
    assert sorted(inbox_ids(tha)) == sorted([first, later])
    assert "THA" not in vnm.partners_down
    # One line per state change, not one per retry.
    changes = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert [(r.levelname, r.getMessage()[:34]) for r in changes] == [
        ("WARNING", "partner THA cannot take messages: "),
        ("INFO", "partner THA is reachable again aft"),
    ]


def test_a_refused_message_fails_with_the_partner_reason_and_can_be_requeued(
    make_node: NodeFactory, serve
) -> None:
    vnm, tha = make_node("VNM"), make_node("THA")
    vnm.add_partner("THA", tha.config.endpoint, jwks=tha.jwks())  # THA does not trust VNM yet
    serve(tha)
    mid = vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    assert vnm.dispatch_once().failed == 1
    view = vnm.message(mid)
    assert view.state == "failed"
    assert view.last_error and "refused by THA" in view.last_error
    assert "unknown sender" in view.last_error
    tha.add_partner("VNM", vnm.config.endpoint, jwks=vnm.jwks())  # the served THA reloads trust
    assert vnm.requeue([mid]) == 1
    assert vnm.dispatch_once().delivered == 1
    assert vnm.message(mid).state == "delivered"


def test_send_is_idempotent_for_the_same_message_id(make_node: NodeFactory) -> None:
    from haiquan.errors import ConflictError

    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    mid = vnm.send("risk-alert", samples.risk_alert(), receiver="THA", message_id="BO-000000001")
    again = vnm.send("risk-alert", samples.risk_alert(), receiver="THA", message_id="BO-000000001")
    assert mid == again == "BO-000000001"
    other = dict(samples.risk_alert(), severity="low")
    with pytest.raises(ConflictError):
        vnm.send("risk-alert", other, receiver="THA", message_id="BO-000000001")
    assert vnm.summary().outbox["pending"] == 1


def test_send_many_queues_all_or_nothing(make_node: NodeFactory) -> None:
    from haiquan.errors import ValidationError

    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    bad = dict(samples.risk_alert(), severity="apocalyptic")
    with pytest.raises(ValidationError, match="severity"):
        vnm.send_many("risk-alert", [samples.risk_alert(), bad], receiver="THA")
    assert vnm.summary().outbox["pending"] == 0
    ids = vnm.send_many("risk-alert", [samples.risk_alert()] * 3, receiver="THA")
    assert len(set(ids)) == 3 and vnm.summary().outbox["pending"] == 3


def _stream(node, count: int, *, on_progress=None) -> list[str]:
    ids = []
    for i in range(count):
        alert = dict(samples.risk_alert(), alert_id=f"VN-RA-2026-{i:05d}")
        ids.append(node.send("risk-alert", alert, receiver="THA"))
        if on_progress:
            on_progress(i)
        time.sleep(0.004)
    return ids


@pytest.mark.slow
def test_killing_the_receiver_mid_stream_loses_and_duplicates_nothing(
    make_node: NodeFactory, serve
) -> None:
    vnm = make_node("VNM", max_batch=50)
    tha = make_node("THA")
    link(vnm, tha)
    sender, receiver = serve(vnm, wait=False), serve(tha, wait=False)
    sender.wait_ready()
    receiver.wait_ready()
    total = 300
    crashed = []

    def crash(i: int) -> None:
        if i == total // 3:
            wait_some_delivered(vnm, total)  # really in the middle of the stream
            receiver.kill()  # SIGKILL: no clean shutdown
            crashed.append(i)
            time.sleep(0.3)
            receiver.start()

    ids = _stream(vnm, total, on_progress=crash)
    assert crashed
    wait_delivered(vnm, ids, timeout=120)
    received = inbox_ids(tha)
    assert len(received) == len(set(received)) == total  # nothing duplicated
    assert set(received) == set(ids)  # nothing lost
    assert vnm.summary().outbox == {"pending": 0, "delivered": total, "failed": 0}
    assert [m.message_id for m in tha.inbox(limit=total + 1)] == received  # back office: once


def test_the_dispatcher_loop_delivers_even_when_the_outbox_cannot_be_watched(
    make_node: NodeFactory, serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wake-up watcher is an optimisation: a database that refuses it (or drops its
    connection) leaves the dispatcher polling, still delivering and still lingering."""
    import threading

    from haiquan.exchange.dispatcher import run_dispatcher

    vnm, tha = make_node("VNM", batch_linger_seconds=0.05), make_node("THA")
    link(vnm, tha)
    serve(tha)

    def broken() -> None:
        raise OSError("no watching today")

    monkeypatch.setattr(vnm.store, "watcher", broken)
    stop = threading.Event()
    loop = threading.Thread(target=run_dispatcher, args=(vnm, stop), daemon=True)
    loop.start()
    try:
        first = vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
        wait_delivered(vnm, [first], timeout=30)
        more = vnm.send_many("risk-alert", [samples.risk_alert()] * 5, receiver="THA")
        wait_delivered(vnm, more, timeout=30)
    finally:
        stop.set()
        loop.join(timeout=10)
    assert not loop.is_alive()
    assert sorted(inbox_ids(tha)) == sorted([first, *more])


def test_a_receipt_counts_only_for_this_nodes_own_message(make_node: NodeFactory) -> None:
    # A receipt for another sender's message with the same id and digest is not a delivery.
    import datetime as dt

    from haiquan.exchange.dispatcher import _judge
    from haiquan.exchange.envelope import Receipt

    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    (claimed,) = vnm.store.claim("test", limit=1, lease_seconds=30)

    def receipt(sender: str) -> Receipt:
        return Receipt(message_id=claimed.message_id, sender=sender, receiver="THA",
                       payload_digest=claimed.payload_digest,
                       received_at=dt.datetime.now(dt.UTC), status="accepted")

    assert _judge("VNM", "THA", claimed, receipt("VNM")) == ("delivered", "")
    outcome, reason = _judge("VNM", "THA", claimed, receipt("MYS"))
    assert outcome == "retry" and "sender" in reason
