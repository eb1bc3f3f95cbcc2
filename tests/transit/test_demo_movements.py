"""The demo's synthetic ACTS movements: labelled, idempotent, some overdue, shown by the tour."""

from __future__ import annotations

from haiquan.demo import _transit
from haiquan.transit import TransitStore
from haiquan.transit.generator import demo_movements
from haiquan.transit.queries import transit_overview


def test_demo_movements_are_synthetic_idempotent_and_some_overdue() -> None:
    run = demo_movements("VNM", count=12, seed=7)
    assert run is not None and run.declared == 12
    store = TransitStore()
    try:
        view = transit_overview(store)
    finally:
        store.close()
    assert view.synthetic == 12
    assert view.by_state.get("discharged", 0) == run.discharged
    # declared twelve days ago: what is still open is past its eight-day time limit
    assert view.by_state.get("overdue", 0) == run.open
    assert all(r.median_hours is None or 18 <= r.median_hours <= 60 for r in view.routes)
    again = demo_movements("VNM", count=12, seed=7)
    assert again is not None and again.declared == 0
    section = _transit("VNM")
    assert section is not None and "SYNTHETIC" in section.title
    assert set(section.table["route"]) == {"VNM > LAO > THA", "VNM > LAO"}


def test_no_demo_route_no_movements() -> None:
    assert demo_movements("SGP") is None
    assert _transit("SGP") is None
