"""``haiquan demo``: build a small demo warehouse and show what the platform does on it.

Real public data is used where it is found (``HAIQUAN_SHARED_DATA``): the IMF DOTS rows of
Vietnam and its partners, and the U.S. Census monthly file. Where it is not, synthetic trade is
generated instead. Declarations are always synthetic (the real KCS files are inspection samples
of another country). Synthetic data is labelled as such in every output.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from haiquan.settings import get_settings
from haiquan.warehouse.loading import LoadResult, load_trade_file, load_trade_frame
from haiquan.warehouse.store import Warehouse

__all__ = ["DEMO_FILES", "DemoWarehouse", "build_demo_warehouse"]

#: Real files the demo loads when they are present, relative to the shared data folder.
DEMO_FILES = (
    ("trade/imf-dots-annual-1960-2020/vietnam_dots_annual_reported_and_mirror.csv", "dots"),
    ("trade/us-census-country-monthly/us_census_goods_by_country_monthly_long.csv.gz", "census"),
    ("trade/baci-hs2-exporter-2011-2020/baci_hs92_hs2_exporter_year_2011_2020.csv.gz", "baci"),
)


@dataclass
class DemoWarehouse:
    """What the demo loaded."""

    path: Path
    loads: list[LoadResult] = field(default_factory=list)
    synthetic_trade: bool = False
    synthetic_declarations: int = 0


def build_demo_warehouse(
    shared_data: Path | None = None, *, declarations: int = 3000, seed: int = 7
) -> DemoWarehouse:
    """Load the demo data into the configured warehouse (idempotent: reruns change nothing)."""
    settings = get_settings()
    folder = shared_data if shared_data is not None else settings.shared_data
    demo = DemoWarehouse(path=settings.warehouse_file)
    with Warehouse.open() as warehouse:
        found = [(folder / relative, name) for relative, name in DEMO_FILES
                 if (folder / relative).is_file()]
        for path, name in found:
            demo.loads.append(load_trade_file(path, name, warehouse=warehouse))
        if not found:
            from haiquan.warehouse.synthetic import generate_synthetic_trade

            rows = generate_synthetic_trade(home=settings.home_country, seed=seed)
            digest = hashlib.sha256(f"synthetic-trade-{settings.home_country}-{seed}".encode())
            demo.loads.append(load_trade_frame(rows, label="synthetic demo trade",
                                               sha256=digest.hexdigest(), synthetic=True,
                                               warehouse=warehouse))
            demo.synthetic_trade = True
        if declarations:
            from haiquan.declarations import generate_synthetic_declarations
            from haiquan.warehouse.loading import store_declarations_frame

            frame = generate_synthetic_declarations(declarations, seed=seed)
            digest = hashlib.sha256(f"synthetic-declarations-{declarations}-{seed}".encode())
            demo.loads.append(store_declarations_frame(
                frame, label="synthetic demo declarations", sha256=digest.hexdigest(),
                synthetic=True, warehouse=warehouse))
            demo.synthetic_declarations = declarations
    return demo
