"""What is due soon and what is overdue, relative to a date.

An item's due date is, in order of precedence: its recorded definitive date, its recorded
indicative date, the target date of its planned action (self-assessment), the catalogue's
milestone date (ASEAN), or the end of the owner's implementation
period counted from the convention's entry into force for the country (RKC Article 13: 36 months
for Standards, 60 for Transitional Standards). An item is *overdue* when its due date has passed
and its reported status is not "implemented" — including when no status was reported, which the
``status`` column shows as ``unreported`` so that a missing report is not taken for a missing
implementation.
"""

from __future__ import annotations

import calendar
import datetime as dt

import pandas as pd

from haiquan.commitments.catalogue import Catalogue, list_catalogues, load_catalogue
from haiquan.commitments.status import state_on, status_history
from haiquan.errors import InputError
from haiquan.reference.countries import country as lookup_country
from haiquan.settings import get_settings

__all__ = ["DEADLINE_COLUMNS", "add_months", "deadlines", "due_dates", "undated_reasons"]

DEADLINE_COLUMNS: tuple[str, ...] = (
    "catalogue",
    "country",
    "group",
    "item",
    "title",
    "due",
    "due_kind",
    "status",
    "responsible_unit",
    "days_left",
    "state",
)


#: How far ahead :func:`deadlines` looks at most (a century): nothing further is a deadline, and
#: a few thousand years more would leave Python's calendar (a traceback, not an answer).
_MAX_MONTHS = 1200


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months, clamped to the month's end.

    >>> add_months(dt.date(2020, 1, 31), 1)
    datetime.date(2020, 2, 29)
    """
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_dates(
    catalogue: str | Catalogue,
    country: str,
    on: dt.date | None = None,
    *,
    in_force: dt.date | None = None,
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every item of a catalogue with its due date and where the date comes from.

    ``in_force`` is the date the convention entered into force for the country, when the
    catalogue's ``parties`` block does not give it (needed for RKC implementation periods).
    ``due_kind`` says where each date comes from: ``definitive date``, ``indicative date``,
    ``milestone`` (a target of the catalogue), ``event`` (the day a region-wide event happened)
    or the implementation period.
    """
    cat = load_catalogue(catalogue) if isinstance(catalogue, str) else catalogue
    code = lookup_country(country).alpha_3
    day = on or dt.date.today()
    state = state_on(cat, code, day, records=history)
    party = cat.parties.get(code)
    start = in_force or (party.in_force if party else None)
    periods = cat.implementation_periods.months_by_type if cat.implementation_periods else {}
    events = {item.id for item in cat.items() if item.event}
    dues: list[dt.date | None] = []
    kinds: list[str | None] = []
    for row in state.to_dict(orient="records"):
        due: dt.date | None = None
        kind: str | None = None
        if row["definitive_date"] is not None:
            due, kind = row["definitive_date"], "definitive date"
        elif row["indicative_date"] is not None:
            due, kind = row["indicative_date"], "indicative date"
        elif row.get("target_date") is not None:
            due, kind = row["target_date"], "target date"
        elif row["due"] is not None:
            due, kind = row["due"], "event" if row["item"] in events else "milestone"
        elif start is not None and row["type"] in periods:
            due = add_months(start, periods[row["type"]])
            kind = f"{periods[row['type']]}-month implementation period"
        dues.append(due)
        kinds.append(kind)
    state["due"] = dues
    state["due_kind"] = kinds
    return state


def deadlines(
    catalogue: str | Catalogue | None = None,
    country: str | None = None,
    on: dt.date | None = None,
    months: int = 6,
    *,
    in_force: dt.date | None = None,
    include_overdue: bool = True,
) -> pd.DataFrame:
    """Items due within ``months`` of ``on`` and items overdue on ``on``, soonest first.

    Args:
        catalogue: one catalogue, or every catalogue when ``None``.
        country: ISO 3166 code; the administration's home country when ``None``.
        on: the reference date (today when ``None``).
        months: how far ahead to look.
        in_force: entry into force for the country, for catalogues with implementation periods.
        include_overdue: also list overdue items.

    Returns:
        A DataFrame with :data:`DEADLINE_COLUMNS`; ``days_left`` is negative when overdue.
        Past region-wide events (``due_kind`` ``event``) are not listed: they are not overdue.
    """
    if not 0 <= months <= _MAX_MONTHS:
        raise InputError(
            "months must not be negative" if months < 0 else "months reach too far ahead",
            expected=f"a whole number of months ahead, 0 to {_MAX_MONTHS}",
            got=str(months),
            fix="use --months 6 to look six months ahead",
        )
    code = lookup_country(country or get_settings().home_country).alpha_3
    day = on or dt.date.today()
    horizon = add_months(day, months)
    cats = (
        [load_catalogue(catalogue) if isinstance(catalogue, str) else catalogue]
        if catalogue
        else list_catalogues()
    )
    # One read of the history for every catalogue: opening the warehouse is the costly part.
    history = status_history(catalogue=cats[0].id if len(cats) == 1 else None, country=code)
    frames = [due_dates(cat, code, day, in_force=in_force, history=history) for cat in cats]
    rows = []
    for frame in frames:
        for row in frame.to_dict(orient="records"):
            due = row["due"]
            if due is None or row["status"] == "implemented":
                continue
            overdue = due < day
            if (overdue and not include_overdue) or due > horizon:
                continue
            if overdue and row["due_kind"] == "event":
                continue  # it happened: history, not a task (module docstring)
            rows.append(
                {
                    "catalogue": row["catalogue"],
                    "country": code,
                    "group": row["group"],
                    "item": row["item"],
                    "title": row["title"],
                    "due": due,
                    "due_kind": row["due_kind"],
                    "status": row["status"] or "unreported",
                    "responsible_unit": row["responsible_unit"],
                    "days_left": (due - day).days,
                    "state": "overdue" if overdue else "due",
                }
            )
    result = pd.DataFrame(rows, columns=list(DEADLINE_COLUMNS))
    return result.sort_values(["due", "catalogue", "item"], kind="stable").reset_index(drop=True)


def undated_reasons(
    catalogue: str | Catalogue | None = None,
    country: str | None = None,
    *,
    in_force: dt.date | None = None,
) -> list[str]:
    """Why items that have due dates by rule got none: the party's entry into force is unknown.

    The RKC's implementation periods run from the General Annex's entry into force for the
    party. Without that date no RKC standard has a due date, so an empty deadline list says
    nothing about the RKC; this tells the reader so instead of "nothing overdue".
    """
    code = lookup_country(country or get_settings().home_country).alpha_3
    cats = (
        [load_catalogue(catalogue) if isinstance(catalogue, str) else catalogue]
        if catalogue
        else list_catalogues()
    )
    reasons = []
    for cat in cats:
        if cat.implementation_periods is None or in_force is not None:
            continue
        party = cat.parties.get(code)
        if party is not None and party.in_force is not None:
            continue
        why = party.in_force_note if party is not None and party.in_force_note else (
            f"{code} is not among its recorded Contracting Parties"
        )
        reasons.append(
            f"{cat.title}: no due dates for {code}, because its implementation periods run from "
            f"entry into force for the party and that date is unknown ({why}); give the date "
            "to `haiquan commitments deadlines --in-force YYYY-MM-DD`, or install a copy of the "
            "catalogue giving the party's date and source (the dashboard then shows them too)"
        )
    return reasons
