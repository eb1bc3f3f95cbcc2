"""Status per part rolled up to its item: a SAFE standard from its contents.

Vietnam Customs reports the SAFE Framework both ways — contents (23 of 79 implemented) and
standards (13 of 29) — so a standard needs one status made from its contents' statuses:

* ``implemented`` when every content is implemented;
* ``not_yet`` when every content is reported not yet implemented;
* ``no_record`` when no content has a record;
* ``partially`` otherwise (some implemented or partially, or a mix with unrecorded contents).

A standard whose contents are not listed keeps the status recorded for it as a whole. Pillars
are then counted from the rolled-up standards by :func:`progress_by_item`'s caller or read
directly from :func:`haiquan.commitments.progress_by_group` (which weights contents as shares).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from haiquan.commitments.catalogue import Catalogue, load_catalogue
from haiquan.commitments.rates import CLASSES, Records, _classify_rows, _history, _member_type
from haiquan.commitments.status import state_rows
from haiquan.reference.countries import country as lookup_country

__all__ = ["progress_by_item", "rolled_up_status"]


def rolled_up_status(parts: dict[str, float]) -> str:
    """One status from the share of an item's parts in each status class.

    >>> rolled_up_status({"implemented": 1.0})
    'implemented'
    >>> rolled_up_status({"implemented": 0.5, "no_record": 0.5})
    'partially'
    """
    held = {k: v for k, v in parts.items() if v > 0}
    if not held or set(held) == {"no_record"}:
        return "no_record"
    if set(held) == {"implemented"}:
        return "implemented"
    if set(held) == {"not_yet"}:
        return "not_yet"
    return "partially"


def progress_by_item(
    catalogue: str | Catalogue,
    country: str,
    on: dt.date | None = None,
    *,
    known_on: dt.date | None = None,
    records: Records = None,
) -> pd.DataFrame:
    """Per item (SAFE standard, TFA measure): the share of its parts in each class and one
    rolled-up ``status`` (:func:`rolled_up_status`; status catalogues only).

    Columns: ``group``, ``item``, ``title``, ``parts`` (how many are listed, 0 when none), one
    column per class of the method, ``status``. Region-wide events are left out.
    """
    cat = load_catalogue(catalogue) if isinstance(catalogue, str) else catalogue
    code = lookup_country(country).alpha_3
    day = on or dt.date.today()
    history = _history(cat, code, records, known_on)
    classified = _classify_rows(
        cat, state_rows(cat, code, day, history), day, _member_type(cat, code, None)
    )
    names = CLASSES[cat.method]
    rows = []
    for group in cat.groups:
        for item in group.items:
            if item.event:
                continue
            mine = [r for r in classified if r["item"] == item.id]
            shares = {name: 0.0 for name in names}
            for row in mine:
                shares[str(row["class"])] += float(row.get("share") or 1.0)  # type: ignore[arg-type]
            rows.append({
                "group": group.id,
                "item": item.id,
                "title": item.title,
                "parts": len(item.parts),
                **shares,
                "status": rolled_up_status(shares) if cat.method == "status_share" else None,
            })
    return pd.DataFrame(rows, columns=["group", "item", "title", "parts", *names, "status"])
