"""Selectivity: route scored declarations to control channels, as ASYCUDA does.

Order of decisions, each noted in the declaration's reasons:

1. **Partner alerts** — a declaration matching a valid :class:`PartnerAlert` goes to the alert
   channel (red by default), whatever its score.
2. **Random exploration** — a share of physical inspections is drawn at random (seeded), so the
   model keeps receiving labels on declarations it would not pick and does not go blind.
3. **Risk ranking** — the remaining red, then yellow, then blue places are filled by score, after
   AEO and MRA-partner AEO scores are multiplied by their benefit factors; the rest is green.

In ``batch`` mode the places are counted on the batch (exact rates). In ``stream`` mode (one
declaration at a time, as through the API) each declaration is compared with the model's reference
score distribution and exploration is a seeded draw per declaration id, so the rates hold on
average. A batch too small to hold one place of the smallest channel rate (fewer than 20
declarations at 5 %) is routed as a stream: counted on the batch, its red places would round to
none and a very high-risk declaration would go green.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd

from haiquan.risk.alerts import AeoDirectory, PartnerAlert
from haiquan.risk.policy import SelectivityRules

__all__ = [
    "CHANNELS",
    "LEVELS",
    "Columns",
    "Mode",
    "assign_levels",
    "batch_too_small",
    "route_columns",
    "route_declarations",
    "route_one",
]

CHANNELS = ("red", "yellow", "blue", "green")
LEVELS = ("low", "medium", "high", "very high")
Mode = Literal["batch", "stream"]
#: A canonical frame, or a mapping of column name to array (the fast path for single items).
Columns: TypeAlias = pd.DataFrame | Mapping[str, Any]


def assign_levels(percentiles: np.ndarray, rules: SelectivityRules) -> np.ndarray:
    """Risk level per declaration from its score percentile (0-1) against the reference scores.

    >>> from haiquan.risk.policy import load_selectivity_rules
    >>> assign_levels(np.array([0.5, 0.9, 0.96, 0.99]), load_selectivity_rules()).tolist()
    ['low', 'medium', 'high', 'very high']
    """
    t = rules.levels
    index = (
        (percentiles >= t.medium).astype(int)
        + (percentiles >= t.high).astype(int)
        + (percentiles >= t.very_high).astype(int)
    )
    return np.array(LEVELS, dtype=object)[index]


def _uniform(seed: int, ids: Sequence[str]) -> np.ndarray:
    """A reproducible uniform draw per declaration id (independent of batch order)."""
    out = np.empty(len(ids))
    for i, ident in enumerate(ids):
        digest = hashlib.blake2b(f"{seed}:{ident}".encode(), digest_size=8).digest()
        out[i] = int.from_bytes(digest, "big") / 2**64
    return out


def _dates(frame: Columns) -> np.ndarray:
    return np.asarray(pd.DatetimeIndex(np.asarray(frame["date"])).date)


def _aeo_factors(
    frame: Columns, rules: SelectivityRules, aeo: AeoDirectory | None
) -> tuple[np.ndarray, list[str]]:
    n = len(frame["declaration_id"])
    factor = np.ones(n)
    notes = [""] * n
    if aeo is None:
        return factor, notes
    dates = _dates(frame)
    importers = np.asarray(frame["importer"])
    sellers = np.asarray(frame["seller"])
    departures = np.asarray(frame["departure_country"])
    for i in range(n):
        if importers[i] and aeo.is_home_aeo(importers[i], dates[i]):
            factor[i] = rules.aeo.home_aeo_score_factor
            notes[i] = f"AEO importer: score x{factor[i]:g}"
        elif (
            sellers[i] and departures[i] and aeo.is_partner_aeo(sellers[i], departures[i], dates[i])
        ):
            factor[i] = rules.aeo.partner_aeo_score_factor
            notes[i] = f"AEO of MRA partner {departures[i]}: score x{factor[i]:g}"
    return factor, notes


def _alert_hits(frame: Columns, alerts: Sequence[PartnerAlert]) -> list[str]:
    n = len(frame["declaration_id"])
    hits = [""] * n
    if not alerts:
        return hits
    dates = _dates(frame)
    cols = {
        c: np.asarray(frame[c])
        for c in ("hs_code", "origin_country", "departure_country", "seller", "importer")
    }
    for i in range(n):
        for alert in alerts:
            if alert.matches(
                date=dates[i],
                hs_code=str(cols["hs_code"][i]),
                origin_country=cols["origin_country"][i],
                departure_country=cols["departure_country"][i],
                seller=cols["seller"][i],
                importer=cols["importer"][i],
            ):
                hits[i] = (
                    f"partner alert {alert.alert_id} from {alert.issuing_country}: {alert.reason}"
                )
                break
    return hits


def batch_too_small(n: int, rules: SelectivityRules) -> bool:
    """Whether ``n`` declarations cannot hold one place of each channel rate above zero.

    Counted on such a batch, a rate rounds to no place at all (10 declarations at 5 % red give
    0.5, rounded to none); such batches are routed one by one against the model's reference
    scores instead, where the rates hold on average.
    """
    rates = rules.channels
    smallest = min((r for r in (rates.red, rates.yellow, rates.blue) if r > 0), default=0.0)
    return n > 0 and smallest > 0 and n * smallest < 1


def route_columns(
    frame: Columns,
    scores: np.ndarray,
    rules: SelectivityRules,
    *,
    reference: np.ndarray,
    aeo: AeoDirectory | None = None,
    alerts: Sequence[PartnerAlert] = (),
    mode: Mode = "batch",
) -> dict[str, np.ndarray]:
    """Level, channel and selectivity notes per declaration.

    Args:
        frame: canonical declarations (a frame, or a mapping of column arrays), for ids, dates
            and alert criteria.
        scores: model scores, 0-1, higher is riskier.
        rules: the selectivity rule set in force.
        reference: sorted scores of the model on its selection window; percentiles are read
            against it (levels in both modes, channels in ``stream`` mode).
        aeo: AEO status provider; no AEO benefits when ``None``.
        alerts: partner alerts to apply.
        mode: ``"batch"`` fills exact rates within this batch (a batch too small for them is
            routed as a stream, see :func:`batch_too_small`); ``"stream"`` decides each
            declaration alone.

    Returns:
        Arrays ``level``, ``channel``, ``percentile``, ``selection`` (alert / random / risk /
        none) and ``notes``; :func:`route_declarations` gives them as a frame.
    """
    n = len(np.asarray(frame["declaration_id"]))
    scores = np.asarray(scores, dtype=float)
    percentile = np.searchsorted(reference, scores, side="right") / max(len(reference), 1)
    levels = assign_levels(percentile, rules)
    factor, aeo_notes = _aeo_factors(frame, rules, aeo)
    adjusted = scores * factor
    hits = _alert_hits(frame, alerts)
    alerted = np.array([h != "" for h in hits], dtype=bool) if alerts else np.zeros(n, dtype=bool)
    channel = np.full(n, "green", dtype=object)
    selection = np.full(n, "none", dtype=object)
    rates = rules.channels
    explore_weight = np.where(factor < 1, rules.aeo.exploration_weight, 1.0)
    channel[alerted] = rules.alerts.channel
    selection[alerted] = "alert"
    if mode == "batch" and batch_too_small(n, rules):
        mode = "stream"
    if mode == "batch":
        n_red = int(round(rates.red * n))
        n_explore = int(round(rules.exploration.share_of_red * n_red))
        free = ~alerted
        weights = explore_weight * free
        if n_explore and weights.sum() > 0:
            rng = np.random.default_rng(rules.exploration.seed)
            k = min(n_explore, int((weights > 0).sum()))
            picked = rng.choice(n, size=k, replace=False, p=weights / weights.sum())
            channel[picked] = "red"
            selection[picked] = "random"
        taken = int((channel == "red").sum())
        order = np.argsort(-adjusted, kind="stable")
        order = order[selection[order] == "none"]
        start = 0
        for name, count in (
            ("red", max(n_red - taken, 0)),
            ("yellow", int(round(rates.yellow * n))),
            ("blue", int(round(rates.blue * n))),
        ):
            chosen = order[start : start + count]
            channel[chosen] = name
            selection[chosen] = "risk"
            start += count
    else:
        adjusted_pct = np.searchsorted(reference, adjusted, side="right") / max(len(reference), 1)
        ids = [str(v) for v in np.asarray(frame["declaration_id"])]
        draw = _uniform(rules.exploration.seed, ids)
        explore = (draw < rates.red * rules.exploration.share_of_red * explore_weight) & ~alerted
        channel[explore] = "red"
        selection[explore] = "random"
        risk_red = rates.red * (1 - rules.exploration.share_of_red)
        bounds = (
            ("red", 1 - risk_red),
            ("yellow", 1 - risk_red - rates.yellow),
            ("blue", 1 - risk_red - rates.yellow - rates.blue),
        )
        open_rows = selection == "none"
        for name, bound in bounds:
            chosen = open_rows & (adjusted_pct > bound)
            channel[chosen] = name
            selection[chosen] = "risk"
            open_rows &= ~chosen
    random = selection == "random"
    notes_array = np.full(n, "", dtype=object)
    # only rows with an alert, an AEO note or a random pick have notes (vectorised batch path)
    noted = random | alerted
    if aeo is not None:
        noted |= np.array([a != "" for a in aeo_notes], dtype=bool)
    for i in np.flatnonzero(noted).tolist():
        parts = [p for p in (hits[i], aeo_notes[i]) if p]
        if random[i]:
            parts.append("random selection for control (exploration)")
        notes_array[i] = "; ".join(parts)
    return {
        "level": levels,
        "channel": channel,
        "percentile": percentile,
        "selection": selection,
        "notes": notes_array,
    }


def route_one(
    row: Mapping[str, Any],
    score: float,
    rules: SelectivityRules,
    *,
    reference: np.ndarray,
    aeo: AeoDirectory | None = None,
    alerts: Sequence[PartnerAlert] = (),
) -> dict[str, Any]:
    """:func:`route_columns` in ``stream`` mode for one declaration (a mapping of canonical
    fields, ``date`` a :class:`datetime.date`): the same decisions in plain Python, as scalars.
    """
    size = max(len(reference), 1)
    percentile = bisect.bisect_right(reference, score) / size
    t = rules.levels
    level = LEVELS[(percentile >= t.medium) + (percentile >= t.high) + (percentile >= t.very_high)]
    date = row["date"]
    factor, aeo_note = 1.0, ""
    if aeo is not None:
        importer, seller = row.get("importer"), row.get("seller")
        departure = row.get("departure_country")
        if importer and aeo.is_home_aeo(importer, date):
            factor = rules.aeo.home_aeo_score_factor
            aeo_note = f"AEO importer: score x{factor:g}"
        elif seller and departure and aeo.is_partner_aeo(seller, departure, date):
            factor = rules.aeo.partner_aeo_score_factor
            aeo_note = f"AEO of MRA partner {departure}: score x{factor:g}"
    hit = ""
    for alert in alerts:
        if alert.matches(
            date=date,
            hs_code=str(row.get("hs_code")),
            origin_country=row.get("origin_country"),
            departure_country=row.get("departure_country"),
            seller=row.get("seller"),
            importer=row.get("importer"),
        ):
            hit = f"partner alert {alert.alert_id} from {alert.issuing_country}: {alert.reason}"
            break
    rates = rules.channels
    explore_weight = rules.aeo.exploration_weight if factor < 1 else 1.0
    channel, selection = "green", "none"
    if hit:
        channel, selection = rules.alerts.channel, "alert"
    else:
        draw = _uniform(rules.exploration.seed, [str(row["declaration_id"])])[0]
        if draw < rates.red * rules.exploration.share_of_red * explore_weight:
            channel, selection = "red", "random"
    if selection == "none":
        adjusted = bisect.bisect_right(reference, score * factor) / size
        risk_red = rates.red * (1 - rules.exploration.share_of_red)
        for name, bound in (
            ("red", 1 - risk_red),
            ("yellow", 1 - risk_red - rates.yellow),
            ("blue", 1 - risk_red - rates.yellow - rates.blue),
        ):
            if adjusted > bound:
                channel, selection = name, "risk"
                break
    parts = [p for p in (hit, aeo_note) if p]
    if selection == "random":
        parts.append("random selection for control (exploration)")
    return {
        "level": level,
        "channel": channel,
        "percentile": percentile,
        "selection": selection,
        "notes": "; ".join(parts),
    }


def route_declarations(
    frame: Columns,
    scores: np.ndarray,
    rules: SelectivityRules,
    *,
    reference: np.ndarray,
    aeo: AeoDirectory | None = None,
    alerts: Sequence[PartnerAlert] = (),
    mode: Mode = "batch",
) -> pd.DataFrame:
    """:func:`route_columns` as a frame: level, channel, percentile, selection, notes."""
    return pd.DataFrame(
        route_columns(frame, scores, rules, reference=reference, aeo=aeo, alerts=alerts, mode=mode)
    )
