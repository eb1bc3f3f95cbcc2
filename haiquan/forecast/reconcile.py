"""Hierarchical coherence: partner forecasts that add up to the total, commodities to partners.

Forecasting each series on its own gives a world total that is not the sum of its partners.
Where the data nests we build the hierarchy from the bottom series — the total of the slice is
recomputed as the sum of its countries (named groups such as EUROPEAN_UNION overlap and are left
out), and a partner's total as the sum of its commodities — forecast every level, and reconcile
with hierarchicalforecast (MinTrace with structural weights by default: it needs no in-sample
residuals, so it works the same on any engine).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from haiquan.errors import InputError

__all__ = ["RECONCILERS", "build_hierarchy", "check_method", "reconcile_forecasts"]

#: ``--reconcile`` choices -> hierarchicalforecast reconciler factories.
RECONCILERS = ("bottom_up", "mint_ols", "mint_wls")

#: Partner code of the recomputed total of a slice's countries.
TOTAL_PARTNER = "WORLD"


def check_method(method: str | None) -> None:
    """Refuse an unknown reconciliation method before any work is done (``None`` is none).

    >>> check_method("magic")
    Traceback (most recent call last):
    ...
    haiquan.errors.InputError: unknown reconciliation method 'magic': expected one of bottom_up, \
