"""Which database each store uses, and ``haiquan db status`` / ``upgrade`` over all of them.

A store is looked at without being opened the usual way (which would refuse an old schema):
an engine on its URL, and nothing created — a SQLite store whose file does not exist yet is
reported as such and left to be created at its first open.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from haiquan.errors import ConfigurationError, InputError
from haiquan.migrations import STORES
from haiquan.migrations._run import SchemaStatus, schema_status, upgrade_schema

__all__ = ["StoreReport", "database_status", "database_upgrade", "store_url"]


@dataclass(frozen=True)
class StoreReport:
    """One store's schema, before and (for an upgrade) after.

    Attributes:
        store: ``gateway``, ``aeo`` or ``users``.
        where: where its database is (no password).
        before: its status when looked at; None when there is no database yet.
        after: its status after an upgrade (None for ``status``, or nothing to do).
        note: why there is no status (no database yet, no gateway node).
    """

    store: str
    where: str
    before: SchemaStatus | None
    after: SchemaStatus | None = None
    note: str | None = None


def store_url(name: str, *, gateway_home: Path | None = None) -> str:
    """The database URL store ``name`` is configured with (settings, or node.yaml)."""
    if name == "gateway":
        from haiquan.exchange.home import node_database_url

        return node_database_url(gateway_home)
    if name == "aeo":
        from haiquan.aeo.registry import configured_database_url

        return configured_database_url()
    from haiquan.settings import get_settings

    return get_settings().web_database


def _names(names: Sequence[str]) -> list[str]:
    chosen = list(names) or list(STORES)
    unknown = [n for n in chosen if n not in STORES]
    if unknown:
        raise InputError(
            f"unknown store {unknown[0]!r}",
            expected="one of " + ", ".join(STORES),
            got=", ".join(unknown),
            fix="name a store with --store, or leave it out for all",
        )
    return chosen


def _engine(url: str) -> tuple[Engine | None, str]:
    """An engine on ``url`` (None when it is a SQLite file that does not exist yet)."""
    text = url.strip()
    if text.startswith(("postgresql://", "postgres://")):
        text = "postgresql+psycopg://" + text.split("://", 1)[1]
    try:
        parsed = make_url(text)
    except ArgumentError as error:
        raise ConfigurationError("a store's database URL cannot be read", expected="a SQLite "
                                 "or PostgreSQL URL", got=repr(url),
                                 fix="correct the store's setting") from error
    if parsed.get_backend_name() == "sqlite":
        parsed = parsed.difference_update_query(["synchronous"])
        where = f"SQLite file {parsed.database}"
        if parsed.database and not Path(parsed.database).exists():
            return None, where
    else:
        port = f":{parsed.port}" if parsed.port else ""
        where = f"PostgreSQL on {parsed.host or 'localhost'}{port}/{parsed.database or ''}"
    return create_engine(parsed), where


def _each(names: Sequence[str], gateway_home: Path | None, upgrade: bool) -> list[StoreReport]:
    reports: list[StoreReport] = []
    for name in _names(names):
        try:
            url = store_url(name, gateway_home=gateway_home)
        except ConfigurationError:
            if name == "gateway" and not names:  # no node here: not an error when not asked
                reports.append(StoreReport(
                    name, "-", None, note="no gateway node here (node.yaml missing or invalid: "
                    "name its folder with --gateway-home)"))
                continue
            raise
        engine, where = _engine(url)
        if engine is None:
            reports.append(StoreReport(name, where, None,
                                       note="no database yet: created when first opened"))
            continue
        try:
            if upgrade:
                before, after = upgrade_schema(engine, STORES[name])
                reports.append(StoreReport(name, where, before, after))
            else:
                reports.append(StoreReport(name, where, schema_status(engine, STORES[name])))
        except DBAPIError as error:
            reason = str(error.orig or error).strip().splitlines()
            raise ConfigurationError(
                f"{STORES[name].what} cannot be read",
                expected=f"a reachable {where}",
                got=reason[0] if reason else type(error).__name__,
                fix="check the store's setting and that the database server is running",
            ) from None
        finally:
            engine.dispose()
    return reports


def database_status(names: Sequence[str] = (), *,
                    gateway_home: Path | None = None) -> list[StoreReport]:
    """Each store's schema revision against this code (reads only)."""
    return _each(names, gateway_home, upgrade=False)


def database_upgrade(names: Sequence[str] = (), *,
                     gateway_home: Path | None = None) -> list[StoreReport]:
    """Upgrade each store to this code's revision, keeping its data (back up first).

    Raises:
        ConfigurationError: a store is newer than this code, or not haiquan's.
    """
    return _each(names, gateway_home, upgrade=True)
