"""Implementation rates, counted the way each commitment's owner counts them.

**WTO TFA** (the TFA Database's published method, rules in the catalogue's ``tfa_rules``): the
rate on a date D is the share of counting units (the TFAD's 238 notifiable items) that count as
implemented by D — category A items from entry into force (22 Feb 2017; 22 Feb 2018 for LDCs;
everything for developed Members), B and C items from their definitive date, else their
indicative date. B/C items without a date (or recorded without category and date) are "date
unknown"; items with no record at all are "not designated" (or not recorded here). It is a
rate of *commitments* by their notified dates, which is why a date in the future gives a
projection and why it can differ from the self-reported ``status``.

**SAFE, RKC, ASEAN** (``method: status_share``): counts and shares of items reported
implemented, partially implemented, not yet implemented, or with no record; the rate is the
implemented share.

Items marked ``event`` (a region-wide signing or launch) are context: classified ``context``,
shown, and left out of every count and total, so a member state's rate counts its own tasks.

When a catalogue does not give every item's unit count (the shipped TFA catalogue knows the
split of the 238 items for two measures only), rates are counted per item and say so in
``basis`` and ``note``: they are then *not* the TFAD's percentage.

>>> from haiquan.commitments.records import StatusRecord
>>> r = [StatusRecord(catalogue="wto_tfa", item="1.1", country="VNM", effective_date="2017-02-22",
...                   category="A")]
>>> implementation_rate("wto_tfa", "VNM", dt.date(2020, 1, 1), records=r).implemented
1.0
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Literal, TypeAlias

import pandas as pd
from pydantic import BaseModel

from haiquan.commitments.catalogue import Catalogue, MemberType, load_catalogue
from haiquan.commitments.official import OfficialComparison, compare_with_official
from haiquan.commitments.records import StatusRecord
from haiquan.commitments.status import history_rows, state_rows, status_history
from haiquan.reference.countries import country as lookup_country

__all__ = [
    "CLASSES",
    "ImplementationRate",
    "classify_state",
    "implementation_rate",
    "progress_by_group",
    "rate_timeline",
]

#: Counting classes per method, in the order reports show them.
CLASSES: dict[str, tuple[str, ...]] = {
    "tfa": ("implemented", "scheduled", "date_unknown", "not_designated"),
    "status_share": ("implemented", "partially", "not_yet", "no_record"),
}

Records: TypeAlias = Iterable[StatusRecord] | pd.DataFrame | None


class ImplementationRate(BaseModel):
    """One rate: ``implemented`` of ``total`` units (or items, see ``basis``) on ``on``."""

    catalogue: str
    country: str
    on: dt.date
    method: Literal["tfa", "status_share"]
    basis: Literal["units", "items"]
    unit_label: str
    implemented: float
    total: float
    rate: float
    counts: dict[str, float]
    shares: dict[str, float]
    projected: bool
    member_type: MemberType | None = None
    note: str | None = None
    itemised: list[str] = []
    counted_whole: list[str] = []
    official: list[OfficialComparison] = []

    @property
    def percent(self) -> float:
        """The rate in percent, rounded to one decimal as the TFAD shows it."""
        return round(100 * self.rate, 1)


def _member_type(cat: Catalogue, code: str, given: MemberType | None) -> MemberType:
    if given is not None:
        return given
    party = cat.parties.get(code)
    return party.member_type if party else "developing"


def classify_state(
    cat: Catalogue, state: pd.DataFrame, on: dt.date, member_type: MemberType = "developing"
) -> pd.DataFrame:
    """Add ``class`` and ``counts_from`` columns to a :func:`state_on` frame.

    ``counts_from`` is the date from which a TFA item counts as implemented (``None`` when it
    never does on the recorded schedule); for other catalogues it is empty.
    """
    frame = state.copy()
    rows = _classify_rows(cat, state.to_dict(orient="records"), on, member_type)
    frame["class"] = [r["class"] for r in rows]
    frame["counts_from"] = [r["counts_from"] for r in rows]
    return frame


def _classify_rows(
    cat: Catalogue, rows: list[dict[str, object]], on: dt.date, member_type: MemberType
) -> list[dict[str, object]]:
    result = []
    for row in rows:
        clean = {k: (None if v is None or v != v else v) for k, v in row.items()}
        kind, start = _classify_row(cat, clean, on, member_type)
        result.append({**row, "class": kind, "counts_from": start})
    return result


def _classify_row(
    cat: Catalogue, row: dict[str, object], on: dt.date, member_type: MemberType
) -> tuple[str, dt.date | None]:
    if str(row["item"]) in _events(cat):
        return "context", None  # a region-wide event: shown, never counted (module docstring)
    if cat.method == "status_share":
        status = row.get("status")
        return (str(status) if status else "no_record"), None
    rules = cat.tfa_rules
    assert rules is not None  # the catalogue validator guarantees it for method "tfa"
    party = cat.parties.get(str(row["country"]))
    in_force = party.in_force if party and party.in_force else rules.entry_into_force
    category = row.get("category")
    scheduled = row.get("definitive_date") or row.get("indicative_date")
    start: dt.date | None
    if member_type == "developed":
        start = max(rules.category_a_counts_from["developed"], in_force)
    elif category == "A":
        start = max(rules.category_a_counts_from[member_type], in_force)
    elif isinstance(scheduled, dt.date):
        # B and C count from their definitive date, else the indicative one (TFAD method). A
        # record with a date but no category is a B-or-C item whose category we do not know.
        start = max(scheduled, in_force)
    elif category in ("B", "C") or _has_record(row):
        # A B/C item without a date, or a record that does not give the category: notified, but
        # we cannot say when it counts.
        return "date_unknown", None
    else:
        return "not_designated", None
    return ("implemented" if start <= on else "scheduled"), start


def _events(cat: Catalogue) -> frozenset[str]:
    """Items that date a region-wide event: context, outside the rate."""
    return frozenset(i.id for i in cat.items() if i.event)


def _has_record(row: dict[str, object]) -> bool:
    return row.get("effective_date") is not None


def _history(
    cat: Catalogue, code: str, records: Records, known_on: dt.date | None
) -> list[dict[str, object]]:
    if records is None:
        records = status_history(catalogue=cat.id, country=code, known_on=known_on)
    return history_rows(records)


def _rate_from(
    cat: Catalogue,
    classified: list[dict[str, object]],
    code: str,
    on: dt.date,
    member_type: MemberType,
) -> ImplementationRate:
    weights = cat.unit_weights()
    basis: Literal["units", "items"] = "units" if weights else "items"
    counts = {name: 0.0 for name in CLASSES[cat.method]}
    events = _events(cat)
    for row in classified:
        kind = str(row["class"])
        if kind != "context":
            counts[kind] = counts.get(kind, 0.0) + _weight(row, weights)
    counted = [i.id for i in cat.items() if i.id not in events]
    total = float(sum(weights[i] for i in counted)) if weights else float(len(counted))
    implemented = counts["implemented"]
    note = None
    itemised = cat.itemised()
    whole = sorted({str(r["item"]) for r in classified if r.get("paragraph_records")})
    if basis == "items" and cat.total_units:
        known = sum(i.counting_units or 0 for i in cat.items())
        note = (
            f"counted per {cat.item_label}: the catalogue gives {cat.unit_label} counts for "
            f"{sum(1 for i in cat.items() if i.counting_units)} of {len(cat.items())} "
            f"{cat.item_label}s ({known} of {cat.total_units}), so this is not the owner's "
            f"{cat.total_units}-{cat.unit_label} rate"
        )
        if itemised:
            note += (
                f"; {', '.join(itemised)} count their listed {cat.unit_label}s as shares of a "
                f"{cat.item_label}, the other {len(cat.items()) - len(itemised)} are counted whole"
            )
    if events:
        said = (
            f"{len(events)} region-wide event(s) are shown as context and left out of the rate: "
            "it counts the country's own tasks"
        )
        note = f"{note}; {said}" if note else said
    if whole:
        said = (
            f"{', '.join(whole)}: paragraph records are shown but the {cat.item_label} is "
            f"counted whole, because its {cat.unit_label}s are not listed (install the item "
            "list to count them)"
        )
        note = f"{note}; {said}" if note else said
    if cat.method == "tfa" and code not in cat.parties:
        assumed = f"member type {member_type} assumed (not in the catalogue's parties)"
        note = f"{note}; {assumed}" if note else assumed
    party = cat.parties.get(code)
    if cat.method == "tfa" and party is not None and party.in_force is None:
        undated = (
            f"{party.in_force_note or 'no entry-into-force date for ' + code}; counted from the "
            "Agreement's entry into force"
        )
        note = f"{note}; {undated}" if note else undated
    # Outside the agreement's life or with nothing to count, that comes first: it explains the 0.
    said = "; ".join(n for n in (_in_force_note(cat, code, on), _empty_note(cat)) if n)
    if said:
        note = f"{said}; {note}" if note else said
    return ImplementationRate(
        catalogue=cat.id,
        country=code,
        on=on,
        method=cat.method,
        basis=basis,
        unit_label=cat.unit_label if basis == "units" else cat.item_label,
        implemented=implemented,
        total=total,
        rate=implemented / total if total else 0.0,
        counts=counts,
        shares={k: (v / total if total else 0.0) for k, v in counts.items()},
        projected=on > dt.date.today(),
        member_type=member_type if cat.method == "tfa" else None,
        note=note,
        itemised=itemised,
        counted_whole=whole,
    )


def _weight(row: dict[str, object], weights: dict[str, int] | None) -> float:
    """What one state row counts: its item's units (or 1) times the share of the item it is."""
    share = float(row.get("share") or 1.0)  # type: ignore[arg-type]
    return (weights[str(row["item"])] if weights else 1.0) * share


