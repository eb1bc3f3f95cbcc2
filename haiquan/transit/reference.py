"""ACTS reference data: which states take part and since when, customs offices and crossings.

One YAML file (``haiquan/transit/data/acts.yaml``) read once, validated here; every fact carries a
source, every office whose reference number is made up for the demo says ``synthetic``, and the
rules the ACTS texts leave open are marked as assumptions. A route is checked against this data
before anything is stored, so an unknown office or a state outside ACTS is refused up front.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from haiquan import yaml_text
from haiquan.errors import CatalogueError, UnknownCodeError, ValidationError

__all__ = [
    "ActsReference",
    "BorderCrossing",
    "CustomsOffice",
    "ParticipatingState",
    "Rule",
    "acts_reference",
    "load_reference",
]

ROLES = frozenset({"departure", "exit", "transit", "destination"})


@dataclass(frozen=True)
class ParticipatingState:
    """A member state running ACTS, live from a date."""

    country: str
    live_from: dt.date
    source: str
    note: str | None = None

    def live_on(self, day: dt.date) -> bool:
        return day >= self.live_from


@dataclass(frozen=True)
class CustomsOffice:
    """A customs office by its reference number (``[A-Z]{2}[A-Z0-9]{6}``) and its roles."""

    reference: str
    name: str
    country: str
    locode: str
    roles: frozenset[str]
    synthetic: bool
    source: str


@dataclass(frozen=True)
class BorderCrossing:
    """Where goods leave one state (exit office) and enter the next (office of transit)."""

    code: str
    name: str
    exit_office: str
    entry_office: str
    source: str


@dataclass(frozen=True)
class Rule:
    """A number the ACTS texts leave to each administration, with why it is what it is."""

    value: float
    assumption: str


@dataclass(frozen=True)
class ActsReference:
    """Everything in ``acts.yaml``, looked up by code."""

    states: dict[str, ParticipatingState]
    offices: dict[str, CustomsOffice]
    crossings: tuple[BorderCrossing, ...]
    rules: dict[str, Rule]

    def office(self, reference: str, *, role: str | None = None) -> CustomsOffice:
        """The office with this reference number (and this role), or a clear error."""
        found = self.offices.get(reference.strip().upper())
        if found is None:
            raise UnknownCodeError(
                f"unknown customs office {reference!r}",
                expected="an ACTS office reference number, one of "
                + ", ".join(sorted(self.offices)),
                got=repr(reference),
                fix="use an office listed by `haiquan transit offices`",
            )
        if role is not None and role not in found.roles:
            raise ValidationError(
                f"office {found.reference} cannot act as office of {role}",
                expected=f"an office with the role {role}",
                got=f"{found.reference} ({found.name}) with roles {', '.join(sorted(found.roles))}",
                fix=f"choose an office of {role} (`haiquan transit offices --role {role}`)",
            )
        return found

    def state(self, country: str, *, on: dt.date | None = None) -> ParticipatingState:
        """The participating state, live on ``on`` (default today), or a clear error."""
        day = on or dt.date.today()
        found = self.states.get(country)
        if found is None or not found.live_on(day):
            raise ValidationError(
                f"{country} does not take part in ACTS"
                + (f" on {day.isoformat()}" if found else ""),
                expected="a route through participating states: "
                + ", ".join(f"{s.country} (from {s.live_from.isoformat()})"
                            for s in self.states.values()),
                got=country,
                fix="route the goods through participating states only, or use each "
                "state's national transit procedure",
            )
        return found

    def crossing_into(self, entry_office: str) -> BorderCrossing | None:
        """The crossing whose entry side is this office of transit (None when not recorded)."""
        for crossing in self.crossings:
            if crossing.entry_office == entry_office:
                return crossing
        return None

    def rule(self, name: str) -> float:
        return self.rules[name].value


def _bad(label: str, where: str, problem: str) -> CatalogueError:
    return CatalogueError(
        f"the ACTS reference file {label} is wrong at {where}",
        expected="states, offices and crossings as in haiquan/transit/data/acts.yaml",
        got=problem,
        fix=f"correct {where} in {label}",
    )


def _require(entry: dict[str, Any], keys: tuple[str, ...], label: str, where: str) -> None:
    missing = [k for k in keys if not entry.get(k)]
    if missing:
        raise _bad(label, where, "missing " + ", ".join(missing))


def load_reference(path: Path | None = None) -> ActsReference:
    """Read and check an ACTS reference file (default: the one shipped with haiquan).

    Raises:
        CatalogueError: not YAML, a missing field or source, an unknown role, an office of a
            state that does not take part, or a crossing naming an unknown office.
    """
    if path is None:
        text = resources.files("haiquan.transit.data").joinpath("acts.yaml").read_text("utf-8")
        label = "haiquan/transit/data/acts.yaml"
    else:
        text, label = path.read_text(encoding="utf-8"), str(path)
    data = yaml_text.parse(text, source=label, what="the ACTS reference file",
                           expected="states, offices and crossings as in "
                           "haiquan/transit/data/acts.yaml")
    if not isinstance(data, dict):
        raise _bad(label, "the file", "not a mapping")
    states: dict[str, ParticipatingState] = {}
    for i, entry in enumerate(data.get("states") or []):
        _require(entry, ("country", "live_from", "source"), label, f"states[{i}]")
        if not isinstance(entry["live_from"], dt.date):
            raise _bad(label, f"states[{i}].live_from", f"{entry['live_from']!r} is not a date")
        states[entry["country"]] = ParticipatingState(
            entry["country"], entry["live_from"], entry["source"], entry.get("note"))
    offices: dict[str, CustomsOffice] = {}
    for i, entry in enumerate(data.get("offices") or []):
        where = f"offices[{i}]"
        _require(entry, ("reference", "name", "country", "locode", "roles", "source"),
                 label, where)
        roles = frozenset(entry["roles"])
        if not roles <= ROLES:
            raise _bad(label, where, f"unknown roles {sorted(roles - ROLES)}")
        if entry["country"] not in states:
            raise _bad(label, where, f"{entry['country']} is not a participating state")
        if "synthetic" not in entry:
            raise _bad(label, where, "synthetic: true or false is required")
        offices[entry["reference"]] = CustomsOffice(
            entry["reference"], entry["name"], entry["country"], entry["locode"], roles,
            bool(entry["synthetic"]), entry["source"])
    crossings = []
    for i, entry in enumerate(data.get("crossings") or []):
        where = f"crossings[{i}]"
        _require(entry, ("code", "name", "exit_office", "entry_office", "source"), label, where)
        for side in ("exit_office", "entry_office"):
            if entry[side] not in offices:
                raise _bad(label, where, f"{side} {entry[side]} is not an office in the file")
        crossings.append(BorderCrossing(entry["code"], entry["name"], entry["exit_office"],
                                        entry["entry_office"], entry["source"]))
    rules = {}
    for name, entry in (data.get("rules") or {}).items():
        _require(entry, ("value", "assumption"), label, f"rules.{name}")
        rules[name] = Rule(float(entry["value"]), entry["assumption"])
    return ActsReference(states, offices, tuple(crossings), rules)


@cache
def acts_reference() -> ActsReference:
    """The shipped reference data, read once per process."""
    return load_reference()
