"""Gravity models estimated by PPML with fixed effects (pyfixest ``fepois``).

Two uses:

* :func:`reference_eu15` reproduces the published fixest example on the EU15 panel,
  ``Euros ~ log(dist_km) | Origin + Destination + Product + Year`` with standard errors clustered
  by origin (log distance -1.527874, s.e. 0.115678) — the check that the machinery is right.
* :func:`expected_trade` / :func:`untapped_potential` estimate, for one year of bilateral
  country-to-country trade (DOTS), ``value_ij = exp(a_i + b_j + sum_g c_g * same_g_ij)`` where
  ``a_i`` and ``b_j`` are exporter and importer fixed effects (for one year these are the
  exporter-year and importer-year effects that absorb size, prices and multilateral resistance;
  Anderson & van Wincoop 2003, Santos Silva & Tenreyro 2006) and ``same_g_ij`` is 1 when both
  countries belong to group ``g`` (ASEAN by default, dated membership from
  ``haiquan.reference``), plus ``home_fta``: 1 for the home country's pairs with a partner
  with which a free-trade agreement is in force on 31 December (``haiquan.reference.agreements``).
  The agreements catalogue lists the home country's agreements only, so ``home_fta`` is coded
  for home pairs alone and its coefficient reads "premium of the home's FTA partners over its
  other partners", identified from the home country's own partners. Expected trade is the fitted
  value; untapped potential is expected - actual.

Limits, stated plainly: there is **no distance, contiguity, language or tariff** variable,
because no sourced table of them is at hand for DOTS partners; the pair-level information is only
common group membership. With exporter fixed effects, PPML's fitted values add up to each
exporter's actual total (Fally 2015), so the home country's potentials sum to zero: the model
re-distributes observed trade across partners according to their size and the group effects, it
does not say trade could grow overall. Pairs with no DOTS row are missing data, not zeros, so
they are left out (they are not counted as zero trade).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from haiquan.analytics._frames import (
    annual_values,
    is_country,
    is_synthetic,
    resolve_home,
    resolve_year,
)
from haiquan.analytics.results import ExpectedTrade, GravityResult
from haiquan.errors import InputError, NotFoundError
from haiquan.reference.countries import group_members
from haiquan.settings import get_settings

__all__ = [
    "EU15_REFERENCE",
    "EU15_TERM",
    "ExpectedTrade",
    "GravityResult",
    "expected_trade",
    "gravity_panel",
    "ppml",
    "reference_eu15",
    "untapped_potential",
]

#: The published estimate (fixest walkthrough vignette; shared/data SOURCE.md).
EU15_REFERENCE: dict[str, float] = {"estimate": -1.527874, "std_error": 0.115678}
#: The regressor's name in haiquan's fit (log of ``dist_km``).
EU15_TERM = "log_dist_km"
EU15_FILE = "trade/fixest-eu15-trade-2007-2016/fixest_trade_eu15_2007_2016.csv"


def ppml(
    data: pd.DataFrame,
    outcome: str,
    regressors: Sequence[str],
    fixed_effects: Sequence[str],
    *,
    cluster: str | None = None,
) -> tuple[GravityResult, Any]:
    """Fit ``outcome ~ regressors | fixed_effects`` by Poisson pseudo-maximum likelihood.

    Returns:
        The result and the fitted pyfixest model (for predictions).

    Raises:
        InputError: a named column is missing, or the outcome is negative.
    """
    import pyfixest as pf

    needed = [outcome, *regressors, *fixed_effects, *([cluster] if cluster else [])]
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise InputError(
            "the gravity data lacks columns",
            expected="columns " + ", ".join(needed),
            got="columns " + ", ".join(map(str, data.columns)),
            fix="build the panel with gravity_panel() or read_eu15_panel()",
        )
    if (data[outcome] < 0).any():
        raise InputError("trade values for PPML must not be negative", expected="values >= 0",
                         got=f"{int((data[outcome] < 0).sum())} negative values",
                         fix="drop or correct the negative rows")
    formula = f"{outcome} ~ {' + '.join(regressors)} | {' + '.join(fixed_effects)}"
    vcov: str | dict[str, str] = {"CRV1": cluster} if cluster else "hetero"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = pf.fepois(formula, data, vcov=vcov)
    table = pd.DataFrame({
        "estimate": model.coef(),
        "std_error": model.se(),
        "p_value": model.pvalue(),
    })
    table.index.name = "term"
    result = GravityResult(
        formula=formula,
        vcov=f"clustered by {cluster}" if cluster else "heteroskedasticity-robust",
        nobs=int(model._N),
        coefficients=table,
    )
    return result, model


def reference_eu15(path: str | Path | None = None) -> GravityResult:
    """Reproduce the fixest EU15 reference estimate of the distance elasticity.

    Args:
        path: the EU15 CSV; defaults to ``SHARED_DATA/trade/fixest-eu15-trade-2007-2016/...``.

    ``details`` holds the published values and the differences from them.
    """
    from haiquan.warehouse.sources.eu15 import read_eu15_panel

    file = Path(path) if path else get_settings().shared_data / EU15_FILE
    if not file.is_file():
        raise NotFoundError(
            "the EU15 gravity panel is not at hand",
            expected="the fixest EU15 CSV",
            got=str(file),
            fix="pass --input PATH, or set HAIQUAN_SHARED_DATA to the shared data folder",
        )
    panel = read_eu15_panel(file)
    panel["log_dist_km"] = np.log(panel["dist_km"])
    result, _ = ppml(panel, "euros", ["log_dist_km"], ["origin", "destination", "product", "year"],
                     cluster="origin")
    result.details = {
        "term": EU15_TERM,
        "published_estimate": EU15_REFERENCE["estimate"],
        "published_std_error": EU15_REFERENCE["std_error"],
        "estimate_difference": result.estimate(EU15_TERM) - EU15_REFERENCE["estimate"],
        "std_error_difference": result.std_error(EU15_TERM) - EU15_REFERENCE["std_error"],
        "path": str(file),
    }
    return result


def gravity_panel(
    flows: pd.DataFrame, year: int, *, flow: str = "export", groups: Sequence[str] = ("ASEAN",),
    home: str | None = None, annual: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Country-to-country TOTAL trade of one year as an exporter x importer panel.

    ``flow="export"`` uses exporters' own reports (FOB); ``flow="import"`` importers' own reports
    (CIF). Each ``same_<group>`` column is 1 when both countries were members on 31 December.
    With ``home``, ``home_fta`` is 1 for pairs of the home country and a partner with a
    free-trade agreement in force with it on 31 December.

    Returns:
        Columns ``exporter``, ``importer``, ``value_usd``, one ``same_<group>`` per group and,
        with ``home``, ``home_fta``.
    """
    if flow not in ("export", "import"):
        raise InputError("the gravity flow must be export or import", expected="export or import",
                         got=repr(flow),
                         fix="choose export or import (on the command line: --flow export)")
    table = annual if annual is not None else annual_values(flows)
    rows = table.loc[(table["year"] == year) & (table["flow"] == flow)
                     & (table["commodity"] == "TOTAL")
                     & is_country(table["reporter"]) & is_country(table["partner"])
                     & (table["reporter"] != table["partner"])]
    exporter, importer = ("reporter", "partner") if flow == "export" else ("partner", "reporter")
    panel = pd.DataFrame({
        "exporter": rows[exporter].astype("string"),
        "importer": rows[importer].astype("string"),
        "value_usd": rows["value_usd"].astype("float64"),
    }).reset_index(drop=True)
    end = dt.date(year, 12, 31)
    for group in groups:
        members = set(group_members(group, end))
        panel[f"same_{group.lower()}"] = (panel["exporter"].isin(members)
                                          & panel["importer"].isin(members)).astype("int64")
    if home is not None:
        panel["home_fta"] = _home_fta(panel, home, end).astype("int64")
    return panel


