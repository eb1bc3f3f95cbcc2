"""``haiquan risk outcome`` and ``haiquan risk results``: record what inspections found, and
report hit rates and revenue recovered."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from haiquan.cli._console import console
from haiquan.cli._options import day, listed
from haiquan.cli._output import FormatOption, OutputFormat, emit, percent, side_console

__all__ = ["register"]


def outcome(
    declaration: Annotated[str, typer.Option("--declaration", help="Declaration number.")],
    found: Annotated[
        bool, typer.Option("--found/--not-found", help="Whether the inspection found fraud.")
    ],
    item: Annotated[int, typer.Option("--item", min=1, help="Goods item number.")] = 1,
    duty: Annotated[
        float,
        typer.Option("--duty", min=0, help="Duty and taxes recovered (declaration currency)."),
    ] = 0.0,
    fraud_type: Annotated[
        str | None,
        typer.Option(
            "--fraud-type",
            help="A fraud type in force on the inspection day: the rule set "
            "HAIQUAN_HOME/risk/fraud_types.yaml, else the packaged "
            "haiquan/risk/rules/fraud_types.yaml (undervaluation, misclassification, "
            "public safety, …); an unknown type is refused with the list.",
        ),
    ] = None,
    inspected_on: Annotated[
        str | None, typer.Option("--inspected-on", help="Date of the inspection, YYYY-MM-DD.")
    ] = None,
    officer: Annotated[str | None, typer.Option("--officer", help="Who inspected.")] = None,
    unselected: Annotated[
        bool,
        typer.Option("--unselected", help="Record it although haiquan did not select it."),
    ] = False,
) -> None:
    """Record what the inspection of one goods item found (a later record corrects it)."""
    from pydantic import ValidationError as PydanticValidationError

    from haiquan.errors import InputError
    from haiquan.risk.outcomes import InspectionOutcome, OutcomeStore

    try:
        record = InspectionOutcome.model_validate(
            {
                "declaration_id": declaration,
                "item_number": item,
                "found": found,
                "duty_recovered": duty,
                "fraud_type": fraud_type,
                "inspected_on": day(inspected_on, "--inspected-on"),
                "officer": officer,
            }
        )
    except PydanticValidationError as error:
        first = error.errors()[0]
        raise InputError(
            f"bad inspection outcome: {'.'.join(map(str, first['loc']))}",
            expected=first["msg"].removeprefix("Value error, "),
            got=repr(first.get("input"))[:80],
            fix="correct the option (haiquan risk outcome --help)",
        ) from None
    store = OutcomeStore()
    try:
        stored = store.record(record, require_decision=not unselected)
    finally:
        store.close()
    what = (
        f"fraud found ({stored['fraud_type'] or 'type not given'}"
        f"{', critical' if stored['critical'] else ''}), duty recovered "
        f"{stored['duty_recovered']:,.2f}"
        if found
        else "no fraud found"
    )
    selected = (
        f"selected {stored['channel']} ({stored['selection']})"
        if stored["channel"]
        else "not selected by haiquan"
    )
    console.print(f"recorded {declaration}/{item}: {what}; {selected}", highlight=False)


def results(
    by: Annotated[
        str,
        typer.Option(
            "--by",
            **listed("channel", "office", "rule", "alert", "month"),
            help="What to group the inspections by.",
        ),
    ] = "channel",
    output: FormatOption = OutputFormat.table,
) -> None:
    """Hit rate and duty recovered of inspections, and the fraud rate the random draws
    estimate for all declarations."""
    from haiquan.risk.results import inspection_results

    report = inspection_results(by)  # type: ignore[arg-type]
    say = side_console(output)
    for note in report.notes:
        say.print(note, highlight=False)
    if output is not OutputFormat.table:
        # The rows as the library gives them: counts, hit_rate as a fraction, duty in USD.
        emit(report.table, output)
    elif not report.table.empty:
        table = Table(title=f"inspection results by {by}")
        for column in (
            by,
            "selected",
            "inspected",
            "found",
            "hit rate",
            "critical",
            "duty recovered",
            "awaiting",
        ):
            table.add_column(column, justify="left" if column == by else "right")
        for row in report.table.itertuples(index=False):
            data: dict[str, Any] = row._asdict()
            rate = data["hit_rate"]
            table.add_row(
                str(data[by]),
                str(data["selected"]),
                str(data["inspected"]),
                str(data["found"]),
                "" if rate != rate else percent(rate),
                str(data["critical"]),
                f"{data['duty_recovered']:,.0f}",
                str(data["awaiting"]),
            )
        console.print(table)
    estimate = report.random
    if estimate.estimate is None:
        say.print(
            f"fraud rate among all declarations: no random draw inspected yet "
            f"({estimate.awaiting} drawn, awaiting results)",
            highlight=False,
        )
    else:
        say.print(
            f"fraud rate among all declarations (random draws, unbiased): "
            f"{percent(estimate.estimate)} (95 % interval {percent(estimate.low)}–"
            f"{percent(estimate.high)}, "
            f"{estimate.inspected} inspected, {estimate.awaiting} awaiting results)",
            highlight=False,
        )
    if report.unmatched_outcomes:
        say.print(
            f"{report.unmatched_outcomes} outcomes recorded for goods items no kept "
            "decision selected (--unselected): not in the table",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    """Add the commands to ``haiquan risk``."""
    app.command("outcome")(outcome)
    app.command("results")(results)
