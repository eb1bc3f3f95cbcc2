"""Countries side by side: each one's rate, member type and newest official figure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from haiquan.commitments.catalogue import Catalogue, MemberType, load_catalogue
from haiquan.commitments.official import official_figures
from haiquan.commitments.rates import CLASSES, Records, _member_type, _rate_on
from haiquan.commitments.status import history_rows, status_history
from haiquan.errors import InputError
from haiquan.reference.countries import country as lookup_country

__all__ = ["rates_by_country"]


def _latest_official(catalogue: str, code: str) -> str | None:
    """The newest official figure for a country, as "44.8 % (standard, 2023)"."""
    found = official_figures(catalogue, code)
    if not found:
        return None
    figure = found[0][0]
    said = figure.as_of.year if figure.date_precision == "year" else figure.as_of
    return f"{figure.official_percent} % ({figure.level}, {said})"


def _effective_by(effective: object, day: dt.date) -> bool:
    """Whether a record's effective date (a date or an ISO text) is on or before ``day``."""
    if isinstance(effective, dt.datetime):
        effective = effective.date()
    if isinstance(effective, str):
        effective = dt.date.fromisoformat(effective[:10])
    return isinstance(effective, dt.date) and effective <= day


def rates_by_country(
    catalogue: str | Catalogue,
    countries: Sequence[str] | None = None,
    on: dt.date | None = None,
    *,
    known_on: dt.date | None = None,
    records: Records = None,
    member_types: dict[str, MemberType] | None = None,
) -> pd.DataFrame:
    """One row per country: the rate and the units in each class, for side-by-side comparison.

    ``countries`` defaults to the ASEAN members on ``on`` and the home country
    (``HAIQUAN_HOME_COUNTRY``) when it is not one of them, so a non-ASEAN administration sees its
    own rate beside theirs; an empty list (or a date when ASEAN had no members) raises
    :class:`~haiquan.errors.InputError` rather than giving an empty table. The stored history
    is read once for all of them. ``member_types`` sets a country's WTO member type (TFA)
    where the catalogue's ``parties`` (which hold the UN LDC list) do not, or overrides it.
    Columns: ``country``, ``rate``, ``total``, ``basis``, one
    column per class (the first is ``implemented``), ``member_type``, ``official`` (the newest
    official figure published for the country, in per cent, with its date and what it counts),
    and ``records``: how many records of the country take effect by ``on`` — a country with
    none shows 0 % because nothing is recorded for it, not because it was measured at 0 %.
    """
    from haiquan.reference.countries import group_members

    cat = load_catalogue(catalogue) if isinstance(catalogue, str) else catalogue
    day = on or dt.date.today()
    if countries is None:
        from haiquan.settings import get_settings

        home = get_settings().home_country
        members = group_members("ASEAN", day)
        chosen = [*members, *([home] if members and home not in members else [])]
    else:
        chosen = list(countries)
    if not chosen:
        raise InputError(
            "no countries to compare",
            expected="at least one country (ISO codes such as VNM,THA)",
            got=f"none: ASEAN had no members on {day}" if countries is None else "an empty list",
            fix="pass the countries, e.g. --countries VNM,THA, or a date when ASEAN had members",
        )
    codes = [lookup_country(c).alpha_3 for c in chosen]
    given = {lookup_country(c).alpha_3: kind for c, kind in (member_types or {}).items()}
    if records is None:
        records = status_history(catalogue=cat.id, known_on=known_on)
    history = history_rows(records)
    rows = []
    for code in codes:
        rate = _rate_on(cat, code, day, history, _member_type(cat, code, given.get(code)))
        rows.append(
            {
                "country": code,
                "rate": rate.rate,
                "total": rate.total,
                "basis": rate.basis,
                **rate.counts,
                "member_type": rate.member_type,
                "official": _latest_official(cat.id, code),
                "records": sum(1 for row in history
                               if row.get("country") == code
                               and row.get("approval") != "draft"
                               and _effective_by(row.get("effective_date"), day)),
            }
        )
    names = list(CLASSES[cat.method])
    columns = ["country", "rate", "total", "basis", *names, "member_type", "official", "records"]
    return pd.DataFrame(rows, columns=columns)
