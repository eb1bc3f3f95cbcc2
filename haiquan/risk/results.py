"""What inspections found: hit rate and revenue recovered by channel, office, rule, alert, month.

Hit rates of risk-ranked inspections say how well the model and the alerts target, but not how
much fraud goes through uninspected: they are measured on declarations chosen *because* they
looked risky. The random draws (:mod:`~haiquan.risk.selectivity`) are the exception: each
declaration was drawn with a known chance (``draw_chance``, lower for AEOs), so the
inverse-probability-weighted hit rate of the drawn declarations (Hájek's estimator) estimates the
fraud rate among all declarations — the ones nobody inspected included. Its 95 % interval here is
Wilson's on the number of drawn declarations inspected (unweighted: an approximation when AEOs are
among them). Drawn declarations without an outcome yet are counted, since an estimate from the
inspections that happen to be recorded first can be biased.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from haiquan.errors import InputError
from haiquan.risk.outcomes import OutcomeStore, read_decisions

__all__ = [
    "GROUPINGS",
    "FraudRateEstimate",
    "InspectionResults",
    "inspection_results",
    "results_rows",
]

Grouping = Literal["channel", "office", "rule", "alert", "month"]
GROUPINGS: tuple[str, ...] = ("channel", "office", "rule", "alert", "month")


@dataclass(frozen=True)
class FraudRateEstimate:
    """The fraud rate among all declarations, estimated from the random draws."""

    estimate: float | None
    low: float | None
    high: float | None
    inspected: int
    awaiting: int


@dataclass(frozen=True)
class InspectionResults:
    """Hit rate and revenue per group, and the unbiased fraud-rate estimate.

    Attributes:
        by: the grouping.
        table: one row per group: ``inspected``, ``found``, ``hit_rate``, ``critical``,
            ``duty_recovered``, and ``awaiting`` (selected, no outcome recorded yet).
        random: :class:`FraudRateEstimate` from the random draws.
    """

    by: str
    table: pd.DataFrame
    random: FraudRateEstimate
    unmatched_outcomes: int = 0
    notes: list[str] = field(default_factory=list)


def _wilson(found: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson's 95 % interval for a proportion.

    >>> [round(x, 3) for x in _wilson(2, 40)]
    [0.014, 0.165]
    """
    p = found / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _group_key(frame: pd.DataFrame, by: str) -> pd.Series:
    if by == "month":
        return pd.to_datetime(frame["date"]).dt.strftime("%Y-%m")
    if by == "rule":
        return frame["selection"].astype(str)
    if by == "alert":
        return frame["alert_id"].fillna("").astype(str).replace("", "(no alert)")
    return frame[by].astype(str)


def inspection_results(by: Grouping = "channel", store: OutcomeStore | None = None
                       ) -> InspectionResults:
    """Hit rate and duty recovered per ``by`` group, from kept decisions and their outcomes.

    Raises:
        InputError: ``by`` is not one of :data:`GROUPINGS`.
    """
    if by not in GROUPINGS:
        raise InputError("unknown grouping", expected=", ".join(GROUPINGS), got=repr(by),
                         fix="group by channel, office, rule, alert or month")
    decisions = read_decisions()
    outcomes = (store or OutcomeStore()).latest()
    empty = FraudRateEstimate(None, None, None, 0, 0)
    if decisions.empty:
        return InspectionResults(by, pd.DataFrame(), empty, len(outcomes),
                                 ["no decisions kept yet: score a day with `haiquan risk score`"])
    decisions = decisions.assign(declaration_id=decisions["declaration_id"].astype(str),
                                 item_number=decisions["item_number"].astype(int))
    if outcomes.empty:
        outcomes = pd.DataFrame(columns=["declaration_id", "item_number", "found",
                                         "duty_recovered", "critical"])
    joined = decisions.merge(outcomes[["declaration_id", "item_number", "found",
                                       "duty_recovered", "critical"]],
                             on=["declaration_id", "item_number"], how="left")
    known = joined["found"].notna()
    joined["inspected"] = known.astype(int)
    joined["hit"] = joined["found"].where(known, False).astype(bool).astype(int)
    joined["crit"] = joined["critical"].where(known, False).astype(bool).astype(int)
    joined["duty"] = joined["duty_recovered"].where(known, 0.0).astype(float)
    joined["key"] = _group_key(joined, by)
    grouped = joined.groupby("key", sort=True)
    table = pd.DataFrame({
        "selected": grouped.size(),
        "inspected": grouped["inspected"].sum(),
        "found": grouped["hit"].sum(),
        "critical": grouped["crit"].sum(),
        "duty_recovered": grouped["duty"].sum(),
    })
    table["awaiting"] = table["selected"] - table["inspected"]
    with np.errstate(invalid="ignore", divide="ignore"):
        table["hit_rate"] = np.where(table["inspected"] > 0,
                                     table["found"] / table["inspected"].replace(0, np.nan),
                                     np.nan)
    table = table.reset_index().rename(columns={"key": by})
    matched = set(zip(decisions["declaration_id"], decisions["item_number"], strict=True))
    unmatched = sum(1 for k in zip(outcomes["declaration_id"].astype(str),
                                   outcomes["item_number"].astype(int), strict=True)
                    if k not in matched)
    return InspectionResults(by, table, _random_estimate(joined), unmatched)


def _random_estimate(joined: pd.DataFrame) -> FraudRateEstimate:
    drawn = joined[joined["selection"] == "random"]
    done = drawn[drawn["inspected"] == 1]
    awaiting = int(len(drawn) - len(done))
    if done.empty:
        return FraudRateEstimate(None, None, None, 0, awaiting)
    weight = 1.0 / done["draw_chance"].astype(float).clip(lower=1e-9)
    estimate = float((weight * done["hit"]).sum() / weight.sum())
    low, high = _wilson(int(done["hit"].sum()), len(done))
    return FraudRateEstimate(estimate, low, high, int(len(done)), awaiting)


def results_rows(results: InspectionResults) -> list[dict[str, object]]:
    """The table as JSON-ready rows (no NaN: an empty hit rate is ``None``)."""
    rows: Sequence[dict[str, object]] = results.table.to_dict(orient="records")
    return [{k: (None if isinstance(v, float) and math.isnan(v) else
                 v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
            for row in rows]
