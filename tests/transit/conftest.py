"""Factories for transit tests: three administrations (VNM, LAO, THA) with their own stores,
a settable clock, a registered guarantee and a declaration along the East-West corridor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from haiquan.transit import (
    ConsignmentItem,
    GuaranteeCreate,
    Party,
    TransitDeclaration,
    TransitService,
    TransitStore,
)


class Clock:
    """A clock the test moves forward."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 1, 8, 0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def offices(tmp_path: Path, clock: Clock) -> dict[str, TransitService]:
    """VNM, LAO and THA, each with its own SQLite store; VNM holds guarantee GRN-VN-1."""
    made = {c: TransitService(TransitStore(f"sqlite:///{tmp_path}/{c}.sqlite"), c, clock=clock)
            for c in ("VNM", "LAO", "THA")}
    made["VNM"].register_guarantee(GuaranteeCreate(
        reference="GRN-VN-1", holder="VN0101", reference_amount_usd=100_000))
    yield made
    for service in made.values():
        service.store.close()


def party(identification: str, country: str = "VNM") -> Party:
    return Party(identification=identification, name=f"Company {identification}",
                 country=country)


def declaration(**changes: Any) -> TransitDeclaration:
    """Da Nang -> Densavan (LAO) -> Mukdahan (THA) -> Bangkok, USD 60,000 of laptops."""
    base: dict[str, Any] = dict(
        lrn="LRN-1", office_of_departure="VNDAD001",
        offices_of_transit=["LADSH001", "THMDH001"], office_of_destination="THBKK001",
        holder=party("VN0101"), consignor=party("VN0101"),
        consignee=party("TH0909", "THA"), carrier=party("VNCARRIER"), vehicle="43C-12345",
        seals=["VN-S-000001"],
        items=[ConsignmentItem(hs_code="847130", description="portable computers",
                               packages=10, gross_mass_kg=120.5, value_usd=60_000)],
        guarantee_reference="GRN-VN-1")
    base.update(changes)
    return TransitDeclaration(**base)


DeclarationFactory = Callable[..., TransitDeclaration]


@pytest.fixture
def make_declaration() -> DeclarationFactory:
    return declaration
