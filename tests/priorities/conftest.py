"""Fixtures of the priorities tests: small catalogues built from dicts, canonical trade rows."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from haiquan.warehouse.schema import check_trade_flows
from haiquan.warehouse.sources import read_trade_file
from tests.conftest import require_shared

VIETNAM_DOTS = "trade/imf-dots-annual-1960-2020/vietnam_dots_annual_reported_and_mirror.csv"
BACI = "trade/baci-hs2-exporter-2011-2020/baci_hs92_hs2_exporter_year_2011_2020.csv.gz"

Row = tuple[str, str, str, str, float]


def assumed(value: float) -> dict[str, Any]:
    """A catalogue number marked as an assumption."""
    return {"value": value, "assumption": "test figure"}


def initiative(id: str, **changes: Any) -> dict[str, Any]:
    """One valid initiative entry; ``changes`` replace top-level fields."""
    entry: dict[str, Any] = {
        "id": id,
        "name": f"initiative {id}",
        "kind": "other",
        "partners": ["KOR"],
        "duration_years": assumed(1),
        "staff_months_per_year": assumed(5),
        "budget_usd_per_year": assumed(10_000),
        "benefit": {
            "flow": "total",
            "share_affected": assumed(0.1),
            "effect": "trade_cost",
            "size": assumed(0.01),
        },
    }
    entry.update(changes)
    return entry


def catalogue_dict(*items: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A valid catalogue as Python data (two initiatives unless given)."""
    data: dict[str, Any] = {
        "version": 1,
        "title": "test catalogue",
        "home": "VNM",
        "discount_rate": assumed(0.0),
        "initiatives": list(items) or [initiative("a"), initiative("b", partners=["JPN"])],
    }
    data.update(changes)
    return copy.deepcopy(data)


def trade_table(
    values: dict[str, float], years: Iterable[int], growth: float = 0.0
) -> pd.DataFrame:
    """A forecast table: each partner's exports and imports, each half of ``values``."""
    rows = []
    for partner, total in values.items():
        for t, year in enumerate(years):
            for flow in ("export", "import"):
                rows.append({"partner": partner, "flow": flow, "year": year,
                             "value_usd": total / 2 * (1 + growth) ** t})
    return pd.DataFrame(rows)


def make_flows(rows: Iterable[Row], *, frequency: str = "A") -> pd.DataFrame:
    """Canonical rows from (reporter, partner, flow, period, value_usd) tuples, validated."""
    frame = pd.DataFrame(list(rows), columns=["reporter", "partner", "flow", "period", "value_usd"])
    frame["frequency"] = frequency
    frame["commodity"] = "TOTAL"
    frame["source"] = "test"
    frame["is_mirror"] = False
    return check_trade_flows(frame)


@pytest.fixture
def flows_factory() -> Callable[..., pd.DataFrame]:
    """Build validated canonical rows from tuples (see :func:`make_flows`)."""
    return make_flows


@pytest.fixture(scope="session")
def vietnam_dots() -> pd.DataFrame:
    """The real Vietnam DOTS extract (Vietnam-reported and mirror rows), canonical."""
    return read_trade_file(require_shared(VIETNAM_DOTS), "dots")


def hard_catalogue(n: int = 200, seed: int = 6) -> tuple[Any, pd.DataFrame, Any]:
    """A seeded random catalogue HiGHS needs seconds to prove optimal (as benchmarks/bench_plan
    ``random``), with its trade table and limits at a quarter of what it would need."""
    import numpy as np

    from haiquan.priorities import PlanLimits, parse_catalogue

    rng = np.random.default_rng(seed)
    partners = ["CHN", "USA", "KOR", "JPN", "THA", "SGP", "MYS", "IDN", "IND", "AUS", "DEU"]
    items = []
    for k in range(n):
        items.append(initiative(
            f"i{k:03d}", partners=[str(rng.choice(partners))],
            duration_years=assumed(int(rng.integers(1, 4))),
            staff_months_per_year=assumed(int(rng.integers(2, 20))),
            budget_usd_per_year=assumed(int(rng.integers(10, 200)) * 1000),
            running_staff_months_per_year=assumed(int(rng.integers(0, 4))),
            benefit={"flow": "total", "share_affected": assumed(float(rng.uniform(0.01, 0.5))),
                     "effect": "trade_cost", "size": assumed(float(rng.uniform(0.001, 0.01)))},
        ))
    years = [2027 + t for t in range(5)]
    table = trade_table({p: float(rng.uniform(1e9, 1e11)) for p in partners}, years)
    limits = PlanLimits(first_year=2027, years=5, staff_months_per_year=n * 10 * 0.25 / 2,
                        budget_usd_per_year=n * 105_000 * 0.25 / 2)
    return parse_catalogue(catalogue_dict(*items)), table, limits



ALL_REPORTERS_DOTS = "trade/imf-dots-annual-1960-2020/dots_bilateral_annual_1960_2020.parquet"


def thailand_shared_data(folder: Path) -> Path:
    """A shared data folder holding the real Vietnam DOTS extract (linked in place) and, where the
    full DOTS table belongs, its real rows reported by or about Thailand since 2010 — the full
    table's coverage of a non-Vietnam home at a fraction of its size."""
    full = require_shared(ALL_REPORTERS_DOTS)
    extract = require_shared(VIETNAM_DOTS)
    (folder / VIETNAM_DOTS).parent.mkdir(parents=True, exist_ok=True)
    (folder / VIETNAM_DOTS).symlink_to(extract)
    rows = pd.read_parquet(full, filters=[("year", ">=", 2010)])
    thai = rows[(rows["reporter"] == "Thailand") | (rows["partner"] == "Thailand")]
    thai.to_parquet(folder / ALL_REPORTERS_DOTS, index=False)
    return folder
