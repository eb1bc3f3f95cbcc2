"""Trade analytics on canonical trade-flow rows: indicators, RCA, mirror gaps, gravity (PPML).

Every function takes a plain DataFrame of canonical rows (from a warehouse query or a trade-file
reader) and returns a DataFrame; nothing here opens a connection. The two entry points other
modules call are :func:`partner_indicators` (one row per partner with every indicator) and
:func:`untapped_potential` (gravity-expected minus actual trade per partner).
"""

from haiquan.analytics.gravity import (
    EU15_REFERENCE,
    EU15_TERM,
    GravityResult,
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
from haiquan.analytics.sources import load_flows

__all__ = [
    "EU15_REFERENCE",
    "EU15_TERM",
    "GravityResult",
    "MirrorThresholds",
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
