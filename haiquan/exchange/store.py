"""The gateway's persistent store: outbox, inbox and duplicate store, on SQLite or PostgreSQL.

* ``gw_outbox`` — one row per message this node sends. A row is ``pending`` until the node holds
  the receiver's signed receipt (``delivered``) or the receiver refused it for good (``failed``).
  Workers *claim* due rows with a lease; on PostgreSQL the claim uses
  ``SELECT … FOR UPDATE SKIP LOCKED`` so several workers share one outbox without sending a row
  twice at the same time. A worker that dies leaves its lease to expire; another worker then
  resends — harmless, since the receiver removes duplicates.
* ``gw_receipts`` — the partners' signed batch receipts, each the proof of delivery of the
  outbox messages that point to it.
* ``gw_inbox`` — one row per message received, unique on ``(sender, message_id)``: that unique key
  *is* the persistent duplicate store. The back office reads it by ``seq`` cursor and acknowledges.

SQLite runs in WAL mode with ``synchronous=NORMAL`` (a committed row survives a process kill;
set ``synchronous=FULL`` through the URL query ``?synchronous=full`` to survive power loss too),
and write transactions start with ``BEGIN IMMEDIATE`` so concurrent writers wait instead of failing.
Times are stored as Unix seconds (a double) so both databases compare them the same way.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Double,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    create_engine,
    event,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError

from haiquan.errors import ConfigurationError

__all__ = [
    "ClaimedMessage",
    "GatewayStore",
    "InboxRow",
    "inbox",
    "metadata",
    "normalise_url",
    "outbox",
    "receipts",
]

metadata = MetaData()

_ID = BigInteger().with_variant(Integer, "sqlite")

outbox = Table(
    "gw_outbox",
    metadata,
    Column("seq", _ID, primary_key=True, autoincrement=True),
    Column("message_id", String(100), nullable=False, unique=True),
    Column("conversation_id", String(100), nullable=False),
    Column("receiver", String(3), nullable=False),
    Column("document_type", String(64), nullable=False),
    Column("document_version", String(16), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("envelope", Text, nullable=False),
    Column("state", String(12), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Double, nullable=False),
    Column("claimed_by", String(64)),
    Column("claimed_until", Double),
    Column("last_error", Text),
    Column("delivered_at", Double),
    Column("delivered_by", String(64)),
    Column("receipt_id", _ID),
    Index("ix_gw_outbox_due", "state", "next_attempt_at"),
)

#: Signed batch receipts received from partners: the proof of delivery of each outbox message
#: that points to one (a receipt covers every message of one request).
receipts = Table(
    "gw_receipts",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("partner", String(3), nullable=False),
    Column("stored_at", Double, nullable=False),
    Column("jws", Text, nullable=False),
)

inbox = Table(
    "gw_inbox",
    metadata,
    Column("seq", _ID, primary_key=True, autoincrement=True),
    Column("sender", String(3), nullable=False),
    Column("message_id", String(100), nullable=False),
    Column("conversation_id", String(100), nullable=False),
    Column("document_type", String(64), nullable=False),
    Column("document_version", String(16), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("received_at", Double, nullable=False),
    Column("payload_digest", String(80), nullable=False),
    Column("envelope", Text, nullable=False),
    Column("jws", Text, nullable=False),
    Column("duplicates", Integer, nullable=False, default=0),
    Column("acknowledged_at", Double),
    UniqueConstraint("sender", "message_id", name="uq_gw_inbox_sender_message"),
    Index("ix_gw_inbox_unacknowledged", "acknowledged_at", "seq"),
)


_INSERT_OUTBOX = outbox.insert()


def normalise_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs (the driver haiquan installs)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@dataclass(frozen=True)
class ClaimedMessage:
    """An outbox row a worker has claimed for one delivery attempt."""

    message_id: str
    receiver: str
    envelope: str
    attempts: int


@dataclass(frozen=True)
class InboxRow:
    """A new inbox row, ready to insert."""

    sender: str
    message_id: str
    conversation_id: str
    document_type: str
    document_version: str
    created_at: float
    payload_digest: str
    envelope: str
    jws: str


class GatewayStore:
    """Outbox, inbox and duplicate store behind one SQLAlchemy engine.

    Args:
        url: SQLAlchemy URL: ``sqlite:///path/gateway.db`` or ``postgresql+psycopg://...``.
            A PostgreSQL URL may carry ``?options=-csearch_path%3Dmyschema`` to use a schema.
    """

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        try:
            parsed = make_url(self.url)
        except ArgumentError as error:
            raise ConfigurationError(
                "the gateway database URL cannot be read",
                expected="sqlite:///path/gateway.db or postgresql+psycopg://user@host/db",
                got=url,
                fix="correct database_url in node.yaml or HAIQUAN_GATEWAY_DATABASE_URL",
            ) from error
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            synchronous = str(parsed.query.get("synchronous", "normal")).upper()
            if synchronous not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
                raise ConfigurationError(
                    "unknown SQLite synchronous mode",
                    expected="normal, full or extra",
                    got=synchronous,
                    fix="use ?synchronous=full in the database URL, or leave it out",
                )
            parsed = parsed.difference_update_query(["synchronous"])
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(
                parsed, connect_args={"timeout": 30, "check_same_thread": False}
            )
            _sqlite_pragmas(self.engine, synchronous)
        elif self.dialect == "postgresql":
            self.engine = create_engine(parsed, pool_size=8, max_overflow=8, pool_pre_ping=True)
        else:
            raise ConfigurationError(
                "unsupported gateway database",
                expected="SQLite or PostgreSQL",
                got=self.dialect,
                fix="use sqlite:///... or postgresql+psycopg://...",
            )
        self._insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        self.create_schema()

    def create_schema(self) -> None:
        """Create the tables if absent (safe when several workers start at once)."""
        for attempt in range(3):
            try:
                metadata.create_all(self.engine)
                return
            except (OperationalError, ProgrammingError):
                # Two workers racing to create the same table: the loser retries and finds it.
                if attempt == 2:
                    raise
                time.sleep(0.2)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite)."""
        with self.engine.connect() as conn:
            conn.info["immediate"] = True
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.info["immediate"] = False

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    # --- outbox ------------------------------------------------------------------------------
    def enqueue(self, rows: Sequence[dict[str, Any]]) -> None:
        """Add messages to the outbox, due now, in one transaction."""
        now = time.time()
        values = [dict(row, state="pending", attempts=0, next_attempt_at=now) for row in rows]
        with self.write() as conn:
            conn.execute(_INSERT_OUTBOX, values)

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
        due = (
            select(outbox.c.seq)
            .where(
                outbox.c.state == "pending",
                outbox.c.next_attempt_at <= now,
                or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
            )
            .order_by(outbox.c.seq)
            .limit(limit)
        )
        if skip_receivers:
            due = due.where(outbox.c.receiver.not_in(list(skip_receivers)))
        # An idle worker asks first with a plain read, so polling never takes the write lock
        # (on SQLite one writer at a time) away from the receiver storing messages.
        with self.read() as conn:
            if conn.execute(due.with_only_columns(outbox.c.seq).limit(1)).first() is None:
                return []
        if self.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        stmt = (
            update(outbox)
            .where(outbox.c.seq.in_(due.scalar_subquery()))
            .values(claimed_by=worker, claimed_until=now + lease_seconds)
            .returning(outbox.c.message_id, outbox.c.receiver, outbox.c.envelope,
                       outbox.c.attempts, outbox.c.seq)
        )
        with self.write() as conn:
            rows = sorted(conn.execute(stmt).all(), key=lambda r: r.seq)
        return [ClaimedMessage(r.message_id, r.receiver, r.envelope, r.attempts) for r in rows]

    def mark_delivered(
        self, worker: str, partner: str, receipt_jws: str, message_ids: Sequence[str]
    ) -> None:
        """Store a partner's signed receipt and mark the messages it covers delivered."""
        if not message_ids:
            return
        now = time.time()
        stmt = (
            update(outbox)
            .where(outbox.c.message_id == bindparam("mid"))
            .values(
                state="delivered", delivered_at=now, delivered_by=worker,
                receipt_id=bindparam("rid"), attempts=outbox.c.attempts + 1,
                claimed_by=None, claimed_until=None, last_error=None,
            )
        )
        with self.write() as conn:
            receipt_id = conn.execute(
                receipts.insert()
                .values(partner=partner, stored_at=now, jws=receipt_jws)
                .returning(receipts.c.id)
            ).scalar_one()
            conn.execute(stmt, [{"mid": m, "rid": receipt_id} for m in message_ids])

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
        with self.write() as conn:
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
        with self.write() as conn:
            conn.execute(stmt, [{"mid": m, "due": d, "why": w} for m, d, w in retries])

    def requeue(self, message_ids: Iterable[str]) -> int:
        """Send failed messages again (after the cause was fixed); returns how many."""
        stmt = (
            update(outbox)
            .where(outbox.c.message_id.in_(list(message_ids)), outbox.c.state == "failed")
            .values(state="pending", next_attempt_at=time.time(), last_error=None)
        )
        with self.write() as conn:
            return conn.execute(stmt).rowcount

    def next_due(self) -> float | None:
        """When the earliest pending message is due (Unix seconds), or None."""
        with self.read() as conn:
            value = conn.execute(
                select(func.min(outbox.c.next_attempt_at)).where(outbox.c.state == "pending")
            ).scalar()
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
        stmt = (
            self._insert(inbox)
            .on_conflict_do_nothing(index_elements=["sender", "message_id"])
            .returning(inbox.c.sender, inbox.c.message_id)
        )
        with self.write() as conn:
            inserted = {(r.sender, r.message_id) for r in conn.execute(stmt, values)}
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
        """Mark inbox messages as taken by the back office; returns how many changed."""
        ids = list(message_ids)
        if not ids:
            return 0
        with self.write() as conn:
            return conn.execute(
                update(inbox)
                .where(inbox.c.message_id.in_(ids), inbox.c.acknowledged_at.is_(None))
                .values(acknowledged_at=time.time())
            ).rowcount


def _sqlite_pragmas(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event issue BEGIN, so a write can say BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("immediate") else "BEGIN")