mint_ols, mint_wls, got 'magic'; to fix: use --reconcile mint_wls (or bottom_up, mint_ols)
    """
    if method is not None and method not in RECONCILERS:
        raise InputError(f"unknown reconciliation method {method!r}",
                         expected="one of " + ", ".join(RECONCILERS), got=repr(method),
                         fix="use --reconcile mint_wls (or bottom_up, mint_ols)")


def build_hierarchy(
    bottom: pd.DataFrame, *, value_column: str = "value_usd"
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, np.ndarray]]:
    """Aggregate country-level canonical rows into a coherent hierarchy.

    Args:
        bottom: canonical rows of countries only (partner codes of three letters), one reporter,
            flow and frequency per group; commodity either all ``TOTAL`` or all HS codes.

    Returns:
        ``(rows, S, tags)``: canonical-like rows of every level (totals get partner ``WORLD``
        and/or commodity ``TOTAL``), the summing matrix as a DataFrame (``unique_id`` + one
        column per bottom series, bottom rows last) and the level tags, all keyed by the
        series ids :func:`~haiquan.forecast.panel.flows_to_panel` gives.
    """
    if (bottom["partner"].astype(str).str.len() != 3).any():
        raise InputError("only countries can be summed into a total",
                         expected="partner codes of three letters",
                         got="named groups among the partners",
                         fix="select the slice with countries_only=True")
    rows = bottom.copy()
    has_commodities = (rows["commodity"] != "TOTAL").any()
    if has_commodities and (rows["commodity"] == "TOTAL").any():
        raise InputError("a hierarchy needs one commodity level at the bottom",
                         expected="either TOTAL rows or HS codes", got="both",
                         fix="pass --commodity-level 2 (or 4, 6) to forecast HS codes")
    group_keys = ["reporter", "flow", "frequency", "period"]
    levels: list[tuple[str, pd.DataFrame]] = []
    total = rows.groupby(group_keys, as_index=False)["value_usd"].sum()
    total["partner"], total["commodity"] = TOTAL_PARTNER, "TOTAL"
    levels.append(("total", total))
    if has_commodities:
        partner = rows.groupby([*group_keys, "partner"], as_index=False)["value_usd"].sum()
        partner["commodity"] = "TOTAL"
        levels.append(("partner", partner))
    levels.append(("bottom", rows[[*group_keys, "partner", "commodity", "value_usd"]]))
    frames, tags = [], {}
    for name, frame in levels:
        frame = frame.copy()
        frame["unique_id"] = _ids(frame)
        tags[name] = np.array(sorted(frame["unique_id"].unique()))
        frames.append(frame)
    all_rows = pd.concat(frames, ignore_index=True)
    bottom_ids = list(tags["bottom"])
    order = [uid for name, _ in levels for uid in tags[name]]
    parent_of = rows.assign(unique_id=_ids(rows)).drop_duplicates("unique_id")
    matrix = pd.DataFrame(0.0, index=order, columns=bottom_ids)
    for _, row in parent_of.iterrows():
        uid = row["unique_id"]
        matrix.loc[uid, uid] = 1.0
        base = [row["reporter"], TOTAL_PARTNER, row["flow"], row["frequency"], "TOTAL"]
        matrix.loc["|".join(base), uid] = 1.0
        if has_commodities:
            mid = [row["reporter"], row["partner"], row["flow"], row["frequency"], "TOTAL"]
            matrix.loc["|".join(mid), uid] = 1.0
    S = matrix.rename_axis("unique_id").reset_index()
    return all_rows, S, tags


def _ids(frame: pd.DataFrame) -> pd.Series:
    parts = [frame[c].astype(str) for c in ("reporter", "partner", "flow", "frequency",
                                            "commodity")]
    return parts[0].str.cat(parts[1:], sep="|")


def reconcile_forecasts(
    forecasts: pd.DataFrame,
    S: pd.DataFrame,
    tags: dict[str, np.ndarray],
    *,
    levels: Sequence[int] = (80, 95),
    method: str = "mint_wls",
) -> pd.DataFrame:
    """Make ``yhat`` and the intervals coherent across the hierarchy.

    Args:
        forecasts: ``unique_id, ds, yhat, lo_<l>, hi_<l>`` for every series of ``S``.
        method: ``bottom_up``, ``mint_ols`` or ``mint_wls`` (MinTrace, structural weights).

    Returns:
        ``forecasts`` with reconciled values; intervals come from hierarchicalforecast's
        normality method, which turns each base interval into a standard deviation (NaN
        everywhere when a series of the hierarchy has no band).
    """
    from hierarchicalforecast.core import HierarchicalReconciliation
    from hierarchicalforecast.methods import BottomUp, MinTrace

    factories = {"bottom_up": BottomUp, "mint_ols": lambda: MinTrace(method="ols"),
                 "mint_wls": lambda: MinTrace(method="wls_struct")}
    check_method(method)
    ids = set(S["unique_id"])
    have = set(forecasts["unique_id"])
    if ids - have:
        missing = sorted(ids - have)
        raise InputError("every series of the hierarchy needs a forecast",
                         expected="forecasts for all levels",
                         got=f"{len(missing)} without, e.g. {missing[:3]}",
                         fix="check that no bottom series was skipped as too short")
    y_hat = forecasts[forecasts["unique_id"].isin(ids)].copy()
    base = pd.DataFrame({"unique_id": y_hat["unique_id"], "ds": y_hat["ds"],
                         "Base": y_hat["yhat"].astype("float64")})
    bounds = [f"{side}_{level}" for level in levels for side in ("lo", "hi")]
    # A series without a band (too few back-tests to calibrate one) leaves every total it
    # belongs to without one: the point forecasts are reconciled, the bands are not given.
    banded = bool(y_hat[bounds].notna().all().all())
    if banded:
        for level in levels:
            base[f"Base-lo-{level}"] = y_hat[f"lo_{level}"].astype("float64")
            base[f"Base-hi-{level}"] = y_hat[f"hi_{level}"].astype("float64")
    reconciled = HierarchicalReconciliation([factories[method]()]).reconcile(
        Y_hat_df=base, S_df=S, tags=tags, level=list(levels) if banded else None,
        intervals_method="normality")
    column = next(c for c in reconciled.columns
                  if c.startswith("Base/") and "-lo-" not in c and "-hi-" not in c)
    out = reconciled[["unique_id", "ds"]].copy()
    out["yhat"] = reconciled[column].to_numpy()
    for level in levels:
        if not banded:
            out[f"lo_{level}"] = out[f"hi_{level}"] = np.nan
            continue
        out[f"lo_{level}"] = np.maximum(reconciled[f"{column}-lo-{level}"].to_numpy(), 0.0)
        out[f"hi_{level}"] = reconciled[f"{column}-hi-{level}"].to_numpy()
    keep = forecasts.drop(columns=["yhat", *[f"{s}_{lv}" for lv in levels
                                             for s in ("lo", "hi")]])
    return keep.merge(out, on=["unique_id", "ds"], how="left")
