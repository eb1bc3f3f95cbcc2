"""SDMX data messages (IMF, OECD, UN ...): SDMX-ML 2.1 generic or structure-specific, SDMX-JSON.

The ``sdmx1`` package parses the message; this module maps its observations onto the canonical
trade-flow table. SDMX data sets name their components by concept: the SDMX cross-domain concepts
(``REF_AREA``, ``COUNTERPART_AREA``, ``FREQ``, ``UNIT_MEASURE``, ``UNIT_MULT``) that the IMF, the
OECD and the UN use, and the IMF's Direction of Trade indicator codes (docs/data-formats.md lists
them). A data set that names its parts otherwise is refused naming the component it lacks:

* reporter — ``REF_AREA`` (or ``COUNTRY``, ``REPORTER``); partner — ``COUNTERPART_AREA`` (or
  ``COUNTERPART_COUNTRY``, ``PARTNER``). Codes are ISO alpha-2 or alpha-3 (numeric codes are read
  as UN M49); ``W00``, ``W``, ``WLD`` and ``_T`` are the world.
* flow — ``TRADE_FLOW`` or ``FLOW`` (``X``/``EXP``, ``M``/``IMP``, ``RX``, ``RM``) or the IMF's
  ``INDICATOR`` (``TXG_FOB_USD``/``XG_FOB_USD`` exports, ``TMG_CIF_USD``/``MG_CIF_USD`` imports).
  Other indicators (trade balance, imports valued FOB) are set aside and counted: loading them
  would count the same goods twice or store a balance as a flow.
* commodity — ``COMMODITY``, ``PRODUCT`` or ``HS`` when the data set has one (``_T`` is the total),
  else ``TOTAL``; frequency — ``FREQ``, else read from ``TIME_PERIOD``.
* value — ``OBS_VALUE`` times ten to the power ``UNIT_MULT``. Only US dollars are loaded: the unit
  (``UNIT_MEASURE``, ``UNIT`` or ``CURRENCY``) must be USD, or the flow code must say ``_USD``.

A data set that varies by a component haiquan has no column for (seasonal adjustment, price
base ...) would give two values for one canonical row; it is refused, naming the component, rather
than one value silently replacing the other. Observations without a value (``NaN``) are set aside
and counted.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import logging
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pandas as pd

from haiquan.errors import DataFileError, UnknownCodeError
from haiquan.reference.countries import country, partner_code
from haiquan.warehouse.schema import check_trade_flows
from haiquan.warehouse.sources._common import TradeFileRows

__all__ = ["is_sdmx_message", "read", "sdmx_observations"]

_REPORTER = ("REF_AREA", "COUNTRY", "REPORTER", "REPORTING_COUNTRY")
_PARTNER = ("COUNTERPART_AREA", "COUNTERPART_COUNTRY", "PARTNER", "PARTNER_COUNTRY")
_FLOW = ("TRADE_FLOW", "FLOW", "INDICATOR", "MEASURE")
_COMMODITY = ("COMMODITY", "PRODUCT", "HS", "CMD_CODE")
_FREQUENCY = ("FREQ", "FREQUENCY")
_UNIT = ("UNIT_MEASURE", "UNIT", "CURRENCY")
_FLOWS = {
    "X": "export",
    "EXP": "export",
    "EX": "export",
    "TXG_FOB_USD": "export",
    "XG_FOB_USD": "export",
    "M": "import",
    "IMP": "import",
    "IM": "import",
    "TMG_CIF_USD": "import",
    "MG_CIF_USD": "import",
    "RX": "re-export",
    "REX": "re-export",
    "RM": "re-import",
    "RIM": "re-import",
}
_WORLD = {"W00", "W0", "W", "WLD", "_T", "WORLD"}
_TOTAL_COMMODITY = {"_T", "T", "TOTAL", "_Z"}
#: Components that describe an observation without being part of what it measures.
_DESCRIPTIVE = {
    "UNIT_MULT",
    "TIME_FORMAT",
    "OBS_STATUS",
    "OBS_CONF",
    "OBS_PRE_BREAK",
    "DECIMALS",
    "COMMENT",
    "OBS_COMMENT",
    "SOURCE",
    "TITLE",
    "CONF_STATUS",
    "BASE_PER",
    "UNIT_MEASURE",
    "UNIT",
    "CURRENCY",
    "COMPILATION",
    "TIME_PERIOD",
    "OBS_VALUE",
}
_PERIOD = re.compile(r"^(\d{4})(?:-?(?:M?(\d{2})|Q([1-4])))?$")
_SDMX_ML = b"sdmx.org/resources/sdmxml/schemas"


def _head(path: Path, size: int = 1 << 16) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as packed:
                return packed.read(size)
        with open(path, "rb") as plain:
            return plain.read(size)
    except (OSError, EOFError):
        return b""


def is_sdmx_message(path: str | Path) -> bool:
    """Whether a file looks like an SDMX-ML or SDMX-JSON message (from its first 64 KiB).

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.csv").write_text("reporter,partner\\n")
    >>> is_sdmx_message(folder / "a.csv")
    False
    """
    head = _head(Path(path)).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return _SDMX_ML in head
    if head.startswith(b"{"):
        return b'"dataSets"' in head or b'"structure"' in head and b'"header"' in head
    return False


def _plain(value: Any) -> str | None:
    """The code or text of a key value, attribute value or code object."""
    value = getattr(value, "value", value)
    value = getattr(value, "id", value)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


#: Attributes that change what a value means: a message whose SDMX-JSON puts them where sdmx1
#: does not read them (sdmx1 2.x attaches series attributes from the data set's list, and
#: data set attributes not at all) would load values in the wrong unit, so it is refused.
_MEANING = {"UNIT_MULT", "UNIT_MEASURE", "UNIT", "CURRENCY"}


def _refuse_unread_json_attributes(file: Path) -> None:
    head = _head(file, 1).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not (head.startswith(b"{") or file.suffix == ".json"):
        return
    try:
        opener = gzip.open if file.suffix == ".gz" else open
        with opener(file, "rb") as stream:
            document = json.load(stream)
        levels = document.get("structure", {}).get("attributes", {})
        unread = {
            a.get("id")
            for level in ("dataSet", "series")
            for a in levels.get(level, [])
            if isinstance(a, dict) and a.get("id") in _MEANING
        }
    except (ValueError, OSError, EOFError, AttributeError, TypeError):
        return  # sdmx1 reports what is wrong with the message
    if unread:
        raise DataFileError(
            "the SDMX-JSON message gives its unit at series or data-set level, which the SDMX "
            "reader (sdmx1) does not attach to the observations",
            path=str(file),
            expected="UNIT_MULT and UNIT_MEASURE as observation attributes, or an SDMX-ML message",
            got="series or data-set attributes " + ", ".join(sorted(map(str, unread))),
            fix="download the same query as SDMX-ML 2.1 (format=structurespecificdata or "
            "genericdata); nothing was loaded",
        )


def _read_message(file: Path) -> Any:
    import sdmx

    _refuse_unread_json_attributes(file)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            # sdmx1 logs a message without its structure (haiquan reads the components from the
            # message) and prints its parser stacks on a damaged one: noise beside our error.
            logger = logging.getLogger("sdmx")
            level = logger.level
            logger.setLevel(logging.ERROR)
            try:
                if file.suffix == ".gz":
                    with gzip.open(file, "rb") as packed:
                        content = packed.read()
                    return sdmx.read_sdmx(io.BytesIO(content))
                return sdmx.read_sdmx(file)
            finally:
                logger.setLevel(level)
    except Exception as error:  # sdmx1 and lxml raise many kinds; all mean "not readable"
        raise DataFileError(
            "the SDMX message cannot be read",
            path=str(file),
            expected="a complete SDMX-ML 2.1 (generic or structure-specific) or SDMX-JSON "
            "data message",
            got=f"{type(error).__name__}: {error}",
            fix="download the data set again (in SDMX-ML 2.1 or SDMX-JSON); nothing was loaded",
        ) from error


def _observations(message: Any) -> Iterator[dict[str, str | None]]:
    for data_set in message.data:
        base = {k: _plain(v) for k, v in (data_set.attrib or {}).items()}
        for observation in data_set.obs:
            row = dict(base)
            key = observation.series_key
            if key is not None:
                row.update({k: _plain(v) for k, v in key.values.items()})
                row.update({k: _plain(v) for k, v in (key.attrib or {}).items()})
            if observation.dimension is not None:
                row.update({k: _plain(v) for k, v in observation.dimension.values.items()})
            row.update({k: _plain(v) for k, v in (observation.attrib or {}).items()})
            row["OBS_VALUE"] = _plain(observation.value)
            yield row


def _source(message: Any) -> str:
    """``sdmx-<agency>-<data set>``, e.g. ``sdmx-imf-imts``, from the structure referenced."""
    parts = ["sdmx"]
    for data_set in message.data:
        structure = data_set.structured_by
        if structure is not None:
            agency = _plain(getattr(structure, "maintainer", None))
            parts += [p for p in (agency, _plain(structure)) if p]
            break
    else:
        sender = _plain(getattr(message.header, "sender", None))
        if sender:
            parts.append(sender)
    return "-".join(p.lower() for p in parts)


def sdmx_observations(path: str | Path) -> pd.DataFrame:
    """Every observation of an SDMX data message, one row each, one text column per component.

    Dimensions and attributes (of the data set, series and observation) become columns named by
    their SDMX id; the value is ``OBS_VALUE``. Useful to look at a data set that :func:`read`
    refuses.

    Raises:
        DataFileError: the file is not a readable SDMX data message, or holds no observation.
    """
    return _observations_and_source(Path(path))[0]


def _observations_and_source(file: Path) -> tuple[pd.DataFrame, str]:
    message = _read_message(file)
    data = getattr(message, "data", None)
    if not data:
        raise DataFileError(
            "the SDMX message holds no data set",
            path=str(file),
            expected="an SDMX data message (observations)",
            got=f"a {type(message).__name__} (structures or metadata only)",
            fix="download the data (…/data/… query), not the structure; nothing was loaded",
        )
    frame = pd.DataFrame.from_records(list(_observations(message)))
    if frame.empty:
        raise DataFileError(
            "the SDMX message holds no observation",
            path=str(file),
            expected="at least one observation",
            got="data sets without observations",
            fix="widen the query (periods, countries) and download again; nothing was loaded",
        )
    return frame, _source(message)


def _first(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    return next((n for n in names if n in frame.columns), None)


def _problems(values: pd.Series, column: str, problem: str) -> list[dict]:
    # An SDMX message has no row numbers: "row" counts observations from 1, in message order.
    return [
        {
            "row": int(cast(int, i)) + 1,
            "column": column,
            "value": None if pd.isna(v) else str(v),
            "problem": problem,
        }
        for i, v in values.head(20).items()
    ]


def _area(code: str | None) -> str | None:
    if code is None:
        return None
    upper = code.upper()
    if upper in _WORLD:
        return "WORLD"
    try:
        return country(upper).alpha_3
    except UnknownCodeError:
        pass
    try:
        return partner_code(code)
    except UnknownCodeError:
        return None


def _areas(values: pd.Series, file: Path, column: str) -> pd.Series:
    lookup = {c: _area(c) for c in values.dropna().unique()}
    mapped = values.map(lookup)
    unknown = mapped.isna()
    if unknown.any():
        raise DataFileError(
            f"{int(unknown.sum())} observation(s) name an area haiquan does not know; "
            "nothing was loaded",
            path=str(file),
            problems=_problems(
                values[unknown],
                column,
                "expected an ISO 3166 alpha-2 or alpha-3 code, an M49 number, "
                "or a world code (W00, W, WLD, _T)",
            ),
            total_bad_rows=int(unknown.sum()),
            fix="add the area to haiquan/reference/data/country_aliases.yaml (groups: for an "
            "aggregate), or leave it out of the query",
        )
    return mapped


def _period(period: str | None, stated: str | None) -> tuple[str | None, str | None]:
    """(frequency, canonical period) of an SDMX ``TIME_PERIOD`` such as 2020, 2020-01, 2020-Q1."""
    match = _PERIOD.match(period or "")
    if match is None:
        return stated, period
    year, month, quarter = match.groups()
    if month is not None:
        return stated or "M", f"{year}-{month}"
    if quarter is not None:
        return stated or "Q", f"{year}Q{quarter}"
    return stated or "A", year


def _require(frame: pd.DataFrame, names: tuple[str, ...], what: str, file: Path) -> str:
    found = _first(frame, names)
    if found is None:
        raise DataFileError(
            f"the SDMX data set has no {what}: it is not bilateral trade",
            path=str(file),
            expected=f"a component {' or '.join(names)}",
            got="components " + ", ".join(map(str, frame.columns)),
            fix="load a trade data set (IMF IMTS/DOTS, OECD IMTS or bilateral trade); "
            "nothing was loaded",
        )
    return found


def read(path: str | Path) -> TradeFileRows:
    """Canonical trade-flow rows of an SDMX data message, and the observations set aside.

    Raises:
        DataFileError: an unreadable message, a data set that is not bilateral trade in US
            dollars, unknown areas or flows, or components with more than one value that the
            canonical table has no column for. Nothing is returned in that case.
    """
    file = Path(path)
    raw, source = _observations_and_source(file)
    if "TIME_PERIOD" not in raw.columns:
        raise DataFileError(
            "the SDMX data set has no TIME_PERIOD",
            path=str(file),
            expected="observations by TIME_PERIOD (a time series)",
            got="components " + ", ".join(map(str, raw.columns)),
            fix="download the data set as time series; nothing was loaded",
        )
    reporter = _require(raw, _REPORTER, "reporting area (REF_AREA)", file)
    partner = _require(raw, _PARTNER, "counterpart area (COUNTERPART_AREA)", file)
    flow_column = _require(raw, _FLOW, "trade flow (TRADE_FLOW, FLOW or INDICATOR)", file)
    flow_codes = raw[flow_column].str.upper()
    flows = flow_codes.map(_FLOWS)
    values = pd.to_numeric(raw["OBS_VALUE"], errors="coerce")
    aside: list[dict[str, object]] = []
    other = flows.isna()
    if other.any():
        codes = ", ".join(sorted(flow_codes[other].dropna().unique())[:10])
        aside.append(
            {
                "rows": int(other.sum()),
                "reason": f"SDMX {flow_column} codes that are "
                f"not an export or import value ({codes})",
            }
        )
    empty = raw["OBS_VALUE"].isna() | raw["OBS_VALUE"].str.lower().isin(["nan", "na", ""])
    empty &= ~other
    if empty.any():
        aside.append({"rows": int(empty.sum()), "reason": "SDMX observations without a value"})
    kept = ~(other | empty)
    if not kept.any():
        raise DataFileError(
            "no observation of the SDMX data set is an export or import value",
            path=str(file),
            expected=f"{flow_column} codes such as " + ", ".join(sorted(_FLOWS)[:8]),
            got=f"{flow_column} codes " + ", ".join(sorted(flow_codes.dropna().unique())[:10]),
            fix="query the export and import series of the data set; nothing was loaded",
        )
    raw, flows, flow_codes, values = raw[kept], flows[kept], flow_codes[kept], values[kept]
    _require_dollars(raw, flow_codes, flow_column, file)
    multiplier = (
        pd.to_numeric(raw["UNIT_MULT"], errors="coerce").fillna(0)
        if "UNIT_MULT" in raw.columns
        else pd.Series(0, index=raw.index)
    )
    stated_column = _first(raw, _FREQUENCY)
    stated = (
        raw[stated_column].str.upper()
        if stated_column
        else pd.Series(None, index=raw.index, dtype="object")
    )
    pairs = [_period(p, s) for p, s in zip(raw["TIME_PERIOD"], stated, strict=True)]
    commodity_column = _first(raw, _COMMODITY)
    commodity = (
        raw[commodity_column].str.upper().map(lambda c: "TOTAL" if c in _TOTAL_COMMODITY else c)
        if commodity_column
        else "TOTAL"
    )
    frame = pd.DataFrame(
        {
            "reporter": _areas(raw[reporter], file, reporter),
            "partner": _areas(raw[partner], file, partner),
            "flow": flows,
            "frequency": [f for f, _ in pairs],
            "period": [p for _, p in pairs],
            "commodity": commodity,
            "value_usd": values * 10.0**multiplier,
            "source": source,
            "is_mirror": False,
            "partner_name": raw[partner],
        },
        index=raw.index,
    )
    frame.index = frame.index - 1  # check_trade_flows counts a header row; SDMX has none
    checked = check_trade_flows(frame, path=str(file))
    _refuse_repeats(
        checked,
        raw.reset_index(drop=True),
        {reporter, partner, flow_column, stated_column, commodity_column},
        file,
    )
    return TradeFileRows(rows=checked, set_aside=aside)


def _require_dollars(
    raw: pd.DataFrame, flow_codes: pd.Series, flow_column: str, file: Path
) -> None:
    unit_column = _first(raw, _UNIT)
    if unit_column is not None:
        shown = raw[unit_column]
        bad = ~shown.str.upper().str.startswith("USD").fillna(False).astype(bool)
        column, problem = unit_column, "expected US dollars (USD)"
    else:
        shown = flow_codes
        bad = ~flow_codes.str.endswith("_USD").fillna(False).astype(bool)
        column, problem = flow_column, "no UNIT_MEASURE, and the flow code does not say _USD"
    if bad.any():
        raise DataFileError(
            "the SDMX data set is not (or not said to be) valued in US dollars; haiquan's "
            "table holds US dollars",
            path=str(file),
            problems=_problems(shown[bad], column, problem),
            total_bad_rows=int(bad.sum()),
            fix="query the data set in US dollars, with its UNIT_MEASURE attribute "
            "(UNIT_MEASURE=USD); nothing was loaded",
        )


def _refuse_repeats(
    checked: pd.DataFrame, raw: pd.DataFrame, used: set[str | None], file: Path
) -> None:
    """Refuse a data set with two observations for one canonical row (e.g. SA and NSA)."""
    key = ["reporter", "partner", "flow", "frequency", "period", "commodity"]
    repeated = checked.duplicated(key, keep=False)
    if not repeated.any():
        return
    varying = [
        column
        for column in raw.columns
        if column not in used
        and column not in _DESCRIPTIVE
        and raw.loc[repeated.to_numpy(), column].nunique(dropna=False) > 1
    ]
    named = (
        ", ".join(
            f"{c} ({', '.join(sorted(map(str, raw[c].dropna().unique()))[:5])})" for c in varying
        )
        or "no component (the same observation is repeated)"
    )
    raise DataFileError(
        "the SDMX data set has more than one observation for one reporter, partner, flow, "
        "period and commodity; nothing was loaded",
        path=str(file),
        expected="one value of every component haiquan's table has no column for",
        got=f"{int(repeated.sum())} observations vary by {named}",
        fix="query one value of "
        + (", ".join(varying) or "each component")
        + " and download again",
    )
