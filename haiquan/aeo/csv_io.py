"""AEO registry import and export as CSV.

Import is all or nothing: every row is checked first and the file is refused, naming each bad row
(row numbers count the header as row 1) and the fix.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from haiquan._files import write_atomically
from haiquan.aeo.models import OperatorCreate
from haiquan.aeo.registry import AeoRegistry
from haiquan.errors import DataFileError

__all__ = ["CSV_COLUMNS", "export_operators_csv", "import_operators_csv"]

CSV_COLUMNS = ("aeo_id", "name", "tin", "address", "sector", "roles", "granted_on", "valid_until")
_REQUIRED = ("aeo_id", "name", "granted_on")
_EXTRA = "\x00values beyond the header"  # csv.DictReader's restkey: cannot be a column name


def _read_rows(path: Path) -> list[dict[str, Any]]:
    try:
        # utf-8-sig: spreadsheet programs save "CSV UTF-8" with a byte-order mark, which would
        # otherwise stick to the first column's name.
        with open(path, newline="", encoding="utf-8-sig") as stream:
            reader = csv.DictReader(stream, restkey=_EXTRA)
            header = reader.fieldnames or []
            missing = [c for c in _REQUIRED if c not in header]
            if missing:
                raise DataFileError(
                    "the AEO file lacks required columns", path=str(path),
                    expected="columns " + ", ".join(CSV_COLUMNS) + " (aeo_id, name, granted_on "
                    "required)",
                    got="columns " + ", ".join(header),
                    fix="add the columns " + ", ".join(missing),
                )
            return list(reader)
    except (OSError, UnicodeDecodeError) as error:
        raise DataFileError("the AEO file cannot be read", path=str(path),
                            expected="a UTF-8 CSV file", got=str(error),
                            fix="check the path and save the file as UTF-8 CSV") from error


def import_operators_csv(registry: AeoRegistry, path: str | Path) -> int:
    """Register every operator in a CSV file; returns how many."""
    file = Path(path)
    rows = _read_rows(file)
    operators: list[OperatorCreate] = []
    problems: list[dict[str, object]] = []
    first_row: dict[str, int] = {}  # aeo_id -> the row that first names it
    for index, row in enumerate(rows):
        extra = row.pop(_EXTRA, None)
        if extra:
            # More values than columns: an unquoted comma (often in a name or an address)
            # shifted every value after it into the wrong column.
            problems.append({"row": index + 2, "column": None,
                             "problem": f"{len(row) + len(extra)} values for {len(row)} columns;"
                             " put a value holding a comma in double quotes"})
            continue
        values: dict[str, object] = {
            k: (v.strip() if isinstance(v, str) else v)
            for k, v in row.items() if k in CSV_COLUMNS and v not in (None, "")
        }
        if "roles" in values:
            values["roles"] = [r.strip() for r in str(values["roles"]).split(";") if r.strip()]
        try:
            operator = OperatorCreate.model_validate(values)
        except PydanticValidationError as error:
            for detail in error.errors():
                column = ".".join(str(p) for p in detail["loc"][:1]) or None
                problems.append({"row": index + 2, "column": column,
                                 "value": row.get(column) if column else None,
                                 "problem": detail["msg"]})
            continue
        if operator.aeo_id in first_row:
            problems.append({"row": index + 2, "column": "aeo_id", "value": row.get("aeo_id"),
                             "problem": f"{operator.aeo_id} is also in row "
                             f"{first_row[operator.aeo_id]}; an authorisation number is "
                             "registered once"})
            continue
        first_row[operator.aeo_id] = index + 2
        operators.append(operator)
    if problems:
        raise DataFileError(
            f"{len({p['row'] for p in problems})} bad row(s) in the AEO file; nothing was imported",
            path=str(file), problems=problems, total_bad_rows=len(problems),
            fix="dates as YYYY-MM-DD, aeo_id of 3-35 capitals/digits/-/_ once per file, roles "
            "separated by ;, values holding a comma in double quotes",
        )
    if not operators:
        raise DataFileError(
            "the AEO file holds no operators; nothing was imported",
            path=str(file), expected="one row per operator under the header",
            got="a header and no rows",
            fix="export the operators again, or check that the right file was given",
        )
    return registry.add_operators(operators)


def export_operators_csv(registry: AeoRegistry, path: str | Path,
                         on: dt.date | None = None) -> Path:
    """Write every home operator with its status on ``on`` to CSV."""
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        [operator.aeo_id, operator.name, operator.tin or "", operator.address or "",
         operator.sector or "", ";".join(operator.roles), operator.granted_on.isoformat(),
         operator.valid_until.isoformat() if operator.valid_until else "",
         operator.status.value, operator.status_since.isoformat()]
        for operator in registry.operators(on)
    ]

    def write(temporary: Path) -> None:
        with open(temporary, "w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow([*CSV_COLUMNS, "status", "status_since"])
            writer.writerows(rows)

    return write_atomically(file, write)
