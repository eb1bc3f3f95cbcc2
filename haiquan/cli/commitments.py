"""``haiquan commitments ...``: catalogues, status records, rates, deadlines, reports, exports.

Each command parses its options, calls one function of :mod:`haiquan.commitments` and prints the
result; errors are translated by :func:`haiquan.cli.main`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from haiquan.cli._console import console
from haiquan.cli._options import day, listed, output_path
from haiquan.cli._output import Column, FormatOption, OutputFormat, emit
from haiquan.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["commitments_app", "register"]

commitments_app = typer.Typer(
    name="commitments",
    help="Track international commitments (WTO TFA, RKC, WCO SAFE, ASEAN): status, rates, reports.",
    no_args_is_help=True,
)

CountryOption = Annotated[
    str | None,
    typer.Option("--country", "-c", help="ISO 3166 code; default HAIQUAN_HOME_COUNTRY."),
]
OnOption = Annotated[
    str | None, typer.Option("--on", help="Reference date YYYY-MM-DD; default today.")
]
KnownOnOption = Annotated[
    str | None,
    typer.Option("--known-on", help="Use only records recorded by this date (YYYY-MM-DD)."),
]


def register(app: typer.Typer) -> None:
    """Mount ``haiquan commitments`` on the root app."""
    app.add_typer(commitments_app, name="commitments")


def _date(value: str | None, option: str) -> dt.date | None:
    return day(value, option)


def _record_expected(field: str) -> str:
    """What ``record`` expects of a field, for its error message."""
    from haiquan.commitments.records import EARLIEST_DATE, LATEST_DATE

    if field.endswith("_date"):
        return f"a date from {EARLIEST_DATE} to {LATEST_DATE}"
    return {
        "category": "--category A, B or C",
        "status": "--status implemented, partially or not_yet",
        "country": "an ISO 3166-1 code (VN, VNM, 704) or a country name",
    }.get(field, "a value a status record accepts")


def _record_fix(field: str, message: str) -> str:
    """How to correct a field ``record`` refused."""
    options = {
        "effective_date": "--effective",
        "indicative_date": "--indicative",
        "definitive_date": "--definitive",
    }
    if field in options:
        return f"check the year of {options[field]}"
    if field == "country":
        return "pass -c with an ISO code such as VNM"
    if field in ("category", "status"):
        return f"pass {_record_expected(field)}"
    return message


def _country(value: str | None) -> str:
    from haiquan.settings import get_settings

    return value or get_settings().home_country


def _is_rate(column: str) -> bool:
    return column == "rate" or column.endswith("_rate")


def _print_frame(
    frame: pd.DataFrame, title: str | None = None, output: OutputFormat = OutputFormat.table
) -> None:
    # Rates are fractions in the library; people read them in per cent, as `rate` prints;
    # counts of units may be fractions of an item (parts, partners): two decimals at most.
    columns = [
        Column(str(c), kind="percent" if _is_rate(str(c)) else "count", right=_is_rate(str(c)))
        for c in frame.columns
    ]
    emit(frame, output, columns=columns, title=title)


@commitments_app.command("catalogues")
def catalogues_command(output: FormatOption = OutputFormat.table) -> None:
    """List the catalogues (packaged and installed)."""
    from haiquan.commitments import list_catalogues

    rows = [
        {
            "id": c.id,
            "title": c.title,
            "method": c.method,
            "groups": len(c.groups),
            "items": len(c.items()),
            "units": c.total_units,
        }
        for c in list_catalogues()
    ]
    emit(
        rows,
        output,
        columns=[Column(k, kind="count") for k in rows[0]] if rows else None,
        title="Commitment catalogues",
    )


@commitments_app.command("show")
def show_command(
    catalogue: Annotated[str, typer.Argument(help="Catalogue id, e.g. wto_tfa.")],
    output: FormatOption = OutputFormat.table,
) -> None:
    """Show a catalogue's items with their sources."""
    from haiquan.commitments import catalogue_items

    frame = catalogue_items(catalogue)
    _print_frame(frame.drop(columns=["catalogue", "group_title"]), catalogue, output)


@commitments_app.command("install-catalogue")
def install_catalogue_command(
    path: Annotated[Path, typer.Argument(help="A catalogue YAML file to validate and install.")],
) -> None:
    """Validate a catalogue and install it for this HAIQUAN_HOME (replacing one with its id)."""
    from haiquan.commitments import install_catalogue

    cat = install_catalogue(path)
    console.print(f"installed catalogue {cat.id}: {len(cat.items())} items")


@commitments_app.command("install-item-list")
def install_item_list_command(
    catalogue: Annotated[str, typer.Argument(help="Catalogue id, e.g. wto_tfa or wco_safe.")],
    path: Annotated[Path, typer.Argument(help="CSV with columns item,part.")],
) -> None:
    """Install the list of an item's parts (TFA notifiable items, SAFE contents) you hold."""
    from haiquan.commitments import install_item_list

    cat = install_item_list(catalogue, path)
    console.print(
        f"installed the item list of {cat.id}: {', '.join(cat.itemised())} now counted part by part"
    )


