"""Trade analytics on canonical trade-flow rows: indicators, RCA, mirror gaps, gravity (PPML).

Every function takes a plain DataFrame of canonical rows (from a warehouse query or a trade-file
reader); nothing here opens a connection. The formulas return numbers or DataFrames; the entry
points return typed results (:mod:`haiquan.analytics.results`) holding the table and what was
computed with it — home, year, notes, the fitted model, whether demo data is behind it. The two
entry points other modules call are :func:`partner_indicators` (one row per partner with every
indicator) and :func:`untapped_potential` (gravity-expected minus actual trade per partner).
"""

from haiquan.analytics.gravity import (
    EU15_REFERENCE,
    EU15_TERM,
    expected_trade,
    gravity_panel,
    ppml,
    reference_eu15,
    untapped_potential,
)
from haiquan.analytics.indicators import (
    cagr,
    concentration,
    grubel_lloyd,
    hhi,
    partner_indicators,
    shares,
    trade_intensity,
    yoy_growth,
)
from haiquan.analytics.mirror import MirrorThresholds, load_thresholds, mirror_gaps
from haiquan.analytics.rca import balassa_rca, rca_profile
from haiquan.analytics.results import (
    ExpectedTrade,
    GravityResult,
    MirrorGaps,
    PartnerIndicators,
    RcaProfile,
)
from haiquan.analytics.sources import load_flows

__all__ = [
    "EU15_REFERENCE",
    "EU15_TERM",
    "ExpectedTrade",
    "GravityResult",
    "MirrorGaps",
    "MirrorThresholds",
    "PartnerIndicators",
    "RcaProfile",
    "balassa_rca",
    "cagr",
    "concentration",
    "expected_trade",
    "gravity_panel",
    "grubel_lloyd",
    "hhi",
    "load_flows",
    "load_thresholds",
    "mirror_gaps",
    "partner_indicators",
    "ppml",
    "rca_profile",
    "reference_eu15",
    "shares",
    "trade_intensity",
    "untapped_potential",
    "yoy_growth",
]
