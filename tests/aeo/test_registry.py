"""Status history: the registry answers "was this an AEO on that date?" for any date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from haiquan.aeo import AeoRegistry, AeoStatus, StatusChange
from haiquan.errors import ConflictError, NotFoundError, ValidationError
from tests.aeo.conftest import operator

D = dt.date.fromisoformat


def test_status_on_past_dates_is_reconstructed(
    registry_factory: Callable[[str], AeoRegistry],
) -> None:
    registry = registry_factory("VNM")
    registry.add_operator(operator("VN-AEO-0001", valid_until=D("2027-01-14")))
    registry.change_status("VN-AEO-0001", StatusChange(
        status=AeoStatus.suspended, effective=D("2024-06-01"), reason="audit findings"))
    registry.change_status("VN-AEO-0001", StatusChange(
        status=AeoStatus.granted, effective=D("2024-09-01"), reason="findings corrected"))
    on = {day: registry.operator("VN-AEO-0001", on=D(day)).status
          for day in ("2024-02-01", "2024-07-01", "2024-10-01", "2027-02-01")}
    assert on == {"2024-02-01": AeoStatus.granted, "2024-07-01": AeoStatus.suspended,
                  "2024-10-01": AeoStatus.granted, "2027-02-01": AeoStatus.expired}
    history = registry.operator("VN-AEO-0001").history
    assert [e.status for e in history] == ["granted", "suspended", "granted"]
    assert registry.operators(D("2024-07-01"), status=AeoStatus.suspended)[0].aeo_id == (
        "VN-AEO-0001")


def test_refusals(registry_factory: Callable[[str], AeoRegistry]) -> None:
    registry = registry_factory("VNM")
    registry.add_operator(operator("VN-AEO-0002"))
    with pytest.raises(ConflictError, match="already registered"):
        registry.add_operator(operator("VN-AEO-0002"))
    with pytest.raises(NotFoundError, match="VN-AEO-9999"):
        registry.operator("VN-AEO-9999")
    with pytest.raises(ValidationError, match="before the authorisation"):
        registry.change_status("VN-AEO-0002", StatusChange(
            status=AeoStatus.suspended, effective=D("2020-01-01"), reason="too early"))
    registry.change_status("VN-AEO-0002", StatusChange(
        status=AeoStatus.revoked, effective=D("2024-05-01"), reason="fraud conviction"))
    with pytest.raises(ValidationError, match="revoked"):
        registry.change_status("VN-AEO-0002", StatusChange(
            status=AeoStatus.granted, effective=D("2024-06-01"), reason="appeal"))


def test_consent_is_dated(registry_factory: Callable[[str], AeoRegistry]) -> None:
    registry = registry_factory("VNM")
    registry.add_operator(operator("VN-AEO-0003"))
    registry.set_consent("VN-AEO-0003", "VN_KOR_AEO_MRA", True, D("2024-03-01"))
    registry.set_consent("VN-AEO-0003", "VN_KOR_AEO_MRA", False, D("2024-08-01"))
    assert registry.operator("VN-AEO-0003", on=D("2024-04-01")).consents == {
        "VN_KOR_AEO_MRA": True}
    assert registry.operator("VN-AEO-0003", on=D("2024-09-01")).consents == {
        "VN_KOR_AEO_MRA": False}