@commitments_app.command("load-status")
def load_status_command(
    path: Annotated[Path, typer.Argument(help="CSV or YAML status file.")],
) -> None:
    """Validate a status file and append its records to the history (all or nothing)."""
    from haiquan.commitments import load_status_file

    result = load_status_file(path)
    if result.already_loaded:
        console.print(f"{path} was already loaded (load {result.load_id}); nothing stored")
    elif result.rows == 0:
        console.print(f"all {result.unchanged} records of {path} are already stored unchanged")
    else:
        console.print(
            f"stored {result.rows} records from {path} (load {result.load_id})"
            + (f"; {result.unchanged} already stored unchanged" if result.unchanged else "")
        )


@commitments_app.command("load-example")
def load_example_command(
    name: Annotated[str, typer.Argument(help="vietnam-tfa or vietnam-asean.")] = "vietnam-tfa",
) -> None:
    """Load real example records (Viet Nam's known TFA notifications, ASEAN milestones)."""
    from haiquan.commitments import load_example

    result = load_example(name)
    if result.already_loaded:
        console.print(f"example {name} was already loaded; nothing stored")
    else:
        console.print(f"stored {result.rows} records of example {name}")


@commitments_app.command("record")
def record_command(
    catalogue: Annotated[str, typer.Argument(help="Catalogue id.")],
    item: Annotated[str, typer.Argument(help="Item id, e.g. 7.1.")],
    country: CountryOption = None,
    effective: Annotated[
        str | None, typer.Option("--effective", help="Date the state holds from; default today.")
    ] = None,
    category: Annotated[
        str | None, typer.Option(**listed("A", "B", "C"), help="TFA category.")
    ] = None,
    indicative: Annotated[str | None, typer.Option(help="Indicative date YYYY-MM-DD.")] = None,
    definitive: Annotated[str | None, typer.Option(help="Definitive date YYYY-MM-DD.")] = None,
    status: Annotated[
        str | None, typer.Option(**listed("implemented", "partially", "not_yet"), help="Status.")
    ] = None,
    evidence: Annotated[str | None, typer.Option(help="Evidence (document, decree, URL).")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Responsible unit.")] = None,
    source: Annotated[str | None, typer.Option(help="Where this fact comes from.")] = None,
    note: Annotated[str | None, typer.Option(help="Free note.")] = None,
    legal_basis: Annotated[
        str | None, typer.Option("--legal-basis", help="Law, decree or circular it rests on.")
    ] = None,
    practice: Annotated[
        str | None, typer.Option("--practice", help="How it is done today.")
    ] = None,
    gap: Annotated[str | None, typer.Option(help="What is missing against the commitment.")] = None,
    action: Annotated[
        str | None, typer.Option("--action", help="The action planned to close the gap.")
    ] = None,
    target: Annotated[
        str | None, typer.Option("--target", help="Target date of the planned action.")
    ] = None,
    evidence_file: Annotated[
        Path | None,
        typer.Option("--evidence-file", help="A file kept with the record (copied, by hash)."),
    ] = None,
    draft: Annotated[
        bool, typer.Option("--draft", help="A draft: counts only once approved (`approve`).")
    ] = False,
) -> None:
    """Append one status record (the full state of the item from --effective on)."""
    from pydantic import ValidationError as PydanticValidationError

    from haiquan.commitments import StatusRecord, record_status
    from haiquan.commitments.assessment import attach_evidence

    fields: dict[str, object] = {
        "catalogue": catalogue,
        "item": item,
        "country": _country(country),
        "effective_date": _date(effective, "--effective") or dt.date.today(),
        "category": category,
        "indicative_date": _date(indicative, "--indicative"),
        "definitive_date": _date(definitive, "--definitive"),
        "status": status,
        "evidence": evidence,
        "responsible_unit": unit,
        "source": source,
        "note": note,
        "legal_basis": legal_basis,
        "current_practice": practice,
        "gap": gap,
        "planned_action": action,
        "target_date": _date(target, "--target"),
        "approval": "draft" if draft else "approved",
    }
    try:
        record = StatusRecord.model_validate(fields)
    except PydanticValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "record"
        value = first.get("input")
        raise InputError(
            f"bad value for {field}",
            expected=_record_expected(field),
            got=str(value) if isinstance(value, (str, dt.date)) else repr(value),
            fix=_record_fix(field, first["msg"].removeprefix("Value error, ")),
        ) from None
    if evidence_file is not None:
        # Validated first, copied second: a bad record must not leave a file behind.
        record = record.model_copy(update={"evidence_file": attach_evidence(evidence_file)})
    result = record_status(record)
    console.print(
        f"recorded {catalogue} {item} for {record.country} from {record.effective_date}"
        f" (load {result.load_id})"
        + (" as a draft: it counts once approved (`haiquan commitments approve`)" if draft else "")
    )


@commitments_app.command("approve")
def approve_command(
    catalogue: Annotated[str, typer.Argument(help="Catalogue id.")],
    item: Annotated[str, typer.Argument(help="Item id (or part, or range) of the draft.")],
    effective: Annotated[str, typer.Option("--effective", help="The draft's effective date.")],
    by: Annotated[str, typer.Option("--by", help="Who approves (name or post).")],
    country: CountryOption = None,
) -> None:
    """Approve a draft self-assessment record so that it counts."""
    from haiquan.commitments.assessment import approve_record

    day = _date(effective, "--effective")
    assert day is not None  # a required option
    result = approve_record(catalogue, item, _country(country), day, approved_by=by)
    console.print(f"approved {catalogue} {item} from {day} (load {result.load_id})")


@commitments_app.command("drafts")
def drafts_command(
    catalogue: Annotated[str | None, typer.Option(help="One catalogue; default all.")] = None,
    country: CountryOption = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Draft records waiting for approval."""
    from haiquan.commitments.assessment import drafts
    from haiquan.commitments.records import records_frame

    waiting = drafts(catalogue, _country(country))
    if not waiting and output is OutputFormat.table:
        console.print("No draft waits for approval.")
        return
    frame = records_frame(waiting)
    _print_frame(frame.dropna(axis=1, how="all"), "Drafts waiting for approval", output)


@commitments_app.command("history")
def history_command(
    catalogue: Annotated[str | None, typer.Option(help="Catalogue id.")] = None,
    item: Annotated[str | None, typer.Option(help="Item id.")] = None,
    country: CountryOption = None,
    known_on: KnownOnOption = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Show the append-only history of status records."""
    from haiquan.commitments import status_history

    frame = status_history(
        catalogue=catalogue,
        item=item,
        country=_country(country),
        known_on=_date(known_on, "--known-on"),
    )
    columns = [
        "seq",
        "catalogue",
        "item",
        "effective_date",
        "category",
        "indicative_date",
        "definitive_date",
        "status",
        "responsible_unit",
        "recorded_at",
    ]
    if frame.empty and output is OutputFormat.table:
        asked = ", ".join(
            f"{name} {value}"
            for name, value in (("catalogue", catalogue), ("item", item), ("country", country))
            if value
        )
        console.print(
            f"No status record{' for ' + asked if asked else ''} yet: "
            "`haiquan commitments record` or `load-status` adds them.",
            markup=False,
        )
        return
    _print_frame(
        frame[columns] if len(frame) else frame.reindex(columns=columns), "Status history", output
    )


@commitments_app.command("report")
def report_command(
    catalogue: Annotated[str, typer.Argument(help="Catalogue id.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="report.html or report.pdf.")],
    country: CountryOption = None,
    on: OnOption = None,
    months: Annotated[int, typer.Option(help="Months ahead for the deadlines list.")] = 6,
    known_on: KnownOnOption = None,
    language: Annotated[
        str,
        typer.Option(
            "--language", "-l", **listed("en", "vi"), help="English or the Vietnamese edition."
        ),
    ] = "en",
) -> None:
    """Write the one-page report (HTML, or PDF through a local headless Chromium)."""
    from haiquan.commitments import write_report

    path = write_report(
        output_path(out, "--out"),
        catalogue,
        _country(country),
        _date(on, "--on"),
        months=months,
        known_on=_date(known_on, "--known-on"),
        language=cast(Any, language),
    )
    console.print(f"wrote {path}")


@commitments_app.command("export")
def export_command(
    kind: Annotated[str, typer.Argument(help="state, history, groups, deadlines or timeline.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV file to write.")],
    catalogue: Annotated[str | None, typer.Option(help="Catalogue id.")] = None,
    country: CountryOption = None,
    on: OnOption = None,
    months: Annotated[int, typer.Option(help="Months ahead (deadlines).")] = 6,
    known_on: KnownOnOption = None,
) -> None:
    """Export a table as CSV."""
    from haiquan.commitments import export_csv
    from haiquan.commitments.report import ExportKind

    # The library checks the kind and names the valid ones; the CLI only passes it on.
    path = export_csv(
        output_path(out, "--out"),
        cast(ExportKind, kind),
        catalogue,
        _country(country),
        _date(on, "--on"),
        months=months,
        known_on=_date(known_on, "--known-on"),
    )
    console.print(f"wrote {path}")


# The rates, comparisons, timelines and deadlines register themselves on commitments_app.
from haiquan.cli import commitments_rates as _rates  # noqa: E402,F401
