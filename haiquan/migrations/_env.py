"""The Alembic environment every store's migrations share (each store's ``env.py`` calls it).

haiquan runs its migrations itself (:func:`haiquan._database.prepare_schema`, ``haiquan db
upgrade``), always on a connection it opened and locked, so only the online mode exists: the
connection, the version table and the store's tables (for ``--autogenerate`` by developers) come
in ``config.attributes``.
"""

from __future__ import annotations

from alembic import context

__all__ = ["run_migrations"]


def run_migrations() -> None:
    """Run the migrations Alembic asked for on the connection haiquan handed over."""
    config = context.config
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "haiquan's migrations run through `haiquan db upgrade` (or "
            "`python -m haiquan.exchange db upgrade` for a gateway), not the alembic command"
        )
    context.configure(
        connection=connection,
        target_metadata=config.attributes.get("metadata"),
        version_table=config.attributes["version_table"],
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
