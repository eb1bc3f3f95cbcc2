"""Status records: the state of one catalogue item for one country from a given date.

A record is a full snapshot, not a change: "from ``effective_date``, Viet Nam's TFA measure 7.1 is
in category B with definitive date 2022-03-31, status implemented, evidence ..., unit ...". The
history is append-only, so the state on any past date is the latest record effective by then, and
a correction is a new record (see :mod:`haiquan.commitments.status`).

Records come from a person (``haiquan commitments record``), a CSV or YAML status file
(:mod:`haiquan.commitments.status_file`), or an example loader; each is checked against its
catalogue's rules (:mod:`haiquan.commitments.record_rules`) before anything is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, field_validator

from haiquan.commitments._parts import normalise_reference
from haiquan.errors import (
    UnknownCodeError,
)
from haiquan.reference.countries import find_country

__all__ = [
    "CATEGORIES",
    "EARLIEST_DATE",
    "LATEST_DATE",
    "RECORD_COLUMNS",
    "REQUIRED_COLUMNS",
    "SELF_ASSESSMENT",
    "STATE_FIELDS",
    "STATUSES",
    "StatusRecord",
    "field_expectation",
    "records_frame",
]

Category = Literal["A", "B", "C"]
Status = Literal["implemented", "partially", "not_yet"]
#: A draft (a self-assessment not yet approved) is kept but does not count anywhere.
Approval = Literal["draft", "approved"]

#: TFA categories: A on entry into force, B after a transition period, C after a transition
#: period and with capacity-building support.
CATEGORIES: tuple[str, ...] = ("A", "B", "C")
#: Self-assessed implementation status, as administrations report it for SAFE and the RKC.
STATUSES: tuple[str, ...] = ("implemented", "partially", "not_yet")

#: Columns of a status file and of the stored history (stored rows add seq, recorded_at, load_id).
RECORD_COLUMNS: tuple[str, ...] = (
    "catalogue",
    "item",
    "country",
    "effective_date",
    "category",
    "indicative_date",
    "definitive_date",
    "status",
    "evidence",
    "responsible_unit",
    "source",
    "note",
    "legal_basis",
    "current_practice",
    "gap",
    "planned_action",
    "target_date",
    "evidence_file",
    "approval",
    "approved_by",
)
#: The self-assessment fields a national committee fills per item (WCO diagnostic practice).
SELF_ASSESSMENT: tuple[str, ...] = (
    "legal_basis",
    "current_practice",
    "gap",
    "planned_action",
    "responsible_unit",
    "target_date",
    "evidence",
    "evidence_file",
)
#: Columns every status file must have.
REQUIRED_COLUMNS = ("catalogue", "item", "country", "effective_date")

#: Dates a record may carry. GATT 1947 opens the span; the end lies well past any schedule and
#: inside what the warehouse's timestamps hold (pandas stops in 2262), so a typo such as 2999 or
#: 0202 is refused with the range instead of crashing the store.
EARLIEST_DATE = dt.date(1947, 1, 1)
LATEST_DATE = dt.date(2200, 12, 31)
#: Fields that say something about the item; a record must carry at least one of them.
STATE_FIELDS = (
    "category",
    "indicative_date",
    "definitive_date",
    "status",
    "note",
    "legal_basis",
    "current_practice",
    "gap",
    "planned_action",
)


class StatusRecord(BaseModel):
    """The state of one item for one country from ``effective_date`` on.

    ``category`` and the dates are what the country notified (TFA); ``status`` is what it reports
    as done. ``indicative_date``/``definitive_date`` are when a B/C item (or any scheduled item)
    is to be implemented. The self-assessment fields (:data:`SELF_ASSESSMENT`) say on what legal
    basis, how it is done today, what is missing, what is planned, by whom and by when, with the
    evidence (text or link in ``evidence``, a file kept with the record in ``evidence_file``).
    ``approval`` ``draft`` keeps the record out of every state and rate until an approved copy
    is recorded (:func:`haiquan.commitments.status.approve_record`).

    >>> StatusRecord(catalogue="wto_tfa", item="7.1", country="vn", effective_date="2022-05-06",
    ...              category="B", definitive_date="2022-03-31").country
    'VNM'
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    catalogue: str
    item: str
    country: str
    effective_date: dt.date
    category: Category | None = None
    indicative_date: dt.date | None = None
    definitive_date: dt.date | None = None
    status: Status | None = None
    evidence: str | None = None
    responsible_unit: str | None = None
    source: str | None = None
    note: str | None = None
    legal_basis: str | None = None
    current_practice: str | None = None
    gap: str | None = None
    planned_action: str | None = None
    target_date: dt.date | None = None
    evidence_file: str | None = None
    approval: Approval = "approved"
    approved_by: str | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        # Spreadsheet cells come as "" or NaN when empty; both mean "not given".
        if isinstance(value, str):
            value = value.strip()
            return value or None
        if isinstance(value, float) and value != value:
            return None
        if value is pd.NaT:
            return None
        return value

    @field_validator("item")
    @classmethod
    def _one_spelling_of_a_range(cls, value: str) -> str:
        # "11.5 – 11.15" (as notifications print it) and "11.5-11.15" are the same paragraphs.
        return normalise_reference(value)

    @field_validator("category", mode="before")
    @classmethod
    def _upper_category(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("status", mode="before")
    @classmethod
    def _status_words(cls, value: Any) -> Any:
        # People write "not yet" and "Partially"; store one spelling.
        if isinstance(value, str):
            return value.lower().replace(" ", "_").replace("-", "_")
        return value

    @field_validator("country")
    @classmethod
    def _alpha_3(cls, value: str) -> str:
        # A ValueError, not UnknownCodeError: an unknown country in a record is a field that
        # breaks its rules (422 in a request body, a bad row in a file), not a missing resource.
        try:
            return find_country(value).alpha_3
        except UnknownCodeError as error:
            raise ValueError(
                f"{error.summary}; use an ISO 3166-1 code (VN, VNM, 704) or a country name"
            ) from None

    @field_validator("approval", mode="before")
    @classmethod
    def _approval_default(cls, value: Any) -> Any:
        # An empty cell in a status file means the file's own approval: approved. (It runs
        # before the blank-to-None validator, so it sees the raw cell.)
        if value is None or (isinstance(value, str) and not value.strip()):
            return "approved"
        if isinstance(value, float) and value != value:
            return "approved"
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("effective_date", "indicative_date", "definitive_date", "target_date")
    @classmethod
    def _sensible_date(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise ValueError(
                f"date {value} is outside {EARLIEST_DATE} to {LATEST_DATE}; check the year"
            )
        return value


def field_expectation(field: str) -> str:
    """What a status record accepts in ``field``, in words, for an error message.

    >>> field_expectation("status")
    'implemented, partially or not_yet'
    """
    if field.endswith("_date"):
        return f"a date YYYY-MM-DD from {EARLIEST_DATE} to {LATEST_DATE}"
    return {
        "approval": "draft or approved",
        "category": "A, B or C (WTO TFA catalogues only)",
        "status": ", ".join(STATUSES[:-1]) + " or " + STATUSES[-1],
        "country": "an ISO 3166-1 code (VN, VNM, 704) or a country name",
    }.get(field, "a value a status record accepts (docs/commitments.md)")


def records_frame(records: Iterable[StatusRecord]) -> pd.DataFrame:
    """Records as a DataFrame with :data:`RECORD_COLUMNS` (dates as ``datetime.date``)."""
    frame = pd.DataFrame(
        [r.model_dump() for r in records], columns=list(RECORD_COLUMNS), dtype=object
    )
    return frame
