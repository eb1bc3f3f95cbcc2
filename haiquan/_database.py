"""Opening a store's database from its setting: SQLite or PostgreSQL, errors that name the setting.

The users store (``HAIQUAN_WEB_DATABASE_URL``) and the AEO registry
(``HAIQUAN_AEO_DATABASE_URL``) open their databases the same way, so a mistyped URL, another
database, a missing folder or a server that cannot be reached reads the same for both: what was
expected, what came (never a password), and which setting to correct. Only a store's default
SQLite file inside ``HAIQUAN_HOME`` has its folder created; a path the user typed must name an
existing folder, so a typo is an error instead of a new, empty database somewhere unexpected.
The gateway's store checks its SQLite path with the same :func:`check_sqlite_path`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from haiquan.errors import ConfigurationError, StorageError

__all__ = [
    "CONNECT_TIMEOUT",
    "StoreDatabase",
    "check_sqlite_path",
    "open_engine",
    "parse_url",
    "storage_errors_named",
    "storage_problem",
]

#: Seconds to wait for a PostgreSQL server before saying it cannot be reached (an unreachable
#: host should be an error within seconds, not after TCP gives up).
CONNECT_TIMEOUT = 10


@dataclass(frozen=True)
class StoreDatabase:
    """Which store a URL is for, for the messages.

    Attributes:
        what: the store as a sentence names it, e.g. ``the users store``.
        setting: the environment variable holding the URL.
        default_file: the SQLite file used when the setting is unset (inside the home).
    """

    what: str
    setting: str
    default_file: str

    @property
    def example(self) -> str:
        """The URLs the setting accepts."""
        return (f"sqlite:////path/{self.default_file} or "
                "postgresql+psycopg://user@host/database")

    @property
    def unset_hint(self) -> str:
        return f"or unset it to use HOME/{self.default_file}"


def _normalise(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs (the driver ``haiquan[postgres]`` installs).

    >>> _normalise("postgresql://hq@db/haiquan")
    'postgresql+psycopg://hq@db/haiquan'
    >>> _normalise("sqlite:///web.sqlite")
    'sqlite:///web.sqlite'
    """
    text = url.strip()
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    return text


def parse_url(url: str, store: StoreDatabase) -> URL:
    """The parsed URL, refused early when it cannot work (without connecting).

    Raises:
        ConfigurationError: the URL cannot be read, names a database other than SQLite or
            PostgreSQL, or a PostgreSQL driver other than psycopg 3.
    """
    try:
        parsed = make_url(_normalise(url))
    except ArgumentError:
        raise ConfigurationError(
            f"{store.what}'s database URL cannot be read",
            expected=store.example,
            got=repr(url),
            fix=f"correct {store.setting}, {store.unset_hint}",
        ) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"unsupported database for {store.what}",
            expected=f"SQLite or PostgreSQL: {store.example}",
            got=f"{backend} ({parsed.render_as_string(hide_password=True)})",
            fix=f"set {store.setting} to a SQLite or PostgreSQL URL, {store.unset_hint}",
        )
    if backend == "postgresql" and parsed.get_driver_name() != "psycopg":
        raise ConfigurationError(
            f"unsupported PostgreSQL driver for {store.what}",
            expected="the psycopg (3) driver (haiquan[postgres]): postgresql+psycopg://...",
            got=parsed.render_as_string(hide_password=True),
            fix=f"write {store.setting} as postgresql://... or postgresql+psycopg://...",
        )
    return parsed


#: How SQLite and PostgreSQL say that the disk is full (PostgreSQL's SQLSTATE 53100 too).
_DISK_FULL = ("database or disk is full", "disk is full", "no space left on device",
              "could not extend file")
#: ... and that the store cannot be written (SQLSTATE 25006: a read-only transaction/standby).
_READ_ONLY = ("attempt to write a readonly database", "read-only file system",
              "read-only transaction", "readonly database")


def _read_only_folder(sqlite_file: str | None) -> bool:
    """Whether a SQLite file's folder is on a read-only mount or not writable by this user
    (SQLite then says only "unable to open database file": its WAL needs the folder)."""
    if not sqlite_file or sqlite_file == ":memory:":
        return False
    folder = Path(sqlite_file).parent
    try:
        read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False
    return read_only or (folder.is_dir() and not os.access(folder, os.W_OK))


