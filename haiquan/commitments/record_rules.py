"""A status record checked against its catalogue's rules: a known item (or part, or range of
parts), something recorded, an effective date that has come, and categories only where the
catalogue has them (the WTO TFA), with no dates for category A."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from haiquan.commitments._parts import backwards_range, resolve
from haiquan.commitments.catalogue import Catalogue, load_catalogue, parts_of
from haiquan.commitments.records import (
    STATE_FIELDS,
    StatusRecord,
)
from haiquan.errors import (
    HaiquanError,
    ValidationError,
)

__all__ = ["check_record", "item_problem", "raw_item_problem", "rule_problems"]


def check_record(record: StatusRecord, catalogue: Catalogue | None = None) -> StatusRecord:
    """Check a record against its catalogue's rules; return it unchanged when it fits.

    Raises:
        ValidationError: unknown item, a category on a catalogue that has none, or a category A
            item with implementation dates (A means "from entry into force"); the first of
            them (a status file's load reports them all).
    """
    found = rule_problems(record, catalogue or load_catalogue(record.catalogue))
    if found:
        raise found[0][1]
    return record


def rule_problems(record: StatusRecord, cat: Catalogue) -> list[tuple[str, ValidationError]]:
    """Every rule of its catalogue the record breaks, with the column at fault."""
    found: list[tuple[str, ValidationError]] = []
    if cat.id != record.catalogue:
        found.append(("catalogue", ValidationError(
            f"record is for catalogue {record.catalogue!r}",
            expected=cat.id,
            got=record.catalogue,
            fix="check the catalogue column",
        )))
    problem = item_problem(cat, record.item)
    if problem is not None:
        found.append(("item", problem))
    if all(getattr(record, name) is None for name in STATE_FIELDS):
        found.append(("status", ValidationError(
            f"record for item {record.item} records nothing",
            expected="a status (implemented, partially, not_yet), a TFA category (A, B, C), an "
            "indicative or definitive date, or a note saying why the state is empty",
            got="none of them",
            fix="give a status (for the WTO TFA, a category), e.g. --status implemented; a "
            "record is the item's full state from its effective date",
        )))
    today = dt.date.today()
    if record.effective_date > today:
        found.append(("effective_date", ValidationError(
            f"record for item {record.item} takes effect on {record.effective_date}, after today",
            expected=f"an effective date up to today ({today}): a record states what holds "
            "from a date that has come",
            got=str(record.effective_date),
            fix="record a planned implementation as the definitive (or indicative) date of a "
            "record effective today, and record the new status once it holds",
        )))
    if record.category is not None and cat.method != "tfa":
        found.append(("category", ValidationError(
            f"category {record.category} given for {cat.id}, which has no categories",
            expected="no category (categories A/B/C are for the WTO TFA)",
            got=record.category,
            fix="leave the category empty and use status",
        )))
    if record.category == "A" and (record.indicative_date or record.definitive_date):
        found.append(("category", ValidationError(
            f"item {record.item} is category A but has implementation dates",
            expected="no indicative/definitive date for category A (due at entry into force)",
            got=f"indicative {record.indicative_date}, definitive {record.definitive_date}",
            fix="remove the dates, or use category B or C",
        )))
    return found


def item_problem(cat: Catalogue, item: str) -> ValidationError | None:
    """The error for an item reference the catalogue cannot place, or None.

    An item id, a listed part, a range of listed parts or a paragraph (range) of an item that
    does not list its parts are accepted (see :mod:`haiquan.commitments._parts`).
    """
    ids = {i.id for i in cat.items()}
    if resolve(item, parts_of(cat)) is not None:
        return None
    if not ids:
        return ValidationError(
            f"no item {item!r} in catalogue {cat.id}: it lists no {cat.item_label}s yet",
            expected=f"a catalogue {cat.id} that lists the {cat.item_label}s you track",
            got=f"{cat.id} with no {cat.item_label}s",
            fix=f"copy {cat.id}.yaml, add the {cat.item_label}s with their source and run "
            "`haiquan commitments install-catalogue` (docs/commitments.md, your own catalogue)",
        )
    turned = backwards_range(item, parts_of(cat))
    if turned is not None:
        return ValidationError(
            f"range {item!r} in catalogue {cat.id} runs backwards",
            expected="a range from its first to its last paragraph or part",
            got=repr(item),
            fix=f"write {turned!r}",
        )
    sample = ", ".join(sorted(ids)[:6])
    return ValidationError(
        f"no item {item!r} in catalogue {cat.id}",
        expected=f"an item id such as {sample}",
        got=repr(item),
        fix=f'see `haiquan commitments show {cat.id}`; write measure numbers as text ("7.1"); '
        'a part or a range of parts of one item is accepted too ("7.7.3", "11.5-11.10")',
    )


def raw_item_problem(
    row: Mapping[str, Any], catalogues: dict[str, Catalogue]
) -> tuple[str, ValidationError] | None:
    """The item check on a row that failed validation elsewhere, when its catalogue is known."""
    name, item = row.get("catalogue"), row.get("item")
    if not name or item in (None, ""):
        return None
    if str(name) not in catalogues:
        try:
            catalogues[str(name)] = load_catalogue(str(name))
        except HaiquanError:
            return None
    problem = item_problem(catalogues[str(name)], str(item))
    return ("item", problem) if problem is not None else None
