"""One declaration item as a typed record (for the HTTP API and the gateway), and back to a frame.

Files go through :func:`~haiquan.declarations.read_declarations`; single declarations arriving as
JSON are validated field by field here instead, then turned into the same canonical frame.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from haiquan.declarations.columns import DECLARATION_COLUMNS, UNKNOWN_COUNTRY
from haiquan.errors import UnknownCodeError
from haiquan.reference.countries import country

__all__ = ["DeclarationRecord", "records_to_columns", "records_to_frame"]


class DeclarationRecord(BaseModel):
    """One goods item in the canonical layout (see docs/data-formats-declarations.md)."""

    model_config = ConfigDict(extra="forbid")

    declaration_id: str = Field(min_length=1, max_length=64)
    item_number: int = Field(default=1, ge=1)
    date: dt.date
    office: str = Field(min_length=1)
    process_type: str | None = None
    import_type: str | None = None
    import_use: str | None = None
    payment_type: str | None = None
    transport_mode: str = Field(min_length=1)
    declarant: str = Field(min_length=1)
    importer: str = Field(min_length=1)
    seller: str | None = None
    courier: str | None = None
    hs_code: str = Field(pattern=r"^\d{6,10}$", description="6-10 digits as text")
    departure_country: str = Field(pattern=r"^[A-Za-z]{2,3}$",
                    description="ISO alpha-2 or alpha-3; stored as alpha-3")
    origin_country: str = Field(pattern=r"^[A-Za-z]{2,3}$",
                    description="ISO alpha-2 or alpha-3; stored as alpha-3")
    origin_indicator: str | None = None
    net_mass_kg: float = Field(ge=0, allow_inf_nan=False)
    value: float = Field(ge=0, allow_inf_nan=False)
    currency: str | None = None
    tax_rate: float = Field(ge=0, allow_inf_nan=False, description="percent")
    tax_type: str = Field(min_length=1)

    @field_validator("departure_country", "origin_country")
    @classmethod
    def _alpha_3(cls, value: str) -> str:
        code = value.strip().upper()
        if code in ("ZZ", "ZZZ"):
            return UNKNOWN_COUNTRY
        try:
            return country(code).alpha_3 if code.isalpha() else country("?").alpha_3
        except UnknownCodeError:
            raise ValueError(
                f"expected an ISO 3166 alpha-2 or alpha-3 country code (ZZ if unknown), "
                f"got {value!r}"
            ) from None

    @field_validator(
        "seller",
        "courier",
        "process_type",
        "import_type",
        "import_use",
        "payment_type",
        "origin_indicator",
        "currency",
    )
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value if value else None


def records_to_columns(records: Sequence[DeclarationRecord]) -> dict[str, np.ndarray]:
    """Canonical column arrays of validated records, without a frame (the API's fast path)."""
    columns: dict[str, np.ndarray] = {}
    for name in DECLARATION_COLUMNS:
        if name == "date":
            columns[name] = np.array([r.date for r in records], dtype="datetime64[D]")
        elif name in ("fraud", "critical_fraud"):
            columns[name] = np.full(len(records), np.nan)
        elif name in ("net_mass_kg", "value", "tax_rate"):
            columns[name] = np.array([getattr(r, name) for r in records], dtype=float)
        elif name == "item_number":
            columns[name] = np.array([r.item_number for r in records], dtype=np.int64)
        else:
            values = np.empty(len(records), dtype=object)
            values[:] = [getattr(r, name) for r in records]
            columns[name] = values
    return columns


def records_to_frame(records: Sequence[DeclarationRecord]) -> pd.DataFrame:
    """The canonical frame of validated records (labels empty: they are not known yet)."""
    columns: dict[str, object] = {
        name: [getattr(r, name) for r in records]
        for name in DECLARATION_COLUMNS
        if name not in ("date", "fraud", "critical_fraud")
    }
    columns["date"] = np.array([r.date for r in records], dtype="datetime64[D]").astype(
        "datetime64[ns]"
    )
    columns["fraud"] = pd.array([None] * len(records), dtype="Int8")
    columns["critical_fraud"] = pd.array([None] * len(records), dtype="Int8")
    frame = pd.DataFrame(columns, columns=list(DECLARATION_COLUMNS))
    for name in ("net_mass_kg", "value", "tax_rate"):
        frame[name] = frame[name].astype(float)
    return frame