def storage_problem(
    error: BaseException, where: str, sqlite_file: str | None = None
) -> StorageError | None:
    """A full disk or a read-only store, said in the operator's words; None for other errors.

    Args:
        error: what the database driver raised (a SQLAlchemy ``DBAPIError`` or the driver's).
        where: the store and its database, e.g. ``the gateway store (sqlite at /srv/gw.db)``.
        sqlite_file: a SQLite store's file, to tell a read-only folder from other reasons a
            file cannot be opened.
    """
    cause = getattr(error, "orig", None) or error
    text = str(cause).lower()
    if "unable to open database file" in text and _read_only_folder(sqlite_file):
        text += " read-only file system"
    code = getattr(cause, "sqlstate", None)
    first = str(cause).strip().splitlines()[0][:300] if str(cause).strip() else type(cause).__name__
    if code == "53100" or any(phrase in text for phrase in _DISK_FULL):
        return StorageError(
            f"the disk of {where} is full; nothing was written",
            expected="free space on the disk holding the store",
            got=first,
            fix="free space on that disk (or move the store to a larger one), then run the "
            "command again; a partner's node retries by itself",
        )
    if code == "25006" or any(phrase in text for phrase in _READ_ONLY):
        return StorageError(
            f"{where} is read-only; nothing was written",
            expected="a store this process may write",
            got=first,
            fix="make it writable (remount the disk read-write, or let the user running "
            "haiquan write the file and its folder), or point the store's setting at a "
            "writable one",
        )
    return None


@contextmanager
def storage_errors_named(engine: Engine, store: str) -> Iterator[None]:
    """Say a full disk or a read-only store met while writing in the operator's words.

    Opening a store already checks both; a disk can fill (or be remounted read-only) while the
    store is open, and the write then fails deep in the driver. Other errors pass unchanged.

    Args:
        engine: the store's engine (its URL says where the database lives).
        store: the store's name for messages, e.g. ``the AEO registry``.

    Raises:
        StorageError: the disk holding the store is full, or the store is read-only.
    """
    try:
        yield
    except DBAPIError as error:
        url = engine.url
        sqlite_file = url.database if url.get_backend_name() == "sqlite" else None
        problem = storage_problem(error, f"{store} ({_where(url)})", sqlite_file)
        if problem is None:
            raise
        raise problem from error


def _where(parsed: URL) -> str:
    """Where a database lives, for messages: never a password."""
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite file {parsed.database or ':memory:'}"
    port = f":{parsed.port}" if parsed.port else ""
    return f"PostgreSQL on {parsed.host or 'localhost'}{port}/{parsed.database or ''}"


def check_sqlite_path(
    database: str | None,
    url: str,
    *,
    what: str,
    example: str,
    setting: str,
    create: bool,
    create_fix: str,
) -> None:
    """Make sure a SQLite file's folder exists: create it, or refuse a mistyped path.

    Shared by every store (the users store, the AEO registry and the gateway, which imports
    nothing else of haiquan's outside ``exchange`` but this module and the error tree), so a
    typo reads the same everywhere. A path the user typed (``create`` false) must be absolute —
    a relative one names another file in each folder a command or the server is started from,
    each an empty store of its own — and its folder must exist, so a typo is an error instead of
    a new, empty database somewhere unexpected. Nothing to do for an in-memory database.

    Args:
        database: the URL's database part (the file path).
        url: the URL as given, quoted in messages.
        what: the store as a sentence names it, e.g. ``the gateway store``.
        example: the URLs accepted, for ``expected``.
        setting: where the URL was set, named in the fix.
        create: create the folder (the store's default file inside its home).
        create_fix: what to correct when the folder cannot be created.

    Raises:
        ConfigurationError: a relative path, a folder that does not exist, or one that cannot
            be created.
    """
    if not database or database == ":memory:":
        return
    path = Path(database)
    folder = path.parent
    if create:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigurationError(
                f"cannot create the folder of {what}",
                expected="a SQLite file in a folder haiquan may write",
                got=f"{database} ({error.strerror})",
                fix=create_fix,
            ) from error
        return
    if not path.is_absolute():
        raise ConfigurationError(
            f"{what}'s path is relative",
            expected=f"an absolute path to a SQLite file ({example})",
            got=f"{url!r} from {setting}, which would open {path.resolve()} here and another "
            "file when run from another folder",
            fix=f"write the absolute path in {setting}: sqlite:////{path} if you meant "
            f"/{path}, else sqlite:///{path.resolve()}",
        )
    if not folder.is_dir():
        raise ConfigurationError(
            f"{what}'s folder does not exist",
            expected=f"a SQLite file in an existing folder ({example})",
            got=f"{url!r} from {setting}, whose folder {folder} does not exist",
            fix=f"correct the path in {setting} (sqlite:/// then an absolute path starts with a "
            f"fourth /), or create the folder first (mkdir -p {folder})",
        )


