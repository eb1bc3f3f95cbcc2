"""Read declaration files (KCS or canonical layout) into the canonical DataFrame, refusing bad rows.

The reader is strict because a risk model silently fed a shifted column or an HS code that lost
its leading zero scores nonsense: every problem is reported with its row number (the header is
row 1, as a spreadsheet shows it), and nothing is returned when any row is bad.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from haiquan.declarations.columns import (
    _SPECS,
    DECLARATION_COLUMNS,
    KCS_COLUMNS,
    REQUIRED_COLUMNS,
    UNKNOWN_COUNTRY,
)
from haiquan.errors import DataFileError, UnknownCodeError
from haiquan.reference.countries import country

__all__ = [
    "Layout",
    "missing_optional_columns",
    "normalise_declarations",
    "read_declarations",
    "synthetic_provenance",
]

Layout = Literal["kcs", "canonical"]

_HS = re.compile(r"^\d{6,10}$")
_MAX_PROBLEMS = 50


def read_declarations(path: str | Path, layout: Layout = "kcs") -> pd.DataFrame:
    """Read a CSV of declarations into the canonical columns (:data:`DECLARATION_COLUMNS`).

    Args:
        path: a UTF-8 CSV file with a header row.
        layout: ``"kcs"`` for the Korea Customs Service layout (``Declaration ID`` ...),
            ``"canonical"`` for haiquan's own column names.

    Returns:
        One row per goods item; text columns hold ``str`` (``None`` when empty), ``date`` is a
        day-precision datetime, numbers are floats, labels are nullable integers.

    Raises:
        DataFileError: the file is missing, has missing columns or bad values (all bad rows are
            counted, the first ones are listed with the fix).
    """
    file = Path(path)
    if not file.is_file():
        raise DataFileError(
            "declaration file not found",
            path=str(file),
            expected="an existing CSV file",
            got="no such file",
            fix="check the path",
        )
    try:
        raw = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise DataFileError(
            "the declaration file is not a readable CSV",
            path=str(file),
            expected="a UTF-8 CSV with a header row and comma separators",
            got=type(error).__name__ + ": " + str(error).splitlines()[0],
            fix="export the file again as UTF-8 CSV",
        ) from error
    return normalise_declarations(raw, layout=layout, source=str(file))


def normalise_declarations(
    frame: pd.DataFrame, layout: Layout = "canonical", source: str | None = None
) -> pd.DataFrame:
    """Validate and convert an already loaded table (e.g. from DuckDB or an upload).

    Args:
        frame: the table; values may be text or already typed.
        layout: column names in use, as for :func:`read_declarations`.
        source: a name for the table in error messages (a path or ``"request"``).

    Raises:
        DataFileError: as :func:`read_declarations`.
    """
    if layout == "kcs":
        missing_kcs = [
            name
            for name in KCS_COLUMNS
            if name not in frame.columns and KCS_COLUMNS[name] in REQUIRED_COLUMNS
        ]
        if missing_kcs:
            raise DataFileError(
                "the file lacks columns of the KCS declaration layout",
                path=source,
                expected="the KCS header: " + ", ".join(KCS_COLUMNS),
                got="missing " + ", ".join(missing_kcs),
                fix="add the missing columns, or pass layout='canonical' (--layout canonical) "
                "for a file with haiquan's column names",
            )
        frame = frame.rename(columns=KCS_COLUMNS)
    elif layout != "canonical":
        raise DataFileError(
            "unknown declaration layout",
            path=source,
            expected="'kcs' or 'canonical'",
            got=repr(layout),
            fix="choose one of the two layouts",
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in frame.columns]
    if missing:
        kcs_header = layout == "canonical" and all(
            name in frame.columns for name in KCS_COLUMNS if KCS_COLUMNS[name] in missing)
        raise DataFileError(
            "the file lacks required declaration columns",
            path=source,
            expected="the columns " + ", ".join(REQUIRED_COLUMNS),
            got="missing " + ", ".join(missing),
            # The KCS header read as canonical lacks every column by name: say which it is.
            fix="the file has the KCS layout's header: pass layout='kcs' (--layout kcs)"
            if kcs_header else "add the missing columns (see docs/data-formats-declarations.md)",
        )
    problems: list[dict[str, Any]] = []
    bad_rows: set[int] = set()
    n = len(frame)
    out: dict[str, Any] = {}
    for spec in _SPECS:
        if spec.name in frame.columns:
            text = _as_text(frame[spec.name])
        else:
            text = np.full(n, "", dtype=object)
        converted, bad = _convert(spec.name, spec.kind, spec.required, text, layout)
        out[spec.name] = converted
        for index, problem in bad:
            bad_rows.add(index)
            if len(problems) < _MAX_PROBLEMS:
                problems.append(
                    {
                        "row": index + 2,
                        "column": spec.name,
                        "value": text[index],
                        "problem": problem,
                    }
                )
    result = pd.DataFrame(out, columns=list(DECLARATION_COLUMNS))
    for index, problem in _label_consistency(result):
        bad_rows.add(index)
        if len(problems) < _MAX_PROBLEMS:
            problems.append({"row": index + 2, "column": "critical_fraud", "problem": problem})
    duplicated = result.duplicated(["declaration_id", "item_number"], keep="first").to_numpy()
    for dup in np.flatnonzero(duplicated).tolist():
        index = int(dup)
        bad_rows.add(index)
        if len(problems) < _MAX_PROBLEMS:
            problems.append(
                {
                    "row": int(index) + 2,
                    "column": "declaration_id",
                    "value": result["declaration_id"].iat[index],
                    "problem": "the same declaration_id and item_number appear on an earlier row",
                }
            )
    if bad_rows:
        problems.sort(key=lambda p: p["row"])
        raise DataFileError(
            "the declaration file has bad values; nothing was read",
            path=source,
            problems=problems,
            total_bad_rows=len(bad_rows),
            expected="values as described in docs/data-formats-declarations.md",
            got=f"{len(bad_rows)} bad row(s) of {n}",
            fix="correct the listed rows (row numbers count the header as row 1) and read again",
        )
    if layout == "kcs":
        result["currency"] = result["currency"].where(result["currency"].notna(), "KRW")
    return result


def _as_text(column: pd.Series) -> np.ndarray:
    """Values as stripped text; missing values become ''."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.dt.strftime("%Y-%m-%d").fillna("").to_numpy(dtype=object)
    if column.dtype != object or not column.map(type).eq(str).all():
        column = column.astype("string").fillna("")
    return column.str.strip().to_numpy(dtype=object)


