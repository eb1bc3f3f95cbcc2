"""Partner alerts and the AEO directory other parts of haiquan plug in."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from haiquan.risk.alerts import AeoDirectory, InMemoryAeoDirectory, PartnerAlert

DAY = dt.date(2024, 5, 1)


def _alert(**changes: object) -> PartnerAlert:
    fields: dict[str, object] = {
        "alert_id": "A1",
        "issuing_country": "kor",
        "valid_from": "2024-01-01",
        "valid_to": "2024-12-31",
        "seller": "S1",
        "reason": "fake origin",
    }
    fields.update(changes)
    return PartnerAlert.model_validate(fields)


def test_alert_matching() -> None:
    alert = _alert(hs_prefix="8471")
    assert alert.issuing_country == "KOR"
    base = {
        "date": DAY,
        "hs_code": "847130",
        "origin_country": "CHN",
        "departure_country": "CHN",
        "seller": "S1",
        "importer": "I1",
    }
    assert alert.matches(**base)
    assert not alert.matches(**{**base, "seller": "S2"})
    assert not alert.matches(**{**base, "hs_code": "850440"})
    assert not alert.matches(**{**base, "date": dt.date(2025, 1, 1)})


@pytest.mark.parametrize(
    "changes",
    [
        {"seller": None},
        {"valid_to": "2023-01-01"},
        {"issuing_country": "KR"},
        {"hs_prefix": "84x"},
        {"reason": ""},
    ],
)
def test_bad_alerts_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        _alert(**changes)


def test_in_memory_directory_honours_dates_and_countries() -> None:
    directory = InMemoryAeoDirectory(
        home=[("IMP1", dt.date(2024, 1, 1), dt.date(2024, 6, 30))],
        partner=[("KOR", "SEL1", None, None)],
    )
    assert isinstance(directory, AeoDirectory)
    assert directory.is_home_aeo("IMP1", DAY)
    assert not directory.is_home_aeo("IMP1", dt.date(2024, 7, 1))
    assert directory.is_partner_aeo("SEL1", "kor", DAY)
    assert not directory.is_partner_aeo("SEL1", "JPN", DAY)
