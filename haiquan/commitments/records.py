"""Status records: the state of one catalogue item for one country from a given date.

A record is a full snapshot, not a change: "from ``effective_date``, Viet Nam's TFA measure 7.1 is
in category B with definitive date 2022-03-31, status implemented, evidence ..., unit ...". The
history is append-only, so the state on any past date is the latest record effective by then, and
a correction is a new record (see :mod:`haiquan.commitments.status`).

Records come from a person (``haiquan commitments record``), a CSV or YAML status file, or an
example loader; each is validated against its catalogue before anything is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, field_validator
from pydantic import ValidationError as PydanticValidationError

from haiquan import yaml_text
from haiquan.commitments._parts import backwards_range, normalise_reference, resolve
from haiquan.commitments.catalogue import Catalogue, load_catalogue, parts_of
from haiquan.errors import (
    DataFileError,
    HaiquanError,
    NotValidYamlError,
    UnknownCodeError,
    ValidationError,
)
from haiquan.reference.countries import find_country

__all__ = [
    "CATEGORIES",
    "EARLIEST_DATE",
    "LATEST_DATE",
    "RECORD_COLUMNS",
    "SELF_ASSESSMENT",
    "STATUSES",
    "StatusRecord",
    "check_record",
    "field_expectation",
    "read_status_file",
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
_REQUIRED = ("catalogue", "item", "country", "effective_date")

#: Dates a record may carry. GATT 1947 opens the span; the end lies well past any schedule and
#: inside what the warehouse's timestamps hold (pandas stops in 2262), so a typo such as 2999 or
#: 0202 is refused with the range instead of crashing the store.
EARLIEST_DATE = dt.date(1947, 1, 1)
LATEST_DATE = dt.date(2200, 12, 31)
#: Fields that say something about the item; a record must carry at least one of them.
_STATE_FIELDS = (
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


def check_record(record: StatusRecord, catalogue: Catalogue | None = None) -> StatusRecord:
    """Check a record against its catalogue's rules; return it unchanged when it fits.

    Raises:
        ValidationError: unknown item, a category on a catalogue that has none, or a category A
            item with implementation dates (A means "from entry into force"); the first of
            them (a status file's load reports them all).
    """
    found = _rule_problems(record, catalogue or load_catalogue(record.catalogue))
    if found:
        raise found[0][1]
    return record


def _rule_problems(record: StatusRecord, cat: Catalogue) -> list[tuple[str, ValidationError]]:
    """Every rule of its catalogue the record breaks, with the column at fault."""
    found: list[tuple[str, ValidationError]] = []
    if cat.id != record.catalogue:
        found.append(("catalogue", ValidationError(
            f"record is for catalogue {record.catalogue!r}",
            expected=cat.id,
            got=record.catalogue,
            fix="check the catalogue column",
        )))
    problem = _item_problem(cat, record.item)
    if problem is not None:
        found.append(("item", problem))
    if all(getattr(record, name) is None for name in _STATE_FIELDS):
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


def _item_problem(cat: Catalogue, item: str) -> ValidationError | None:
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


def _raw_item_problem(
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
    problem = _item_problem(catalogues[str(name)], str(item))
    return ("item", problem) if problem is not None else None


def _problems_of(error: Exception) -> list[tuple[str | None, str]]:
    """Every (column, problem) an exception reports about one row."""
    if isinstance(error, PydanticValidationError):
        found = []
        for item in error.errors():
            column = str(item["loc"][0]) if item["loc"] else None
            message = item["msg"].removeprefix("Value error, ")
            if column == "category":
                message = "category must be A, B or C"
            elif column == "status":
                message = "status must be implemented, partially or not_yet"
            elif item["type"] == "extra_forbidden":
                message = f"unknown column {column!r}; allowed: {', '.join(RECORD_COLUMNS)}"
            found.append((column, message))
        return found
    if isinstance(error, UnknownCodeError):
        return [("country", str(error.summary))]
    return [(None, str(error))]


def _row_problem(
    number: int, row: Mapping[str, Any], found: Sequence[tuple[str | None, str]]
) -> dict[str, Any]:
    """One entry per bad row holding all of its problems, so none is hidden behind the first."""
    if len(found) == 1:
        column, message = found[0]
        problem: dict[str, Any] = {"row": number, "column": column, "problem": message}
        value = row.get(column) if column else None
        if value is not None:
            problem["value"] = str(value)
        return problem
    parts = []
    for column, message in found:
        value = row.get(column) if column else None
        shown = value not in (None, "") and str(value) not in message
        parts.append(message + (f" (value {str(value)!r})" if shown else ""))
    columns = [c for c, _ in found if c]
    return {
        "row": number,
        "column": ", ".join(dict.fromkeys(columns)) or None,
        "problem": f"{len(found)} problems: " + "; ".join(parts),
    }


def _validated(
    rows: Sequence[Mapping[str, Any]], path: str | None, first_row: int
) -> list[StatusRecord]:
    """Validate every row; raise one :class:`DataFileError` with every problem of each bad row."""
    problems: list[dict[str, Any]] = []
    records: list[StatusRecord] = []
    seen: dict[tuple[str, str, str, dt.date], int] = {}
    catalogues: dict[str, Catalogue] = {}
    for offset, row in enumerate(rows):
        number = first_row + offset
        try:
            record = StatusRecord.model_validate(dict(row))
            if record.catalogue not in catalogues:
                catalogues[record.catalogue] = load_catalogue(record.catalogue)
        except (PydanticValidationError, HaiquanError) as error:
            found = _problems_of(error)
            extra = _raw_item_problem(row, catalogues)
            if extra is not None and not any(column == "item" for column, _ in found):
                found.append((extra[0], str(extra[1])))
            problems.append(_row_problem(number, row, found))
            continue
        broken = _rule_problems(record, catalogues[record.catalogue])
        if broken:
            problems.append(_row_problem(number, row, [(c, str(e)) for c, e in broken]))
            continue
        key = (record.catalogue, record.item, record.country, record.effective_date)
        if key in seen:
            problems.append(
                {
                    "row": number,
                    "column": "effective_date",
                    "problem": f"same catalogue, item, country and date as row {seen[key]}",
                    "value": str(record.effective_date),
                }
            )
            continue
        seen[key] = number
        records.append(record)
    if problems:
        raise DataFileError(
            f"{len(problems)} status record(s) rejected; nothing was stored",
            path=path,
            problems=problems,
            expected="one valid record per row (see docs/commitments.md, status files)",
            fix="correct the rows listed and load the file again",
        )
    return records


def read_status_file(path: Path | str) -> list[StatusRecord]:
    """Read and validate a status file (CSV with a header, or YAML).

    A YAML file is a list of records or a mapping with a ``records:`` list. CSV row numbers in
    errors count the header as row 1, as a spreadsheet shows them.

    Raises:
        DataFileError: the file cannot be read, lacks required columns, is empty, or has bad rows;
            nothing is returned and nothing is stored.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".yaml", ".yml"}:
        raise DataFileError(
            "unknown status file type",
            path=str(path),
            expected="a .csv, .yaml or .yml file",
            got=suffix or "no extension",
            fix="save the records as CSV (UTF-8) or YAML",
        )
    if not path.is_file():
        raise DataFileError(
            "status file not found", path=str(path), expected="an existing file", got=str(path)
        )
    rows: list[Mapping[str, Any]]
    if suffix == ".csv":
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        except (pd.errors.EmptyDataError, UnicodeDecodeError, pd.errors.ParserError) as error:
            raise DataFileError(
                "cannot read the status CSV",
                path=str(path),
                expected="a UTF-8 CSV with a header row",
                got=str(error).splitlines()[0],
                fix="export the sheet as CSV UTF-8 with the columns in docs/commitments.md",
            ) from error
        missing = [c for c in _REQUIRED if c not in frame.columns]
        if missing:
            raise DataFileError(
                "status CSV lacks required columns",
                path=str(path),
                expected=f"columns {', '.join(_REQUIRED)} (and optionally the others)",
                got=", ".join(map(str, frame.columns)) or "no columns",
                fix=f"add the column(s) {', '.join(missing)}",
            )
        rows = frame.to_dict(orient="records")
        first_row = 2
    else:
        try:
            data = yaml_text.read(path, expected="a YAML list of records")
        except NotValidYamlError as error:  # a data file: refused as one, storing nothing
            raise DataFileError(f"status YAML is not valid YAML{error.place}", path=str(path),
                                expected=error.expected, got=error.got, fix=error.fix) from error
        if isinstance(data, dict) and "records" in data:
            data = data["records"]
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise DataFileError(
                "status YAML has the wrong shape",
                path=str(path),
                expected="a list of mappings (or `records:` holding one)",
                got=type(data).__name__,
                fix="write one `- catalogue: ... item: ...` mapping per record",
            )
        rows = data
        first_row = 1
    if not rows:
        raise DataFileError(
            "status file holds no records",
            path=str(path),
            expected="at least one record",
            got="an empty file",
            fix="add records, or do not load the file",
        )
    return _validated(rows, str(path), first_row)


def records_frame(records: Iterable[StatusRecord]) -> pd.DataFrame:
    """Records as a DataFrame with :data:`RECORD_COLUMNS` (dates as ``datetime.date``)."""
    frame = pd.DataFrame(
        [r.model_dump() for r in records], columns=list(RECORD_COLUMNS), dtype=object
    )
    return frame
