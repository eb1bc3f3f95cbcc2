"""Inspection capacity and channel rates per customs office and day, as dated data.

Rates alone say nothing of what an office can do: a broad alert can ask for more physical
inspections in a day than the office has teams for. Capacity rules say, per office, how many
physical inspections (red) and documentary checks (yellow) it can make in a day, optionally its
own channel rates, and to whom an overflow is escalated. They are dated rule sets read by the
one rules loader (:mod:`haiquan.risk.policy`), from ``HOME/risk/capacity.yaml`` (the
administration's own file, see docs/risk.md "Capacity per office") or, when that file is absent,
the packaged default, which sets no limit.

When red asks for more than an office's capacity on a day, the places go in this order: partner
alerts, then targeting profiles, then random selections (so the estimate of the fraud rate stays
unbiased), then the risk-ranked declarations, each by score, highest first; the rest is **left
out** — sent to yellow (a documentary check) with a note naming the office, the day, the
capacity, the demand and whom to escalate to, and listed in the scoring report. Yellow beyond
its capacity goes to blue (post-clearance audit) the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field

from haiquan.risk.policy import ChannelRates, _Dated, _load, _Strict
from haiquan.settings import get_settings

__all__ = [
    "CapacityRules",
    "LeftOut",
    "OfficeCapacity",
    "apply_capacity",
    "default_capacity_file",
    "load_capacity_rules",
    "office_groups",
]


class OfficeCapacity(_Strict):
    """What one office can do in a day, and its own rates (else the rule set's)."""

    red_per_day: int | None = Field(default=None, ge=0, description="physical inspections")
    yellow_per_day: int | None = Field(default=None, ge=0, description="documentary checks")
    channels: ChannelRates | None = None
    escalate_to: str | None = Field(default=None, min_length=1)


class CapacityRules(_Dated):
    """One dated capacity rule set: a default for every office, and offices of their own."""

    escalate_to: str = Field(min_length=1, description="who decides on an overflow")
    default: OfficeCapacity = OfficeCapacity()
    offices: dict[str, OfficeCapacity] = {}

    def office(self, code: str) -> OfficeCapacity:
        return self.offices.get(code, self.default)

    def escalation(self, code: str) -> str:
        return self.office(code).escalate_to or self.escalate_to


def default_capacity_file() -> Path:
    """The administration's capacity file: ``HOME/risk/capacity.yaml``."""
    return get_settings().home / "risk" / "capacity.yaml"


def load_capacity_rules(path: Path | None = None, on: dt.date | None = None) -> CapacityRules:
    """The capacity rule set valid on ``on``: from ``path``, else :func:`default_capacity_file`
    when it exists, else the packaged default (no limit)."""
    if path is None and default_capacity_file().is_file():
        path = default_capacity_file()
    return _load("capacity", CapacityRules, path, on)


def office_groups(
    offices: np.ndarray, rules: CapacityRules, rates: ChannelRates
) -> dict[str, tuple[np.ndarray, ChannelRates]] | None:
    """Rows per office that has rates of its own (the others together at ``rates``), for
    :func:`~haiquan.risk.selectivity.route_columns`; ``None`` when no office has its own."""
    own = {code: o.channels for code, o in rules.offices.items() if o.channels is not None}
    if rules.default.channels is not None:
        rates = rules.default.channels
    if not own:
        return None if rules.default.channels is None else {"*": (np.arange(len(offices)), rates)}
    text = np.asarray(offices, dtype=object).astype(str)
    groups: dict[str, tuple[np.ndarray, ChannelRates]] = {}
    rest = np.ones(len(text), dtype=bool)
    for code, office_rates in own.items():
        mine = text == code
        if mine.any():
            groups[code] = (np.flatnonzero(mine), office_rates)  # type: ignore[arg-type]
            rest &= ~mine
    groups["*"] = (np.flatnonzero(rest), rates)
    return groups


@dataclass(frozen=True)
class LeftOut:
    """An office and day where a channel asked for more than the office's capacity."""

    office: str
    date: dt.date
    channel: str
    capacity: int
    asked: int
    left_out: int
    moved_to: str
    escalate_to: str

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "date": str(self.date)}


