"""The transit store: movements, their history, guarantees, MRN serials and outgoing messages.

SQLAlchemy Core on SQLite (default ``HAIQUAN_HOME/transit.sqlite``) or PostgreSQL. Tables are
created with ``CREATE ... IF NOT EXISTS`` under a lock (an advisory lock on PostgreSQL, the
database write lock on SQLite), so several processes starting at once do not trip over each
other. Every write is one transaction that takes the write lock first (``BEGIN IMMEDIATE`` on
SQLite, ``SELECT ... FOR UPDATE`` of the movement or guarantee row on PostgreSQL), so two officers
engaging one guarantee never both see the old balance. Messages for partner administrations are
written to ``transit_outbox`` in the same transaction as the state change they report (a
transactional outbox): a crash after the change sends them later, never loses them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    event,
    text,
)
from sqlalchemy.schema import CreateIndex, CreateTable

from haiquan._database import StoreDatabase, open_engine

__all__ = ["TransitStore", "default_database_url", "metadata"]

metadata = MetaData()

movements = Table(
    "transit_movements", metadata,
    Column("mrn", String(18), primary_key=True),
    Column("role", String(12), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("lrn", String(22), nullable=False),
    Column("office_of_departure", String(8), nullable=False),
    Column("offices_of_transit", String(80), nullable=False),
    Column("office_of_destination", String(8), nullable=False),
    Column("holder", String(17), nullable=False),
    Column("guarantee_reference", String(24), nullable=False),
    Column("amount_engaged_usd", Float, nullable=False),
    Column("time_limit", Date, nullable=False),
    Column("accepted_at", DateTime),
    Column("released_at", DateTime),
    Column("arrived_at", DateTime),
    Column("closed_at", DateTime),
    Column("enquiry_deadline", Date),
    Column("last_crossing", String(8)),
    Column("declaration", Text, nullable=False),
    Column("synthetic", Boolean, nullable=False),
    # Covering indexes: counts by state and route, the page of open movements by time limit
    # and a guarantee's engaged amount are read from the index alone, never from the rows
    # (which carry the declaration's JSON).
    Index("ix_transit_movements_routes", "role", "state", "office_of_departure",
          "offices_of_transit", "office_of_destination", "synthetic"),
    Index("ix_transit_movements_due", "role", "time_limit", "mrn", "state"),
    Index("ix_transit_movements_guarantee", "guarantee_reference", "role", "state",
          "amount_engaged_usd"),
    Index("ix_transit_movements_arrived", "role", "arrived_at"),
)
events = Table(
    "transit_events", metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("mrn", String(18), nullable=False),
    Column("role", String(12), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("office", String(8), nullable=False),
    Column("state", String(16), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("message_id", String(100), unique=True),
    Column("detail", Text, nullable=False, default=""),
    Index("ix_transit_events_mrn", "mrn", "event_id"),
)
guarantees = Table(
    "transit_guarantees", metadata,
    Column("reference", String(24), primary_key=True),
    Column("holder", String(17), nullable=False),
    Column("country", String(3), nullable=False),
    Column("reference_amount_usd", Float, nullable=False),
    Column("synthetic", Boolean, nullable=False),
)
serials = Table(
    "transit_mrn_serials", metadata,
    Column("serial", Integer, primary_key=True, autoincrement=True),
    Column("office", String(8), nullable=False),
    Column("lrn", String(22), nullable=False),
)
outbox = Table(
    "transit_outbox", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String(100), nullable=False, unique=True),
    Column("document_type", String(60), nullable=False),
    Column("receiver", String(3), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("handed_over", Boolean, nullable=False, default=False),
    Index("ix_transit_outbox_pending", "handed_over", "seq"),
)

_DATABASE = StoreDatabase("the transit store", "HAIQUAN_TRANSIT_DATABASE_URL",
                          "transit.sqlite")


def default_database_url() -> str:
    """SQLite ``transit.sqlite`` in the home folder."""
    from haiquan.settings import get_settings

    return f"sqlite:///{get_settings().home / 'transit.sqlite'}"


class TransitStore:
    """The store behind one database URL; tables created race-free on open."""

    def __init__(self, database_url: str | None = None) -> None:
        if database_url is None:
            from haiquan.settings import get_settings

            database_url = get_settings().transit_database_url or default_database_url()
        url = database_url
        self.database_url = url
        self.engine: Engine = open_engine(
            url, _DATABASE, MetaData(), create_folder=url == default_database_url(),
            sqlite_pragmas=("PRAGMA journal_mode=WAL", "PRAGMA busy_timeout=30000",
                            "PRAGMA synchronous=NORMAL"),
        )
        self.dialect = self.engine.dialect.name
        if self.dialect == "sqlite":
            _immediate_transactions(self.engine)
        self._create_tables()

    def _create_tables(self) -> None:
        with self.write() as conn:
            if self.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(2121212121)"))
            for table in metadata.sorted_tables:
                conn.execute(CreateTable(table, if_not_exists=True))
                for index in table.indexes:
                    conn.execute(CreateIndex(index, if_not_exists=True))

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction holding the write lock (SQLite) from its start."""
        with self.engine.connect() as conn:
            conn.info["immediate"] = True
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.info.pop("immediate", None)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read: a deferred transaction on SQLite, which never waits for a writer (WAL)."""
        with self.engine.connect() as conn:
            yield conn

    def for_update(self, query: Any) -> Any:
        """Lock the selected rows on PostgreSQL (SQLite's transaction already holds its lock)."""
        return query.with_for_update() if self.dialect == "postgresql" else query

    def close(self) -> None:
        self.engine.dispose()


def _immediate_transactions(engine: Engine) -> None:
    """Make every SQLite write transaction ``BEGIN IMMEDIATE``: the balance read before
    engaging a guarantee is then read under the write lock, not before another writer's commit.
    Reads begin deferred and never wait."""

    @event.listens_for(engine, "connect")
    def _autocommit_driver(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("immediate") else "BEGIN")
