"""Synthetic trade flows for a demo on a machine without the public data sets.

Every row's ``source`` is ``synthetic-demo`` so that every output built on it says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["SYNTHETIC_TRADE_SOURCE", "generate_synthetic_trade"]

SYNTHETIC_TRADE_SOURCE = "synthetic-demo"

_PARTNERS = {  # partner: (starting size in billion USD, yearly growth)
    "CHN": (40, 0.12), "USA": (30, 0.14), "KOR": (25, 0.10), "JPN": (20, 0.05),
    "THA": (8, 0.07), "SGP": (6, 0.05), "MYS": (6, 0.06), "IDN": (5, 0.08), "DEU": (6, 0.06),
    "IND": (5, 0.11), "AUS": (5, 0.06), "KHM": (3, 0.13), "LAO": (1, 0.09), "PHL": (3, 0.08),
}


def generate_synthetic_trade(
    home: str = "VNM", first_year: int = 2005, last_year: int = 2020, seed: int = 0
) -> pd.DataFrame:
    """Annual export and import totals of ``home`` with a few partners, plus the mirror rows.

    The partner's own report of the same trade (its imports from ``home``) differs by a
    CIF/FOB-like margin and noise, so mirror-gap analytics have something to show.

    >>> rows = generate_synthetic_trade(first_year=2019, last_year=2020)
    >>> sorted(rows["source"].unique())
    ['synthetic-demo']
    """
    rng = np.random.default_rng(seed)
    records: list[dict[str, object]] = []
    for partner, (size, growth) in _PARTNERS.items():
        if partner == home:  # a home country among the partners does not trade with itself
            continue
        for flow, scale in (("export", 1.0), ("import", 0.8)):
            level = size * scale * 1e9
            for year in range(first_year, last_year + 1):
                level *= 1 + growth + rng.normal(0, 0.05)
                value = max(level, 0.0)
                records.append({"reporter": home, "partner": partner, "flow": flow,
                                "period": str(year), "value_usd": value})
                mirror_flow = "import" if flow == "export" else "export"
                margin = 1.06 if mirror_flow == "import" else 0.95
                records.append({"reporter": partner, "partner": home, "flow": mirror_flow,
                                "period": str(year),
                                "value_usd": value * margin * (1 + rng.normal(0, 0.03))})
    frame = pd.DataFrame(records)
    frame["frequency"] = "A"
    frame["commodity"] = "TOTAL"
    frame["source"] = SYNTHETIC_TRADE_SOURCE
    frame["is_mirror"] = False
    return frame
