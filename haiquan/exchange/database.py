"""Where the gateway store lives and how it is opened: its URL checked and described, its
SQLite folder, the engine, the schema revision and the transactions.

:class:`StoreDatabase` is the part of :class:`~haiquan.exchange.store.GatewayStore` that knows
nothing of messages: what a URL may name, what SQLite needs on every connection, and how a full
disk or a read-only database is reported in the operator's words.

SQLite runs in WAL mode with ``synchronous=NORMAL`` (a committed row survives a process kill;
set ``synchronous=FULL`` through the URL query ``?synchronous=full`` to survive power loss too),
and write transactions start with ``BEGIN IMMEDIATE`` so concurrent writers wait instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, ProgrammingError

from haiquan._database import check_sqlite_path, storage_problem
from haiquan.errors import ConfigurationError
from haiquan.exchange._wakeup import OutboxWatcher, PostgresWatcher, SqliteWatcher
from haiquan.exchange.tables import receipts

__all__ = [
    "URL_SOURCES",
    "StoreDatabase",
    "check_sqlite_folder",
    "describe_database",
    "normalise_url",
    "parse_database_url",
    "sqlite_pragmas",
]


def normalise_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs (the driver haiquan installs)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def parse_database_url(url: str) -> tuple[URL, str]:
    """Check a gateway database URL without connecting: the parsed URL (``synchronous`` taken
    out of a SQLite URL) and the SQLite synchronous mode (``NORMAL`` unless the URL says).

    Raises:
        ConfigurationError: the URL cannot be read, names another database than SQLite or
            PostgreSQL, or an unknown SQLite synchronous mode.

    >>> parse_database_url("sqlite:///gw.db?synchronous=full")[1]
    'FULL'
    """
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError as error:
        raise ConfigurationError(
            "the gateway database URL cannot be read",
            expected="sqlite:///path/gateway.db or postgresql+psycopg://user@host/db",
            got=url,
            fix="correct database_url in node.yaml (--database-url at init) or "
            "HAIQUAN_GATEWAY_DATABASE_URL",
        ) from error
    dialect = parsed.get_backend_name()
    if dialect not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            "unsupported gateway database",
            expected="SQLite or PostgreSQL",
            got=dialect,
            fix="use sqlite:///... or postgresql+psycopg://...",
        )
    synchronous = "NORMAL"
    if dialect == "sqlite":
        synchronous = str(parsed.query.get("synchronous", "normal")).upper()
        if synchronous not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
            raise ConfigurationError(
                "unknown SQLite synchronous mode",
                expected="normal, full or extra",
                got=synchronous,
                fix="use ?synchronous=full in the database URL, or leave it out",
            )
        parsed = parsed.difference_update_query(["synchronous"])
    return parsed, synchronous


def describe_database(url: str) -> str:
    """Where a store lives, for logs: backend, host and database — never a password or query.

    >>> describe_database("postgresql+psycopg://gw:secret@db.internal:5433/gateway?sslkey=k")
    'postgresql on db.internal:5433/gateway'
    >>> describe_database("sqlite:////srv/gw/gateway.db")
    'sqlite at /srv/gw/gateway.db'
    """
    parsed, _ = parse_database_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite at {parsed.database or ':memory:'}"
    port = f":{parsed.port}" if parsed.port else ""
    return f"postgresql on {parsed.host or 'localhost'}{port}/{parsed.database or ''}"


#: Where a gateway database URL may come from, for messages that do not know which was used.
URL_SOURCES = "database_url in node.yaml (--database-url at init) or HAIQUAN_GATEWAY_DATABASE_URL"


def check_sqlite_folder(url: str, source: str = URL_SOURCES, *, create: bool = False) -> None:
    """Make sure a SQLite store's path is absolute and its folder exists: create it
    (``create``: the default file in the node home), or refuse a folder that does not exist (a
    path the operator typed, read from ``source``), so a typo does not start an empty store
    somewhere unexpected. A relative path is refused (it would name another file in each
    folder a command runs from). The rules and messages are the other stores' own
    (:func:`haiquan._database.check_sqlite_path`).

    Nothing to do for PostgreSQL or an in-memory database.

    Raises:
        ConfigurationError: a relative path, or a folder that does not exist (or cannot be
            created).
    """
    parsed, _ = parse_database_url(url)
    if parsed.get_backend_name() != "sqlite":
        return
    check_sqlite_path(
        parsed.database,
        url,
        what="the gateway store",
        example="sqlite:////path/gateway.db: four /, or postgresql+psycopg://user@host/db",
        setting=source,
        create=create,
        create_fix="correct the node folder (--home or HAIQUAN_GATEWAY_HOME) or its permissions",
    )


class StoreDatabase:
    """The gateway store's engine, schema and transactions (see :class:`GatewayStore`)."""

    def __init__(self, url: str, *, create_folder: bool = False, source: str = URL_SOURCES) -> None:
        self.url = normalise_url(url)
        self.source = source
        parsed, synchronous = parse_database_url(url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            check_sqlite_folder(url, source, create=create_folder)
            self.engine: Engine = create_engine(
                parsed, connect_args={"timeout": 30, "check_same_thread": False}
            )
            sqlite_pragmas(self.engine, synchronous)
        else:
            # No pre-ping: it costs a round trip on every transaction (docs/gateway-operations.md).
            # After a database restart SQLAlchemy invalidates the whole pool on the first failed
            # statement; the dispatcher and the receiver retry (a 5xx is never final).
            self.engine = create_engine(parsed, pool_size=8, max_overflow=8, pool_recycle=3600)
        self._insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        self._parsed = parsed
        self.create_schema()

    @property
    def _sqlite_file(self) -> str | None:
        return self._parsed.database if self.dialect == "sqlite" else None

    def watcher(self) -> OutboxWatcher:
        """A watcher that wakes an idle dispatcher when another process queues messages."""
        if self.dialect == "sqlite":
            return SqliteWatcher(str(self._parsed.database or ":memory:"))
        conninfo = self._parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        return PostgresWatcher(conninfo)

    def create_schema(self) -> None:
        """Create the tables at the newest schema revision if the database is empty, else check
        its revision (safe when several workers start at once: they take the store's lock in
        turn, see :mod:`haiquan.migrations._run`).

        Raises:
            ConfigurationError: the database cannot be reached or written, or its schema is
                older or newer than this code (``haiquan db upgrade``).
        """
        from haiquan.migrations import STORES
        from haiquan.migrations._run import prepare_schema

        try:
            prepare_schema(self.engine, STORES["gateway"], where=describe_database(self.url))
        except (OperationalError, ProgrammingError) as error:
            where = describe_database(self.url)
            problem = storage_problem(error, f"the gateway store ({where})", self._sqlite_file)
            if problem is not None:
                raise problem from error
            raise ConfigurationError(
                "the gateway database cannot be opened",
                expected=f"a reachable, writable {where}",
                got=str(error.orig or error).strip().splitlines()[0][:300],
                fix=(
                    f"check that {self.source} names a SQLite file this user may write"
                    if self.dialect == "sqlite"
                    else f"start the database server or correct {self.source}"
                ),
            ) from error

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def write(self, *, durable: bool = True) -> Iterator[Connection]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite).

        ``durable=False`` is for bookkeeping whose loss on a *database server* crash is
        harmless — claims, delivery and retry marks: a lost mark leaves the message pending, it
        is sent again and the partner answers ``duplicate``. On PostgreSQL such a transaction
        commits without waiting for its WAL flush (``synchronous_commit = off``; what that saves is
        in docs/gateway-operations.md); a killed *node* process loses nothing either way.
        Queued and received messages are always written durably.
        """
        with self._storage_errors(), self.engine.connect() as conn:
            conn.info["immediate"] = True
            try:
                with conn.begin():
                    if not durable and self.dialect == "postgresql":
                        conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                    yield conn
            finally:
                conn.info["immediate"] = False

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self._storage_errors(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _storage_errors(self) -> Iterator[None]:
        """A full disk or a read-only store raised as :class:`StorageError` in the operator's
        words (the CLI, the receiver's log and its answer to the sender all say it)."""
        try:
            yield
        except DBAPIError as error:
            problem = storage_problem(
                error, f"the gateway store ({describe_database(self.url)})", self._sqlite_file
            )
            if problem is not None:
                raise problem from error
            raise

    def check_writable(self) -> None:
        """Write a row and roll it back, so a node that cannot store what it receives or
        queues says so when it starts rather than at the first message.

        Raises:
            StorageError: the store is read-only (or its disk full).
        """
        with self.write() as conn:
            savepoint = conn.begin_nested()
            conn.execute(receipts.insert().values(partner="---", stored_at=0.0, jws=""))
            savepoint.rollback()


def sqlite_pragmas(engine: Engine, synchronous: str) -> None:
    """WAL, the synchronous mode and a busy timeout on every connection; ``BEGIN IMMEDIATE``
    for write transactions, so concurrent writers wait instead of failing."""

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
