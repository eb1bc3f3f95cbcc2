"""Partner scoring: transparent criteria, weights from YAML, a score broken down by criterion.

Each criterion's raw value (trade, growth, mirror gap, cooperation flags ...) is scaled to 0-1
across the partners scored (min-max, after a log for skewed money figures, flipped when lower is
better), multiplied by its weight (weights are normalised to add up to 1), and expressed in points
out of 100. The total is the sum of the contributions, so every point of a partner's score can be
traced to one criterion, one weight and one reason in the weights file.
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd

from haiquan.errors import HaiquanError, InputError
from haiquan.priorities import _inputs
from haiquan.priorities.trade import ForecastMethod, forecast_growth
from haiquan.priorities.weights import CRITERIA, ScoringWeights, load_weights
from haiquan.reference.countries import resolve_home

__all__ = [
    "COOPERATION_FLAGS",
    "partner_criteria",
    "score_criteria",
    "score_partners",
    "weight_sensitivity",
]

COOPERATION_FLAGS = ("fta_in_force", "aeo_mra", "eco_exchange", "single_window_connected")


def _cooperation(home: str, partners: list[str], on: dt.date) -> pd.DataFrame:
    """The four flags per partner from ``haiquan.reference.agreements`` (NaN when unknown)."""
    from haiquan.reference.agreements import cooperation_state

    rows = []
    for partner in partners:
        try:
            state = cooperation_state(home, partner, on)
            rows.append({"partner": partner,
                         **{f: float(getattr(state, f)) for f in COOPERATION_FLAGS}})
        except HaiquanError:
            rows.append({"partner": partner, **{f: np.nan for f in COOPERATION_FLAGS}})
    return pd.DataFrame(rows, columns=["partner", *COOPERATION_FLAGS])


def _name(code: str) -> str:
    from haiquan.reference import country

    try:
        return country(code).name
    except HaiquanError:
        return code


def partner_criteria(
    flows: pd.DataFrame,
    *,
    home: str | None = None,
    horizon: int = 5,
    year: int | None = None,
    on: dt.date | None = None,
    potential: pd.Series | None = None,
    cooperation: pd.DataFrame | None = None,
    min_share: float = 0.001,
    forecast: ForecastMethod = "model",
) -> pd.DataFrame:
    """Raw criterion values for every partner country home traded with in the base year.

    Args:
        flows: canonical trade-flow rows (annual DOTS, or monthly rows summed into full years).
        home: the home country (``HAIQUAN_HOME_COUNTRY`` when None).
        horizon: years ahead over which forecast growth is measured.
        year: base year; when None the latest year in which home traded with most of its
            partners (:func:`~haiquan.priorities._inputs.choose_base_year`), so a few stray
            rows of a later year do not shrink the ranking to the partners present then.
        on: the day the cooperation state is read for (today when None).
        potential: untapped potential per partner (a fraction, indexed by partner code); when
            None it is estimated by PPML gravity (:mod:`haiquan.analytics`), which needs many
            reporters' trade (the full DOTS file) and is left empty otherwise.
        cooperation: the four cooperation flags per partner (column ``partner`` + flags) to use
            instead of ``haiquan.reference.agreements``.
        min_share: partners below this share of home's trade are left out, because min-max
            scaling over 200 partners lets tiny, noisy relationships (a 300 % growth on a few
            million dollars) outrank the partners that matter; 0 keeps them all.
        forecast: ``model`` (haiquan.forecast ensembles) or ``trend`` (fast) for growth.

    Returns:
        One row per partner with ``partner``, ``name`` and a column per criterion of
        :data:`~haiquan.priorities.weights.CRITERIA` (NaN where the data cannot tell).
        ``attrs`` holds ``home``, ``year``, ``horizon``, ``on`` and ``warnings`` (about the
        base year's coverage of the partners).

    Raises:
        InputError: no trade of the home country in the flows, or bad arguments.
    """
    home = resolve_home(home)
    if horizon < 1:
        raise InputError("the horizon is at least one year", expected="an integer ≥ 1",
                         got=str(horizon), fix="pass --horizon 5")
    # A share of 1 or more leaves every partner out, which used to surface as "no criterion
    # has data"; a negative one is a typo.
    if not 0 <= min_share < 1:
        raise InputError("min_share is the share of trade below which partners are left out",
                         expected="a fraction from 0 (keep all) to below 1, e.g. 0.001 for 0.1 %",
                         got=str(min_share), fix="pass --min-share 0.001")
    annual = _inputs.annual_totals(flows)
    trade = _inputs.home_partner_trade(annual, home)
    reported = trade.loc[trade["total"] > 0, "year"]
    if reported.empty:
        raise InputError(
            f"no trade of {home} with partner countries in the flows",
            expected=f"rows where {home} is reporter or partner",
            got=f"{len(flows)} rows with reporters {sorted(set(flows['reporter']))[:5]} ...",
            fix="load a source that covers the home country, or pass --home",
        )
    base_year, warnings = _inputs.choose_base_year(trade, year)
    table = (_inputs.base_indicators(flows, home, base_year)
             if (reported == base_year).any() else pd.DataFrame())
    if table.empty:
        raise InputError(
            f"no trade of {home} with partner countries in {base_year}",
            expected="a base year that has data",
            got=str(base_year),
            fix=f"choose a year between {int(reported.min())} and {int(reported.max())}",
        )
    small = table["share"] < min_share
    left_out = int(small.sum())
    table = table.loc[~small].reset_index(drop=True)
    growth = forecast_growth(flows, home=home, base_year=base_year, horizon=horizon,
                             method=forecast)
    table["forecast_growth"] = table["partner"].map(growth).astype(float)
    if potential is None:
        potential = _inputs.gravity_potential(flows, home, base_year)
    table["untapped_potential"] = (
        table["partner"].map(potential).astype(float) if potential is not None else np.nan
    )
    day = on or dt.date.today()
    flags = (cooperation if cooperation is not None
             else _cooperation(home, table["partner"].tolist(), day))
    table = table.merge(flags[["partner", *COOPERATION_FLAGS]], on="partner", how="left")
    table.insert(1, "name", table["partner"].map(_name))
    table = table[["partner", "name", *CRITERIA]]
    table.attrs.update({"home": home, "year": base_year, "horizon": horizon, "forecast": forecast,
                        "on": day.isoformat(), "min_share": min_share, "left_out": left_out,
                        "warnings": warnings})
    return table


def _scaled(values: pd.Series, transform: str, direction: str) -> pd.Series:
    x = values.astype(float)
    if transform == "log":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            x = np.log(x.where(x > 0))
    low, high = x.min(), x.max()
    scaled = (x - low) / (high - low) if high > low else x * 0.0
    return 1.0 - scaled if direction == "lower" else scaled


def score_criteria(criteria: pd.DataFrame, weights: ScoringWeights) -> pd.DataFrame:
    """Score partners from raw criterion values (the output of :func:`partner_criteria`).

    A criterion with no value for any partner is left out and the other weights re-normalised
    (listed in ``attrs["unavailable"]``); a partner missing one value gets the median scaled
    value of the others for it (neutral), noted in its ``imputed`` column.

    Returns:
        One row per partner sorted by rank: ``rank``, ``partner``, ``name``, ``score`` (0-100),
        one column per weighted criterion with its contribution in points, ``imputed``, and the
        raw values as ``<criterion>_value``. ``attrs["weights"]`` holds the weights used,
        ``attrs["directions"]`` whether a higher or a lower raw value earns the points.
    """
    raw = weights.weights()
    scaled_by = {
        c: _scaled(criteria[c], weights.criteria[c].transform, weights.criteria[c].direction)
        for c in raw if c in criteria.columns
    }
    # A criterion is usable when at least one partner has a value (after a log, zero is none).
    available = {c: w for c, w in raw.items() if c in scaled_by and scaled_by[c].notna().any()}
    unavailable = sorted(set(raw) - set(available))
    total_weight = sum(available.values())
    if total_weight <= 0:
        raise InputError(
            "none of the weighted criteria has data",
            expected="trade, growth, mirror or cooperation figures for at least one criterion",
            got="unavailable: " + ", ".join(unavailable),
            fix="give weight to criteria the data supports, or supply the missing inputs",
        )
    out = criteria[["partner", "name"]].copy()
    imputed = pd.Series([[] for _ in range(len(out))], index=out.index, dtype=object)
    for criterion, weight in available.items():
        scaled = scaled_by[criterion]
        missing = scaled.isna()
        if missing.any():
            for index in missing[missing].index:
                imputed[index] = [*imputed[index], criterion]
            scaled = scaled.fillna(scaled.median())
        out[criterion] = 100.0 * weight / total_weight * scaled
    out["score"] = out[list(available)].sum(axis=1)
    out["imputed"] = imputed.map(", ".join)
    for criterion in CRITERIA:
        if criterion in criteria.columns:
            out[f"{criterion}_value"] = criteria[criterion]
    out = out.sort_values(["score", "partner"], ascending=[False, True]).reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out = out[["rank", "partner", "name", "score", *available, "imputed",
               *[c for c in out.columns if c.endswith("_value")]]]
    out.attrs.update(criteria.attrs)
    out.attrs["weights"] = {c: w / total_weight for c, w in available.items()}
    out.attrs["directions"] = {c: weights.criteria[c].direction for c in available}
    out.attrs["unavailable"] = unavailable
    return out


def score_partners(
    flows: pd.DataFrame,
    *,
    home: str | None = None,
    horizon: int = 5,
    weights: ScoringWeights | None = None,
    year: int | None = None,
    on: dt.date | None = None,
    potential: pd.Series | None = None,
    cooperation: pd.DataFrame | None = None,
    min_share: float = 0.001,
    forecast: ForecastMethod = "model",
) -> pd.DataFrame:
    """Rank every partner of ``home`` on the weighted criteria (the entry point for UIs).

    See :func:`partner_criteria` for the arguments and :func:`score_criteria` for the result;
    ``weights`` defaults to the shipped ``data/scoring_weights.yaml``.
    """
    criteria = partner_criteria(flows, home=home, horizon=horizon, year=year, on=on,
                                potential=potential, cooperation=cooperation,
                                min_share=min_share, forecast=forecast)
    return score_criteria(criteria, weights or load_weights())


def weight_sensitivity(
    criteria: pd.DataFrame,
    weights: ScoringWeights,
    *,
    change: float = 0.5,
    top: int = 10,
) -> pd.DataFrame:
    """How the ranking moves when each criterion's weight goes down and up by ``change``.

    For every weighted criterion the weight is multiplied by ``1 - change`` and ``1 + change``
    (the others kept, all re-normalised) and the partners re-ranked.

    Returns:
        One row per (criterion, factor): ``weight_share`` before and after, ``spearman`` rank
        correlation with the base ranking, ``top_changed`` (how many of the base top ``top``
        left it), ``entered`` and ``left`` (codes), and the partner that moved most with its
        ranks (``mover``, ``mover_from``, ``mover_to``; empty and 0 when no rank changed).
    """
    if not 0 < change < 1:
        raise InputError("the weight change is a fraction between 0 and 1",
                         expected="e.g. 0.5 for ±50 %", got=str(change), fix="pass 0.5")
    base = score_criteria(criteria, weights)
    base_rank = base.set_index("partner")["rank"]
    base_top = set(base["partner"].head(top))
    shares = base.attrs["weights"]
    rows = []
    for criterion, weight in weights.weights().items():
        if criterion not in shares or weight <= 0:
            continue
        for factor in (1 - change, 1 + change):
            changed = score_criteria(criteria, weights.with_weight(criterion, weight * factor))
            rank = changed.set_index("partner")["rank"].reindex(base_rank.index)
            moves = (rank - base_rank).abs()
            mover = str(moves.idxmax()) if moves.max() > 0 else ""
            new_top = set(changed["partner"].head(top))
            rows.append({
                "criterion": criterion,
                "factor": factor,
                "weight_share": shares[criterion],
                "new_weight_share": changed.attrs["weights"][criterion],
                "spearman": float(base_rank.corr(rank, method="spearman")),
                "top_changed": len(base_top - new_top),
                "entered": ", ".join(sorted(new_top - base_top)),
                "left": ", ".join(sorted(base_top - new_top)),
                "mover": mover,
                "mover_from": int(base_rank[mover]) if mover else 0,
                "mover_to": int(rank[mover]) if mover else 0,
            })
    return pd.DataFrame(rows)
