"""Read-only views of a gateway store for operators and the web dashboard.

Plain functions returning pydantic models, so the web edge can wrap them in routes without
knowing the tables (the gateway itself never imports the web app).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import func, select

from haiquan.errors import NotFoundError
from haiquan.exchange.envelope import Envelope
from haiquan.exchange.store import GatewayStore
from haiquan.exchange.tables import inbox, outbox, partner_states, receipts

__all__ = [
    "InboxMessage",
    "MessageDetail",
    "MessageSummary",
    "MessageView",
    "PartnerReachability",
    "get_message",
    "list_messages",
    "message_summary",
    "partner_reachability",
    "pull_inbox",
]

Direction = Literal["out", "in"]
State = Literal["pending", "delivered", "failed", "received", "acknowledged"]


def _time(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


class MessageView(BaseModel):
    """One message as an operator sees it in a list."""

    direction: Direction
    message_id: str
    conversation_id: str
    partner: str
    document_type: str
    document_version: str
    state: State
    created_at: datetime
    attempts: int = 0
    delivered_at: datetime | None = None
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    received_at: datetime | None = None
    acknowledged_at: datetime | None = None
    duplicates_received: int = 0


class MessageDetail(MessageView):
    """A message with its envelope and the signed proof: for a sent message the receiver's
    batch receipt JWS (a ``BatchResult`` naming this message and its digest), for a received one
    the sender's signed envelope."""

    envelope: Envelope
    receipt_jws: str | None = None
    received_jws: str | None = None


class PartnerReachability(BaseModel):
    """A partner as this node's dispatchers last found it: ``down`` (cannot take messages; they
    stay pending and it is probed with backoff) or ``up`` again, since when, the last error seen
    and when a worker last checked. Partners never found down are not listed."""

    partner: str
    state: Literal["up", "down"]
    since: datetime
    last_error: str | None = None
    last_checked: datetime
    #: ``down`` and not checked for longer than a running worker ever waits between probes:
    #: no worker may be running, so the state may be old (see :func:`message_summary`).
    stale: bool = False


class MessageSummary(BaseModel):
    """Counts for the dashboard: outbox by state, inbox backlog, oldest pending message, and the
    partners found down (or up again after an outage)."""

    outbox: dict[str, int]
    inbox_received: int
    inbox_unacknowledged: int
    duplicates_received: int
    oldest_pending_age_seconds: float | None
    pending_by_partner: dict[str, int]
    partners: list[PartnerReachability] = []

    @property
    def partners_down(self) -> list[PartnerReachability]:
        """The partners found down, as last recorded."""
        return [p for p in self.partners if p.state == "down"]


class InboxMessage(BaseModel):
    """A received message as the back office pulls it; ``seq`` is the cursor."""

    seq: int
    sender: str
    message_id: str
    conversation_id: str
    document_type: str
    document_version: str
    created_at: datetime
    received_at: datetime
    payload_format: Literal["json", "xml"]
    payload: str
    acknowledged: bool


def partner_reachability(store: GatewayStore) -> list[PartnerReachability]:
    """The partners the dispatchers found down (or up again after an outage), down first."""
    with store.read() as conn:
        rows = conn.execute(select(partner_states)).all()
    views = [
        PartnerReachability(
            partner=r.partner, state=r.state, since=datetime.fromtimestamp(r.since, UTC),
            last_error=r.last_error, last_checked=datetime.fromtimestamp(r.checked_at, UTC),
        )
        for r in rows
    ]
    return sorted(views, key=lambda v: (v.state != "down", v.partner))


def message_summary(
    store: GatewayStore, *, stale_after_seconds: float | None = None
) -> MessageSummary:
    """Counts of the store's messages by state, and the partners' reachability.

    Args:
        store: the node's store.
        stale_after_seconds: a partner recorded ``down`` whose last check is older than this
            is marked ``stale``: a running worker probes a down partner at least every
            ``retry_max_seconds``, so a longer silence means no worker is checking (the node
            is not served) and "down" is only what was last seen. None: never marked.
    """
    partners = partner_reachability(store)
    if stale_after_seconds is not None:
        now = time.time()
        partners = [
            p.model_copy(update={"stale": True})
            if p.state == "down" and now - p.last_checked.timestamp() > stale_after_seconds
            else p
            for p in partners
        ]
    with store.read() as conn:
        states: dict[str, int] = dict(
            conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state)).all()
        )
        oldest = conn.execute(
            select(func.min(outbox.c.created_at)).where(outbox.c.state == "pending")
        ).scalar()
        by_partner: dict[str, int] = dict(
            conn.execute(
                select(outbox.c.receiver, func.count())
                .where(outbox.c.state == "pending")
                .group_by(outbox.c.receiver)
            ).all()
        )
        total, unacked, dups = conn.execute(
            select(
                func.count(),
                func.count(inbox.c.seq).filter(inbox.c.acknowledged_at.is_(None)),
                func.coalesce(func.sum(inbox.c.duplicates), 0),
            )
        ).one()
    return MessageSummary(
        outbox={s: int(states.get(s, 0)) for s in ("pending", "delivered", "failed")},
        inbox_received=int(total),
        inbox_unacknowledged=int(unacked),
        duplicates_received=int(dups),
        oldest_pending_age_seconds=time.time() - oldest if oldest is not None else None,
        pending_by_partner={k: int(v) for k, v in by_partner.items()},
        partners=partners,
    )


