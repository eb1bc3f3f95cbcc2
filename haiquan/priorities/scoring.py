"""Partner priorities by cooperation instrument, in money at stake, and an overall view.

For each instrument (:data:`~haiquan.priorities.instruments.INSTRUMENTS`) partners are ranked
by the trade in USD the instrument would touch, with the driver in words. The overall view
combines the instruments with forecast growth and strategic standing:

* money (the six instruments) is scored on a log scale between the inclusion threshold and the
  second-largest partner's value, the largest winsorised to it; growth by percentile rank;
  standing (0-3 markers) linearly. No single extreme value — a 170-fold mirror ratio (gone: the
  gap is in USD), one giant partner — can stretch a criterion's scale for the others, and an
  instrument that touches nothing with a partner earns nothing;
* a criterion on which the partners do not differ (all but at most one share one value) is
  reported and dropped, and the other weights re-normalised;
* the overall score is Σ weight × percentile, in points out of 100, so every point can be traced
  to one criterion, one weight and one reason in the weights file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from haiquan.errors import InputError
from haiquan.priorities import _inputs
from haiquan.priorities.instruments import INSTRUMENTS, instrument_exposure
from haiquan.priorities.standing import partner_standing
from haiquan.priorities.trade import ForecastMethod, forecast_growth
from haiquan.priorities.weights import CRITERIA, MONEY_CRITERIA, ScoringWeights, load_weights
from haiquan.reference.countries import resolve_home

__all__ = [
    "COOPERATION_FLAGS",
    "STATISTIC",
    "DroppedCriterion",
    "InstrumentRanking",
    "PartnerCriteria",
    "PriorityScores",
    "partner_criteria",
    "score_criteria",
    "score_partners",
    "weight_sensitivity",
]

COOPERATION_FLAGS = ("fta_in_force", "aeo_mra", "eco_exchange", "single_window_connected")

#: How raw values become points, as the reports state it.
STATISTIC = ("money: log10 of USD from the inclusion threshold (min share × home's trade) to the "
             "second-largest partner's value, the largest winsorised to it and 0 for a partner "
             "the instrument does not touch; growth: percentile rank; standing: markers held "
             "over the most any partner holds")


@dataclass(frozen=True)
class PartnerCriteria:
    """Raw criterion values per partner and what they were computed from.

    ``table`` has one row per partner: ``partner``, ``name``, ``current_trade``, ``share``,
    ``exports``, ``imports``, the partner-reported flows, the standing columns of
    :func:`~haiquan.priorities.standing.partner_standing`, and one column per criterion of
    :data:`~haiquan.priorities.weights.CRITERIA`. ``drivers`` has one row per partner and
    instrument (``partner``, ``instrument``, ``usd``, ``driver``).
    """

    table: pd.DataFrame
    drivers: pd.DataFrame
    home: str
    year: int
    horizon: int
    on: dt.date
    forecast: str
    min_share: float
    left_out: int
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class InstrumentRanking:
    """Partners ranked by the USD one instrument would touch (only partners it touches)."""

    instrument: str
    label: str
    counts: str
    table: pd.DataFrame  # rank, partner, name, usd, share_of_trade, driver
    total_usd: float


@dataclass(frozen=True)
class DroppedCriterion:
    """A weighted criterion left out of the overall score, and why."""

    criterion: str
    reason: str


@dataclass(frozen=True)
class PriorityScores:
    """Per-instrument rankings and the overall ranking that combines them.

    ``overall`` is sorted by rank: ``rank``, ``partner``, ``name``, ``score`` (0-100), one column
    of points per criterion used, ``imputed`` (criteria given the median percentile for lack of
    data), ``share`` (of home's trade), ``standing_markers`` and ``<criterion>_value`` (raw).
    """

    overall: pd.DataFrame
    instruments: dict[str, InstrumentRanking]
    weights: dict[str, float]
    directions: dict[str, str]
    dropped: list[DroppedCriterion]
    criteria: PartnerCriteria
    below_smaller: dict[str, str] = field(default_factory=dict)
    statistic: str = STATISTIC

    @property
    def combination(self) -> str:
        """How the overall score combines the criteria, in one sentence.

        The instruments are not scored one by one: their weighted USD is summed and scored
        once, and the points shared out in proportion, so an instrument's column can hold more
        than its weight (the USA's AEO column holds about 37 of 100 under a 20 % weight). The
        sentence says so, or the table reads as a mistake.
        """
        money = {c: w for c, w in self.weights.items() if c in MONEY_CRITERIA}
        other = {c: w for c, w in self.weights.items() if c not in MONEY_CRITERIA}
        parts = []
        if money:
            listed = ", ".join(f"{c} {w:.0%}" for c, w in money.items())
            parts.append(
                f"money at stake, {sum(money.values()):.0%} of the score: each instrument's USD "
                f"× its weight (weights {listed}), summed, scored once on the log scale "
                f"(0-1) and the points shared among the instruments in proportion to their "
                f"weighted USD, so one instrument's column can exceed its own weight")
        parts += [f"{c} {w:.0%} × its points (0-1)" for c, w in other.items()]
        return "overall score out of 100 = " + "; plus ".join(parts)


def _name(code: str) -> str:
    from haiquan.errors import HaiquanError
    from haiquan.reference import country

    try:
        return country(code).name
    except HaiquanError:
        return code


def _markers(row: pd.Series) -> str:
    marks = []
    if row["community"]:
        marks.append(f"{row['community']} member")
    if row["strategic_since"] is not None and not pd.isna(row["strategic_since"]):
        marks.append(f"comprehensive strategic partner since {row['strategic_since_text']}")
    if row["ftas"]:
        marks.append(f"FTA in force ({row['ftas']})")
    return "; ".join(marks)


def partner_criteria(
    flows: pd.DataFrame,
    *,
    home: str | None = None,
    horizon: int = 5,
    year: int | None = None,
    on: dt.date | None = None,
    min_share: float = 0.001,
    forecast: ForecastMethod = "model",
) -> PartnerCriteria:
    """Raw criterion values for every partner country home traded with in the base year.

    Args:
        flows: canonical trade-flow rows (annual DOTS, or monthly rows summed into full years).
        home: the home country (``HAIQUAN_HOME_COUNTRY`` when None).
        horizon: years ahead over which forecast growth is measured.
        year: base year; when None the latest year in which home traded with most of its
            partners (:func:`~haiquan.priorities._inputs.choose_base_year`).
        on: the day agreements, partnerships and groups are read for (today when None).
        min_share: partners below this share of home's trade are left out; 0 keeps them all.
        forecast: ``model`` (haiquan.forecast ensembles) or ``trend`` (fast) for growth.

    Raises:
        InputError: no trade of the home country in the flows, or bad arguments.
    """
    home = resolve_home(home)
    if horizon < 1:
        raise InputError("the horizon is at least one year", expected="an integer ≥ 1",
                         got=str(horizon), fix="pass --horizon 5")
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
            expected="a base year that has data", got=str(base_year),
            fix=f"choose a year between {int(reported.min())} and {int(reported.max())}",
        )
    small = table["share"] < min_share
    left_out = int(small.sum())
    table = table.loc[~small].reset_index(drop=True)
    growth = forecast_growth(flows, home=home, base_year=base_year, horizon=horizon,
                             method=forecast)
    table["forecast_growth"] = table["partner"].map(growth).astype(float)
    day = on or dt.date.today()
    table = table.merge(partner_standing(home, table["partner"].tolist(), day), on="partner",
                        how="left")
    drivers = instrument_exposure(table)
    usd = drivers.pivot(index="partner", columns="instrument", values="usd")
    for instrument in INSTRUMENTS:
        table[instrument] = table["partner"].map(usd[instrument]).astype(float)
    table.insert(1, "name", table["partner"].map(_name))
    table["standing_markers"] = table.apply(_markers, axis=1)
    return PartnerCriteria(table=table, drivers=drivers, home=home, year=base_year,
                           horizon=horizon, on=day, forecast=forecast, min_share=min_share,
                           left_out=left_out, warnings=warnings)


def _points(values: pd.Series, transform: str, direction: str, floor: float) -> pd.Series:
    """A criterion's raw values as fractions of its full points, 0 to 1 (NaN where unknown).

    ``log`` (money): log10 of the value, scaled from ``floor`` (the inclusion threshold, min
    share × home's trade) to the second-largest value, clipped to 0-1: the largest value is
    winsorised, so one extreme partner cannot stretch the scale for the others, and a partner
    the instrument does not touch earns 0. ``rank``: percentile rank among the partners (ties
    share their average rank). ``linear``: the value over the largest value (for small
    ordinal counts such as standing).
    """
    x = values.astype(float)
    if direction == "lower":
        x = -x if transform != "log" else x
    if transform == "rank":
        return x.rank(method="average") / x.notna().sum()
    if transform == "linear":
        top = x.max()
        return (x / top).clip(lower=0) if top > 0 else x * 0.0
    positive = x.where(x > 0)
    ordered = positive.dropna().sort_values(ascending=False)
    ceiling = float(ordered.iloc[1] if len(ordered) > 1 else ordered.iloc[0]) if len(
        ordered) else 0.0
    bottom = min(floor, float(ordered.min())) if len(ordered) else floor
    if ceiling <= 0 or ceiling <= bottom:
        out = (positive > 0).astype(float)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = ((np.log10(positive) - np.log10(bottom))
                   / (np.log10(ceiling) - np.log10(bottom))).clip(0, 1)
    return out.fillna(0.0).where(x.notna())


def _separates(values: pd.Series) -> str:
    """Why a criterion cannot separate the partners ('' when it can)."""
    known = values.dropna()
    if known.empty:
        return "no partner has a value"
    counts = known.value_counts()
    if len(known) - int(counts.iloc[0]) <= 1:
        shown = f"{counts.index[0]:,.4g}"
        return (f"does not separate the partners: {int(counts.iloc[0])} of {len(known)} share "
                f"the value {shown}")
    return ""


def score_criteria(criteria: PartnerCriteria, weights: ScoringWeights) -> PriorityScores:
    """Rank partners per instrument (by USD) and overall (weighted percentiles).

    Raises:
        InputError: none of the weighted criteria separates the partners.
    """
    table = criteria.table
    raw = weights.weights()
    dropped = []
    available: dict[str, float] = {}
    for criterion, weight in raw.items():
        if weight <= 0:
            continue
        reason = (_separates(table[criterion]) if criterion in table.columns
                  else "not computed from this data")
        if reason:
            dropped.append(DroppedCriterion(criterion, reason))
        else:
            available[criterion] = weight
    total_weight = sum(available.values())
    if total_weight <= 0:
        raise InputError(
            "none of the weighted criteria separates the partners",
            expected="at least one criterion on which two partners or more differ",
            got="; ".join(f"{d.criterion}: {d.reason}" for d in dropped),
            fix="score more partners (lower --min-share) or weight other criteria",
        )
    # Below this a partner is not scored at all; with min_share 0, the smallest value present.
    floor = max(criteria.min_share * float(table["current_trade"].sum()), 1.0)
    out = table[["partner", "name"]].copy()
    imputed = pd.Series([""] * len(out), index=out.index, dtype=object)
    directions: dict[str, str] = {c: weights.criteria[c].direction for c in available}
    money = [c for c in available if c in MONEY_CRITERIA]
    if money:
        # The instruments are combined in money first: weighted USD at stake, then one log
        # scale, so a partner is not marked down for instruments already in place with it.
        weighted = sum(available[c] * table[c].fillna(0.0) for c in money)
        money_weight = sum(available[c] for c in money)
        points = _points(weighted / money_weight, "log", "higher", floor)
        for criterion in money:
            part = (available[criterion] * table[criterion].fillna(0.0)
                    / weighted.where(weighted > 0)).fillna(0.0)
            out[criterion] = 100.0 * money_weight / total_weight * points * part
    for criterion, weight in available.items():
        if criterion in money:
            continue
        points = _points(table[criterion], weights.criteria[criterion].transform,
                         directions[criterion], floor)
        missing = points.isna()
        if missing.any():
            imputed[missing] = [", ".join(filter(None, [text, criterion]))
                                for text in imputed[missing]]
            points = points.fillna(points.median())
        out[criterion] = 100.0 * weight / total_weight * points
    out["score"] = out[list(available)].sum(axis=1)
    out["imputed"] = imputed
    out["share"] = table["share"]
    out["standing_markers"] = table["standing_markers"]
    for criterion in CRITERIA:
        if criterion in table.columns:
            out[f"{criterion}_value"] = table[criterion]
    out["current_trade_value"] = table["current_trade"]
    out = out.sort_values(["score", "partner"], ascending=[False, True]).reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out = out[["rank", "partner", "name", "score", *available, "imputed", "share",
               "standing_markers", *[c for c in out.columns if c.endswith("_value")]]]
    return PriorityScores(
        overall=out, instruments=_instrument_rankings(criteria),
        weights={c: w / total_weight for c, w in available.items()},
        directions=directions, dropped=dropped, criteria=criteria,
        below_smaller=_below_smaller(out, criteria),
    )


#: A partner carrying at least this share of home's trade is "large" for :func:`_below_smaller`.
LARGE_SHARE = 0.01


def _below_smaller(overall: pd.DataFrame, criteria: PartnerCriteria) -> dict[str, str]:
    """Why a large partner or a community member ranks below a partner under 1 % of trade.

    A department head reads such an order as a mistake unless the reason is given: it is
    almost always that cooperation is already in place with it (nothing left for an
    instrument to touch) or that the partner has no AEO programme recorded.
    """
    table = criteria.table.set_index("partner")
    drivers = criteria.drivers.set_index(["partner", "instrument"])["driver"]
    out: dict[str, str] = {}
    smallest_rank = overall.loc[overall["share"] < LARGE_SHARE, "rank"].min()
    for row in overall.itertuples(index=False):
        info = table.loc[row.partner]
        important = row.share >= LARGE_SHARE or bool(info["community"])
        if not important or not row.rank > smallest_rank:
            continue
        above = overall.loc[(overall["rank"] < row.rank) & (overall["share"] < LARGE_SHARE),
                            "partner"].tolist()
        nothing = [f"{INSTRUMENTS[i][0]}: {drivers[(row.partner, i)]}" for i in INSTRUMENTS
                   if not float(info[i]) > 0]
        out[row.partner] = (f"ranks below {', '.join(above[:5])}"
                            f"{' …' if len(above) > 5 else ''} (under 1 % of trade each) "
                            f"because these instruments touch nothing with it — "
                            + "; ".join(nothing))
    return out


def _instrument_rankings(criteria: PartnerCriteria) -> dict[str, InstrumentRanking]:
    table = criteria.table.set_index("partner")
    out = {}
    for instrument, (label, counts) in INSTRUMENTS.items():
        rows = criteria.drivers.loc[criteria.drivers["instrument"] == instrument]
        rows = rows.loc[rows["usd"] > 0].sort_values(["usd", "partner"],
                                                      ascending=[False, True])
        frame = pd.DataFrame({
            "rank": np.arange(1, len(rows) + 1),
            "partner": rows["partner"].to_numpy(),
            "name": table["name"].reindex(rows["partner"]).to_numpy(),
            "usd": rows["usd"].to_numpy(float),
            "share_of_trade": (rows["usd"].to_numpy(float)
                               / float(criteria.table["current_trade"].sum())),
            "driver": rows["driver"].to_numpy(),
        })
        out[instrument] = InstrumentRanking(instrument=instrument, label=label, counts=counts,
                                            table=frame, total_usd=float(rows["usd"].sum()))
    return out


def score_partners(
    flows: pd.DataFrame,
    *,
    home: str | None = None,
    horizon: int = 5,
    weights: ScoringWeights | None = None,
    year: int | None = None,
    on: dt.date | None = None,
    min_share: float = 0.001,
    forecast: ForecastMethod = "model",
) -> PriorityScores:
    """Rank every partner of ``home`` per instrument and overall (the entry point for UIs).

    See :func:`partner_criteria` for the arguments and :func:`score_criteria` for the result;
    ``weights`` defaults to the shipped ``data/scoring_weights.yaml``.
    """
    criteria = partner_criteria(flows, home=home, horizon=horizon, year=year, on=on,
                                min_share=min_share, forecast=forecast)
    return score_criteria(criteria, weights or load_weights())


def weight_sensitivity(
    criteria: PartnerCriteria,
    weights: ScoringWeights,
    *,
    change: float = 0.5,
    top: int = 10,
) -> pd.DataFrame:
    """How the overall ranking moves when each criterion's weight goes down and up by ``change``.

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
    base_rank = base.overall.set_index("partner")["rank"]
    base_top = set(base.overall["partner"].head(top))
    rows = []
    for criterion, weight in weights.weights().items():
        if criterion not in base.weights or weight <= 0:
            continue
        for factor in (1 - change, 1 + change):
            changed = score_criteria(criteria, weights.with_weight(criterion, weight * factor))
            rank = changed.overall.set_index("partner")["rank"].reindex(base_rank.index)
            moves = (rank - base_rank).abs()
            mover = str(moves.idxmax()) if moves.max() > 0 else ""
            new_top = set(changed.overall["partner"].head(top))
            rows.append({
                "criterion": criterion,
                "factor": factor,
                "weight_share": base.weights[criterion],
                "new_weight_share": changed.weights[criterion],
                "spearman": float(base_rank.corr(rank, method="spearman")),
                "top_changed": len(base_top - new_top),
                "entered": ", ".join(sorted(new_top - base_top)),
                "left": ", ".join(sorted(base_top - new_top)),
                "mover": mover,
                "mover_from": int(base_rank[mover]) if mover else 0,
                "mover_to": int(rank[mover]) if mover else 0,
            })
    return pd.DataFrame(rows)
