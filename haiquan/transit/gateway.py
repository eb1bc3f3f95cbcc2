"""Carrying transit messages: through a gateway node, or in-process for the demo and tests.

:func:`hand_over` passes the transit outbox to the gateway node (``node.send`` with the message's
fixed id: handing over again after a crash queues nothing twice); :func:`apply_inbox` applies the
transit messages the node received and acknowledges each once applied or refused, so a crash in
between applies it again, harmlessly (the store recognises the message id).
:func:`exchange_locally` moves messages between services in one process, validating each against
its gateway document type exactly as a receiving node would.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select, update

from haiquan.errors import HaiquanError, NotFoundError
from haiquan.transit.service import TransitService
from haiquan.transit.store import outbox

__all__ = ["InboxReport", "OutgoingMessage", "apply_inbox", "exchange_locally", "hand_over",
           "pending_messages", "run_worker"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingMessage:
    """A message waiting to be handed to the gateway."""

    seq: int
    message_id: str
    document_type: str
    receiver: str
    document: dict[str, Any]


@dataclass
class InboxReport:
    """What applying the gateway inbox did: applied ids, refusals with their reason, and
    messages left waiting."""

    applied: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    #: Messages about a movement not held here yet, left in the inbox for a later pass.
    waiting: list[str] = field(default_factory=list)


class _Node(Protocol):
    def send(self, document_type_name: str, document: Any, *, receiver: str,
             conversation_id: str | None = None, message_id: str | None = None,
             document_version: str | None = None) -> str: ...

    def waiting(self) -> Iterator[Any]: ...

    def acknowledge(self, message_ids: list[str]) -> int: ...


def pending_messages(service: TransitService, limit: int = 1000) -> list[OutgoingMessage]:
    """The oldest messages not yet handed over."""
    with service.store.read() as conn:
        rows = conn.execute(select(outbox).where(outbox.c.handed_over.is_(False))
                            .order_by(outbox.c.seq).limit(limit)).mappings().all()
    return [OutgoingMessage(r["seq"], r["message_id"], r["document_type"], r["receiver"],
                            json.loads(r["payload"])) for r in rows]


def _mark(service: TransitService, seqs: list[int]) -> None:
    with service.store.write() as conn:
        conn.execute(update(outbox).where(outbox.c.seq.in_(seqs)).values(handed_over=True))


def hand_over(service: TransitService, node: _Node, limit: int = 1000) -> int:
    """Queue the pending transit messages on the gateway node; returns how many.

    A message the node refuses (a receiver it does not trust, a document its rules refuse)
    stays pending, logged, and does not hold back the others.
    """
    messages = pending_messages(service, limit)
    done = []
    for message in messages:
        try:
            node.send(message.document_type, message.document, receiver=message.receiver,
                      message_id=message.message_id, conversation_id=message.document["mrn"])
        except HaiquanError as error:
            log.error("transit message %s to %s not handed over: %s", message.message_id,
                      message.receiver, error)
            continue
        done.append(message.seq)
    if done:
        _mark(service, done)
    return len(done)


def run_worker(service: TransitService, node: _Node, *, interval: float = 0.5,
               stop: threading.Event | None = None) -> None:
    """Hand over and apply, again and again, until ``stop`` is set (a transit node's loop).

    Everything it does is recorded before it is acknowledged, so the process may be killed at
    any moment: on restart the outbox is handed over again (the gateway recognises the ids) and
    the inbox applied again (the store recognises the ids).
    """
    stop = stop or threading.Event()
    while not stop.is_set():
        moved = hand_over(service, node)
        report = apply_inbox(service, node)
        if not moved and not report.applied and not report.refused:
            stop.wait(interval)


def apply_inbox(service: TransitService, node: _Node) -> InboxReport:
    """Apply every transit message waiting in the node's inbox."""
    report = InboxReport()
    done: list[str] = []
    for message in node.waiting():
        if not message.document_type.startswith("transit-"):
            continue
        try:
            service.receive(message.document_type, json.loads(message.payload),
                            sender=message.sender, message_id=message.message_id)
            report.applied.append(message.message_id)
        except NotFoundError:
            # The record it refers to has not arrived yet (messages from two administrations
            # may cross): leave it in the inbox and apply it on a later pass.
            report.waiting.append(message.message_id)
            continue
        except HaiquanError as error:
            log.warning("transit message %s from %s refused: %s", message.message_id,
                        message.sender, error)
            report.refused[message.message_id] = str(error)
        done.append(message.message_id)
        if len(done) >= 200:
            node.acknowledge(done)  # one transaction per batch; a crash re-applies, harmlessly
            done = []
    if done:
        node.acknowledge(done)
    return report


def exchange_locally(services: Mapping[str, TransitService], *, max_rounds: int = 20
                     ) -> InboxReport:
    """Deliver pending messages between in-process services until none is left.

    Each message is validated as its gateway document type on receipt (the same schema and
    rules a node applies), then applied; refusals are reported, not raised.
    """
    from haiquan.exchange.documents import DocumentContext, document_type

    report = InboxReport()
    for _ in range(max_rounds):
        moved = 0
        for sender, service in services.items():
            messages = pending_messages(service)
            for message in messages:
                receiver = services.get(message.receiver)
                if receiver is None:
                    continue
                doc = document_type(message.document_type)
                payload = doc.serialise(message.document)
                try:
                    doc.validate(payload, DocumentContext(sender, message.receiver))
                    receiver.receive(message.document_type, message.document, sender=sender,
                                     message_id=message.message_id)
                    report.applied.append(message.message_id)
                except HaiquanError as error:
                    report.refused[message.message_id] = str(error)
            if messages:
                _mark(service, [m.seq for m in messages])
                moved += len(messages)
        if not moved:
            break
    return report