def _out_view(row: object) -> dict[str, object]:
    r = row._mapping  # type: ignore[attr-defined]
    return {
        "direction": "out",
        "message_id": r["message_id"],
        "conversation_id": r["conversation_id"],
        "partner": r["receiver"],
        "document_type": r["document_type"],
        "document_version": r["document_version"],
        "state": r["state"],
        "created_at": _time(r["created_at"]),
        "attempts": r["attempts"],
        "delivered_at": _time(r["delivered_at"]),
        "next_attempt_at": _time(r["next_attempt_at"]) if r["state"] == "pending" else None,
        "last_error": r["last_error"],
    }


def _in_view(row: object) -> dict[str, object]:
    r = row._mapping  # type: ignore[attr-defined]
    return {
        "direction": "in",
        "message_id": r["message_id"],
        "conversation_id": r["conversation_id"],
        "partner": r["sender"],
        "document_type": r["document_type"],
        "document_version": r["document_version"],
        "state": "acknowledged" if r["acknowledged_at"] is not None else "received",
        "created_at": _time(r["created_at"]),
        "received_at": _time(r["received_at"]),
        "acknowledged_at": _time(r["acknowledged_at"]),
        "duplicates_received": r["duplicates"],
    }


def list_messages(
    store: GatewayStore,
    *,
    direction: Direction | None = None,
    state: State | None = None,
    partner: str | None = None,
    limit: int = 100,
) -> list[MessageView]:
    """The newest messages, filtered by direction, state and partner."""
    views: list[MessageView] = []
    with store.read() as conn:
        if direction in (None, "out") and state not in ("received", "acknowledged"):
            query = select(*[c for c in outbox.c if c.name != "envelope"])
            if state:
                query = query.where(outbox.c.state == state)
            if partner:
                query = query.where(outbox.c.receiver == partner)
            for row in conn.execute(query.order_by(outbox.c.seq.desc()).limit(limit)):
                views.append(MessageView.model_validate(_out_view(row)))
        if direction in (None, "in") and state in (None, "received", "acknowledged"):
            query = select(*[c for c in inbox.c if c.name not in ("envelope", "jws")])
            if state == "received":
                query = query.where(inbox.c.acknowledged_at.is_(None))
            elif state == "acknowledged":
                query = query.where(inbox.c.acknowledged_at.is_not(None))
            if partner:
                query = query.where(inbox.c.sender == partner)
            for row in conn.execute(query.order_by(inbox.c.seq.desc()).limit(limit)):
                views.append(MessageView.model_validate(_in_view(row)))
    views.sort(key=lambda v: v.created_at, reverse=True)
    return views[:limit]


def get_message(store: GatewayStore, message_id: str) -> MessageDetail:
    """One message in full, from the outbox or the inbox."""
    with store.read() as conn:
        row = conn.execute(
            select(outbox, receipts.c.jws.label("receipt_jws"))
            .select_from(outbox.outerjoin(receipts, outbox.c.receipt_id == receipts.c.id))
            .where(outbox.c.message_id == message_id)
        ).first()
        if row is not None:
            return MessageDetail.model_validate(
                _out_view(row)
                | {
                    "envelope": Envelope.model_validate_json(row.envelope),
                    "receipt_jws": row.receipt_jws,
                }
            )
        row = conn.execute(select(inbox).where(inbox.c.message_id == message_id)).first()
        if row is not None:
            return MessageDetail.model_validate(
                _in_view(row)
                | {"envelope": Envelope.model_validate_json(row.envelope), "received_jws": row.jws}
            )
    raise NotFoundError(
        f"no message {message_id!r} in this gateway",
        expected="the id of a message sent or received by this node",
        got=message_id,
        fix="list messages with `haiquan gateway messages`",
    )


def pull_inbox(
    store: GatewayStore, *, after: int = 0, limit: int = 100, include_acknowledged: bool = False
) -> list[InboxMessage]:
    """Received messages with ``seq > after``, oldest first (the back office's cursor pull)."""
    query = select(inbox).where(inbox.c.seq > after)
    if not include_acknowledged:
        query = query.where(inbox.c.acknowledged_at.is_(None))
    with store.read() as conn:
        rows = conn.execute(query.order_by(inbox.c.seq).limit(limit)).all()
    messages = []
    for row in rows:
        envelope = Envelope.model_validate_json(row.envelope)
        messages.append(
            InboxMessage(
                seq=row.seq,
                sender=row.sender,
                message_id=row.message_id,
                conversation_id=row.conversation_id,
                document_type=row.document_type,
                document_version=row.document_version,
                created_at=envelope.created_at,
                received_at=datetime.fromtimestamp(row.received_at, UTC),
                payload_format=envelope.payload_format,
                payload=envelope.payload,
                acknowledged=row.acknowledged_at is not None,
            )
        )
    return messages
