"""``haiquan db status`` / ``haiquan db upgrade``: the schema revision of each SQL store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from haiquan.cli._console import console

__all__ = ["register"]

db_app = typer.Typer(help="Schema revisions of the SQL stores (gateway, AEO registry, users).",
                     no_args_is_help=True)

StoreOption = Annotated[list[str] | None, typer.Option(
    "--store", help="gateway, aeo or users; repeat for several (default: all).")]
GatewayHomeOption = Annotated[Path | None, typer.Option(help=(
    "Gateway node folder (default: HAIQUAN_GATEWAY_HOME or HAIQUAN_HOME/gateway)."))]


def _show(reports: list, upgrading: bool) -> None:  # type: ignore[type-arg]
    table = Table("store", "database", "before" if upgrading else "schema",
                  *(["now"] if upgrading else []))
    for report in reports:
        first = report.before.summary if report.before else (report.note or "")
        row = [report.store, report.where, first]
        if upgrading:
            row.append(report.after.summary if report.after else "")
        table.add_row(*row)
    console.print(table)


@db_app.command("status")
def status(store: StoreOption = None, gateway_home: GatewayHomeOption = None) -> None:
    """Each store's schema revision against this haiquan (reads only)."""
    from haiquan.migrations import database_status

    _show(database_status(store or (), gateway_home=gateway_home), upgrading=False)


@db_app.command("upgrade")
def upgrade(store: StoreOption = None, gateway_home: GatewayHomeOption = None) -> None:
    """Bring each store to this haiquan's schema revision, keeping its data (back up first)."""
    from haiquan.migrations import database_upgrade

    _show(database_upgrade(store or (), gateway_home=gateway_home), upgrading=True)


def register(app: typer.Typer) -> None:
    """Mount ``haiquan db``."""
    app.add_typer(db_app, name="db")
