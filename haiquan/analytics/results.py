"""What the analytics entry points return: the table, and what was computed with it.

Each result is a frozen dataclass holding the table and its metadata as typed fields — which
home country and year, notes, the fitted model, and ``synthetic`` (any input row is generated
demo data) — so the CLI, the API and the dashboard read the same checked fields, and a
SYNTHETIC label cannot fall off when a table is filtered, merged or concatenated.

Results are compared by identity (``eq=False``): the DataFrames they hold have no single truth
value to compare by.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import pandas as pd

__all__ = ["ExpectedTrade", "GravityResult", "MirrorGaps", "PartnerIndicators", "RcaProfile"]


@dataclass(frozen=True, eq=False)
class PartnerIndicators:
    """Every indicator of each trade relationship of ``home`` in ``year``
    (:func:`~haiquan.analytics.partner_indicators`)."""

    #: One row per partner, sorted by total trade (columns: docs/analytics.md).
    table: pd.DataFrame
    home: str
    year: int
    #: :func:`~haiquan.analytics.concentration` of the same rows: one row per flow.
    concentration: pd.DataFrame
    #: False when the rows lack the world totals trade intensity needs (``notes`` says what
    #: to load); the intensity columns are then NaN, which is not a measured zero.
    intensity_available: bool
    notes: tuple[str, ...]
    synthetic: bool


@dataclass(frozen=True, eq=False)
class MirrorGaps:
    """Home-reported against partner-reported trade in ``year``, per partner and direction
    (:func:`~haiquan.analytics.mirror_gaps`)."""

    #: Flagged gaps first, then by size.
    table: pd.DataFrame
    home: str
    year: int
    synthetic: bool


@dataclass(frozen=True, eq=False)
class RcaProfile:
    """The home country's products by revealed comparative advantage in ``year``
    (:func:`~haiquan.analytics.rca_profile`)."""

    #: Strongest advantage first.
    table: pd.DataFrame
    home: str
    year: int
    synthetic: bool


@dataclass(eq=False)
class GravityResult:
    """Coefficients of one PPML fit and what it was fitted on.

    Compared by identity (``eq=False``): it holds a coefficient DataFrame.
    """

    formula: str
    vcov: str
    nobs: int
    coefficients: pd.DataFrame
    details: dict[str, Any] = field(default_factory=dict)

    def estimate(self, term: str) -> float:
        """The coefficient of one term."""
        return float(cast(float, self.coefficients.loc[term, "estimate"]))

    def std_error(self, term: str) -> float:
        """The standard error of one term."""
        return float(cast(float, self.coefficients.loc[term, "std_error"]))


@dataclass(frozen=True, eq=False)
class ExpectedTrade:
    """Gravity-expected against actual trade of ``home`` with each partner in ``year``
    (:func:`~haiquan.analytics.expected_trade`, :func:`~haiquan.analytics.untapped_potential`)."""

    #: ``partner``, ``year``, ``actual``, ``expected``, ``potential``, ``actual_to_expected``.
    table: pd.DataFrame
    #: The PPML fit the expectations come from; ``model.details`` says what it was fitted on.
    model: GravityResult
    home: str
    year: int
    flow: str
    synthetic: bool
