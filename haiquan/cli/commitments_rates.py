"""``haiquan commitments rate|compare|timeline|deadlines``: what a country has implemented,
side by side with others, over time, and what falls due.

Registered on :data:`haiquan.cli.commitments.commitments_app` (imported at the end of that
module); each command calls one function of :mod:`haiquan.commitments` and prints the result.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from haiquan.cli._console import console
from haiquan.cli._options import listed
from haiquan.cli._output import FormatOption, OutputFormat, emit, side_console
from haiquan.cli.commitments import (
    CountryOption,
    KnownOnOption,
    OnOption,
    _country,
    _date,
    _print_frame,
    commitments_app,
)
from haiquan.errors import InputError

__all__: list[str] = []


def _days(days_left: int) -> str:
    """Days to a due date in words: never a negative count of days."""
    if days_left < 0:
        return f"{-days_left:,} days late"
    if days_left == 0:
        return "today"
    return f"in {days_left:,} days"


@commitments_app.command("rate")
def rate_command(
    catalogue: Annotated[str, typer.Argument(help="Catalogue id, e.g. wto_tfa.")],
    country: CountryOption = None,
    on: OnOption = None,
    known_on: KnownOnOption = None,
    by_group: Annotated[bool, typer.Option("--by-group", help="One row per group.")] = False,
    by_item: Annotated[
        bool,
        typer.Option("--by-item", help="One row per item, its parts rolled up (SAFE standards)."),
    ] = False,
    member_type: Annotated[
        str | None,
        typer.Option(**listed("developed", "developing", "ldc"), help="TFA member type."),
    ] = None,
    output: FormatOption = OutputFormat.table,
    as_json: Annotated[
        bool, typer.Option("--json", hidden=True, help="The same as --format json.")
    ] = False,
) -> None:
    """The implementation rate on a date (a projection for a future date)."""
    from haiquan.commitments import implementation_rate, progress_by_group

    if as_json:
        output = OutputFormat.json
    kind = _member_type(member_type)
    day = _date(on, "--on")
    known = _date(known_on, "--known-on")
    if by_item:
        from haiquan.commitments import progress_by_item

        frame = progress_by_item(catalogue, _country(country), day, known_on=known)
        _print_frame(frame, f"{catalogue} by item", output)
        return
    if by_group:
        frame = progress_by_group(
            catalogue, _country(country), day, member_type=kind, known_on=known
        )
        _print_frame(frame, f"{catalogue} by group", output)
        return
    rate = implementation_rate(catalogue, _country(country), day, member_type=kind, known_on=known)
    if output is OutputFormat.json:
        # One rate is one object, with its counts and the official figures beside it.
        typer.echo(json.dumps(rate.model_dump(mode="json")))
        return
    if output is OutputFormat.csv:
        emit([rate.model_dump(mode="json")], output)
        return
    console.print(
        f"{rate.catalogue} {rate.country} on {rate.on}: [bold]{rate.percent} %[/] "
        f"({rate.implemented:g} of {rate.total:g} {rate.unit_label}s)"
        + (" — projection" if rate.projected else "")
    )
    for name, value in rate.counts.items():
        console.print(f"  {name}: {value:g}")
    if rate.note:
        console.print(f"[yellow]note:[/] {rate.note}")
    for seen in rate.official:
        figure = seen.figure
        said = (
            f"{figure.implemented} of {figure.total} {figure.level}s"
            if figure.implemented is not None
            else f"{figure.level}s"
        )
        console.print(
            f"official ({figure.as_of}, {seen.source_title.split(' — ')[0]}): "
            f"[bold]{seen.official_percent} %[/] "
            f"({said}); computed {seen.computed_percent} %, difference "
            f"{seen.difference_points:+g} points: {'; '.join(seen.reasons)}"
        )


def _member_type(value: str | None) -> Any:
    if value is not None and value not in ("developed", "developing", "ldc"):
        raise InputError(
            "bad member type",
            expected="developed, developing or ldc",
            got=repr(value),
            fix="use --member-type developing",
        )
    return value


@commitments_app.command("compare")
def compare_command(
    catalogue: Annotated[str, typer.Argument(help="Catalogue id.")],
    countries: Annotated[
        str | None,
        typer.Option(help="Comma-separated ISO codes; default the ASEAN members."),
    ] = None,
    on: OnOption = None,
    known_on: KnownOnOption = None,
    member_type: Annotated[
        str | None,
        typer.Option(
            "--member-type",
            help="TFA member type per country, e.g. KHM=ldc,VNM=developing (default: the "
            "catalogue's parties, which hold the UN LDC list; else developing).",
        ),
    ] = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Compare countries' rates side by side (ASEAN members by default)."""
    from haiquan.commitments import rates_by_country

    # An option given but empty ("--countries ,") is an empty list, refused by the library.
    codes = None
    if countries is not None:
        codes = [c.strip() for c in countries.split(",") if c.strip()]
    kinds: dict[str, Any] = {}
    for pair in (member_type or "").split(","):
        if not pair.strip():
            continue
        code, _, kind = pair.partition("=")
        if not kind:
            raise InputError(
                "bad --member-type",
                expected="COUNTRY=TYPE pairs such as KHM=ldc,VNM=developing",
                got=repr(pair),
                fix="write each country as CODE=developed, CODE=developing or CODE=ldc",
            )
        kinds[code.strip()] = _member_type(kind.strip())
    frame = rates_by_country(
        catalogue,
        codes,
        _date(on, "--on"),
        known_on=_date(known_on, "--known-on"),
        member_types=kinds,
    )
    _print_frame(frame, f"{catalogue} by country", output)
    unrecorded = frame.loc[frame["records"] == 0, "country"].tolist()
    if unrecorded:
        side_console(output).print(
            f"No records for {', '.join(unrecorded)}: their rates are 0 % because "
            "nothing is recorded, not measured (`haiquan commitments load-status` or "
            "`record`).",
            markup=False,
        )


