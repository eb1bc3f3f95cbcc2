"""``haiquan load``, ``haiquan export`` and the warehouse look-ups under ``haiquan show``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from haiquan.cli._console import console, error_console
from haiquan.cli._options import (
    TRADE_FORMAT_NAMES,
    Frequency,
    TradeDirection,
    country_code,
    listed,
    output_path,
)
from haiquan.cli._output import FormatOption, OutputFormat
from haiquan.cli._show import show_app
from haiquan.cli._tables import print_frame

__all__ = ["register"]


class DeclarationLayout(StrEnum):
    """Declaration file layouts ``haiquan load --declarations`` reads."""

    kcs = "kcs"
    canonical = "canonical"


ReporterOption = Annotated[
    str | None,
    typer.Option(
        parser=country_code, help="Reporter, ISO code (VNM, VN or 704); default the home country."
    ),
]


class WarehouseTable(StrEnum):
    """The warehouse tables ``haiquan export`` writes."""

    trade_flows = "trade_flows"
    declarations = "declarations"
    loads = "loads"


class ExportFormat(StrEnum):
    """The file formats ``haiquan export`` writes."""

    csv = "csv"
    parquet = "parquet"


FrequencyOption = Annotated[
    Frequency, typer.Option(case_sensitive=False, help="Monthly, quarterly or annual.")
]
TradeDirectionOption = Annotated[TradeDirection, typer.Option(help="The home country's side.")]


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=error_console,
        transient=True,
    )


def load(
    files: Annotated[list[Path], typer.Argument(help="Files to load, in order.")],
    format: Annotated[
        str | None,
        typer.Option(
            **listed(*TRADE_FORMAT_NAMES),
            help="Trade format (detected from the file's columns when left out).",
        ),
    ] = None,
    declarations: Annotated[
        bool,
        typer.Option("--declarations", help="The files are declarations, not trade statistics."),
    ] = False,
    layout: Annotated[
        DeclarationLayout, typer.Option(help="Declaration layout of --declarations files.")
    ] = DeclarationLayout.kcs,
    refresh: Annotated[
        bool,
        typer.Option(
            "--refresh",
            help="Then compute and store the forecasts, partner scores and plan of "
            "the new data (`haiquan refresh`).",
        ),
    ] = False,
) -> None:
    """Load trade or declaration files into the warehouse (all or nothing, never twice)."""
    from haiquan.warehouse.loading import load_declarations_file, load_trade_file

    changed = False
    for file in files:
        with _progress() as progress:
            task = progress.add_task(f"{file.name}: starting", total=None)

            def step(message: str, task: TaskID = task, name: str = file.name) -> None:
                progress.update(task, description=f"{name}: {message}")

            if declarations:
                result = load_declarations_file(file, layout.value)
            else:
                result = load_trade_file(file, format, progress=step)
        if result.already_loaded:
            console.print(
                f"{file}: already loaded (load {result.load_id}, same SHA-256); nothing changed"
            )
            continue
        console.print(
            f"{file}: loaded {result.rows:,} rows as load {result.load_id} "
            f"({result.format}); replaced {result.replaced_rows:,} earlier rows"
        )
        for note in result.set_aside:
            console.print(f"  set aside {note['rows']} rows: {note['reason']}")
        changed = changed or not declarations
    if changed and refresh:
        from haiquan.cli.refresh import run_refresh

        run_refresh()
    elif changed:
        console.print(
            "the stored forecasts, partner scores and plan are of the earlier data: "
            "a running server recomputes them in the background, or run "
            "`haiquan refresh`"
        )


def partner(
    code: Annotated[
        str,
        typer.Argument(
            parser=country_code, help="Partner: ISO code (KOR, KR or 410) or named group."
        ),
    ],
    reporter: ReporterOption = None,
    frequency: FrequencyOption = Frequency.A,
    since: Annotated[str | None, typer.Option(help="First period to show.")] = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """A partner's trade with the home country over time, with the partner's mirror figures."""
    from haiquan.warehouse.queries import partner_series

    frame = partner_series(code, reporter, frequency=frequency.value)
    if since:
        frame = frame[frame["period"] >= since]
    print_frame(
        frame, f"Trade with {code.upper()} (mirror = as the partner reports it)", output=output
    )


def top_partners(
    year: Annotated[str | None, typer.Option(help="Period (default: latest).")] = None,
    reporter: ReporterOption = None,
    flow: Annotated[TradeDirection | None, typer.Option(help="Default: both.")] = None,
    frequency: FrequencyOption = Frequency.A,
    n: Annotated[int, typer.Option("-n", help="How many partners.")] = 20,
    output: FormatOption = OutputFormat.table,
) -> None:
    """The largest partner countries of the home country in a period."""
    from haiquan.warehouse.queries import top_partners as query

    frame = query(reporter, year, flow=flow.value if flow else None, frequency=frequency.value, n=n)
    print_frame(frame, "Top partners", output=output)


def top_commodities(
    year: Annotated[str | None, typer.Option(help="Year (default: latest).")] = None,
    reporter: ReporterOption = None,
    partner: Annotated[
        str | None,
        typer.Option(parser=country_code, help="Only trade with this partner (ISO code)."),
    ] = None,
    flow: TradeDirectionOption = TradeDirection.export,
    n: Annotated[int, typer.Option("-n", help="How many commodities.")] = 20,
    output: FormatOption = OutputFormat.table,
) -> None:
    """The largest HS chapters/codes of the home country's trade in a year."""
    from haiquan.warehouse.queries import top_commodities as query

    frame = query(reporter, year, partner=partner, flow=flow.value, n=n)
    if frame.empty and output is OutputFormat.table:
        console.print(
            "no commodity-level rows in the warehouse (load BACI or a canonical file with HS codes)"
        )
        return
    print_frame(frame, "Top commodities", output=output)


def loads(output: FormatOption = OutputFormat.table) -> None:
    """Every file loaded into the warehouse."""
    from haiquan.warehouse.queries import list_loads

    print_frame(list_loads(), "Loads", output=output)


def export(
    table: Annotated[WarehouseTable, typer.Argument(help="The table to export.")],
    destination: Annotated[Path, typer.Argument(help="A file (CSV) or folder (Parquet).")],
    format: Annotated[ExportFormat, typer.Option(help="The file format.")] = ExportFormat.csv,
    partition_by: Annotated[
        list[str] | None,
        typer.Option("--partition-by", help="Columns to partition Parquet by (repeat the option)."),
    ] = None,
) -> None:
    """Export a warehouse table to CSV or partitioned Parquet (for Spark or Dask)."""
    from haiquan.warehouse.queries import export_table

    target = output_path(destination, "DESTINATION", folder=bool(partition_by))
    written = export_table(
        table.value, target, format=format.value, partition_by=partition_by or []
    )
    console.print(f"wrote {written}")


def register(app: typer.Typer) -> None:
    """Mount the warehouse commands."""
    app.command()(load)
    app.command()(export)
    show_app.command("partner")(partner)
    show_app.command("top-partners")(top_partners)
    show_app.command("top-commodities")(top_commodities)
    show_app.command("loads")(loads)
    if not any(group.name == "show" for group in app.registered_groups):
        app.add_typer(show_app, name="show")
