"""The coordinator's views, the accompanying document and the synthetic generator."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from haiquan.errors import ConflictError
from haiquan.transit import GuaranteeCreate, Role, State, TransitService, exchange_locally
from haiquan.transit._code128 import _STOP, _WIDTHS, code128_widths
from haiquan.transit.generator import run_synthetic
from haiquan.transit.queries import guarantee_use, open_movements, transit_overview
from haiquan.transit.tad import write_tad

from .conftest import Clock, declaration

Offices = dict[str, TransitService]


def _decode(widths: list[int]) -> str:
    """Read Code 128 subset B back from its widths, checking start, check symbol and stop."""
    symbols = ["".join(map(str, widths[i:i + 6])) for i in range(0, len(widths) - 7, 6)]
    assert "".join(map(str, widths[-7:])) == _STOP
    values = [_WIDTHS.index(s) for s in symbols]
    assert values[0] == 104
    data, check = values[1:-1], values[-1]
    assert (104 + sum(i * v for i, v in enumerate(data, start=1))) % 103 == check
    return "".join(chr(v + 32) for v in data)


def test_barcode_round_trip_and_refusal() -> None:
    assert _decode(code128_widths("26VNDAD001000001J6")) == "26VNDAD001000001J6"
    with pytest.raises(ValueError, match="subset B"):
        code128_widths("é")


def test_tad_after_release_only(offices: Offices, tmp_path: Path) -> None:
    vnm = offices["VNM"]
    mrn = vnm.declare(declaration(synthetic=True)).mrn
    with pytest.raises(ConflictError, match="no accompanying document yet"):
        write_tad(vnm, mrn, tmp_path / "tad.pdf")
    vnm.release(mrn)
    data = write_tad(vnm, mrn, tmp_path / "tad.pdf").read_bytes()
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    assert f"(MRN {mrn})".encode() in data and b"SYNTHETIC" in data
    bars = len(re.findall(rb" re f", data))
    assert bars == len(code128_widths(mrn)) // 2 + 1  # bars of the symbol: odd elements


def test_overview_counts_routes_crossings_and_times(offices: Offices, clock: Clock) -> None:
    vnm = offices["VNM"]
    done = vnm.declare(declaration()).mrn
    vnm.release(done)
    offices["VNM"].register_guarantee(GuaranteeCreate(
        reference="GRN-BIG", holder="VN0101", reference_amount_usd=1e7))
    late = vnm.declare(declaration(lrn="LRN-2", guarantee_reference="GRN-BIG")).mrn
    vnm.release(late)
    exchange_locally(offices)
    clock.advance(hours=30)
    offices["THA"].record_arrival(done, "THBKK001")
    offices["THA"].record_control(done, satisfactory=True)
    exchange_locally(offices)
    clock.advance(days=9)
    vnm.check_deadlines()
    view = transit_overview(vnm.store, on=clock.now.date())
    assert view.by_state == {"discharged": 1, "overdue": 1}
    route = view.routes[0]
    assert route.countries == "VNM > LAO > THA" and route.overdue == 1 and route.open == 1
    assert route.median_hours == pytest.approx(30)
    assert [(c.code, c.open, c.overdue) for c in view.crossings] == [
        ("LASAV-THMDH", 1, 1), ("VNLAO-LADSH", 1, 1)]
    page = open_movements(vnm.store, states=[State.OVERDUE])
    assert page.total == 1 and page.movements[0].mrn == late
    assert open_movements(offices["LAO"].store, role=Role.TRANSIT).total == 1
    use = guarantee_use(vnm.store)
    assert [(u.holder, u.destination_country, u.open_movements) for u in use] == [
        ("VN0101", "THA", 1)]


def test_synthetic_run_is_labelled_and_reproducible(offices: Offices) -> None:
    run = run_synthetic(offices, "VNM", 12, seed=3)
    assert run.declared == 12 and run.refused == 0 and run.discharged + run.open == 12
    view = transit_overview(offices["VNM"].store)
    assert view.synthetic == 12
    assert view.by_state.get("discharged", 0) == run.discharged
    again = run_synthetic(offices, "VNM", 12, seed=3)
    assert again.declared == 0 and again.refused == 12  # the same LRNs: nothing twice