_PRIORITY = {"alert": 0, "profile": 1, "random": 2, "risk": 3, "none": 4}
_DOWN = {"red": "yellow", "yellow": "blue"}
_WHAT = {"red": "physical inspection", "yellow": "documentary check"}


def apply_capacity(
    routed: Mapping[str, np.ndarray],
    offices: Any,
    dates: Any,
    scores: np.ndarray,
    rules: CapacityRules,
) -> tuple[dict[str, np.ndarray], list[LeftOut]]:
    """Keep each office's red and yellow within its capacity per day (see the module).

    Args:
        routed: :func:`~haiquan.risk.selectivity.route_columns`' arrays (``channel``,
            ``selection``, ``notes`` are used).
        offices, dates: per declaration, its office and lodgement date.
        scores: the scores the places are ranked by (after AEO benefits).
        rules: the capacity rule set in force.

    Returns:
        ``routed`` with ``channel`` and ``notes`` updated and a boolean ``left_out``, and one
        :class:`LeftOut` per office, day and channel over capacity.
    """
    channel = np.asarray(routed["channel"], dtype=object).copy()
    notes = np.asarray(routed["notes"], dtype=object).copy()
    n = len(channel)
    left = np.zeros(n, dtype=bool)
    report: list[LeftOut] = []
    office = np.asarray(pd.Series(np.asarray(offices, dtype=object)).fillna("").astype(str))
    day = np.asarray(dates).astype("datetime64[D]")
    limited = {code for code, o in rules.offices.items()
               if o.red_per_day is not None or o.yellow_per_day is not None}
    default_limited = rules.default.red_per_day is not None or (
        rules.default.yellow_per_day is not None)
    if not limited and not default_limited:
        return {**routed, "channel": channel, "notes": notes, "left_out": left}, report
    priority = np.array([_PRIORITY.get(s, 4) for s in routed["selection"]], dtype=np.int64)
    for name in ("red", "yellow"):
        rows = np.flatnonzero(channel == name)
        if not len(rows):
            continue
        table = pd.DataFrame({"row": rows, "office": office[rows], "day": day[rows],
                              "priority": priority[rows], "score": -np.asarray(scores)[rows]})
        # a declaration moved down from red outranks those risk-ranked into yellow
        table.loc[left[rows], "priority"] = -1
        table = table.sort_values(["office", "day", "priority", "score", "row"], kind="stable")
        per_day = f"{name}_per_day"
        caps = table["office"].map(
            lambda code, per_day=per_day: getattr(rules.office(code), per_day)).astype("float")
        place = table.groupby(["office", "day"], sort=False).cumcount().to_numpy()
        over = caps.notna().to_numpy() & (place >= caps.fillna(np.inf).to_numpy())
        if not over.any():
            continue
        moved = table["row"].to_numpy()[over]
        channel[moved] = _DOWN[name]
        left[moved] = True
        asked = table.groupby(["office", "day"], sort=False).size()
        dropped = table[over].groupby(["office", "day"], sort=False).size()
        for (code, when), count in dropped.items():
            cap = int(getattr(rules.office(code), f"{name}_per_day"))
            entry = LeftOut(office=code, date=pd.Timestamp(when).date(), channel=name,
                            capacity=cap, asked=int(asked[(code, when)]), left_out=int(count),
                            moved_to=_DOWN[name], escalate_to=rules.escalation(code))
            report.append(entry)
            note = (f"left out of {name} ({_WHAT[name]}): "
                    f"office {code} can do {cap} on {entry.date}, {entry.asked} asked; sent to "
                    f"{entry.moved_to}; escalate to {entry.escalate_to}")
            rows_here = table["row"].to_numpy()[over & (table["office"].to_numpy() == code)
                                                & (table["day"].to_numpy() == when)]
            for i in rows_here.tolist():
                notes[i] = f"{notes[i]}; {note}" if notes[i] else note
    return {**routed, "channel": channel, "notes": notes, "left_out": left}, report
