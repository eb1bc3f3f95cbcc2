"""``haiquan indicators``, ``haiquan mirror-gaps``, ``haiquan rca`` and ``haiquan gravity``.

Each command reads canonical rows (``--input FILE [--input-format NAME]``, else the warehouse),
calls one function of :mod:`haiquan.analytics` and prints its rows as a table, JSON or CSV
(``--format``, :mod:`haiquan.cli._output`); model lines and notes go beside a table, or to
standard error beside JSON/CSV.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from haiquan.cli._options import InputFormatOption, country_code
from haiquan.cli._output import Column, FormatOption, Kind, OutputFormat, emit, side_console

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["register"]

InputOption = Annotated[
    Path | None,
    typer.Option("--input", "-i", help="A trade file to analyse instead of the warehouse."),
]
HomeOption = Annotated[
    str | None,
    typer.Option(
        "--home",
        parser=country_code,
        help="Home country, ISO code (VNM, VN or 704); default HAIQUAN_HOME_COUNTRY.",
    ),
]
YearOption = Annotated[
    int | None, typer.Option("--year", help="Year; the latest the home country reported.")
]
TopOption = Annotated[int, typer.Option("--top", min=1, help="Rows to show.")]


class GravityFlow(StrEnum):
    """The flows ``haiquan gravity --flow`` models."""

    export = "export"
    import_ = "import"


def _print(
    frame: pd.DataFrame,
    title: str,
    columns: dict[str, tuple[str, Kind]],
    *,
    synthetic: bool,
    output: OutputFormat = OutputFormat.table,
) -> None:
    """Print the named columns: {column: (header, kind)}, kind money (M USD)/percent/number;
    the SYNTHETIC label first when ``synthetic`` (the result's field). JSON and CSV carry the
    columns under their own names with raw values (USD, fractions)."""
    emit(
        frame,
        output,
        columns=[Column(key, header, kind) for key, (header, kind) in columns.items()],
        title=title,
        synthetic=synthetic,
    )


def indicators(
    home: HomeOption = None,
    year: YearOption = None,
    input: InputOption = None,
    input_format: InputFormatOption = None,
    span: Annotated[int, typer.Option("--span", min=1, help="Years for compound growth.")] = 5,
    top: TopOption = 20,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Indicators of each trade relationship: levels, growth, shares, balance, GL, intensity."""
    from haiquan.analytics import load_flows, partner_indicators

    flows = load_flows(
        input, input_format, first_year=year - span if year else None, last_year=year
    )
    result = partner_indicators(flows, home, year, span=span)
    table = result.table
    first = table["year"].iloc[0] if len(table) else year
    # Not available is not the same as an empty cell: say so in every row.
    intensity_kind: Kind = "number" if result.intensity_available else "n/a"
    _print(
        table.head(top),
        f"{result.home} trade by partner, {first} (million USD)",
        {
            "partner": ("partner", "text"),
            "exports": ("exports", "money"),
            "imports": ("imports", "money"),
            "balance": ("balance", "money"),
            "trade_share": ("share", "percent"),
            "export_yoy": ("exp yoy", "percent"),
            "import_yoy": ("imp yoy", "percent"),
            "export_cagr": (f"exp CAGR {span}y", "percent"),
            "import_cagr": (f"imp CAGR {span}y", "percent"),
            "grubel_lloyd": ("GL", "number"),
            "export_intensity": ("exp TII", intensity_kind),
            "export_cif_fob_ratio": ("mirror exp", "number"),
            "import_cif_fob_ratio": ("mirror imp", "number"),
            "mirror_flag": ("gap flag", "text"),
        },
        synthetic=result.synthetic,
        output=output,
    )
    notes = side_console(output)
    if output is OutputFormat.table:
        _print(
            result.concentration,
            "Concentration (HHI)",
            {
                "flow": ("flow", "text"),
                "partners": ("partners", "number"),
                "hhi_partners": ("HHI partners", "number"),
                "equivalent_partners": ("equivalent partners", "number"),
                "hhi_products": ("HHI products", "number"),
            },
            synthetic=result.synthetic,
        )
    else:
        # One document on standard output: the partner rows; the HHI beside them, on stderr.
        for row in result.concentration.to_dict(orient="records"):
            notes.print(
                f"concentration (HHI), {row['flow']}: "
                + ", ".join(f"{key} {row[key]}" for key in row if key != "flow")
            )
    for note in result.notes:
        notes.print(f"[yellow]note:[/] {note}")


def mirror_gaps(
    home: HomeOption = None,
    year: YearOption = None,
    input: InputOption = None,
    input_format: InputFormatOption = None,
    top: TopOption = 25,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Mirror-data gaps: partner vs home reports of the same trade, flagged beyond CIF/FOB."""
    from haiquan.analytics import load_flows, load_thresholds, mirror_gaps

    rules = load_thresholds()
    result = mirror_gaps(
        load_flows(input, input_format, first_year=year, last_year=year),
        home,
        year,
        thresholds=rules,
    )
    gaps = result.table
    low, high = rules.band
    _print(
        gaps.head(top),
        f"Mirror gaps (normal CIF/FOB band {low:.2f}..{high:.2f}; "
        f"{int(gaps['flag'].sum())} flagged; million USD)",
        {
            "partner": ("partner", "text"),
            "direction": ("home's", "text"),
            "fob_value": ("FOB (exporter)", "money"),
            "cif_value": ("CIF (importer)", "money"),
            "gap_usd": ("CIF - FOB", "money"),
            "cif_fob_ratio": ("CIF/FOB", "number"),
            "flag": ("flag", "text"),
            "reading": ("reading", "text"),
        },
        synthetic=result.synthetic,
        output=output,
    )


def rca(
    home: HomeOption = None,
    year: YearOption = None,
    input: InputOption = None,
    input_format: InputFormatOption = None,
    top: TopOption = 15,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Revealed comparative advantage (Balassa) by HS chapter, strongest first (BACI data)."""
    from haiquan.analytics import load_flows, rca_profile

    # Every year is read, so a year the data lacks is refused with the years it covers.
    flows = load_flows(input, input_format, commodity=None)
    profile = rca_profile(flows, home, year)
    _print(
        profile.table.head(top),
        f"RCA of {profile.home} in {profile.year} by HS chapter",
        {
            "commodity": ("chapter", "text"),
            "value_usd": ("exports (M USD)", "money"),
            "share": ("share of exports", "percent"),
            "world_share": ("share of world", "percent"),
            "rca": ("RCA", "number"),
        },
        synthetic=profile.synthetic,
        output=output,
    )


def gravity(
    reference_eu15: Annotated[
        bool,
        typer.Option(
            "--reference-eu15", help="Reproduce the fixest EU15 PPML estimate of log distance."
        ),
    ] = False,
    home: HomeOption = None,
    year: YearOption = None,
    input: InputOption = None,
    input_format: InputFormatOption = None,
    flow: Annotated[
        GravityFlow, typer.Option("--flow", help="export or import potential.")
    ] = GravityFlow.export,
    top: TopOption = 20,
    output: FormatOption = OutputFormat.table,
) -> None:
    """PPML gravity: the EU15 reference check, or expected trade and untapped potential."""
    from haiquan.analytics import EU15_TERM, load_flows, untapped_potential
    from haiquan.analytics import reference_eu15 as reference

    notes = side_console(output)
    if reference_eu15:
        result = reference(input)
        if output is not OutputFormat.table:
            emit(
                [
                    {
                        "term": EU15_TERM,
                        "estimate": result.estimate(EU15_TERM),
                        "std_error": result.std_error(EU15_TERM),
                        "published_estimate": result.details["published_estimate"],
                        "published_std_error": result.details["published_std_error"],
                        "formula": result.formula,
                        "vcov": result.vcov,
                        "observations": result.nobs,
                    }
                ],
                output,
            )
            return
        notes.print(f"PPML  {result.formula}  ({result.vcov}, {result.nobs} observations)")
        notes.print(
            f"  log(dist_km) = {result.estimate(EU15_TERM):.6f} "
            f"(s.e. {result.std_error(EU15_TERM):.6f})"
        )
        notes.print(
            f"  published    = {result.details['published_estimate']:.6f} "
            f"(s.e. {result.details['published_std_error']:.6f})"
        )
        return
    expected = untapped_potential(
        load_flows(input, input_format, first_year=year, last_year=year),
        home,
        year,
        flow=flow.value,
    )
    model = expected.model
    source = f"; source {model.details['source']}" if model.details.get("source") else ""
    # The model beside the table, or on stderr when standard output is the JSON/CSV rows.
    notes.print(f"PPML  {model.formula}  ({model.vcov}, {model.nobs} pairs{source})")
    for term, row in model.coefficients.iterrows():
        notes.print(f"  {term} = {row['estimate']:.3f} (s.e. {row['std_error']:.3f})")
    _print(
        expected.table.head(top),
        f"Untapped {flow.value} potential of {expected.home}, "
        f"{expected.year} (million USD; no distance in the model)",
        {
            "partner": ("partner", "text"),
            "actual": ("actual", "money"),
            "expected": ("expected", "money"),
            "potential": ("potential", "money"),
            "actual_to_expected": ("actual/expected", "number"),
        },
        synthetic=expected.synthetic,
        output=output,
    )


def register(app: typer.Typer) -> None:
    """Mount the analytics commands on the root app."""
    app.command("indicators")(indicators)
    app.command("mirror-gaps")(mirror_gaps)
    app.command("rca")(rca)
    app.command("gravity")(gravity)
