"""The sending loop: claim due outbox messages, sign, post in batches, record receipts.

A message stays ``pending`` until this node holds the receiver's signed receipt for it, verified
with the receiver's trusted key and matching the message id and payload digest. When the partner
cannot be reached, answers with a server error, or sends a receipt that does not verify, the
message is retried with exponential backoff and jitter (``retry_base_seconds`` doubling up to
``retry_max_seconds``) — for as long as it takes. When the partner refuses a message with a
signed 4xx error (it will never accept it as it is) the message becomes ``failed`` with the
partner's reason; an operator can requeue it after fixing the cause.

Every attempt signs the unchanged envelope afresh, with the attempt time as ``iat``, so a message
retried after an outage is not mistaken for a replay. When a partner is unreachable the worker
stops sending to it (a circuit breaker, per worker, with the same backoff) instead of re-signing
every queued message on every pass, and probes it with a cheap ``GET /exchange/v1/node`` before
sending again.

The circuit (:class:`~haiquan.exchange.circuit.PartnerCircuit`, ``node.circuit``) owns the
partners' states: this loop asks it which partners to leave alone, and tells it which could not
take their messages and which took them again.
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from haiquan.errors import DeliveryError, HaiquanError
from haiquan.exchange._wakeup import OutboxWatcher
from haiquan.exchange.envelope import (
    ENVELOPE_TYP,
    BatchResult,
    Receipt,
    SignedError,
    parse_batch_result,
)
from haiquan.exchange.logs import log_fields
from haiquan.exchange.rows import ClaimedMessage

if TYPE_CHECKING:
    from haiquan.exchange.node import GatewayNode

__all__ = [
    "DispatchReport",
    "backoff_delay",
    "dispatch_once",
    "record_failed",
    "probe_partner",
    "run_dispatcher",
]


@dataclass
class DispatchReport:
    """What one pass of the dispatcher did."""

    claimed: int = 0
    delivered: int = 0
    failed: int = 0
    retried: int = 0
    errors: list[str] = field(default_factory=list)
    unreachable: set[str] = field(default_factory=set)
    #: why each partner in ``unreachable`` could not take messages.
    unreachable_reasons: dict[str, str] = field(default_factory=dict)

    def add(self, other: DispatchReport) -> None:
        self.claimed += other.claimed
        self.delivered += other.delivered
        self.failed += other.failed
        self.retried += other.retried
        self.errors.extend(other.errors)
        self.unreachable |= other.unreachable
        self.unreachable_reasons.update(other.unreachable_reasons)


def backoff_delay(attempts: int, base: float, cap: float) -> float:
    """Delay before retry number ``attempts + 1``: exponential, capped, with ±25 % jitter.

    >>> 0.75 <= backoff_delay(0, 1.0, 60.0) <= 1.25
    True
    >>> backoff_delay(30, 1.0, 60.0) <= 75.0
    True
    """
    delay = min(base * (2 ** min(attempts, 30)), cap)
    return delay * random.uniform(0.75, 1.25)


def dispatch_once(node: GatewayNode, *, limit: int | None = None) -> DispatchReport:
    """Claim due messages (up to ``limit``), deliver them in batches, record the outcome."""
    config = node.config
    node.trust.reload_if_changed()
    if node.trust.problem is not None:
        raise node.trust.problem  # never judge messages without the partners' keys
    node.keyring.reload_if_changed()
    circuit = node.circuit
    held = circuit.check()
    claimed = node.store.claim(
        node.worker_id,
        limit=limit or config.max_batch * 4,
        lease_seconds=config.lease_seconds,
        skip_receivers=held,
    )
    report = DispatchReport(claimed=len(claimed))
    by_receiver: dict[str, list[ClaimedMessage]] = defaultdict(list)
    for message in claimed:
        by_receiver[message.receiver].append(message)
    for receiver, messages in by_receiver.items():
        for start in range(0, len(messages), config.max_batch):
            chunk = messages[start : start + config.max_batch]
            if receiver in report.unreachable:
                # Circuit open: the rest waits for the next probe, put off below without
                # being signed and posted again.
                report.retried += len(chunk)
                continue
            report.add(_deliver(node, receiver, chunk))
        if receiver in report.unreachable:
            circuit.open(receiver, report.unreachable_reasons.get(receiver, "no answer"))
        elif circuit.is_open(receiver):
            circuit.close(receiver, "its messages are delivered")
    return report


def probe_partner(node: GatewayNode, country: str) -> str | None:
    """None when the partner answers its node route, else why not (the circuit's probe)."""
    try:
        partner = node.trust.partner(country)
    except HaiquanError as error:
        return str(error)
    if partner.protocol == "as4":
        from haiquan.exchange.as4.binding import as4_gateway

        return as4_gateway(node).probe(partner.endpoint)
    return node.client.probe(partner.endpoint)


def _deliver(node: GatewayNode, receiver: str, messages: list[ClaimedMessage]) -> DispatchReport:
    config = node.config
    report = DispatchReport()
    now = time.time()

    def retry_all(reason: str) -> DispatchReport:
        node.store.reschedule(
            [
                (
                    m.message_id,
                    now
                    + backoff_delay(
                        m.attempts, config.retry_base_seconds, config.retry_max_seconds
                    ),
                    reason,
                )
                for m in messages
            ]
        )
        report.retried += len(messages)
        report.errors.append(reason)
        return report

    try:
        partner = node.trust.partner(receiver)
    except HaiquanError as error:
        record_failed(node, receiver, [(m.message_id, str(error), error.code) for m in messages])
        report.failed += len(messages)
        return report
    if partner.protocol == "as4":  # the AS4 binding (haiquan.exchange.as4.binding)
        from haiquan.exchange.as4.binding import as4_gateway

        return as4_gateway(node).deliver(receiver, partner, messages)
    tokens = node.keyring.sign_many(
        [m.envelope.encode("utf-8") for m in messages], {"typ": ENVELOPE_TYP, "iat": int(now)}
    )
    try:
        reply = node.client.post_batch(partner.endpoint, tokens)
    except DeliveryError as error:
        report.unreachable.add(receiver)
        report.unreachable_reasons[receiver] = f"{error.summary}: {error.got}"
        return retry_all(str(error))
    token = reply.body.get("receipt")
    if reply.status != 200 or not isinstance(token, str):
        error_body = reply.body.get("error")
        reason = (
            error_body.get("message") if isinstance(error_body, dict) else None
        ) or "no signed receipt in the answer"
        report.unreachable.add(receiver)
        report.unreachable_reasons[receiver] = f"answered HTTP {reply.status}: {reason}"
        return retry_all(f"{receiver} answered HTTP {reply.status}: {reason}")
    try:
        batch = _read_receipt(node, receiver, token)
    except (HaiquanError, ValueError) as error:
        return retry_all(f"the receipt from {receiver} is not acceptable: {error}")
    if len(batch.results) != len(messages):
        return retry_all(
            f"the receipt from {receiver} covers {len(batch.results)} of {len(messages)} messages"
        )

    delivered: list[str] = []
    failed: list[tuple[str, str, str | None]] = []
    retries: list[tuple[str, float, str]] = []
    for message, entry in zip(messages, batch.results, strict=True):
        outcome, reason = _judge(node.config.country, receiver, message, entry)
        if outcome == "delivered":
            delivered.append(message.message_id)
        elif outcome == "failed":
            code = entry.error.get("code") if isinstance(entry, SignedError) else None
            failed.append((message.message_id, reason, str(code) if code else None))
        else:
            due = now + backoff_delay(
                message.attempts, config.retry_base_seconds, config.retry_max_seconds
            )
            retries.append((message.message_id, due, reason))
            report.errors.append(reason)
    node.store.mark_delivered(node.worker_id, receiver, token, delivered)
    record_failed(node, receiver, failed)
    node.store.reschedule(retries)
    report.delivered += len(delivered)
    report.failed += len(failed)
    report.retried += len(retries)
    return report


def record_failed(
    node: GatewayNode, receiver: str, failed: list[tuple[str, str, str | None]]
) -> None:
    """Mark ``failed`` (message id, reason, error code) as failed and log one WARNING line
    each: a refused message is never retried, so an operator watching the log (not only
    ``haiquan gateway messages``) must learn of it."""
    node.store.mark_failed([(message_id, reason) for message_id, reason, _ in failed])
    for message_id, reason, code in failed:
        node.log.warning(
            "message %s to %s failed (%s): %s; requeue it once the cause is fixed",
            message_id,
            receiver,
            code or "no error code",
            reason,
            extra=log_fields("message_failed", message_id=message_id, partner=receiver, code=code),
        )


def _read_receipt(node: GatewayNode, receiver: str, token: str) -> BatchResult:
    """Verify the receiver's signed batch receipt with its trusted key."""
    verified = node.trust.verify(token)
    if verified.partner != receiver:
        raise DeliveryError(
            "the receipt is signed by another node",
            expected=receiver,
            got=verified.partner,
            fix="check the partner's endpoint in trust.yaml",
        )
    return parse_batch_result(verified.payload)


def _judge(
    sender: str, receiver: str, message: ClaimedMessage, entry: Receipt | SignedError
) -> tuple[str, str]:
    """("delivered", "") | ("failed", reason) | ("retry", reason) for one message.

    A receipt counts only for this node's own message: same id, same digest, this node as
    sender and the partner as receiver (a receipt of another sender's message that happens to
    carry the same id and digest is not a delivery of ours).
    """
    if entry.message_id != message.message_id:
        return "retry", f"the receipt names message {entry.message_id!r} in its place"
    if isinstance(entry, Receipt):
        if (
            entry.payload_digest != message.payload_digest
            or entry.receiver != receiver
            or entry.sender != sender
        ):
            return "retry", (
                "the receipt's digest, sender or receiver differs from the message sent"
            )
        return "delivered", ""
    reason = f"refused by {receiver}: {entry.error.get('message', 'no reason given')}"
    if int(entry.error.get("status", 500)) >= 500:
        return "retry", reason
    return "failed", reason


def run_dispatcher(
    node: GatewayNode,
    stop: threading.Event,
    *,
    idle_seconds: float = 1.0,
) -> None:
    """Dispatch until ``stop`` is set, one batch at a time, sleeping only when nothing is due.

    Each pass claims at most one batch (``max_batch``). A full batch is followed at once by
    the next (a backlog drains as fast as the partner answers); after a partial batch the
    thread lets messages gather until ``batch_linger_seconds`` have passed since that batch
    started, so a steady stream travels in batches of a few tens rather than one request per
    commit of the back office — each request costs both nodes about a millisecond of CPU
    besides the messages in it. A message arriving at an idle node leaves at once.

    When nothing can be claimed the thread waits until another process commits new outbox
    rows (see :mod:`haiquan.exchange._wakeup`), ``send`` in this process sets ``node.wakeup``,
    or the next retry or lease falls due — at most ``idle_seconds``.
    """
    linger = node.config.batch_linger_seconds
    watcher = _Watch(node)
    try:
        while not stop.is_set():
            node.wakeup.clear()  # a send() from now on wakes the wait below at once
            watcher.arm()  # likewise a commit by another process
            started = time.monotonic()
            try:
                report = dispatch_once(node, limit=node.config.max_batch)
            except Exception:  # noqa: BLE001 - a database blip must not kill the sender loop
                node.log.exception("dispatcher pass failed; retrying shortly")
                stop.wait(0.05)
                continue
            if report.claimed >= node.config.max_batch:
                continue
            if report.claimed:
                stop.wait(started + linger - time.monotonic())
                continue
            # Nothing claimable now. A message already due is leased by another worker or
            # waits for a partner that is down: look again soon; else sleep until it is due.
            try:
                due = node.store.next_due()
            except Exception:  # noqa: BLE001 - as above
                node.log.exception("dispatcher could not read the outbox; retrying shortly")
                due = None
            ahead = idle_seconds if due is None else due - time.time()
            watcher.wait(min(max(ahead, 0.05), idle_seconds), stop, node.wakeup)
    finally:
        watcher.close()


class _Watch:
    """The dispatcher's outbox watcher, renewed when its database connection fails; while it
    cannot be had, the dispatcher polls every 50 ms as a plain loop would."""

    #: How long to poll before trying again to watch.
    RETRY_SECONDS = 5.0

    def __init__(self, node: GatewayNode) -> None:
        self.node = node
        self.watcher: OutboxWatcher | None = None
        self.retry_at = 0.0

    def _get(self) -> OutboxWatcher | None:
        if self.watcher is None and time.monotonic() >= self.retry_at:
            try:
                self.watcher = self.node.store.watcher()
            except Exception:  # noqa: BLE001 - the database may be down; poll meanwhile
                self.node.log.exception("cannot watch the outbox; polling instead")
                self.retry_at = time.monotonic() + self.RETRY_SECONDS
        return self.watcher

    def _drop(self) -> None:
        self.node.log.exception("outbox watcher failed; polling, then renewing it")
        self.close()
        self.retry_at = time.monotonic() + self.RETRY_SECONDS

    def arm(self) -> None:
        watcher = self._get()
        if watcher is not None:
            try:
                watcher.arm()
            except Exception:  # noqa: BLE001
                self._drop()

    def wait(self, timeout: float, stop: threading.Event, wakeup: threading.Event) -> None:
        watcher = self.watcher
        if watcher is None:
            wakeup.wait(min(timeout, 0.05))
            return
        try:
            watcher.wait(timeout, stop, wakeup)
        except Exception:  # noqa: BLE001
            self._drop()
            stop.wait(0.05)

    def close(self) -> None:
        if self.watcher is not None:
            try:
                self.watcher.close()
            except Exception:  # noqa: BLE001 - closing a broken connection may fail too
                pass
            self.watcher = None