def _home_fta(panel: pd.DataFrame, home: str, on: dt.date) -> pd.Series:
    from haiquan.reference.agreements import agreements_between

    partners = set(panel.loc[panel["exporter"] == home, "importer"]) | set(
        panel.loc[panel["importer"] == home, "exporter"])
    with_fta = {p for p in partners if agreements_between(home, str(p), on, kind="fta")}
    return ((panel["exporter"] == home) & panel["importer"].isin(with_fta)) | (
        (panel["importer"] == home) & panel["exporter"].isin(with_fta))


def _one_source(flows: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """The rows of the one source with the most reporters, and its name.

    A gravity model compares every pair with every other, so its pairs must be measured the
    same way: a warehouse holding the DOTS table and the U.S. Census file would otherwise mix
    the Census's own U.S. figures (general imports, its own partner codes and revisions) into
    the DOTS panel where DOTS has no row. The source with the most reporters is the bilateral
    table the model needs; the others are left out of the estimate.
    """
    if "source" not in flows.columns:
        return flows, None
    reporters = flows.groupby("source", observed=True)["reporter"].nunique()
    if len(reporters) <= 1:
        return flows, (str(reporters.index[0]) if len(reporters) else None)
    chosen = str(reporters.sort_values(ascending=False, kind="stable").index[0])
    return flows.loc[flows["source"] == chosen], chosen


def _without_singletons(pairs: pd.DataFrame) -> pd.DataFrame:
    """The pairs left once every exporter or importer seen in a single pair is dropped, again
    until none is: such a country's effect fits its one pair exactly, so it tells the model
    nothing. One country's rows alone (the Vietnam extract read with another home country: a
    star of pairs around Vietnam) leave nothing — and pyfixest aborts the whole process on
    such a panel rather than raising, so it must be caught before the fit."""
    while len(pairs):
        lone = (pairs.groupby("exporter", observed=True)["importer"].transform("size") < 2) | (
            pairs.groupby("importer", observed=True)["exporter"].transform("size") < 2)
        if not lone.any():
            break
        pairs = pairs.loc[~lone]
    return pairs


def expected_trade(
    flows: pd.DataFrame,
    home: str | None = None,
    year: int | None = None,
    *,
    flow: str = "export",
    groups: Sequence[str] = ("ASEAN",),
    home_fta: bool = True,
) -> ExpectedTrade:
    """Actual and gravity-expected trade of the home country with each partner in one year.

    Args:
        flows: canonical rows of every reporter's TOTAL trade by partner country for the year
            (the full DOTS table; the home country's own rows alone cannot identify the model).
        home: alpha-3 code; defaults to the ``home_country`` setting.
        year: defaults to the latest year the home country reported.
        flow: ``export`` (home sells, exporter reports) or ``import`` (home buys, home reports).
        groups: country groups whose common membership enters as a pair dummy.
        home_fta: add the dummy for the home country's FTA partners.

    Returns:
        An :class:`~haiquan.analytics.results.ExpectedTrade` whose ``table`` has one row per
        partner: ``partner``, ``year``, ``actual``, ``expected``, ``potential`` (expected -
        actual) and ``actual_to_expected``; ``model`` is the :class:`GravityResult`,
        ``synthetic`` whether any input row is demo data.

    Raises:
        InputError: when the rows hold too few reporters to estimate the model.
    """
    flows, source = _one_source(flows)
    annual = annual_values(flows)
    code = resolve_home(home)
    chosen = resolve_year(annual, code, year)
    panel = gravity_panel(flows, chosen, flow=flow, groups=groups,
                          home=code if home_fta else None, annual=annual)
    # The home country's own rows (and its partners' rows with it) cannot identify the partner
    # effects: every partner would be fitted exactly. Trade among third countries is needed.
    third = _without_singletons(
        panel.loc[(panel["exporter"] != code) & (panel["importer"] != code)])
    countries = third["exporter"].nunique() if flow == "export" else third["importer"].nunique()
    if countries < 10:
        raise InputError(
            "too few reporting countries to estimate a gravity model",
            expected="the bilateral trade of many reporters in one year (e.g. the full DOTS file)",
            got=f"{countries} reporter(s) with trade among third countries in {chosen} (counting "
            "only countries seen in more than one pair of them)",
            fix="pass the full DOTS table (dots_bilateral_annual_1960_2020.parquet), not only "
            "the home country's rows",
        )
    regressors = [c for c in panel.columns
                  if (c.startswith("same_") or c == "home_fta") and panel[c].nunique() > 1]
    if not regressors:
        panel["_constant_pair"] = 0.0  # pyfixest needs a regressor; it is dropped as collinear
        regressors = ["_constant_pair"]
    result, model = ppml(panel, "value_usd", regressors, ["exporter", "importer"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = np.asarray(model.predict(newdata=panel, type="response"), dtype="float64")
    panel["expected"] = fitted
    side, other = ("exporter", "importer") if flow == "export" else ("importer", "exporter")
    own = panel.loc[panel[side] == code]
    out = pd.DataFrame({
        "partner": own[other].astype("string").to_numpy(),
        "year": chosen,
        "actual": own["value_usd"].to_numpy(),
        "expected": own["expected"].to_numpy(),
    })
    out["potential"] = out["expected"] - out["actual"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["actual_to_expected"] = np.where(out["expected"] > 0,
                                             out["actual"] / out["expected"], np.nan)
    result.details = {"home": code, "year": chosen, "flow": flow, "groups": list(groups),
                      "source": source,
                      "home_fta": home_fta,
                      "pairs": len(panel), "countries": countries}
    return ExpectedTrade(table=out.reset_index(drop=True), model=result, home=code,
                         year=chosen, flow=flow, synthetic=is_synthetic(flows))


def untapped_potential(
    flows: pd.DataFrame,
    home: str | None = None,
    year: int | None = None,
    *,
    flow: str = "export",
    groups: Sequence[str] = ("ASEAN",),
    home_fta: bool = True,
) -> ExpectedTrade:
    """:func:`expected_trade` with its table sorted by untapped potential, largest first."""
    expected = expected_trade(flows, home, year, flow=flow, groups=groups, home_fta=home_fta)
    ordered = expected.table.sort_values("potential", ascending=False, kind="stable")
    return dataclasses.replace(expected, table=ordered.reset_index(drop=True))
