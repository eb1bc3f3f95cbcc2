"""Reading the agreements catalogue: the file through :func:`haiquan.rules.load_rules`, then
the rules between fields that a type cannot say (known codes, dates in order, notes for what is
unverified, sides that split the parties, ``under`` naming an entry of the file).

Kept apart from :mod:`haiquan.reference.agreements`, which answers questions about the entries.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from haiquan.errors import CatalogueError, UnknownCodeError
from haiquan.reference.agreements import Agreement
from haiquan.reference.countries import country, country_groups
from haiquan.rules import entry_error, load_rules

__all__ = ["read_agreements"]


def _problem(
    path: Path | str, index: int, item: Agreement, what: str, *, expected: str, got: str, fix: str
) -> CatalogueError:
    return entry_error(
        path, "agreements", index, item.id, what, expected=expected, got=got, fix=fix
    )


def _check(path: Path | str, index: int, item: Agreement) -> None:
    """The rules pydantic's types cannot say: known codes, date order, notes."""
    if not item.source.strip():
        raise _problem(
            path,
            index,
            item,
            "the source is empty",
            expected="the official source",
            got="''",
            fix="name the source: WTO RTA database, ASEAN Secretariat, MOIT ...",
        )
    if len(item.parties) < 2:
        raise _problem(
            path,
            index,
            item,
            "an agreement needs two parties or more",
            expected="at least two parties",
            got=str(len(item.parties)),
            fix="list every party by ISO alpha-3 code",
        )
    groups = country_groups()
    for party in item.parties:
        if party.country in groups:
            continue
        try:
            known = country(party.country).alpha_3
        except UnknownCodeError:
            known = None
        if known != party.country:
            raise _problem(
                path,
                index,
                item,
                "a party is not a known country or group",
                expected="an ISO 3166-1 alpha-3 code (VNM) or a group ("
                + ", ".join(sorted(groups))
                + ")",
                got=repr(party.country),
                fix=f"write {known}" if known else "correct the code",
            )
        if party.in_force and party.until and party.until <= party.in_force:
            raise _problem(
                path,
                index,
                item,
                f"party {party.country} stops before it starts",
                expected="until after in_force",
                got=f"in_force {party.in_force}, until {party.until}",
                fix="correct one of the two dates",
            )
        if item.signed and party.in_force and party.in_force < item.signed:
            raise _problem(
                path,
                index,
                item,
                f"party {party.country} applies it before signature",
                expected=f"in_force on or after signed ({item.signed})",
                got=str(party.in_force),
                fix="correct the date",
            )
        if not party.verified and not party.note:
            raise _problem(
                path,
                index,
                item,
                f"party {party.country} is unverified without a note",
                expected="a note saying what is not checked",
                got="no note",
                fix="add a note, or set verified: true once checked",
            )
    if item.sides is not None:
        _check_sides(path, index, item, item.sides)
    dates = [
        ("signed", item.signed),
        ("provisional_from", item.provisional_from),
        ("in_force", item.in_force),
        ("ends", item.ends),
    ]
    known_dates = [(name, day) for name, day in dates if day is not None]
    for (first, day1), (second, day2) in zip(known_dates, known_dates[1:], strict=False):
        if day2 < day1 or (second == "ends" and day2 == day1):
            raise _problem(
                path,
                index,
                item,
                "dates are in the wrong order",
                expected="signed <= provisional_from <= in_force < ends",
                got=f"{first} {day1}, {second} {day2}",
                fix=f"correct {first} or {second}",
            )
    if not item.verified and not item.note:
        raise _problem(
            path,
            index,
            item,
            "unverified without a note",
            expected="a note saying what is not checked",
            got="no note",
            fix="add a note, or set verified: true once checked",
        )


def _check_sides(
    path: Path | str, index: int, item: Agreement, sides: tuple[tuple[str, ...], ...]
) -> None:
    """Each party on exactly one of the two sides, and nothing else named there."""
    parties = [party.country for party in item.parties]
    named = [code for side in sides for code in side]
    strangers = sorted(set(named) - set(parties))
    twice = sorted({code for code in named if named.count(code) > 1})
    left_out = [code for code in parties if code not in named]
    if strangers or twice or left_out or not all(sides):
        got = "; ".join(
            text
            for text in (
                "not parties: " + ", ".join(strangers) if strangers else "",
                "on both sides or twice: " + ", ".join(twice) if twice else "",
                "on no side: " + ", ".join(left_out) if left_out else "",
                "an empty side" if not all(sides) else "",
            )
            if text
        )
        raise _problem(
            path,
            index,
            item,
            "the sides do not split the parties in two",
            expected="two non-empty lists of party codes, each party on exactly one side "
            "(e.g. the ASEAN members, and the partner)",
            got=got,
            fix="list every party once under sides, or remove sides when any two parties "
            "are covered",
        )


def _read(path: Path | None) -> tuple[str, str]:
    if path is None:
        data = resources.files("haiquan.reference.data").joinpath("agreements.yaml")
        return "haiquan/reference/data/agreements.yaml", data.read_text(encoding="utf-8")
    try:
        return str(path), Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise CatalogueError(
            "cannot read the agreements file",
            expected="a readable YAML file",
            got=f"{path} ({error.strerror})",
            fix="check HAIQUAN_AGREEMENTS_FILE or the path given",
        ) from error


def _bare_parties(raw: Any) -> Any:
    """A party written as a bare code (``- VNM``) is a party with no dates of its own."""
    if isinstance(raw, dict) and isinstance(raw.get("parties"), list):
        return {
            **raw,
            "parties": [p if isinstance(p, dict) else {"country": p} for p in raw["parties"]],
        }
    return raw


@cache
def read_agreements(path: Path | None) -> tuple[Agreement, ...]:
    name, text = _read(path)
    items = load_rules(
        name,
        Agreement,
        key="agreements",
        what="agreements catalogue",
        docs="docs/reference-data.md",
        text=text,
        prepare=_bare_parties,
    ).entries
    for index, item in enumerate(items):
        _check(name, index, item)
    ids = {item.id for item in items}
    for index, item in enumerate(items):
        if item.under is not None and item.under not in ids:
            raise _problem(
                name,
                index,
                item,
                "'under' names an agreement that is not in the file",
                expected="the id of another entry",
                got=repr(item.under),
                fix="correct the id or remove 'under'",
            )
    return tuple(items)