@commitments_app.command("timeline")
def timeline_command(
    catalogue: Annotated[str, typer.Argument(help="Catalogue id.")],
    country: CountryOption = None,
    known_on: KnownOnOption = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """The rate on each yearly snapshot and change date, with projections."""
    from haiquan.commitments import rate_timeline

    frame = rate_timeline(catalogue, _country(country), known_on=_date(known_on, "--known-on"))
    _print_frame(frame, f"{catalogue} timeline", output)
    if len(frame) and (frame["total"] == 0).all():
        side_console(output).print(
            f"{catalogue} lists no items yet: there is nothing to count, so every "
            "rate reads 0 % (docs/commitments.md, your own catalogue).",
            markup=False,
        )
    elif len(frame) and (frame["implemented"] == 0).all():
        side_console(output).print(
            "No item is implemented on any of these dates: if nothing is recorded "
            "for this country yet, `haiquan commitments history` shows it.",
            markup=False,
        )


@commitments_app.command("deadlines")
def deadlines_command(
    catalogue: Annotated[str | None, typer.Option(help="One catalogue; default all.")] = None,
    country: CountryOption = None,
    on: OnOption = None,
    months: Annotated[int, typer.Option(help="Months ahead to look.")] = 6,
    in_force: Annotated[
        str | None, typer.Option(help="Entry into force for the country (RKC periods).")
    ] = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """What is due in the next N months and what is overdue."""
    from haiquan.commitments import deadlines
    from haiquan.commitments.deadlines import undated_reasons

    frame = deadlines(
        catalogue,
        _country(country),
        _date(on, "--on"),
        months,
        in_force=_date(in_force, "--in-force"),
    )
    shown = frame.drop(columns=["country"])
    if output is OutputFormat.table:
        # Days in words for people; a program reads days_left (negative when overdue).
        shown["days_left"] = [_days(int(d)) for d in shown["days_left"]]
        shown = shown.rename(columns={"days_left": "when"})
    _print_frame(shown, "Deadlines", output)
    start = _date(in_force, "--in-force")
    for reason in undated_reasons(catalogue, _country(country), in_force=start):
        side_console(output).print(f"note: {reason}", markup=False)
