"""Versioned schemas of haiquan's SQLAlchemy stores, migrated with Alembic.

Three stores live in SQL databases (SQLite or PostgreSQL), each with its own Alembic script
folder here and its own version table, so they may share one database:

==========  ==================================  =============================
store       tables                              version table
==========  ==================================  =============================
gateway     ``gw_*`` (haiquan.exchange.tables)  ``haiquan_gateway_version``
aeo         ``aeo_*`` (haiquan.aeo.tables)      ``haiquan_aeo_version``
users       ``web_*`` (haiquan.web.auth)        ``haiquan_users_version``
==========  ==================================  =============================

Revision ``0001`` of each is the schema of release 0.1.0, which created its tables without a
version table: such a database is recognised by its tables, and ``haiquan db upgrade`` runs
``0001`` on it (creating only the tables it lacks) before the later revisions. How a store is
opened, created and checked is :func:`haiquan.migrations.prepare_schema`;
docs/gateway-operations.md ("Schema versions") is the operator's view.
(The DuckDB warehouse is not here: its tables are created by the code that loads data.)

Only this package's ``__init__`` is imported by the stores: a store's tables are imported when
its migrations run, so the gateway never imports the web app or the AEO registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from sqlalchemy import MetaData

__all__ = [
    "STORES",
    "SchemaStatus",
    "StoreReport",
    "StoreSchema",
    "database_status",
    "database_upgrade",
    "prepare_schema",
    "schema_status",
    "store_url",
    "upgrade_schema",
]


@dataclass(frozen=True)
class StoreSchema:
    """One store's migrations.

    Attributes:
        name: the store's name in ``haiquan db`` commands.
        what: the store as a sentence names it.
        tables_module: ``module:attribute`` of the store's current ``MetaData``.
        release_tables: the tables release 0.1.0 created (an unversioned database holding some
            or all of them is a store of 0.1.0 or earlier, brought to revision ``0001`` by
            creating what it lacks).
        head: the newest revision of ``versions/``, so opening a store at it needs no Alembic
            (a test holds it equal to Alembic's head).
    """

    name: str
    what: str
    tables_module: str
    release_tables: frozenset[str]
    head: str = "0001"

    @property
    def version_table(self) -> str:
        return f"haiquan_{self.name}_version"

    @property
    def script_location(self) -> str:
        return str(Path(__file__).parent / self.name)

    def metadata(self) -> MetaData:
        """The store's current tables (imported on demand)."""
        module, attribute = self.tables_module.split(":")
        found = getattr(import_module(module), attribute)
        return found if isinstance(found, MetaData) else found.metadata


STORES: dict[str, StoreSchema] = {
    store.name: store
    for store in (
        StoreSchema("gateway", "the gateway store", "haiquan.exchange.tables:metadata",
                    frozenset({"gw_outbox", "gw_receipts", "gw_inbox", "gw_partner_state"})),
        StoreSchema("aeo", "the AEO registry", "haiquan.aeo.tables:metadata",
                    frozenset({"aeo_operators", "aeo_status_events", "aeo_consents",
                               "aeo_sent_lists", "aeo_received_lists",
                               "aeo_partner_events"})),
        StoreSchema("users", "the users store", "haiquan.web.auth._tables:Base",
                    frozenset({"web_users", "web_api_tokens", "web_ended_sessions"})),
    )
}

# The runner needs StoreSchema above; imported last so the stores import one package.
from haiquan.migrations._run import (  # noqa: E402
    SchemaStatus,
    prepare_schema,
    schema_status,
    upgrade_schema,
)
from haiquan.migrations._stores import (  # noqa: E402
    StoreReport,
    database_status,
    database_upgrade,
    store_url,
)
