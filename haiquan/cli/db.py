"""``haiquan db status`` / ``haiquan db upgrade``: the schema revision of each SQL store."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from haiquan.cli._console import console, error_console
from haiquan.cli._output import FormatOption, OutputFormat, emit

__all__ = ["register"]

db_app = typer.Typer(
    help="Schema revisions of the SQL stores (gateway, AEO registry, users).", no_args_is_help=True
)

#: Schema states a store cannot be opened in by this haiquan (``haiquan db status`` exits 1).
_NEEDS_ATTENTION = ("older", "newer", "release-0.1.0")


class Store(StrEnum):
    """The SQL stores whose schema ``haiquan db`` tracks."""

    gateway = "gateway"
    aeo = "aeo"
    users = "users"


StoreOption = Annotated[
    list[Store] | None, typer.Option("--store", help="Repeat for several (default: all).")
]
GatewayHomeOption = Annotated[
    Path | None,
    typer.Option(
        help=("Gateway node folder (default: HAIQUAN_GATEWAY_HOME or HAIQUAN_HOME/gateway).")
    ),
]


def _show(reports: list, upgrading: bool) -> None:  # type: ignore[type-arg]
    table = Table(
        "store", "database", "before" if upgrading else "schema", *(["now"] if upgrading else [])
    )
    for report in reports:
        first = report.before.summary if report.before else (report.note or "")
        row = [report.store, report.where, first]
        if upgrading:
            row.append(report.after.summary if report.after else "")
        table.add_row(*row)
    console.print(table)


@db_app.command("status")
def status(
    store: StoreOption = None,
    gateway_home: GatewayHomeOption = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Each store's schema revision against this haiquan (reads only); exits 1 when a store is
    older or newer than this haiquan, so a deploy script can stop before starting it."""
    from haiquan.migrations import database_status

    reports = database_status([s.value for s in store or ()], gateway_home=gateway_home)
    if output is OutputFormat.table:
        _show(reports, upgrading=False)
    else:
        emit(
            [
                {
                    "store": r.store,
                    "database": r.where,
                    "state": r.before.state if r.before else None,
                    "schema": r.before.summary if r.before else (r.note or ""),
                }
                for r in reports
            ],
            output,
        )
    behind = [r.store for r in reports if r.before and r.before.state in _NEEDS_ATTENTION]
    if behind:
        # A deploy script checks the exit code: a store this haiquan will refuse is a failure.
        error_console.print(
            f"not as this haiquan expects: {', '.join(behind)}; run "
            "'haiquan db upgrade' after a backup (or install the haiquan that "
            "wrote a newer store)",
            highlight=False,
        )
        raise typer.Exit(1)


@db_app.command("upgrade")
def upgrade(store: StoreOption = None, gateway_home: GatewayHomeOption = None) -> None:
    """Bring each store to this haiquan's schema revision, keeping its data (back up first)."""
    from haiquan.migrations import database_upgrade

    _show(
        database_upgrade([s.value for s in store or ()], gateway_home=gateway_home), upgrading=True
    )


def register(app: typer.Typer) -> None:
    """Mount ``haiquan db``."""
    app.add_typer(db_app, name="db")