def _convert(
    name: str, kind: str, required: bool, text: np.ndarray, layout: str
) -> tuple[Any, list[tuple[int, str]]]:
    empty = text == ""
    bad: list[tuple[int, str]] = []
    if required and kind not in ("label",):
        bad.extend((int(i), "a value is required") for i in np.flatnonzero(empty))
    if kind in ("id", "code"):
        return _none_if_empty(text, empty), bad
    if kind == "date":
        parsed = pd.to_datetime(pd.Series(text), format="%Y-%m-%d", errors="coerce")
        wrong = parsed.isna().to_numpy() & ~empty
        bad.extend((int(i), "expected a date written YYYY-MM-DD") for i in np.flatnonzero(wrong))
        return parsed.to_numpy(dtype="datetime64[ns]"), bad
    if kind == "hs":
        for i in np.flatnonzero(~empty):
            value = text[i]
            if not _HS.match(value):
                if value.isdigit() and len(value) < 6:
                    problem = (
                        "expected 6 to 10 digits; this looks like an HS code that lost its leading "
                        "zero(s): keep the column as text (quote it) when saving"
                    )
                else:
                    problem = "expected an HS code of 6 to 10 digits as text, e.g. 080450"
                bad.append((int(i), problem))
        return _none_if_empty(text, empty), bad
    if kind == "country":
        return _countries(text, empty, bad)
    if kind == "number":
        numbers = pd.to_numeric(pd.Series(text), errors="coerce").to_numpy(dtype=float)
        wrong = (np.isnan(numbers) | (numbers < 0) | np.isinf(numbers)) & ~empty
        bad.extend(
            (int(i), "expected a number >= 0 (use . as decimal mark)")
            for i in np.flatnonzero(wrong)
        )
        return numbers, bad
    if kind == "int":
        numbers = pd.to_numeric(pd.Series(np.where(empty, "1", text)), errors="coerce").to_numpy(
            dtype=float
        )
        wrong = np.isnan(numbers) | (numbers < 1) | (numbers != np.floor(numbers))
        bad.extend((int(i), "expected a whole number >= 1") for i in np.flatnonzero(wrong))
        return np.where(wrong, 1, numbers).astype(np.int64), bad
    allowed = {"fraud": ("0", "1"), "critical_fraud": ("0", "1", "2")}[name]
    normalised = np.array([v[:-2] if v.endswith(".0") else v for v in text], dtype=object)
    wrong = ~np.isin(normalised, allowed) & ~empty
    bad.extend(
        (int(i), f"expected one of {', '.join(allowed)} or empty (not inspected)")
        for i in np.flatnonzero(wrong)
    )
    values = pd.array(
        [None if (e or w) else int(v) for v, e, w in zip(normalised, empty, wrong, strict=True)],
        dtype="Int8",
    )
    return values, bad


