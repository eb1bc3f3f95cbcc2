"""Create, check and upgrade a store's schema under a lock, so concurrent first opens cannot race.

Every store opens through :func:`prepare_schema`:

* an **empty** database is created at the newest revision (the first request on a fresh home, or
  eight at once: they wait for one another on the lock, and the others then find it created);
* a database **at the newest revision** is used as it is;
* one at an **older** revision — including a release 0.1.0 store, which has its tables but no
  version table — or at a revision this code does not know (**newer**: written by a later
  haiquan) is refused with a message that says what to run. Upgrading is the operator's act
  (``haiquan db upgrade``), after a backup, never a side effect of a request.

The lock: PostgreSQL's ``pg_advisory_lock`` (one key per store), held on the connection that
creates or upgrades; for SQLite an exclusive ``flock`` on ``<file>.lock`` beside the database
(not on the database file itself: closing another descriptor of that file would drop SQLite's
own locks). Without ``fcntl`` (Windows) SQLite stores are created without the lock.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Connection, Engine, inspect, text

from haiquan.errors import ConfigurationError
from haiquan.migrations import StoreSchema

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["SchemaStatus", "prepare_schema", "schema_status", "upgrade_schema"]

#: Seconds to wait for another process creating or upgrading the same SQLite store.
LOCK_WAIT_SECONDS = 60.0

State = Literal["current", "empty", "older", "newer", "release-0.1.0"]


@dataclass(frozen=True)
class SchemaStatus:
    """Where a store's schema stands against this code.

    Attributes:
        store: the store's name (``gateway``, ``aeo``, ``users``).
        state: ``current``; ``empty`` (no tables yet); ``older`` (a known earlier revision);
            ``release-0.1.0`` (tables of release 0.1.0 or earlier, no version table); ``newer``
            (a revision this code does not know).
        revision: the database's revision (``None`` when it has no version table).
        head: the newest revision this code knows.
    """

    store: str
    state: State
    revision: str | None
    head: str

    @property
    def summary(self) -> str:
        shown = self.revision or "none"
        return {
            "current": f"at revision {shown}, as this haiquan expects",
            "empty": f"empty: created at revision {self.head} when first opened",
            "older": f"at revision {shown}, older than this haiquan's {self.head}: run "
                     "`haiquan db upgrade`",
            "release-0.1.0": f"as release 0.1.0 (or earlier) left it, no version table: older "
                             f"than revision {self.head}: run `haiquan db upgrade`",
            "newer": f"at revision {shown}, which this haiquan does not know (a newer haiquan "
                     "upgraded it)",
        }[self.state]


def _config(connection: Connection, store: StoreSchema) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", store.script_location)
    config.attributes.update(connection=connection, version_table=store.version_table,
                             metadata=store.metadata())
    return config


@cache
def _head(store: StoreSchema) -> tuple[str, frozenset[str]]:
    """The newest revision and every revision of ``store``, as Alembic reads ``versions/``
    (once per process: the scripts ship with the code). Opening a store at ``store.head``
    does not need it: importing Alembic costs about half a second."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", store.script_location)
    scripts = ScriptDirectory.from_config(config)
    head = scripts.get_current_head()
    assert head is not None, f"no revision in {store.script_location}"
    return head, frozenset(script.revision for script in scripts.walk_revisions())


def _status(connection: Connection, store: StoreSchema) -> SchemaStatus:
    head = store.head
    tables = set(inspect(connection).get_table_names())
    if store.version_table in tables:
        rows = connection.execute(text(f"SELECT version_num FROM {store.version_table}")).all()
        revision = rows[0][0] if rows else None
        if revision == head:
            state: State = "current"
        elif revision is None or revision in _head(store)[1]:
            state = "older"
        else:
            state = "newer"
        return SchemaStatus(store.name, state, revision, head)
    if not tables & store.release_tables:
        return SchemaStatus(store.name, "empty", None, head)
    return SchemaStatus(store.name, "release-0.1.0", None, head)


