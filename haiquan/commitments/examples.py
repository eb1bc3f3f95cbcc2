"""Real example records: Viet Nam's known TFA notifications and ASEAN milestones.

Viet Nam's TFA facts are read in place from ``../shared/data/commitments/wto-tfa/
vietnam_tfa_notifications.csv`` (hand-compiled from WTO/TFAD pages; see its SOURCE.md) and turned
into status records; nothing derived from it is stored in this repository. The file holds only
what public pages showed: category shifts and date changes of notification G/TFA/N/VNM/1/Add.1
(6 May 2022) for a few measures, and two TFAD schedule pages. Viet Nam's full item-level schedule
is not in it, so most measures stay "not designated / not recorded" and the resulting rate is
not Viet Nam's TFAD percentage.

How each fact becomes records:

* the state *before* Add.1 is dated at the original notification G/TFA/N/VNM/1 (16 Nov 2018),
  the state *after* at Add.1's date;
* "X -> Y" category shifts and "d1 -> d2" date changes give the before and after values;
* a TFAD schedule row (no date) gives the current schedule; when it says "notified C then B" the
  first category is the before state;
* a provision given as a paragraph range (11.5-11.10) is recorded on that range with its own
  category; since the packaged catalogue does not list Article 11's notifiable items, the
  measure is still counted whole and the rate says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Any

import pandas as pd

from haiquan.commitments.records import StatusRecord
from haiquan.commitments.status import LoadResult, load_records
from haiquan.commitments.status_file import read_status_file
from haiquan.dates import parse_day
from haiquan.errors import DataFileError, NotFoundError
from haiquan.settings import get_settings

__all__ = [
    "EXAMPLES",
    "asean_example_file",
    "load_example",
    "tfa_notification_records",
    "vietnam_tfa_file",
]

_DATE = re.compile(r"(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* (\d{4})")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}
_COLUMNS = ("date", "document", "event", "provision", "detail", "source")

#: Example names accepted by :func:`load_example`.
EXAMPLES: dict[str, str] = {
    "vietnam-tfa": "Viet Nam's known TFA notifications (from ../shared/data, read in place)",
    "vietnam-asean": "Viet Nam's ASEAN milestones with sources (packaged YAML status file)",
}


def vietnam_tfa_file() -> Path:
    """The shared-data CSV of Viet Nam's TFA notification facts."""
    return get_settings().shared_data / "commitments" / "wto-tfa" / "vietnam_tfa_notifications.csv"


def asean_example_file() -> Path:
    """The packaged status file of Viet Nam's ASEAN milestones (a YAML status-file example)."""
    return Path(__file__).resolve().parent / "examples" / "vnm_asean.yaml"


def _dates(text: str) -> list[dt.date]:
    return [dt.date(int(y), _MONTHS[m], int(d)) for d, m, y in _DATE.findall(text)]


