"""The canonical declaration layout and the Korea Customs Service (KCS) layout it is read from.

One row is one goods item of an import declaration: the fields a customs clearance system really
holds at lodgement, plus the inspection results once they are known. Every module that works on
declarations (risk, warehouse, demo) uses these column names, so a new source layout only needs a
mapping to them. ``docs/data-formats-declarations.md`` documents each column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "DECLARATION_COLUMNS",
    "KCS_COLUMNS",
    "LABEL_COLUMNS",
    "REQUIRED_COLUMNS",
    "UNKNOWN_COUNTRY",
    "ColumnSpec",
    "column_spec",
]

Kind = Literal["id", "date", "code", "hs", "country", "number", "int", "label"]

#: Alpha-3 code for "country unknown or not stated" (KCS writes ``ZZ``; ISO 3166 leaves ZZ/ZZZ to
#: users, and customs systems commonly use them this way).
UNKNOWN_COUNTRY = "ZZZ"


@dataclass(frozen=True)
class ColumnSpec:
    """One canonical column: name, kind (which drives validation), whether it is required."""

    name: str
    kind: Kind
    required: bool
    description: str


_SPECS: tuple[ColumnSpec, ...] = (
    ColumnSpec("declaration_id", "id", True, "declaration number (text)"),
    ColumnSpec("item_number", "int", False, "goods item number within the declaration (default 1)"),
    ColumnSpec("date", "date", True, "date the declaration was lodged (YYYY-MM-DD)"),
    ColumnSpec("office", "code", True, "customs office receiving the declaration"),
    ColumnSpec("process_type", "code", False, "declaration process type (e.g. paperless)"),
    ColumnSpec("import_type", "code", False, "import type code (e.g. OEM import, e-commerce)"),
    ColumnSpec("import_use", "code", False, "import use code"),
    ColumnSpec("payment_type", "code", False, "tariff payment type"),
    ColumnSpec("transport_mode", "code", True, "mode of transport code"),
    ColumnSpec("declarant", "code", True, "declarant / customs broker identifier"),
    ColumnSpec("importer", "code", True, "importer identifier"),
    ColumnSpec("seller", "code", False, "overseas seller (exporter) identifier; may be empty"),
    ColumnSpec("courier", "code", False, "express courier identifier; may be empty"),
    ColumnSpec("hs_code", "hs", True, "HS code as text, 6 to 10 digits, leading zeros kept"),
    ColumnSpec("departure_country", "country", True, "country of departure, ISO alpha-3"),
    ColumnSpec("origin_country", "country", True, "country of origin, ISO alpha-3"),
    ColumnSpec("origin_indicator", "code", False, "how origin is marked (KCS code)"),
    ColumnSpec("net_mass_kg", "number", True, "net mass in kg (>= 0)"),
    ColumnSpec("value", "number", True, "assessed customs value (>= 0) in `currency`"),
    ColumnSpec("currency", "code", False, "ISO 4217 currency of `value`"),
    ColumnSpec("tax_rate", "number", True, "tariff rate in percent (>= 0)"),
    ColumnSpec("tax_type", "code", True, "tax type code (e.g. MFN, FTA preferential)"),
    ColumnSpec(
        "fraud",
        "label",
        False,
        "1 when inspection found duty evasion, 0 when not, empty if not inspected",
    ),
    ColumnSpec(
        "critical_fraud",
        "label",
        False,
        "0 none, 1 fraud, 2 critical (public safety); empty if not inspected",
    ),
)

#: Every canonical column, in order. Optional columns are present (possibly empty) after reading.
DECLARATION_COLUMNS: tuple[str, ...] = tuple(spec.name for spec in _SPECS)
#: Columns a canonical file must carry.
REQUIRED_COLUMNS: tuple[str, ...] = tuple(spec.name for spec in _SPECS if spec.required)
#: Inspection results, known only after control; absent or empty for new declarations.
LABEL_COLUMNS: tuple[str, ...] = ("fraud", "critical_fraud")

#: KCS file header -> canonical column (Customs Import Declaration Datasets, arXiv:2208.02484).
KCS_COLUMNS: dict[str, str] = {
    "Declaration ID": "declaration_id",
    "Date": "date",
    "Office ID": "office",
    "Process Type": "process_type",
    "Import Type": "import_type",
    "Import Use": "import_use",
    "Payment Type": "payment_type",
    "Mode of Transport": "transport_mode",
    "Declarant ID": "declarant",
    "Importer ID": "importer",
    "Seller ID": "seller",
    "Courier ID": "courier",
    "HS6 Code": "hs_code",
    "Country of Departure": "departure_country",
    "Country of Origin": "origin_country",
    "Tax Rate": "tax_rate",
    "Tax Type": "tax_type",
    "Country of Origin Indicator": "origin_indicator",
    "Net Mass": "net_mass_kg",
    "Item Price": "value",
    "Fraud": "fraud",
    "Critical Fraud": "critical_fraud",
}

_BY_NAME = {spec.name: spec for spec in _SPECS}


def column_spec(name: str) -> ColumnSpec:
    """The specification of one canonical column (KeyError when unknown)."""
    return _BY_NAME[name]