def _empty_note(cat: Catalogue) -> str | None:
    """Say so when a catalogue lists nothing to count: 0 of 0 is not a measured 0 %."""
    if cat.items():
        return None
    return (
        f"the catalogue {cat.id} lists no {cat.item_label}s yet, so there is nothing to count; "
        "install a copy listing the ones tracked (docs/commitments.md, your own catalogue)"
    )


def _in_force_note(cat: Catalogue, code: str, on: dt.date) -> str | None:
    """Say so when ``on`` lies outside the agreement's life: the 0 % is by definition there.

    For the TFA nothing counts before entry into force (for the party, when later); for the
    others, the catalogue's ``valid_from``/``valid_to`` bound the edition it describes.
    """
    if cat.tfa_rules is not None:
        party = cat.parties.get(code)
        start = cat.tfa_rules.entry_into_force
        if party is not None and party.in_force is not None and party.in_force > start:
            if on < party.in_force:
                return (
                    f"{on} is before the agreement entered into force for {code} "
                    f"({party.in_force}): no commitment counts as implemented before then, "
                    "so the rate is nil by definition"
                )
        if on < start:
            return (
                f"{on} is before the agreement entered into force ({start}; {cat.title}): no "
                "commitment counts as implemented before then, so the rate is nil by "
                f"definition; ask for a date from {start} on"
            )
        return None
    if on < cat.valid_from:
        return (
            f"{on} is before the catalogue's edition took effect ({cat.valid_from}; "
            f"{cat.title}): only states recorded as effective by then are counted"
        )
    if cat.valid_to is not None and on > cat.valid_to:
        return (
            f"{on} is after the catalogue's edition ended ({cat.valid_to}; {cat.title}): the "
            "items may no longer be those in force"
        )
    return None


