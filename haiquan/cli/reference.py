"""``haiquan show country|hs|hs-search|agreements``: look-ups in the reference data."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from haiquan.cli._console import console
from haiquan.cli._options import day as parse_day
from haiquan.cli._output import Column, FormatOption, OutputFormat, emit, side_console
from haiquan.cli._show import show_app

if TYPE_CHECKING:
    from haiquan.reference import Agreement

__all__ = ["register"]

_LEVELS = {2: "chapter", 4: "heading", 6: "subheading", 8: "national line", 10: "national line"}

OnOption = Annotated[
    str | None,
    typer.Option("--on", help="The day to ask about (YYYY-MM-DD); default today."),
]


class AgreementKind(StrEnum):
    """The kinds ``show agreements --kind`` filters on (those of the agreements catalogue)."""

    fta = "fta"
    aeo_mra = "aeo_mra"
    eco_exchange = "eco_exchange"
    single_window = "single_window"


def _day(on: str | None) -> dt.date:
    return parse_day(on, "--on") or dt.date.today()


def show_country(
    name_or_code: Annotated[str, typer.Argument(help="ISO code (VN, VNM, 704) or a name.")],
    on: OnOption = None,
) -> None:
    """Show a country's ISO codes, names and the groups it belongs to."""
    from haiquan.reference import find_country, groups_of

    found = find_country(name_or_code)
    day = _day(on)
    console.print(f"[bold]{escape(found.name)}[/]")
    if found.official_name:
        console.print(f"  official name  {escape(found.official_name)}")
    console.print(f"  alpha-2        {found.alpha_2}")
    console.print(f"  alpha-3        {found.alpha_3}")
    console.print(f"  numeric        {found.numeric}")
    groups = ", ".join(groups_of(found.alpha_3, day)) or "none"
    console.print(f"  groups on {day}  {groups}")


def show_hs(
    code: Annotated[str, typer.Argument(help="HS code as digits: 84, 8471, 847130.")],
) -> None:
    """Show an HS code: description, section, parent, and the codes under it."""
    from haiquan.reference import hs_children, hs_code

    found = hs_code(code)
    console.print(f"[bold]{found.code}[/] ({_LEVELS[found.level]}) {escape(found.description)}")
    console.print(f"  section  {found.section} {escape(found.section_name)}")
    console.print(f"  chapter  {found.chapter}")
    if found.parent:
        console.print(f"  parent   {found.parent}")
    if found.note:
        console.print(f"  note     {escape(found.note)}")
    children = hs_children(found.code)
    if children:
        table = Table(title=f"{len(children)} codes under {found.code}")
        table.add_column("code")
        table.add_column("description")
        for child in children:
            table.add_row(child.code, child.description)
        console.print(table)


def show_hs_search(
    text: Annotated[str, typer.Argument(help="Words of the description, or leading digits.")],
    level: Annotated[int | None, typer.Option(help="Only codes of 2, 4 or 6 digits.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many results.")] = 20,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Find HS codes by words in their description."""
    from haiquan.reference import search_hs

    found = search_hs(text, level=level, limit=limit)
    if not found and output is OutputFormat.table:
        console.print(f"no HS code matches {escape(text)!r}")
        return
    rows = [
        {"code": r.code, "level": _LEVELS[r.level], "description": r.description} for r in found
    ]
    emit(
        rows,
        output,
        columns=[Column("code"), Column("level"), Column("description")],
        title=f"HS codes matching {escape(text)!r}",
    )


def _agreement_rows(
    items: list[Agreement], country: str, day: dt.date, output: OutputFormat
) -> list[dict[str, object]]:
    table = output is OutputFormat.table
    return [
        {
            "id": item.id,
            "kind": item.kind,
            "name": item.name,
            "signed": (str(item.signed or "") if table else item.signed),
            "applies": (
                ("yes" if item.applies_to(country, day) else "not yet / no longer")
                if table
                else item.applies_to(country, day)
            ),
            "verified": ("yes" if item.verified else "[yellow]no — see note[/]")
            if table
            else item.verified,
        }
        for item in items
    ]


def show_agreements(
    partner: Annotated[
        str | None, typer.Option(help="Partner ISO code: show the cooperation flags with it.")
    ] = None,
    country: Annotated[
        str | None, typer.Option(help="Whose agreements (ISO code); HAIQUAN_HOME_COUNTRY.")
    ] = None,
    on: OnOption = None,
    kind: Annotated[AgreementKind | None, typer.Option(help="Only one kind.")] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Also list agreements signed but not applying that day.")
    ] = False,
    output: FormatOption = OutputFormat.table,
) -> None:
    """List the agreements in force for a country, or the cooperation flags with a partner."""
    from haiquan.reference import agreements, cooperation_state, find_country
    from haiquan.settings import get_settings

    day = _day(on)
    table = output is OutputFormat.table
    if partner is not None:
        state = cooperation_state(country, partner, day)
        basis = state.basis()
        flags = [
            {
                "flag": name,
                "value": ("yes" if value else "no") if table else value,
                "agreements": ", ".join(basis[name]) if table else basis[name],
            }
            for name, value in state.flags().items()
        ]
        emit(
            flags,
            output,
            columns=[Column("flag"), Column("value"), Column("agreements")],
            title=f"Cooperation {state.home} – {state.partner} on {day}",
        )
        return
    items = agreements(country, day, kind=kind.value if kind else None, include_pending=all_)
    home = find_country(country or get_settings().home_country).alpha_3
    columns = [Column(c) for c in ("id", "kind", "name", "signed", "applies", "verified")]
    rows = _agreement_rows(items, home, day, output)
    emit(rows, output, columns=columns, title=f"Agreements of {home} on {day}")
    for item in items:
        if item.note and not item.verified:
            side_console(output).print(f"[yellow]{item.id}[/]: {escape(item.note)}")


def register(app: typer.Typer) -> None:
    """Add the reference look-ups to ``haiquan show`` and mount the group."""
    show_app.command("country")(show_country)
    show_app.command("hs")(show_hs)
    show_app.command("hs-search")(show_hs_search)
    show_app.command("agreements")(show_agreements)
    if not any(group.name == "show" for group in app.registered_groups):
        app.add_typer(show_app, name="show")
