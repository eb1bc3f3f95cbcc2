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

A worker's circuit lives in its memory (``node.partners_down``), but what it finds is written to
the store's ``gw_partner_state`` table — ``down`` when a partner becomes unreachable and at each
failed probe, ``up`` when a message reaches it again — so ``gateway status`` and the dashboard in
other processes can show it. A worker that starts finds the partners recorded down there and
probes each before signing anything for it, so a restart neither forgets an outage nor leaves
it recorded after the partner came back. A partner removed from trust is forgotten there and its
pending messages fail, as a message to any untrusted partner does.
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
from haiquan.exchange.monitoring import partner_reachability
from haiquan.exchange.store import ClaimedMessage

if TYPE_CHECKING:
    from haiquan.exchange.node import GatewayNode

__all__ = [
    "DispatchReport",
    "PartnerOutage",
    "backoff_delay",
    "dispatch_once",
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


@dataclass
class PartnerOutage:
    """A partner this worker found unreachable: when it is next probed, how many times in a
    row it failed, since when, the last reason, and whether its last probe answered (then its
    messages go out again and it counts as back once one is delivered, or once none waits for
    it; ``until`` is then when to look for that)."""

    until: float
    failures: int
    since: float
    reason: str
    answering: bool = False


def dispatch_once(node: GatewayNode, *, limit: int | None = None) -> DispatchReport:
    """Claim due messages (up to ``limit``), deliver them in batches, record the outcome."""
    config = node.config
    node.trust.reload_if_changed()
    if node.trust.problem is not None:
        raise node.trust.problem  # never judge messages without the partners' keys
    node.keyring.reload_if_changed()
    if node.partner_states_trust != node.trust.generation:
        # First pass, or partners may have gone from trust: read the recorded states again, so
        # one found up (or down) and then removed is forgotten, not listed by `gateway status`
        # for ever. Compared by generation, not by whether this call reloaded: the receiver
        # (an incoming request) may have taken the change of trust.yaml first.
        _resume_outages(node)
    now = time.time()
    down = node.partners_down
    for country in [c for c in down if c not in node.trust.partners]:
        # Removed from trust while down: it will never be probed back, and a message to it
        # fails as one to any untrusted partner does.
        _forget(node, country)
    back: list[str] = []
    for country, outage in down.items():
        if outage.until > now:
            continue
        if outage.answering:
            # It answered its probe and its messages go out; when none is left waiting (another
            # worker delivered them) it is back, rather than recorded down for ever.
            if node.store.pending_count(country) == 0:
                back.append(country)
            else:
                outage.until = now + config.retry_max_seconds
            continue
        # A partner found down is probed with a cheap GET before anything is signed for it.
        problem = _probe(node, country)
        if problem is None:
            if node.store.pending_count(country) == 0:
                back.append(country)
                continue
            outage.answering = True
            outage.until = now + config.retry_max_seconds
            # "Back" is logged once a message is delivered: a partner answering GET but
            # refusing POSTs must not log a state change on every probe.
            node.log.debug("partner %s answers its probe; sending its messages", country)
            continue
        outage.failures += 1
        outage.reason = problem
        outage.until = now + backoff_delay(
            outage.failures - 1, config.retry_base_seconds, config.retry_max_seconds
        )
        node.log.debug("partner %s still unreachable (%s); next probe in %.1f s",
                       country, problem, outage.until - now)
        node.store.record_partner_state(country, "down", since=outage.since, error=problem,
                                        checked_at=now)
        _postpone(node, country, outage)
    for country in back:
        _mark_up(node, country, "it answers and no message waits for it")
    claimed = node.store.claim(
        node.worker_id,
        limit=limit or config.max_batch * 4,
        lease_seconds=config.lease_seconds,
        skip_receivers=[country for country, outage in down.items()
                        if outage.until > now and not outage.answering],
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
            _mark_down(node, receiver, report.unreachable_reasons.get(receiver, "no answer"))
        elif receiver in down:
            _mark_up(node, receiver, "its messages are delivered")
    return report


def _mark_up(node: GatewayNode, receiver: str, how: str) -> None:
    """Close the circuit for ``receiver``: record it ``up`` in the store, then forget the
    outage (recorded first, so a failed write is tried again on the next pass)."""
    outage = node.partners_down[receiver]
    now = time.time()
    node.store.record_partner_state(receiver, "up", since=now, checked_at=now)
    del node.partners_down[receiver]
    node.log.info("partner %s is reachable again after %.0f s; %s", receiver,
                  now - outage.since, how)


def _resume_outages(node: GatewayNode) -> None:
    """Take up the partners the store records down (found by an earlier run or another worker):
    each is probed before anything is signed for it."""
    generation = node.trust.generation  # a change from now on is looked at again next pass
    for found in partner_reachability(node.store):
        if found.partner not in node.trust.partners:
            _forget(node, found.partner)
        elif found.state == "down" and found.partner not in node.partners_down:
            node.partners_down[found.partner] = PartnerOutage(
                until=0.0, failures=1, since=found.since.timestamp(),
                reason=found.last_error or "recorded down", answering=False,
            )
            node.log.info("partner %s was found down at %s (%s); probing it before sending",
                          found.partner, f"{found.since:%Y-%m-%d %H:%M:%S}Z",
                          found.last_error or "no reason recorded")
    node.partner_states_trust = generation


def _forget(node: GatewayNode, country: str) -> None:
    """``country`` is no longer a trusted partner: forget its reachability (in the store and
    this worker) and fail its pending messages with the reason, instead of holding them for a
    probe that can never succeed."""
    try:
        node.trust.partner(country)
        return  # trusted again meanwhile
    except HaiquanError as error:
        reason = str(error)
    failed = node.store.forget_partner(country, reason)
    node.partners_down.pop(country, None)
    node.log.warning("partner %s is no longer trusted: its reachability is forgotten and its "
                     "%d pending message(s) failed (%s)", country, failed, reason)


def _mark_down(node: GatewayNode, receiver: str, reason: str) -> None:
    """Open (or keep open) the circuit for ``receiver`` and hold its messages until the probe."""
    config = node.config
    now = time.time()
    outage = node.partners_down.get(receiver)
    if outage is None:
        node.store.record_partner_state(receiver, "down", since=now, error=reason, checked_at=now)
        outage = node.partners_down[receiver] = PartnerOutage(now, 0, now, reason)
        node.log.warning("partner %s cannot take messages: %s; its messages stay pending and "
                         "it is probed with backoff", receiver, reason)
    else:
        node.store.record_partner_state(receiver, "down", since=outage.since, error=reason,
                                        checked_at=now)
        node.log.debug("partner %s failed again after its probe answered: %s", receiver, reason)
    outage.failures += 1
    outage.answering = False
    outage.reason = reason
    outage.until = now + backoff_delay(
        outage.failures - 1, config.retry_base_seconds, config.retry_max_seconds
    )
    _postpone(node, receiver, outage)


def _postpone(node: GatewayNode, receiver: str, outage: PartnerOutage) -> None:
    """One UPDATE per partner per probe: its pending messages become due at the next probe,
    and say why, so ``gateway show`` and ``messages`` tell the operator the truth."""
    since = datetime.fromtimestamp(outage.since, UTC)
    probe = datetime.fromtimestamp(outage.until, UTC)
    node.store.postpone_partner(
        receiver,
        outage.until,
        f"{receiver} unreachable since {since:%Y-%m-%d %H:%M:%S}Z ({outage.reason}); "
        f"held until it answers, next probe {probe:%H:%M:%S}Z",
        node.worker_id,
    )


def _probe(node: GatewayNode, country: str) -> str | None:
    """None when the partner answers its node route, else why not."""
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
        node.store.reschedule([
            (m.message_id, now + backoff_delay(m.attempts, config.retry_base_seconds,
                                               config.retry_max_seconds), reason)
            for m in messages
        ])
        report.retried += len(messages)
        report.errors.append(reason)
        return report

    try:
        partner = node.trust.partner(receiver)
    except HaiquanError as error:
        node.store.mark_failed([(m.message_id, str(error)) for m in messages])
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
        return retry_all(f"the receipt from {receiver} covers {len(batch.results)} of "
                         f"{len(messages)} messages")

    delivered: list[str] = []
    failed: list[tuple[str, str]] = []
    retries: list[tuple[str, float, str]] = []
    for message, entry in zip(messages, batch.results, strict=True):
        outcome, reason = _judge(node.config.country, receiver, message, entry)
        if outcome == "delivered":
            delivered.append(message.message_id)
        elif outcome == "failed":
            failed.append((message.message_id, reason))
        else:
            due = now + backoff_delay(
                message.attempts, config.retry_base_seconds, config.retry_max_seconds
            )
            retries.append((message.message_id, due, reason))
            report.errors.append(reason)
    node.store.mark_delivered(node.worker_id, receiver, token, delivered)
    node.store.mark_failed(failed)
    node.store.reschedule(retries)
    report.delivered += len(delivered)
    report.failed += len(failed)
    report.retried += len(retries)
    return report


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
        if (entry.payload_digest != message.payload_digest or entry.receiver != receiver
                or entry.sender != sender):
            return "retry", ("the receipt's digest, sender or receiver differs from the "
                             "message sent")
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