@contextmanager
def _locked(connection: Connection, store: StoreSchema) -> Iterator[None]:
    """Hold the store's schema lock (see the module docstring) for the ``with`` block."""
    if connection.dialect.name == "postgresql":
        key = zlib.crc32(f"haiquan-schema:{store.name}".encode())
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        connection.commit()
        try:
            yield
        finally:
            connection.rollback()
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            connection.commit()
        return
    database = connection.engine.url.database
    try:
        import fcntl
    except ImportError:  # not on Unix
        fcntl = None  # type: ignore[assignment]
    if fcntl is None or not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    try:
        handle = Path(database + ".lock").open("a")  # noqa: SIM115 - held for the block
    except OSError:
        # A read-only folder: nothing can be created there anyway, so nothing can race; the
        # check below (or the first write) says what is wrong.
        yield
        return
    with handle:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ConfigurationError(
                        f"{store.what} is being created or upgraded by another process",
                        expected=f"the lock on {database}.lock within {LOCK_WAIT_SECONDS:g} s",
                        got="still held",
                        fix="wait for the other haiquan process (a `haiquan db upgrade`?) to "
                        "finish, then try again",
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def schema_status(engine: Engine, store: StoreSchema) -> SchemaStatus:
    """Where the store's schema stands (reads only)."""
    with engine.connect() as connection:
        return _status(connection, store)


def prepare_schema(engine: Engine, store: StoreSchema, *, where: str) -> None:
    """Create an empty store at the newest revision, or check an existing one is at it.

    Args:
        engine: the store's engine.
        store: which store.
        where: where the database is (no password), for messages.

    Raises:
        ConfigurationError: the schema is older or newer than this code, or not haiquan's.
    """
    with engine.connect() as connection, _locked(connection, store):
        status = _status(connection, store)
        if status.state == "current":
            return
        if status.state == "empty":
            from alembic import command

            command.upgrade(_config(connection, store), "head")
            connection.commit()
            return
    raise _mismatch(status, store, where)


def _mismatch(status: SchemaStatus, store: StoreSchema, where: str) -> ConfigurationError:
    gateway = " (on a gateway machine: python -m haiquan.exchange db upgrade --home DIR)" if (
        store.name == "gateway") else ""
    if status.state in ("older", "release-0.1.0"):
        return ConfigurationError(
            f"{store.what}'s schema is older than this haiquan",
            expected=f"revision {status.head} of {store.name}",
            got=f"{where}: {status.summary.split(': run')[0]}",
            fix=f"back up the database, then run `haiquan db upgrade --store {store.name}`"
            + gateway + "; `haiquan db status` shows every store",
        )
    if status.state == "newer":
        return ConfigurationError(
            f"{store.what}'s schema is newer than this haiquan",
            expected=f"revision {status.head} of {store.name} or older",
            got=f"{where}: revision {status.revision}",
            fix="run the haiquan version that upgraded it (a schema is never downgraded "
            "automatically), or restore the backup taken before the upgrade",
        )
    raise AssertionError(f"no mismatch in state {status.state}")  # pragma: no cover


def upgrade_schema(engine: Engine, store: StoreSchema) -> tuple[SchemaStatus, SchemaStatus]:
    """Bring the store to the newest revision, keeping its data; returns the status before and
    after. A store of release 0.1.0 or earlier (no version table) goes through revision
    ``0001``, which creates only the tables it lacks.

    Raises:
        ConfigurationError: the schema is newer than this code.
    """
    from alembic import command

    with engine.connect() as connection, _locked(connection, store):
        before = _status(connection, store)
        if before.state == "newer":
            raise _mismatch(before, store, str(engine.url.render_as_string(hide_password=True)))
        if before.state != "current":
            command.upgrade(_config(connection, store), "head")
        connection.commit()
        return before, _status(connection, store)