def _rate_on(
    cat: Catalogue, code: str, day: dt.date, rows: list[dict[str, object]], kind: MemberType
) -> ImplementationRate:
    classified = _classify_rows(cat, state_rows(cat, code, day, rows), day, kind)
    return _rate_from(cat, classified, code, day, kind)


def implementation_rate(
    catalogue: str | Catalogue,
    country: str,
    on: dt.date | None = None,
    *,
    member_type: MemberType | None = None,
    known_on: dt.date | None = None,
    records: Records = None,
) -> ImplementationRate:
    """The implementation rate of one country on one date (a projection when ``on`` is future).

    Args:
        catalogue: catalogue id or loaded catalogue.
        country: ISO 3166 code.
        on: the date (today when ``None``).
        member_type: WTO status for TFA counting; default from the catalogue's ``parties``, else
            "developing" (said in ``note``).
        known_on: use only records recorded by this date.
        records: compute on these records instead of the stored history.
    """
    cat = load_catalogue(catalogue) if isinstance(catalogue, str) else catalogue
    code = lookup_country(country).alpha_3
    day = on or dt.date.today()
    kind = _member_type(cat, code, member_type)
    rate = _rate_on(cat, code, day, _history(cat, code, records, known_on), kind)
    official = compare_with_official(
        catalogue=cat.id,
        country=code,
        on=day,
        percent=rate.percent,
        total=rate.total,
        unit_label=rate.unit_label,
        counts=rate.counts,
        method=rate.method,
    )
    return rate.model_copy(update={"official": official})


