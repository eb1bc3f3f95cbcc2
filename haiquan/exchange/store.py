"""The gateway's persistent store: outbox, inbox and duplicate store, on SQLite or PostgreSQL.

The tables (``gw_outbox``, ``gw_receipts``, ``gw_inbox``) and what each row means are in
:mod:`haiquan.exchange.tables`. A message is queued, claimed, delivered or failed here.

How the database is named, opened and written to (WAL, ``BEGIN IMMEDIATE``, durability) is
:mod:`haiquan.exchange.database`; the rows handed out and taken in are
:mod:`haiquan.exchange.rows`. Times are stored as Unix seconds (a double) so both databases
compare them the same way.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    case,
    delete,
    func,
    or_,
    select,
    update,
)

from haiquan.errors import ConflictError, NotFoundError
from haiquan.exchange.database import URL_SOURCES, StoreDatabase
from haiquan.exchange.rows import ClaimedMessage, InboxRow
from haiquan.exchange.tables import inbox, outbox, partner_states, receipts

__all__ = ["GatewayStore"]

_INSERT_OUTBOX = outbox.insert()
#: Wakes the workers listening on this schema's outbox (see ``_wakeup``); sent inside the
#: transaction that adds due rows, so PostgreSQL delivers it at commit.
_PG_NOTIFY = "SELECT pg_notify(left('gw_outbox_' || current_schema(), 63), '')"


class GatewayStore(StoreDatabase):
    """Outbox, inbox and duplicate store behind one SQLAlchemy engine.

    Args:
        url: SQLAlchemy URL: ``sqlite:///path/gateway.db`` or ``postgresql+psycopg://...``.
            A PostgreSQL URL may carry ``?options=-csearch_path%3Dmyschema`` to use a schema.
        create_folder: create a SQLite file's missing folder (only for the default
            ``gateway.db`` in the node home); else a folder that does not exist is refused.
        source: where ``url`` was set, named in error messages.

    Raises:
        ConfigurationError: a URL that cannot be used, a SQLite folder that does not exist, or a
            database that cannot be opened.
    """

    def __init__(self, url: str, *, create_folder: bool = False, source: str = URL_SOURCES) -> None:
        super().__init__(url, create_folder=create_folder, source=source)
        self._claims: dict[tuple[bool], tuple[Any, Any]] = {}
        self._store_inbox = (
            self._insert(inbox)
            .on_conflict_do_nothing(index_elements=["sender", "message_id"])
            .returning(inbox.c.sender, inbox.c.message_id)
        )

    # --- outbox ------------------------------------------------------------------------------
    def enqueue(self, rows: Sequence[dict[str, Any]]) -> None:
        """Add messages to the outbox, due now, in one transaction."""
        now = time.time()
        values = [dict(row, state="pending", attempts=0, next_attempt_at=now) for row in rows]
        with self.write() as conn:
            conn.execute(_INSERT_OUTBOX, values)
            self._notify(conn)

    def _notify(self, conn: Connection) -> None:
        if self.dialect == "postgresql":
            conn.exec_driver_sql(_PG_NOTIFY)

    def claim(
        self,
        worker: str,
        *,
        limit: int,
        lease_seconds: float,
        skip_receivers: Sequence[str] = (),
    ) -> list[ClaimedMessage]:
        """Claim up to ``limit`` due outbox rows for ``worker`` for ``lease_seconds``, leaving
        out messages to ``skip_receivers`` (partners this worker found unreachable)."""
        now = time.time()
        probe, stmt = self._claim_statements(tuple(sorted(skip_receivers)))
        params = {"now": now, "limit": limit, "worker": worker, "until": now + lease_seconds,
                  "skip": list(skip_receivers)}
        if self.dialect == "sqlite":
            # A worker asks first with a plain read, so an empty claim never takes the write
            # lock (one writer at a time) away from the receiver storing messages. PostgreSQL
            # has no such lock: its SKIP LOCKED update finds nothing as cheaply.
            with self.read() as conn:
                if conn.execute(probe, params).first() is None:
                    return []
        with self.write(durable=False) as conn:
            rows = sorted(conn.execute(stmt, params).all(), key=lambda r: r.seq)
        return [ClaimedMessage(r.message_id, r.receiver, r.envelope, r.attempts) for r in rows]

    def _claim_statements(self, skip: tuple[str, ...]) -> tuple[Any, Any]:
        """The claim's probe and update, built once per store (and per skip list shape), so
        each claim only binds parameters."""
        key = (bool(skip),)
        cached = self._claims.get(key)
        if cached is not None:
            return cached
        now: Any = bindparam("now")
        due = (
            select(outbox.c.seq)
            .where(
                outbox.c.state == "pending",
                outbox.c.next_attempt_at <= now,
                or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
            )
            # Due order follows the index (state, next_attempt_at[, rowid]), so the LIMIT stops
            # the scan after one batch however long the queue (ordering by seq alone made every
            # claim read and sort the whole backlog).
            .order_by(outbox.c.next_attempt_at, outbox.c.seq)
            .limit(bindparam("limit"))
        )
        if skip:
            due = due.where(outbox.c.receiver.not_in(bindparam("skip", expanding=True)))
        probe = due.limit(1)
        if self.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        stmt = (
            update(outbox)
            .where(outbox.c.seq.in_(due.scalar_subquery()))
            .values(claimed_by=bindparam("worker"), claimed_until=bindparam("until"))
            .returning(outbox.c.message_id, outbox.c.receiver, outbox.c.envelope,
                       outbox.c.attempts, outbox.c.seq)
        )
        self._claims[key] = (probe, stmt)
        return probe, stmt

    def mark_delivered(
        self, worker: str, partner: str, receipt_jws: str, message_ids: Sequence[str]
    ) -> None:
        """Store a partner's signed receipt and mark the messages it covers delivered, in one
        transaction (one statement for the whole batch)."""
        if not message_ids:
            return
        now = time.time()
        with self.write(durable=False) as conn:
            receipt_id = conn.execute(
                _INSERT_RECEIPT, {"partner": partner, "stored_at": now, "jws": receipt_jws}
            ).scalar_one()
            conn.execute(
                _MARK_DELIVERED,
                {"mids": list(message_ids), "now": now, "worker": worker, "rid": receipt_id},
            )

    def mark_failed(self, failures: Sequence[tuple[str, str]]) -> None:
        """The receiver refused these messages for good: ``(message_id, reason)``."""
        if not failures:
            return
        stmt = (
            update(outbox)
            # Never over a delivery another worker recorded: a receipt is the final word.
            .where(outbox.c.message_id == bindparam("mid"), outbox.c.state == "pending")
            .values(
                state="failed", last_error=bindparam("why"), attempts=outbox.c.attempts + 1,
                claimed_by=None, claimed_until=None,
            )
        )
        with self.write(durable=False) as conn:
            conn.execute(stmt, [{"mid": m, "why": w} for m, w in failures])

    def reschedule(
        self, retries: Sequence[tuple[str, float, str]], *, attempted: bool = True
    ) -> None:
        """Try these again later: ``(message_id, next_attempt_at, reason)``; ``attempted`` is
        False for messages put off without being sent (their partner was found down)."""
        if not retries:
            return
        stmt = (
            update(outbox)
            .where(outbox.c.message_id == bindparam("mid"), outbox.c.state == "pending")
            .values(
                next_attempt_at=bindparam("due"), last_error=bindparam("why"),
                attempts=outbox.c.attempts + (1 if attempted else 0),
                claimed_by=None, claimed_until=None,
            )
        )
        with self.write(durable=False) as conn:
            conn.execute(stmt, [{"mid": m, "due": d, "why": w} for m, d, w in retries])

    def postpone_partner(self, receiver: str, until: float, reason: str, worker: str) -> int:
        """Hold every pending message to ``receiver`` due before ``until`` (its next probe: the
        partner was found down) until then, with ``reason`` as their ``last_error``, in one
        statement; returns how many. Attempts are not counted (nothing was sent). Rows another
        worker holds under a live lease are left to it; this ``worker``'s own claims are
        released. Nothing leaves the ``pending`` state, so nothing is lost."""
        now = time.time()
        with self.write(durable=False) as conn:
            return conn.execute(
                _POSTPONE,
                {"partner": receiver, "until": until, "why": reason, "now": now,
                 "worker": worker},
            ).rowcount

    def requeue(self, message_ids: Iterable[str]) -> int:
        """Send failed messages again (after the cause was fixed); returns how many.

        All or nothing: when an id is not in the outbox, or names a message that has not
        failed, nothing is requeued and the error lists those ids.
        """
        ids = list(dict.fromkeys(message_ids))
        if not ids:
            return 0
        with self.write() as conn:
            states = dict(conn.execute(
                select(outbox.c.message_id, outbox.c.state).where(outbox.c.message_id.in_(ids))
            ).all())
            _refuse_unknown(ids, states, "outbox", "sent",
                            "`haiquan gateway messages --direction out --state failed`")
            not_failed = {m: s for m, s in states.items() if s != "failed"}
            if not_failed:
                raise ConflictError(
                    "only failed messages can be requeued; nothing was requeued",
                    expected="ids of messages in state failed",
                    got=", ".join(f"{m} ({s})" for m, s in sorted(not_failed.items())[:10]),
                    fix="leave those ids out: pending messages are retried on their own and "
                    "delivered ones are done",
                    details={"not_failed": not_failed},
                )
            count = conn.execute(
                update(outbox)
                .where(outbox.c.message_id.in_(ids), outbox.c.state == "failed")
                .values(state="pending", next_attempt_at=time.time(), last_error=None)
            ).rowcount
            self._notify(conn)
            return count

    def record_partner_state(
        self, partner: str, state: str, *, since: float, error: str | None = None,
        checked_at: float | None = None,
    ) -> None:
        """Record that a worker found ``partner`` ``up`` or ``down`` (one upsert).

        ``since`` counts only when the state changes: a partner already ``down`` keeps the
        time it went down (several workers may report the same outage). ``error`` replaces the
        last error when given; ``up`` keeps the error of the outage it ended.
        """
        if state not in ("up", "down"):
            raise ValueError(f"a partner state is up or down, not {state!r}")
        values = {"partner": partner, "state": state, "since": since, "last_error": error,
                  "checked_at": time.time() if checked_at is None else checked_at}
        stmt = self._insert(partner_states).values(values)
        table, new = partner_states.c, stmt.excluded
        stmt = stmt.on_conflict_do_update(
            index_elements=["partner"],
            set_={
                "since": case((table.state == new.state, table.since), else_=new.since),
                "state": new.state,
                "last_error": func.coalesce(new.last_error, table.last_error),
                "checked_at": new.checked_at,
            },
        )
        with self.write(durable=False) as conn:
            conn.execute(stmt)

    def forget_partner(self, partner: str, reason: str) -> int:
        """``partner`` is no longer trusted: drop its reachability row and fail its pending
        messages with ``reason`` (as a delivery to an untrusted partner fails), in one
        transaction; returns how many failed. Attempts are not counted (nothing was sent)."""
        with self.write() as conn:
            conn.execute(delete(partner_states).where(partner_states.c.partner == partner))
            return conn.execute(
                update(outbox)
                .where(outbox.c.receiver == partner, outbox.c.state == "pending")
                .values(state="failed", last_error=reason, claimed_by=None, claimed_until=None)
            ).rowcount

    def pending_count(self, receiver: str) -> int:
        """How many messages to ``receiver`` are pending."""
        with self.read() as conn:
            return int(conn.execute(
                select(func.count()).where(outbox.c.receiver == receiver,
                                           outbox.c.state == "pending")
            ).scalar() or 0)

    def next_due(self) -> float | None:
        """When a pending message can next be claimed (Unix seconds), or None: its retry time,
        or the end of the lease another worker holds on it, whichever is later."""
        with self.read() as conn:
            value = conn.execute(_NEXT_DUE).scalar()
        return float(value) if value is not None else None

    # --- inbox -------------------------------------------------------------------------------
    def store_received(
        self, rows: Sequence[InboxRow]
    ) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], tuple[str, float]]]:
        """Insert received messages, skipping ones already held (the duplicate store).

        Returns:
            ``(accepted, duplicates)``: accepted maps ``(sender, message_id)`` to the receipt
            time; duplicates maps it to the digest and receipt time of the copy already held, so
            the caller can tell a retry from a reused id with other content.
        """
        if not rows:
            return {}, {}
        now = time.time()
        values = [dict(r.__dict__, received_at=now, duplicates=0) for r in rows]
        with self.write() as conn:
            inserted = {(r.sender, r.message_id) for r in conn.execute(self._store_inbox, values)}
            others = [(r.sender, r.message_id) for r in rows if (r.sender, r.message_id)
                      not in inserted]
            duplicates: dict[tuple[str, str], tuple[str, float]] = {}
            for sender in {s for s, _ in others}:
                ids = [m for s, m in others if s == sender]
                held = conn.execute(
                    select(inbox.c.message_id, inbox.c.payload_digest, inbox.c.received_at)
                    .where(inbox.c.sender == sender, inbox.c.message_id.in_(ids))
                ).all()
                for h in held:
                    duplicates[(sender, h.message_id)] = (h.payload_digest, h.received_at)
                conn.execute(
                    update(inbox)
                    .where(inbox.c.sender == sender, inbox.c.message_id.in_(ids))
                    .values(duplicates=inbox.c.duplicates + 1)
                )
        return {key: now for key in inserted}, duplicates

    def acknowledge(self, message_ids: Iterable[str]) -> int:
        """Mark inbox messages as taken by the back office; returns how many changed.

        Acknowledging a message again changes nothing (a retry is safe). All or nothing: when an
        id is not in the inbox, nothing is acknowledged and the error lists the unknown ids.
        """
        ids = list(dict.fromkeys(message_ids))
        if not ids:
            return 0
        with self.write() as conn:
            held = {m: "received" for m in conn.execute(
                select(inbox.c.message_id).where(inbox.c.message_id.in_(ids))
            ).scalars()}
            _refuse_unknown(ids, held, "inbox", "received", "`haiquan gateway inbox`")
            return conn.execute(
                update(inbox)
                .where(inbox.c.message_id.in_(ids), inbox.c.acknowledged_at.is_(None))
                .values(acknowledged_at=time.time())
            ).rowcount


def _refuse_unknown(ids: list[str], held: dict[str, str], box: str, verb: str,
                    listing: str) -> None:
    """Raise NotFoundError naming the ids that ``held`` lacks (before anything is changed)."""
    unknown = [m for m in ids if m not in held]
    if unknown:
        raise NotFoundError(
            f"{len(unknown)} of {len(ids)} message id(s) are not in the {box}; "
            "nothing was changed",
            expected=f"ids of messages this node {verb}",
            got=", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more"
                                           if len(unknown) > 10 else ""),
            fix=f"check the ids (list them with {listing}) and run the command again",
            details={"unknown": unknown},
        )


_INSERT_RECEIPT = receipts.insert().returning(receipts.c.id)
_MARK_DELIVERED = (
    update(outbox)
    .where(outbox.c.message_id.in_(bindparam("mids", expanding=True)))
    .values(
        state="delivered", delivered_at=bindparam("now"), delivered_by=bindparam("worker"),
        receipt_id=bindparam("rid"), attempts=outbox.c.attempts + 1,
        claimed_by=None, claimed_until=None, last_error=None,
    )
)
_POSTPONE = (
    update(outbox)
    .where(
        outbox.c.receiver == bindparam("partner"),
        outbox.c.state == "pending",
        outbox.c.next_attempt_at < bindparam("until"),
        or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < bindparam("now"),
            outbox.c.claimed_by == bindparam("worker")),
    )
    .values(next_attempt_at=bindparam("until"), last_error=bindparam("why"),
            claimed_by=None, claimed_until=None)
)
_NEXT_DUE = select(
    func.min(
        case(
            (outbox.c.claimed_until > outbox.c.next_attempt_at, outbox.c.claimed_until),
            else_=outbox.c.next_attempt_at,
        )
    )
).where(outbox.c.state == "pending")


