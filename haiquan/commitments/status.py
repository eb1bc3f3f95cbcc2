"""Record status and read it back "as of" any date.

The history is append-only (DuckDB tables ``commitment_status`` and ``commitment_loads`` in the
warehouse file). Two times matter and both are kept:

* ``effective_date`` — from when the recorded state holds (valid time), e.g. the date of a WTO
  notification;
* ``recorded_at`` — when haiquan was told (transaction time).

:func:`state_on` answers "what was the state on D" from the latest record effective by D, and with
``known_on`` "... as we knew it at that moment", so a report printed last year can be reproduced
after corrections were recorded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
from pydantic import BaseModel

from haiquan.commitments import _store
from haiquan.commitments._parts import Coverage, resolve
from haiquan.commitments.catalogue import Catalogue, catalogue_ids, load_catalogue, parts_of
from haiquan.commitments.record_rules import check_record
from haiquan.commitments.records import RECORD_COLUMNS, StatusRecord
from haiquan.commitments.status_file import read_status_file
from haiquan.errors import ConflictError, ValidationError
from haiquan.reference.countries import country as lookup_country
from haiquan.settings import get_settings

__all__ = [
    "LoadResult",
    "STATE_COLUMNS",
    "load_records",
    "load_status_file",
    "record_status",
    "history_rows",
    "state_on",
    "state_rows",
    "status_history",
]

#: Columns of :func:`state_on`.
STATE_COLUMNS: tuple[str, ...] = (
    "catalogue",
    "country",
    "group",
    "group_title",
    "item",
    "part",
    "share",
    "title",
    "type",
    "units",
    "due",
    "paragraph_records",
    *RECORD_COLUMNS[3:],
)


class LoadResult(BaseModel):
    """What one load stored. ``already_loaded`` means the same file was loaded before;
    ``unchanged`` counts records skipped because the same state, for the same item, country and
    effective date, is already the latest stored (a re-saved or slightly edited file)."""

    load_id: str
    origin: str
    rows: int
    already_loaded: bool = False
    unchanged: int = 0


def evidence_dir() -> Path:
    """Where evidence files are kept: ``HAIQUAN_HOME/commitments/evidence``."""
    return get_settings().home / "commitments" / "evidence"


def _missing_evidence(records: Sequence[StatusRecord]) -> None:
    """Refuse records whose ``evidence_file`` is not a file kept in :func:`evidence_dir`.

    A record approved "with evidence" that points at nothing, or at a path outside the evidence
    folder (``../../etc/passwd``), would mislead whoever audits it; the file is attached first
    (``record --evidence-file``), and its reference is what a record carries.
    """
    folder = evidence_dir()
    missing = [
        r for r in records
        if r.evidence_file is not None
        and (Path(r.evidence_file).name != r.evidence_file or "\\" in r.evidence_file
             or not (folder / r.evidence_file).is_file())
    ]
    if missing:
        shown = ", ".join(f"{r.catalogue} {r.item} ({r.evidence_file!r})" for r in missing[:5])
        raise ValidationError(
            f"{len(missing)} record(s) name an evidence file that is not kept; nothing was stored",
            expected=f"the reference of a file kept in {folder} (as `record --evidence-file` "
            "attaches it: <16 hex digits of its SHA-256>-<name>)",
            got=shown,
            fix="attach the file with `haiquan commitments record ... --evidence-file FILE`, or "
            "give the evidence as text or a link in the evidence column",
            details={"records": [f"{r.catalogue} {r.item} {r.effective_date}" for r in missing]},
        )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def load_records(
    records: Sequence[StatusRecord],
    *,
    origin: str,
    sha256: str | None = None,
    recorded_at: dt.datetime | None = None,
) -> LoadResult:
    """Validate records against their catalogues and append them all, or none.

    ``sha256`` identifies a source file: a second load of the same content stores nothing.
    """
    if sha256 is not None:
        earlier = _store.find_load(sha256)
        if earlier is not None:
            return LoadResult(
                load_id=str(earlier["load_id"]),
                origin=str(earlier["origin"]),
                rows=0,
                already_loaded=True,
            )
    catalogues: dict[str, Catalogue] = {}
    for record in records:
        cat = catalogues.setdefault(record.catalogue, load_catalogue(record.catalogue))
        check_record(record, cat)
    _missing_evidence(records)
    fresh = _not_yet_stored(records) if sha256 is not None else list(records)
    load_id = uuid.uuid4().hex[:16]
    if not fresh:
        return LoadResult(load_id=load_id, origin=origin, rows=0, unchanged=len(records))
    rows = _store.append(
        fresh, load_id=load_id, origin=origin, sha256=sha256, recorded_at=recorded_at or _now()
    )
    return LoadResult(
        load_id=load_id, origin=origin, rows=rows, unchanged=len(records) - len(fresh)
    )


def _not_yet_stored(records: Sequence[StatusRecord]) -> list[StatusRecord]:
    """The records whose state is not already the latest stored one for their item and date.

    A file changed by one byte (a note elsewhere, a line ending) has another hash; its untouched
    rows must not be stored a second time, or the history doubles and every row reads as a
    correction.
    """
    stored = history_rows(_store.read_history())
    latest: dict[tuple[object, ...], dict[str, object]] = {}
    for row in stored:
        key = (row["catalogue"], row["item"], row["country"], row["effective_date"])
        if key not in latest or int(row["seq"]) > int(latest[key]["seq"]):  # type: ignore[call-overload]
            latest[key] = row
    fresh = []
    for record in records:
        values = record.model_dump()
        key = (record.catalogue, record.item, record.country, record.effective_date)
        same = latest.get(key)
        if same is None or any(same.get(c) != v for c, v in values.items()):
            fresh.append(record)
    return fresh


def record_status(record: StatusRecord, *, recorded_at: dt.datetime | None = None) -> LoadResult:
    """Append one record typed by a person (``haiquan commitments record``).

    Raises:
        ConflictError: the same state, effective the same day, is already the latest record of
            the item (typed twice, or a request replayed); nothing is stored.
    """
    check_record(record)
    stored = _store.read_history(
        catalogue=record.catalogue, country=record.country, item=record.item
    )
    same_day = [
        row
        for row in history_rows(stored)
        if row["effective_date"] == record.effective_date
    ]
    if same_day:
        latest = max(same_day, key=lambda row: int(row["seq"]))  # type: ignore[call-overload]
        if all(latest.get(c) == v for c, v in record.model_dump().items()):
            raise ConflictError(
                f"{record.catalogue} {record.item} for {record.country} from "
                f"{record.effective_date} is already recorded with this state; nothing was stored",
                expected="a state that differs from the latest record of the same effective date",
                got=f"the same state as record {latest['seq']} (recorded {latest['recorded_at']})",
                fix="nothing to do; to correct the record, give the field that changes",
                details={"seq": int(latest["seq"])},  # type: ignore[call-overload]
            )
    return load_records([record], origin="manual", recorded_at=recorded_at)


def load_status_file(path: Path | str, *, recorded_at: dt.datetime | None = None) -> LoadResult:
    """Validate a CSV/YAML status file and append its records; loading it twice stores nothing.

    Raises:
        DataFileError: a bad file; the message lists the bad rows and nothing is stored.
    """
    path = Path(path)
    records = read_status_file(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return load_records(records, origin=str(path), sha256=digest, recorded_at=recorded_at)


def status_history(
    *,
    catalogue: str | None = None,
    country: str | None = None,
    item: str | None = None,
    known_on: dt.datetime | dt.date | None = None,
) -> pd.DataFrame:
    """Every stored record (with ``seq``, ``recorded_at``, ``load_id``), oldest first.

    Raises:
        NotFoundError: ``catalogue`` names no catalogue and nothing is stored under that id (a
            typo must not read as "no records").
    """
    code = lookup_country(country).alpha_3 if country else None
    frame = _store.read_history(
        catalogue=catalogue, country=code, item=item, known_on=_end_of(known_on)
    )
    if catalogue is not None and frame.empty and catalogue not in catalogue_ids():
        load_catalogue(catalogue)  # raises NotFoundError naming the catalogues there are
    return frame


def _end_of(moment: dt.datetime | dt.date | None) -> dt.datetime | None:
    if moment is None or isinstance(moment, dt.datetime):
        return moment
    return dt.datetime.combine(moment, dt.time.max)


def history_rows(
    records: Iterable[StatusRecord] | pd.DataFrame,
) -> list[dict[str, object]]:
    """Records (or a history frame) as plain dicts with ``None`` for missing values.

    The rate functions work on these rather than on a DataFrame: a timeline evaluates the state on
    dozens of dates and row-wise pandas access would dominate its cost.
    """
    if isinstance(records, pd.DataFrame):
        rows = records.to_dict(orient="records")
    else:
        rows = [{**r.model_dump(), "seq": n} for n, r in enumerate(records)]
    return [{k: (None if _missing(v) else v) for k, v in row.items()} for row in rows]


def state_rows(
    cat: Catalogue, code: str, day: dt.date, rows: Sequence[dict[str, object]]
) -> list[dict[str, object]]:
    """One dict per catalogue item — or per run of its parts sharing one state — with the latest
    record effective by ``day``.

    A record may cover a whole item, some of its listed parts or a paragraph range of an item
    that lists none (:mod:`haiquan.commitments._parts`). For an itemised item each part takes the
    latest record covering it (later effective date first, then the later recorded); consecutive
    parts with the same record make one row, whose ``part`` names them ("7.7.1-7.7.3") and whose
    ``share`` is the fraction of the item they are. An item whose parts are not listed is counted
    whole from its whole-item records; its paragraph records are named in ``paragraph_records``.
    """
    layout = parts_of(cat)
    coverage_cache: dict[str, Coverage | None] = {}
    whole: dict[str, tuple[tuple[object, int], dict[str, object]]] = {}
    by_part: dict[str, tuple[tuple[object, int], dict[str, object]]] = {}
    paragraphs: dict[str, list[tuple[tuple[object, int], dict[str, object]]]] = {}
    for position, row in enumerate(rows):
        effective = row["effective_date"]
        if row["catalogue"] != cat.id or row["country"] != code:
            continue
        if not isinstance(effective, dt.date) or effective > day:
            continue
        if row.get("approval") == "draft":
            continue  # a draft counts once approved (docs/commitments.md, self-assessment)
        ref = str(row["item"])
        if ref not in coverage_cache:
            coverage_cache[ref] = resolve(ref, layout)
        found = coverage_cache[ref]
        if found is None:
            continue  # an item of another edition of the catalogue
        key = (effective, int(row.get("seq") or position))  # type: ignore[call-overload]
        if found.whole:
            if found.item not in whole or key >= whole[found.item][0]:  # type: ignore[operator]
                whole[found.item] = (key, row)
        elif found.parts is not None:
            for part in found.parts:
                if part not in by_part or key >= by_part[part][0]:  # type: ignore[operator]
                    by_part[part] = (key, row)
        else:
            paragraphs.setdefault(found.item, []).append((key, row))
    result = []
    for group in cat.groups:
        for item in group.items:
            base: dict[str, object] = {
                "catalogue": cat.id,
                "country": code,
                "group": group.id,
                "group_title": group.title,
                "item": item.id,
                "part": None,
                "share": 1.0,
                "title": item.title,
                "type": item.type,
                "units": item.counting_units,
                "due": item.due,
                "paragraph_records": _paragraph_text(paragraphs.get(item.id, [])),
            }
            item_record = whole.get(item.id)
            for parts, record in _segments(item.parts, item_record, by_part):
                state = dict(base)
                if parts is not None:
                    state["part"] = parts[0] if len(parts) == 1 else f"{parts[0]}-{parts[-1]}"
                    state["share"] = len(parts) / len(item.parts)
                    state["units"] = len(parts)
                for column in RECORD_COLUMNS[3:]:
                    state[column] = record.get(column)
                result.append(state)
    return result


def _segments(
    parts: list[str],
    item_record: tuple[tuple[object, int], dict[str, object]] | None,
    by_part: dict[str, tuple[tuple[object, int], dict[str, object]]],
) -> list[tuple[list[str] | None, dict[str, object]]]:
    """Split an item into runs of consecutive parts holding the same latest record."""
    empty: dict[str, object] = {}
    if not parts or not any(p in by_part for p in parts):
        return [(None, item_record[1] if item_record else empty)]
    runs: list[tuple[list[str], int, dict[str, object]]] = []
    for part in parts:
        candidates = [c for c in (item_record, by_part.get(part)) if c is not None]
        best = max(candidates, key=lambda c: c[0]) if candidates else None  # type: ignore[arg-type,return-value]
        record = best[1] if best else empty
        if runs and runs[-1][1] == id(record):
            runs[-1][0].append(part)
        else:
            runs.append(([part], id(record), record))
    if len(runs) == 1 and item_record is not None and runs[0][2] is item_record[1]:
        return [(None, item_record[1])]
    return [(run, record) for run, _, record in runs]


def _paragraph_text(found: list[tuple[tuple[object, int], dict[str, object]]]) -> str | None:
    """"11.5-11.10: B, definitive 2022-03-31 (from 2022-05-06)" for each latest paragraph record."""
    latest: dict[str, tuple[tuple[object, int], dict[str, object]]] = {}
    for key, row in found:
        ref = str(row["item"])
        if ref not in latest or key >= latest[ref][0]:  # type: ignore[operator]
            latest[ref] = (key, row)
    texts = []
    for ref, (_, row) in sorted(latest.items()):
        said = [str(row[c]) for c in ("category", "status") if row.get(c)]
        for column in ("indicative_date", "definitive_date"):
            if row.get(column):
                said.append(f"{column.split('_')[0]} {row[column]}")
        texts.append(f"{ref}: {', '.join(said) or 'note only'} (from {row['effective_date']})")
    return "; ".join(texts) or None


def state_on(
    catalogue: str | Catalogue,
    country: str,
    on: dt.date | None = None,
    *,
    known_on: dt.datetime | dt.date | None = None,
    records: Iterable[StatusRecord] | pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The state of every catalogue item for a country on a date: one row per item.

    Items with no record effective by ``on`` have empty record columns. ``records`` lets a caller
    compute on records held in memory instead of the stored history.

    Args:
        catalogue: catalogue id or a loaded catalogue.
        country: any ISO 3166 code of the country.
        on: the date the state is wanted for (today when ``None``).
        known_on: only records recorded by then (reproduce an earlier report).
        records: records to use instead of the stored history.
    """
    cat = load_catalogue(catalogue) if isinstance(catalogue, str) else catalogue
    code = lookup_country(country).alpha_3
    day = on or dt.date.today()
    if records is None:
        records = status_history(catalogue=cat.id, country=code, known_on=known_on)
    rows = state_rows(cat, code, day, history_rows(records))
    return pd.DataFrame(rows, columns=list(STATE_COLUMNS), dtype=object)


def _missing(value: object) -> bool:
    try:
        return value is None or bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False