def _create_or_check(engine: Engine, metadata: MetaData, where: str) -> None:
    """Create the store's tables at the newest revision or check their revision, under the
    store's lock (:mod:`haiquan.migrations`); tables of no versioned store are created as they
    are. The store is the one whose tables ``metadata`` holds."""
    from haiquan.migrations import STORES
    from haiquan.migrations._run import prepare_schema

    names = set(metadata.tables)
    for store in STORES.values():
        if store.release_tables <= names:
            prepare_schema(engine, store, where=where)
            return
    metadata.create_all(engine)


def open_engine(
    url: str,
    store: StoreDatabase,
    metadata: MetaData,
    *,
    create_folder: bool,
    sqlite_pragmas: Sequence[str] = (),
) -> Engine:
    """An engine on the store's database with its tables created (race-free: concurrent first
    opens wait for one another) or their schema revision checked.

    Args:
        url: the database URL (``postgresql://`` means psycopg 3).
        store: which store, for the messages.
        metadata: the store's tables, created when missing.
        create_folder: create a SQLite file's folder (the default file inside the home), or
            refuse a folder that does not exist (a path the user typed).
        sqlite_pragmas: statements run on every new SQLite connection (e.g. ``PRAGMA
            journal_mode=WAL``).

    Raises:
        ConfigurationError: a bad URL, a database that cannot be opened or reached, or a schema
            older or newer than the code (``haiquan db upgrade``).
    """
    parsed = parse_url(url, store)
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        check_sqlite_path(parsed.database, url, what=store.what, example=store.example,
                          setting=store.setting, create=create_folder,
                          create_fix=f"correct {store.setting} or HAIQUAN_HOME")
        connect_args["check_same_thread"] = False
    elif "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT
    try:
        engine = create_engine(parsed, connect_args=connect_args)
    except ModuleNotFoundError as error:  # psycopg: the [postgres] extra is not installed
        from haiquan._extras import missing_extra

        told = missing_extra(error)
        if told is None:
            raise
        raise told from error
    if parsed.get_backend_name() == "sqlite" and sqlite_pragmas:

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            for statement in sqlite_pragmas:
                cursor.execute(statement)
            cursor.close()

    try:
        _create_or_check(engine, metadata, _where(parsed))
    except DBAPIError as error:
        engine.dispose()
        problem = storage_problem(error, f"{store.what} ({_where(parsed)})", parsed.database
                                  if parsed.get_backend_name() == "sqlite" else None)
        if problem is not None:
            raise problem from None
        reason = str(error.orig or error).strip().splitlines()
        raise ConfigurationError(
            f"cannot open {store.what}",
            expected=f"a reachable {_where(parsed)} this process may log in to and write to",
            got=f"{parsed.render_as_string(hide_password=True)}: "
            f"{reason[0] if reason else type(error).__name__}",
            fix=(f"check that the path in {store.setting} names a file (not a folder) this "
                 "user may write"
                 if parsed.get_backend_name() == "sqlite"
                 else f"check {store.setting} (host, port, database, user, password) and that "
                 "the database server is running")
            + f", {store.unset_hint}",
        ) from None
    return engine
