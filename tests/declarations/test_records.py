"""Single declarations as typed records (API input) and back to the canonical frame."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from haiquan.declarations import DECLARATION_COLUMNS, DeclarationRecord, records_to_frame


def _record(**changes: object) -> DeclarationRecord:
    fields: dict[str, object] = {
        "declaration_id": "D1",
        "date": "2025-02-03",
        "office": "40",
        "transport_mode": "10",
        "declarant": "DEC",
        "importer": "IMP",
        "hs_code": "080450",
        "departure_country": "CN",
        "origin_country": "VNM",
        "net_mass_kg": 12.5,
        "value": 1000,
        "tax_rate": 8,
        "tax_type": "A",
    }
    fields.update(changes)
    return DeclarationRecord.model_validate(fields)


def test_record_to_frame_keeps_text_codes_and_alpha_3() -> None:
    frame = records_to_frame([_record(), _record(declaration_id="D2", seller="")])
    assert list(frame.columns) == list(DECLARATION_COLUMNS)
    assert frame.loc[0, "hs_code"] == "080450"
    assert frame.loc[0, "departure_country"] == "CHN"
    assert frame.loc[1, "seller"] is None
    assert frame.loc[0, "date"].date() == dt.date(2025, 2, 3)
    assert frame["fraud"].isna().all()


@pytest.mark.parametrize(
    "changes",
    [
        {"hs_code": "80450"},
        {"origin_country": "QQ"},
        {"net_mass_kg": -1},
        {"surprise": 1},
        {"date": "03/02/2025"},
    ],
)
def test_bad_records_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        _record(**changes)
