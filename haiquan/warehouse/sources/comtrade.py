"""UN Comtrade CSV exports: the current site's "Get data" CSV and the legacy site's CSV.

Analysts download Comtrade data in two layouts (docs/data-formats.md names the columns and
where they are documented):

* **comtrade** — the current site (comtradeplus) and its API (``comtradeapicall``): camel-case
  columns ``freqCode``, ``period``, ``reporterISO``, ``flowCode``, ``partnerISO``, ``cmdCode``,
  ``primaryValue`` ...;
* **comtrade-legacy** — the legacy site's CSV: ``Classification``, ``Year``, ``Period``,
  ``Trade Flow Code``, ``Reporter ISO``, ``Partner ISO``, ``Commodity Code``,
  ``Trade Value (US$)`` ...

Values are in US dollars (not millions). Only goods trade classified in the Harmonized System is
loaded: a SITC or BEC code is not an HS code even where it has two digits, so a file in another
classification (or of services) is refused whole rather than stored under wrong commodity codes.

Rows that would count the same goods twice are set aside and counted in the load record
(:attr:`TradeFileRows.set_aside`): the breakdowns by second partner, customs procedure or mode of
transport (their totals are kept), the sub-flows that are part of imports or exports
(domestic exports ``DX``, foreign imports ``FM``, inward and outward processing ``MIP``, ``MOP``,
``XIP``, ``XOP``), and exact repeats of a row (two overlapping downloads pasted together).

Countries are Comtrade's ISO alpha-3 codes; World (partner code 0, ``W00`` or ``WLD``) becomes
``WORLD``, and Comtrade's own areas (``Other Asia, nes`` ...) are matched by their description
through ``country_aliases.yaml``. A code and description that match nothing fail the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pandas as pd

from haiquan.errors import DataFileError, UnknownCodeError
from haiquan.reference.countries import country, partner_code
from haiquan.warehouse.schema import check_trade_flows
from haiquan.warehouse.sources._common import TradeFileRows, read_table

__all__ = ["COMTRADE_COLUMNS", "COMTRADE_LEGACY_COLUMNS", "read", "read_legacy"]

#: Columns of the current "Get data" CSV that haiquan reads (the file has about 47).
COMTRADE_COLUMNS = (
    "typeCode",
    "freqCode",
    "period",
    "reporterCode",
    "reporterISO",
    "reporterDesc",
    "flowCode",
    "partnerCode",
    "partnerISO",
    "partnerDesc",
    "classificationCode",
    "cmdCode",
    "primaryValue",
)
#: Columns of the legacy site's CSV that haiquan reads (the file has 35).
COMTRADE_LEGACY_COLUMNS = (
    "Classification",
    "Period",
    "Trade Flow Code",
    "Reporter Code",
    "Reporter",
    "Reporter ISO",
    "Partner Code",
    "Partner",
    "Partner ISO",
    "Commodity Code",
    "Trade Value (US$)",
)

#: Comtrade flow codes (current site, then the legacy site's numbers) that are whole flows.
_FLOWS = {
    "M": "import",
    "X": "export",
    "RX": "re-export",
    "RM": "re-import",
    "1": "import",
    "2": "export",
    "3": "re-export",
    "4": "re-import",
}
#: Flows that are part of imports or exports: loading them too would count the goods twice.
_SUB_FLOWS = {"DX", "FM", "MIP", "MOP", "XIP", "XOP"}
_WORLD_CODES = {"W00", "WLD"}
#: Quantity units meaning "no quantity" (-1 N/A on the current site, 1 on the legacy site).
_NO_QUANTITY = {"-1", "1"}
#: The legacy site's quantity unit codes and their WCO abbreviations, which the current site
#: writes in ``qtyUnitAbbr`` (UN Comtrade reference tables, docs/data-formats.md).
_LEGACY_UNITS = {
    "2": "m²", "3": "1000 kWh", "4": "m", "5": "u", "6": "2u", "7": "l", "8": "kg",
    "9": "1000u", "10": "u (jeu/pack)", "11": "12u", "12": "m³", "13": "carat",
}  # fmt: skip


@dataclass(frozen=True)
class _Layout:
    """Where one Comtrade layout keeps each field."""

    name: str
    columns: tuple[str, ...]
    classification: str
    period: str
    flow: str
    reporter: tuple[str, str, str]  # ISO, numeric code, description
    partner: tuple[str, str, str]
    commodity: str
    value: str
    quantity: tuple[str, str, str]  # unit code, unit abbreviation, quantity
    breakdowns: tuple[tuple[str, set[str]], ...]  # column, values meaning "total"
    other_format: str
    type_code: str | None = None
    frequency: str | None = None


_PLUS = _Layout(
    name="UN Comtrade (current site) CSV",
    columns=COMTRADE_COLUMNS,
    classification="classificationCode",
    period="period",
    flow="flowCode",
    reporter=("reporterISO", "reporterCode", "reporterDesc"),
    partner=("partnerISO", "partnerCode", "partnerDesc"),
    commodity="cmdCode",
    value="primaryValue",
    quantity=("qtyUnitCode", "qtyUnitAbbr", "qty"),
    breakdowns=(("partner2Code", {"0"}), ("customsCode", {"C00"}), ("motCode", {"0"})),
    other_format="comtrade-legacy",
    type_code="typeCode",
    frequency="freqCode",
)
_LEGACY = _Layout(
    name="UN Comtrade legacy CSV",
    columns=COMTRADE_LEGACY_COLUMNS,
    classification="Classification",
    period="Period",
    flow="Trade Flow Code",
    reporter=("Reporter ISO", "Reporter Code", "Reporter"),
    partner=("Partner ISO", "Partner Code", "Partner"),
    commodity="Commodity Code",
    value="Trade Value (US$)",
    quantity=("Qty Unit Code", "Qty Unit", "Qty"),
    breakdowns=(
        ("2nd Partner Code", {"0"}),
        ("Customs Proc. Code", {"C00"}),
        ("Mode of Transport Code", {"0"}),
    ),
    other_format="comtrade",
)


def read(path: str | Path) -> TradeFileRows:
    """Canonical trade-flow rows of a current-site Comtrade CSV ("Get data" or the API's), and
    the rows set aside.

    Raises:
        DataFileError: missing columns, a classification other than HS, services data, unknown
            countries, flows, periods or negative values. Nothing is returned in that case.
    """
    return _read(Path(path), _PLUS)


def read_legacy(path: str | Path) -> TradeFileRows:
    """Canonical trade-flow rows of a legacy-site Comtrade CSV (same checks as :func:`read`)."""
    return _read(Path(path), _LEGACY)


def _text(raw: pd.DataFrame, column: str, *, upper: bool = False) -> pd.Series:
    """A column as stripped text (in capitals with ``upper``), empty cells as missing (absent
    columns all missing)."""
    if column not in raw.columns:
        return pd.Series(pd.NA, index=raw.index, dtype="string")
    # Codes repeat a few hundred values over millions of rows: clean each distinct value once.
    codes, uniques = pd.factorize(raw[column])
    cleaned = [str(u).strip().removesuffix(".0") or None for u in uniques]
    if upper:
        cleaned = [c.upper() if c else c for c in cleaned]
    text = pd.array([*cleaned, None], dtype="string")[codes]
    return pd.Series(text, index=raw.index, dtype="string")


def _problems(values: pd.Series, column: str, problem: str) -> list[dict]:
    return [
        {
            "row": int(cast(int, i)) + 2,
            "column": column,
            "value": None if pd.isna(v) else str(v),
            "problem": problem,
        }
        for i, v in values.head(20).items()
    ]


def _refuse_other_data(raw: pd.DataFrame, file: Path, layout: _Layout) -> None:
    """Refuse services and non-HS classifications: their codes would be stored as HS codes."""
    if layout.type_code is not None:
        types = _text(raw, layout.type_code, upper=True)
        services = types.notna() & (types != "C")
        if services.any():
            raise DataFileError(
                "the Comtrade file holds services trade; haiquan's table is goods trade",
                path=str(file),
                problems=_problems(types[services], layout.type_code, "expected C (goods)"),
                total_bad_rows=int(services.sum()),
                fix="download goods data (Type of product: Goods); nothing was loaded",
            )
    classes = _text(raw, layout.classification, upper=True)
    not_hs = ~classes.str.fullmatch(r"H[S0-9]").fillna(False).astype(bool)
    if not_hs.any():
        raise DataFileError(
            "the Comtrade file is not classified in the Harmonized System",
            path=str(file),
            expected="classification HS or H0..H6",
            problems=_problems(
                classes[not_hs],
                layout.classification,
                "not an HS classification (SITC S1..S4, BEC B4/B5, services EB)",
            ),
            total_bad_rows=int(not_hs.sum()),
            fix="download the data in HS (Classification: HS); nothing was loaded",
        )


def _countries(raw: pd.DataFrame, file: Path, columns: tuple[str, str, str]) -> pd.Series:
    """Canonical reporter or partner codes from Comtrade's ISO code, number and description."""
    iso_column, code_column, name_column = columns
    table = pd.DataFrame(
        {
            "iso": _text(raw, iso_column),
            "code": _text(raw, code_column),
            "name": _text(raw, name_column),
        }
    )
    # A file has millions of rows but a few hundred areas: look each distinct one up once.
    keys = table.drop_duplicates().copy()
    keys["canonical"] = [_country(*key) for key in keys.itertuples(index=False, name=None)]
    merged = table.merge(keys, on=["iso", "code", "name"], how="left", sort=False)
    mapped = pd.Series(merged["canonical"].to_numpy(), index=raw.index, dtype="object")
    unknown = mapped.isna()
    if unknown.any():
        shown = table["iso"].fillna(table["code"]).fillna("") + " " + table["name"].fillna("")
        raise DataFileError(
            f"{int(unknown.sum())} row(s) name a country or area haiquan does not know; "
            "nothing was loaded",
            path=str(file),
            problems=_problems(
                shown[unknown].str.strip(),
                iso_column,
                "neither an ISO 3166 code nor a known area name",
            ),
            total_bad_rows=int(unknown.sum()),
            fix="add the area's description to haiquan/reference/data/country_aliases.yaml "
            "(under countries: for a country, groups: for an aggregate); rows without ISO codes "
            "or descriptions come from the API called with includeDesc=False: download them "
            "again with descriptions (Comtrade's numbers are not all UN M49 numbers)",
        )
    return mapped


def _country(iso: object, code: object, name: object) -> str | None:
    if code == "0" or (isinstance(iso, str) and iso.upper() in _WORLD_CODES):
        return "WORLD"
    if isinstance(iso, str) and len(iso) == 3 and iso.isalpha():
        try:
            found = country(iso.upper()).alpha_3
        except UnknownCodeError:
            found = None
        if found == iso.upper():
            return found
    if isinstance(name, str):
        try:
            return partner_code(name)
        except UnknownCodeError:
            return None
    return None


def _periods(raw: pd.DataFrame, file: Path, layout: _Layout) -> tuple[pd.Series, pd.Series]:
    """(frequency, canonical period): ``2023`` stays, ``202306`` becomes ``2023-06``."""
    periods = _text(raw, layout.period)
    annual = periods.str.fullmatch(r"\d{4}").fillna(False).astype(bool)
    monthly = periods.str.fullmatch(r"\d{4}(0[1-9]|1[0-2])").fillna(False).astype(bool)
    frequency = pd.Series("A", index=raw.index, dtype="object").where(annual, "M")
    if layout.frequency is not None:
        stated = _text(raw, layout.frequency, upper=True)
        disagree = stated.notna() & (stated != frequency)
        annual &= ~disagree
        monthly &= ~disagree
    bad = ~(annual | monthly)
    if bad.any():
        raise DataFileError(
            f"{int(bad.sum())} Comtrade period(s) are neither a year nor a year and month; "
            "nothing was loaded",
            path=str(file),
            problems=_problems(
                periods[bad],
                layout.period,
                "expected YYYY (annual) or YYYYMM (monthly), as freqCode says",
            ),
            total_bad_rows=int(bad.sum()),
            fix="download the file again from Comtrade without editing the period column",
        )
    canonical = periods.where(annual, periods.str[:4] + "-" + periods.str[4:])
    return frequency, canonical


def _read(file: Path, layout: _Layout) -> TradeFileRows:
    text_columns = {c: "string" for c in layout.columns if c != layout.value}
    raw = read_table(
        file,
        dtype=text_columns
        | {
            layout.quantity[0]: "string",
            layout.quantity[1]: "string",
            **{column: "string" for column, _ in layout.breakdowns},
        },
    )
    missing = [c for c in layout.columns if c not in raw.columns]
    if missing:
        raise DataFileError(
            f"the file lacks columns of the {layout.name} format",
            path=str(file),
            expected="columns " + ", ".join(layout.columns),
            got="columns " + ", ".join(map(str, raw.columns)),
            fix="download the file again with all columns (missing: "
            + ", ".join(missing)
            + f"); a Comtrade file of the other layout loads with --format "
            f"{layout.other_format} (--input-format {layout.other_format} where a command reads "
            "--input FILE)",
        )
    _refuse_other_data(raw, file, layout)
    aside: list[dict[str, object]] = []
    # Two overlapping downloads pasted into one file repeat whole lines: one copy counts.
    repeated = raw.duplicated(keep="first")
    if repeated.any():
        aside.append(
            {
                "rows": int(repeated.sum()),
                "reason": "exact repeats of another row of the file (one copy kept)",
            }
        )
        raw = raw.loc[~repeated]
    breakdown = pd.Series(False, index=raw.index)
    for column, totals in layout.breakdowns:
        values = _text(raw, column, upper=True)
        breakdown |= values.notna() & ~values.isin(totals)
    flows = _text(raw, layout.flow, upper=True)
    sub_flow = flows.isin(_SUB_FLOWS).fillna(False).astype(bool) & ~breakdown
    if breakdown.any():
        aside.append(
            {
                "rows": int(breakdown.sum()),
                "reason": "Comtrade breakdowns by second "
                "partner, customs procedure or mode of transport (their totals are kept)",
            }
        )
    if sub_flow.any():
        aside.append(
            {
                "rows": int(sub_flow.sum()),
                "reason": "Comtrade sub-flows that are part "
                "of imports or exports (DX, FM, MIP, MOP, XIP, XOP)",
            }
        )
    raw = raw.loc[~(breakdown | sub_flow)]
    frequency, period = _periods(raw, file, layout)
    commodity = _text(raw, layout.commodity, upper=True)
    unit_code = _text(raw, layout.quantity[0])
    has_quantity = unit_code.notna() & ~unit_code.isin(_NO_QUANTITY)
    quantity = (
        raw[layout.quantity[2]]
        if layout.quantity[2] in raw.columns
        else pd.Series(None, index=raw.index, dtype="object")
    )
    frame = pd.DataFrame(
        {
            "reporter": _countries(raw, file, layout.reporter),
            "partner": _countries(raw, file, layout.partner),
            # An unknown flow code is left as read: check_trade_flows names the row.
            "flow": flows.map(_FLOWS).fillna(flows),
            "frequency": frequency,
            "period": period,
            "commodity": commodity,
            "value_usd": raw[layout.value],
            "quantity": quantity.where(has_quantity.to_numpy(), None),
            "unit": (
                unit_code.map(_LEGACY_UNITS).fillna(_text(raw, layout.quantity[1]))
                if layout is _LEGACY
                else _text(raw, layout.quantity[1])
            ).where(has_quantity),
            "source": "un-comtrade",
            "is_mirror": False,
            "partner_name": _text(raw, layout.partner[2]),
        },
        index=raw.index,
    )
    checked = check_trade_flows(frame, path=str(file))
    return TradeFileRows(rows=checked, set_aside=aside)