def tfa_notification_records(
    path: Path | str | None = None, country: str = "VNM"
) -> list[StatusRecord]:
    """Turn a TFA notification-facts CSV (the shared-data format) into status records.

    Raises:
        DataFileError: the file is missing, lacks the expected columns, or has no base
            notification (``G/TFA/N/<country>/1``) to date the original schedule.
    """
    path = Path(path) if path is not None else vietnam_tfa_file()
    if not path.is_file():
        raise DataFileError(
            "TFA notification file not found",
            path=str(path),
            expected="../shared/data/commitments/wto-tfa/vietnam_tfa_notifications.csv",
            got="no such file",
            fix="set HAIQUAN_SHARED_DATA to the folder holding the shared data sets",
        )
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in _COLUMNS if c not in frame.columns]
    if missing:
        raise DataFileError(
            "TFA notification file lacks columns",
            path=str(path),
            expected=", ".join(_COLUMNS),
            got=", ".join(frame.columns),
            fix="use the format of the shared-data file",
        )
    base_doc = f"G/TFA/N/{country}/1"
    base_rows = frame[frame["document"] == base_doc]
    base_day = parse_day(base_rows["date"].iloc[0].strip()) if len(base_rows) else None
    if base_day is None:
        raise DataFileError(
            "no dated base notification",
            path=str(path),
            expected=f"a row for {base_doc} with a YYYY-MM-DD date",
            got="none",
            fix="add the original category notification",
        )
    before: dict[str, dict[str, Any]] = {}
    after: dict[str, dict[str, Any]] = {}
    after_day: dict[str, dt.date] = {}
    notes: dict[str, list[str]] = {}
    sources: dict[str, list[str]] = {}
    for row in frame.to_dict(orient="records"):
        provision, detail, event = row["provision"].strip(), row["detail"], row["event"]
        if not provision:
            continue
        # A paragraph range (11.5-11.10) is recorded on that range with its own category: the
        # paragraphs outside it may differ (Viet Nam's Add.1 moved only 11.5-11.15 to B).
        measure = provision
        notes.setdefault(measure, []).append(f"{row['document'] or 'TFAD'}: {detail}")
        sources.setdefault(measure, []).append(row["source"])
        day = parse_day(row["date"].strip())
        b, a = before.setdefault(measure, {}), after.setdefault(measure, {})
        if day is not None:
            after_day[measure] = day
        dates = _dates(detail)
        if event == "category_shift":
            shift = re.search(r"\b([ABC])\s*->\s*([ABC])\b", detail)
            if shift:
                b["category"], a["category"] = shift.group(1), shift.group(2)
        elif event == "definitive_date_shortened":
            if "->" in detail and len(dates) >= 2:
                b["definitive_date"], a["definitive_date"] = dates[0], dates[1]
            elif dates:
                b["definitive_date"], a["definitive_date"] = dates[0], None
        elif event == "schedule":
            then = re.search(r"notified ([ABC]) then ([ABC])", detail)
            category = re.search(r"Category ([ABC])", detail)
            if then:
                b["category"], a["category"] = then.group(1), then.group(2)
            elif category:
                b.setdefault("category", category.group(1))
                a.setdefault("category", category.group(1))
            both = re.search(r"indicative and definitive date (\d{1,2} \w+ \d{4})", detail)
            indicative = re.search(r"indicative (\d{1,2} \w+ \d{4})", detail)
            definitive = re.search(r"definitive (\d{1,2} \w+ \d{4})", detail)
            if both:
                day_both = _dates(both.group(1))[0]
                for state in (b, a):
                    state.setdefault("indicative_date", day_both)
                    state.setdefault("definitive_date", day_both)
            else:
                if indicative:
                    for state in (b, a):
                        state.setdefault("indicative_date", _dates(indicative.group(1))[0])
                if definitive:
                    a["definitive_date"] = _dates(definitive.group(1))[0]
                    if not then:
                        b.setdefault("definitive_date", a["definitive_date"])
    records: list[StatusRecord] = []
    for measure in sorted(set(before) | set(after), key=_measure_key):
        b, a = before.get(measure, {}), after.get(measure, {})
        note = " | ".join(notes.get(measure, []))
        source = "; ".join(dict.fromkeys(sources.get(measure, [])))
        common: dict[str, Any] = {
            "catalogue": "wto_tfa",
            "item": measure,
            "country": country,
            "source": source,
        }
        if b:
            inferred = f"schedule as notified in {base_doc} (inferred from later changes) | {note}"
            records.append(
                StatusRecord.model_validate(
                    {**common, "effective_date": base_day, "note": inferred, **b}
                )
            )
        changed = measure in after_day and (a != b or not b)
        if changed:
            records.append(
                StatusRecord.model_validate(
                    {**common, "effective_date": after_day[measure], "note": note, **b, **a}
                )
            )
    return records


def _measure_key(measure: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", measure))


def load_example(name: str) -> LoadResult:
    """Load one of :data:`EXAMPLES` into the status history (a second load stores nothing)."""
    if name == "vietnam-tfa":
        path = vietnam_tfa_file()
        records = tfa_notification_records(path)
    elif name == "vietnam-asean":
        path = asean_example_file()
        records = read_status_file(path)
    else:
        raise NotFoundError(
            f"no example {name!r}",
            expected=f"one of {', '.join(EXAMPLES)}",
            got=repr(name),
            fix="list them with `haiquan commitments load-example --help`",
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return load_records(records, origin=f"example {name}: {path}", sha256=digest)