def progress_by_group(
    catalogue: str | Catalogue,
    country: str,
    on: dt.date | None = None,
    *,
    member_type: MemberType | None = None,
    known_on: dt.date | None = None,
    records: Records = None,
) -> pd.DataFrame:
    """Per article / chapter / pillar / commitment: units in each class and the rate.

    Columns: ``group``, ``title``, ``items``, ``total``, one column per class of the method
    (:data:`CLASSES`), ``rate``. Weighting is that of :func:`implementation_rate`.
    """
    cat = load_catalogue(catalogue) if isinstance(catalogue, str) else catalogue
    code = lookup_country(country).alpha_3
    day = on or dt.date.today()
    kind = _member_type(cat, code, member_type)
    history = _history(cat, code, records, known_on)
    classified = _classify_rows(cat, state_rows(cat, code, day, history), day, kind)
    weights = cat.unit_weights()
    names = CLASSES[cat.method]
    rows = []
    for group in cat.groups:
        part = [r for r in classified if r["group"] == group.id and r["class"] != "context"]
        weight = [_weight(r, weights) for r in part]
        total = float(sum(weight))
        row: dict[str, object] = {
            "group": group.id,
            "title": group.title,
            "items": sum(1 for i in group.items if not i.event),
            "total": total,
        }
        for name in names:
            row[name] = float(
                sum(w for r, w in zip(part, weight, strict=True) if r["class"] == name)
            )
        implemented = float(
            sum(w for r, w in zip(part, weight, strict=True) if r["class"] == "implemented")
        )
        row["rate"] = implemented / total if total else None
        rows.append(row)
    return pd.DataFrame(rows, columns=["group", "title", "items", "total", *names, "rate"])


def _default_dates(cat: Catalogue, start: dt.date, end: dt.date) -> list[dt.date]:
    if cat.tfa_rules is not None:
        month, day = (int(x) for x in cat.tfa_rules.snapshot_month_day.split("-"))
    else:
        month, day = 12, 31
    dates = [dt.date(y, month, day) for y in range(start.year, end.year + 1)]
    return [d for d in dates if start <= d <= end]


def rate_timeline(
    catalogue: str | Catalogue,
    country: str,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    dates: Sequence[dt.date] | None = None,
    member_type: MemberType | None = None,
    known_on: dt.date | None = None,
    records: Records = None,
) -> pd.DataFrame:
    """The rate on a series of dates: history up to today, projection after.

    By default the dates are the yearly snapshots the owner uses (22 February for the TFA, 31
    December otherwise) from the catalogue's ``valid_from`` to three years ahead, plus today,
    every date a record took effect and every scheduled (indicative/definitive) date recorded, so
    the curve's steps fall where the commitments and their changes do. Each date uses the state
    recorded as effective on that date.

    Columns: ``date``, ``rate``, ``implemented``, ``total``, ``projected``.
    """
    cat = load_catalogue(catalogue) if isinstance(catalogue, str) else catalogue
    code = lookup_country(country).alpha_3
    history = _history(cat, code, records, known_on)
    today = dt.date.today()
    if dates is None:
        first = start or cat.valid_from
        last = end or dt.date(today.year + 3, today.month, min(today.day, 28))
        chosen = set(_default_dates(cat, first, last))
        if first <= today <= last:
            chosen.add(today)
        for row in history:
            for column in ("effective_date", "indicative_date", "definitive_date"):
                value = row.get(column)
                if isinstance(value, dt.date) and first <= value <= last:
                    chosen.add(value)
        dates = sorted(chosen)
    kind = _member_type(cat, code, member_type)
    rows = []
    for day in dates:
        rate = _rate_on(cat, code, day, history, kind)
        rows.append(
            {
                "date": day,
                "rate": rate.rate,
                "implemented": rate.implemented,
                "total": rate.total,
                "projected": day > today,
            }
        )
    return pd.DataFrame(rows, columns=["date", "rate", "implemented", "total", "projected"])