def _none_if_empty(text: np.ndarray, empty: np.ndarray) -> np.ndarray:
    out = text.copy()
    out[empty] = None
    return out


def _countries(
    text: np.ndarray, empty: np.ndarray, bad: list[tuple[int, str]]
) -> tuple[np.ndarray, list[tuple[int, str]]]:
    mapping: dict[str, str | None] = {}
    for code in set(text[~empty].tolist()):
        upper = code.upper()
        if upper in ("ZZ", "ZZZ"):
            mapping[code] = UNKNOWN_COUNTRY
            continue
        try:
            mapping[code] = country(upper).alpha_3 if upper.isalpha() else None
        except UnknownCodeError:
            mapping[code] = None
    mapping[""] = None
    out = pd.Series(text).map(mapping).to_numpy(dtype=object)
    unknown = pd.isna(out) & ~empty
    bad.extend(
        (int(i), "expected an ISO 3166 alpha-2 or alpha-3 country code (ZZ if unknown)")
        for i in np.flatnonzero(unknown)
    )
    out[pd.isna(out)] = None
    return out, bad


def _label_consistency(result: pd.DataFrame) -> Iterable[tuple[int, str]]:
    fraud = result["fraud"]
    critical = result["critical_fraud"]
    both = fraud.notna() & critical.notna()
    clash = both & ((fraud == 1) != critical.isin([1, 2]))
    for index in np.flatnonzero(clash.to_numpy(dtype=bool)):
        yield int(index), "fraud must be 1 exactly when critical_fraud is 1 or 2"


#: Optional columns whose absence changes risk scores (history of these parties, codes the
#: model reads); a label column or the currency missing does not.
_SCORED_OPTIONAL = ("seller", "courier", "import_type", "import_use", "payment_type",
                    "origin_indicator", "item_number")


def missing_optional_columns(path: str | Path, layout: Layout = "kcs") -> list[str]:
    """Optional columns the model reads that the file's header lacks, as the file names them.

    The reader fills them as empty, so the file is scored — but not as one that has them (a
    missing courier column makes every courier's history unknown): the caller warns.
    """
    import csv

    with open(path, encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    names = {KCS_COLUMNS.get(h, h) if layout == "kcs" else h for h in header}
    by_canonical = {v: k for k, v in KCS_COLUMNS.items()}
    return [by_canonical.get(c, c) if layout == "kcs" else c
            for c in _SCORED_OPTIONAL if c not in names and (layout != "kcs" or c in by_canonical)]


def synthetic_provenance(path: str | Path) -> str | None:
    """What a declarations file is, when it is a published synthetic data set, else ``None``.

    Known by content (the SHA-256 of the files listed in ``known_synthetic.yaml``) or by the
    dataset's own naming of its synthetic splits (``df_syn_*``). A model trained on such a file
    is marked synthetic wherever it is shown.
    """
    import hashlib
    from importlib import resources

    from haiquan import yaml_text

    text = resources.files("haiquan.declarations").joinpath("known_synthetic.yaml")
    known = yaml_text.parse(text.read_text("utf-8"),
                            source="haiquan/declarations/known_synthetic.yaml")
    file = Path(path)
    for prefix in known.get("name_prefixes", []):
        if file.name.startswith(prefix):
            return f"{file.name}: published synthetic declarations ({prefix}* files)"
    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    for entry in known.get("files", []):
        if entry["sha256"] == digest:
            return f"{entry['name']}, {entry['how']}"
    return None
