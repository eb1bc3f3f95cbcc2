"""``haiquan priorities`` (rank partners), ``haiquan plan`` (optimise a cooperation plan) and
``haiquan plan-template`` (write a starting catalogue for any administration).

Each command parses its options, calls one function of :mod:`haiquan.priorities.service` and
prints the result; errors are translated by :func:`haiquan.cli.main`. ``priorities`` lists
(``--format table|json|csv``: JSON the whole ranking document, CSV the overall ranking's rows);
``plan`` is a report (``--format table|json``).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from haiquan.cli._console import console, native_output_to_stderr
from haiquan.cli._options import InputFormatOption, country_code, listed, output_path
from haiquan.cli._output import (
    SYNTHETIC_LABEL,
    FormatOption,
    OutputFormat,
    emit,
    percent,
    side_console,
)

if TYPE_CHECKING:
    from haiquan.priorities.service import PriorityReport

__all__ = ["print_priorities", "priorities_payload", "register"]

InputOption = Annotated[
    Path | None,
    typer.Option(
        "--input",
        "-i",
        help="Trade file; default: the Vietnam IMF DOTS example in HAIQUAN_SHARED_DATA.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", hidden=True, help="The same as --format json.")]


class ReportFormat(StrEnum):
    """What ``haiquan plan`` writes: tables to read, or the plan as one JSON document."""

    table = "table"
    json = "json"


ReportFormatOption = Annotated[
    ReportFormat,
    typer.Option(
        "--format",
        case_sensitive=False,
        help="table for reading; json (the whole plan, raw values: USD) for programs.",
    ),
]
ForecastOption = Annotated[
    str,
    typer.Option(
        "--forecast",
        **listed("model", "trend"),
        help="model: haiquan.forecast ensembles (thorough, slower); "
        "trend: ten-year log-linear trend (fast).",
    ),
]


def _records(frame: Any) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def priorities_payload(report: PriorityReport, top: int) -> dict[str, Any]:
    """The ``--json`` document: overall ranking, per-instrument rankings, how they combine."""
    scores = report.scores
    criteria = scores.criteria
    return {
        "home": criteria.home,
        "year": criteria.year,
        "horizon": criteria.horizon,
        "on": criteria.on.isoformat(),
        "forecast": criteria.forecast,
        "min_share": criteria.min_share,
        "left_out": criteria.left_out,
        "data_source": report.data_source,
        "synthetic": report.synthetic,
        "warnings": criteria.warnings,
        "statistic": scores.statistic,
        "combination": scores.combination,
        "weights": scores.weights,
        "dropped": [{"criterion": d.criterion, "reason": d.reason} for d in scores.dropped],
        "below_smaller": scores.below_smaller,
        "overall": _records(scores.overall.head(top)),
        "instruments": {
            key: {
                "label": r.label,
                "counts": r.counts,
                "total_usd": r.total_usd,
                "partners": _records(r.table.head(top)),
            }
            for key, r in scores.instruments.items()
        },
        "sensitivity": (_records(report.sensitivity) if report.sensitivity is not None else None),
    }


def _notes(report: PriorityReport, top: int) -> list[str]:
    """How the ranking was made and what it left out, in words, below the overall table."""
    scores = report.scores
    criteria = scores.criteria
    overall = scores.overall
    notes = [
        f"how it combines: {scores.combination}",
        f"points: {scores.statistic}",
        f"{criteria.left_out} partners below {percent(criteria.min_share)} of trade left out",
    ]
    notes += [f"dropped {d.criterion}: {d.reason}" for d in scores.dropped]
    imputed = overall.loc[overall["imputed"] != "", ["partner", "imputed"]].head(top)
    if len(imputed):
        notes.append(
            "median used for missing values: "
            + "; ".join(f"{p} ({c})" for p, c in imputed.itertuples(index=False))
        )
    notes += [f"{partner} {why}" for partner, why in scores.below_smaller.items()]
    notes.append(
        f"agreements, partnerships and groups as of {criteria.on} (haiquan.reference); "
        f"growth from the {criteria.forecast} forecast"
    )
    notes.append(f"data: {report.data_source}")
    return notes


def _label_synthetic(synthetic: bool, output: OutputFormat = OutputFormat.table) -> None:
    """The SYNTHETIC label above the tables, or on standard error beside JSON or CSV."""
    if synthetic:
        side_console(output).print(f"[bold yellow]{SYNTHETIC_LABEL}[/]")


def print_priorities(report: PriorityReport, top: int) -> None:
    """The per-instrument tables, then the overall ranking with its breakdown and notes."""
    from haiquan.priorities.weights import criterion_label

    scores = report.scores
    criteria = scores.criteria
    _label_synthetic(report.synthetic)
    for ranking in scores.instruments.values():
        table = Table(
            title=f"{ranking.label}: {ranking.counts} — "
            f"{ranking.total_usd / 1e9:,.1f} bn USD with {len(ranking.table)} partners"
        )
        for column in ("#", "partner", "M USD", "% of trade", "driver"):
            table.add_column(
                column, justify="right" if column in ("#", "M USD", "% of trade") else "left"
            )
        for row in ranking.table.head(min(top, 10)).itertuples(index=False):
            table.add_row(
                str(row.rank),
                f"{row.partner} {row.name}",
                f"{row.usd / 1e6:,.0f}",
                percent(row.share_of_trade),
                row.driver,
            )
        console.print(table)
    overall = scores.overall
    used = list(scores.weights)
    table = Table(
        title=f"Overall cooperation priorities for {criteria.home} — base year "
        f"{criteria.year}, horizon {criteria.horizon} years (points out of 100)"
    )
    for column in ("#", "partner", "score", "% of trade"):
        table.add_column(column, justify="left" if column == "partner" else "right")
    for criterion in used:
        weight = percent(scores.weights[criterion], 0)
        table.add_column(f"{criterion_label(criterion)}\n{weight}", justify="right")
    for row in overall.head(top).to_dict(orient="records"):
        table.add_row(
            str(row["rank"]),
            f"{row['partner']} {row['name']}",
            f"{row['score']:.1f}",
            percent(row["share"]),
            *(f"{row[c]:.1f}" for c in used),
        )
    console.print(table)
    for note in _notes(report, top):
        console.print(f"  • {note}")
    for warning in criteria.warnings:
        console.print(f"[yellow]warning:[/] {warning}")


def register(app: typer.Typer) -> None:
    """Mount ``haiquan priorities``, ``haiquan plan`` and ``haiquan plan-template``."""

    @app.command("priorities")
    def priorities(
        input: InputOption = None,
        input_format: InputFormatOption = None,
        home: Annotated[
            str | None,
            typer.Option(
                parser=country_code,
                help="Home country, ISO code (VNM, VN or 704); default HAIQUAN_HOME_COUNTRY.",
            ),
        ] = None,
        horizon: Annotated[int, typer.Option(help="Years ahead for forecast growth.")] = 5,
        year: Annotated[int | None, typer.Option(help="Base year; default latest.")] = None,
        weights: Annotated[Path | None, typer.Option(help="Scoring weights YAML.")] = None,
        top: Annotated[int, typer.Option(min=1, help="Partners to show.")] = 20,
        min_share: Annotated[
            float, typer.Option(help="Leave out partners below this share of trade.")
        ] = 0.001,
        sensitivity: Annotated[
            float, typer.Option(help="Relative weight change tested (0 skips).")
        ] = 0.5,
        forecast: ForecastOption = "model",
        output: FormatOption = OutputFormat.table,
        as_json: JsonOption = False,
    ) -> None:
        """Rank partners per cooperation instrument (USD at stake) and overall; weight
        sensitivity."""
        from haiquan.priorities.service import rank_partners

        report = rank_partners(
            input=input,
            format=input_format,
            home=home,
            horizon=horizon,
            year=year,
            weights=weights,
            min_share=min_share,
            sensitivity=sensitivity or None,
            forecast=forecast,  # type: ignore[arg-type]
        )
        if as_json:
            output = OutputFormat.json
        if output is OutputFormat.json:
            _label_synthetic(report.synthetic, output)
            typer.echo(json.dumps(priorities_payload(report, top), indent=2, default=str))
            return
        if output is OutputFormat.csv:
            # The overall ranking, one row per partner; how it was made, on stderr.
            emit(report.scores.overall.head(top), output, synthetic=report.synthetic)
            notes = side_console(output)
            for note in _notes(report, top):
                notes.print(f"  • {note}")
            for warning in report.scores.criteria.warnings:
                notes.print(f"[yellow]warning:[/] {warning}")
            return
        print_priorities(report, top)
        if report.sensitivity is not None and len(report.sensitivity):
            sens = Table(title=f"Sensitivity: each weight ×(1 ± {sensitivity:g})")
            for column in (
                "criterion",
                "weight",
                "→",
                "rank corr.",
                "top-10 out",
                "entered",
                "left",
                "largest move",
            ):
                sens.add_column(column)
            for row in report.sensitivity.itertuples(index=False):
                sens.add_row(
                    row.criterion,
                    percent(row.weight_share, 0),
                    percent(row.new_weight_share, 0),
                    f"{row.spearman:.3f}",
                    str(row.top_changed),
                    row.entered,
                    row.left,
                    f"{row.mover} {row.mover_from}→{row.mover_to}"
                    if row.mover
                    else "no rank changed",
                )
            console.print(sens)

    @app.command("plan")
    def plan(
        catalogue: Annotated[
            Path | None,
            typer.Option(
                "--catalogue",
                "-c",
                help="Initiatives catalogue YAML; default: the Vietnam example.",
            ),
        ] = None,
        input: InputOption = None,
        input_format: InputFormatOption = None,
        first_year: Annotated[
            int | None,
            typer.Option(
                help="First plan year; default next calendar year (or the year after the data "
                "ends, if later)."
            ),
        ] = None,
        years: Annotated[int, typer.Option(help="Plan length in years.")] = 5,
        staff: Annotated[
            float | None,
            typer.Option(help="Staff-months per year; default the catalogue's resources."),
        ] = None,
        budget: Annotated[
            float | None,
            typer.Option(help="Budget USD per year; default the catalogue's resources."),
        ] = None,
        forecast: ForecastOption = "model",
        output: ReportFormatOption = ReportFormat.table,
        as_json: JsonOption = False,
    ) -> None:
        """Choose and schedule initiatives within yearly staff and budget (MILP, HiGHS)."""
        from haiquan.priorities.service import plan_cooperation

        with native_output_to_stderr():
            result = plan_cooperation(
                catalogue=catalogue,
                input=input,
                format=input_format,
                first_year=first_year,
                years=years,
                staff_months=staff,
                budget_usd=budget,
                forecast=forecast,  # type: ignore[arg-type]
            )
        if as_json or output is ReportFormat.json:
            _label_synthetic(result.synthetic, OutputFormat.json)
            typer.echo(result.model_dump_json(indent=2))
            return
        _label_synthetic(result.synthetic)
        last = result.first_year + result.years - 1
        console.print(
            f"[bold]Cooperation plan for {result.home}, {result.first_year}–{last}"
            f"[/]: {result.status}, MIP gap {result.mip_gap:.2e}, solved in "
            f"{result.solve_seconds:.2f} s; discounted benefit "
            f"{result.objective_usd / 1e6:,.1f} M USD"
        )
        # Caveats before the numbers: the first may say the plan is for another country.
        for warning in result.warnings:
            console.print(f"[yellow]warning:[/] {warning}")
        for check in result.reference_checks:
            what = "excluded" if check.action == "excluded" else "kept as implementation"
            console.print(f"[cyan]already exists:[/] {check.id} {what}: {check.reason}")
        chosen = Table(title="Chosen initiatives")
        for column in (
            "start",
            "end",
            "id",
            "partners",
            "benefit M USD",
            "low–high M USD",
            "required",
        ):
            chosen.add_column(column)
        for item in result.chosen:
            chosen.add_row(
                str(item.start_year),
                str(item.completion_year),
                item.id,
                ", ".join(item.partners),
                f"{item.benefit_usd / 1e6:,.1f}",
                f"{item.benefit_low_usd / 1e6:,.1f}–{item.benefit_high_usd / 1e6:,.1f}",
                "yes" if item.required else "",
            )
        console.print(chosen)
        if result.robustness is not None:
            r = result.robustness
            console.print(
                f"Robustness: re-solved with every benefit figure at its low end "
                f"({r.objective_low_usd / 1e6:,.1f} M USD) and at its high end "
                f"({r.objective_high_usd / 1e6:,.1f} M USD; assumed figures "
                f"±{percent(r.spread, 0)}): "
                f"{r.summary(len(result.chosen))}"
            )
        usage = Table(title="Resources per year (used / limit)")
        for column in ("year", "staff-months", "budget USD", "+1 staff-month: re-solve", "LP dual"):
            usage.add_column(column, justify="right")
        shadows = {s.year: s for s in result.shadow_staff_month}
        for use in result.usage:
            shadow = shadows.get(use.year)
            usage.add_row(
                str(use.year),
                f"{use.staff_months_used:g} / {use.staff_months_limit:g}",
                f"{use.budget_usd_used:,.0f} / {use.budget_usd_limit:,.0f}",
                f"{shadow.resolve_gain_usd:,.0f}" if shadow else "",
                f"{shadow.lp_dual_usd:,.0f}" if shadow and shadow.lp_dual_usd is not None else "",
            )
        console.print(usage)
        console.print("Not chosen: " + (", ".join(result.not_chosen) or "none"))
        console.print("Binding: " + ("; ".join(b.description for b in result.binding) or "none"))
        if result.budget_plus_10 is not None:
            w = result.budget_plus_10
            console.print(
                f"Budget +10 %: benefit +{w.gain_usd / 1e6:,.1f} M USD; entering "
                f"{', '.join(w.entered) or 'nothing'}; leaving "
                f"{', '.join(w.left) or 'nothing'}; rescheduled "
                f"{', '.join(w.moved) or 'nothing'}"
            )
        console.print(f"Data: {result.data_source}")
        console.print(
            f"{len(result.assumptions)} figures in the catalogue are assumptions to "
            "replace (see --format json, field `assumptions`)."
        )

    @app.command("plan-template")
    def plan_template(
        out: Annotated[
            Path,
            typer.Argument(
                metavar="OUT.yaml", help="The catalogue file to write; it must not exist."
            ),
        ],
        home: Annotated[
            str | None,
            typer.Option(
                parser=country_code,
                help="Home country, ISO code (THA, TH or 764); default HAIQUAN_HOME_COUNTRY.",
            ),
        ] = None,
        input: Annotated[
            Path | None,
            typer.Option(
                "--input",
                "-i",
                help="Trade file to take home's largest partners from; default: "
                "the warehouse, then the example data in HAIQUAN_SHARED_DATA.",
            ),
        ] = None,
        input_format: InputFormatOption = None,
    ) -> None:
        """Write a starting initiatives catalogue for any administration (every figure an
        assumption; partners: home's largest, or placeholders), to edit and pass to plan."""
        from haiquan.priorities.service import start_catalogue

        output_path(out, "OUT.yaml")
        written = start_catalogue(out, home=home, input=input, format=input_format)
        catalogue = written.catalogue
        console.print(
            f"Wrote {written.path}: a starting catalogue for {catalogue.home}, "
            f"{len(catalogue.initiatives)} initiatives with "
            f"{', '.join(written.partners)}."
        )
        console.print(f"  • partners: {written.partners_note}")
        console.print(
            f"  • {len(catalogue.assumptions())} figures are assumptions to replace "
            "with your own estimates"
        )
        console.print(f"  • then: haiquan plan --catalogue {written.path}")
