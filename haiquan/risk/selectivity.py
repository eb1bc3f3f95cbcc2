"""Selectivity: route scored declarations to control channels, as ASYCUDA does.

Order of decisions, each noted in the declaration's reasons:

1. **Partner alerts** — a declaration matching a valid :class:`PartnerAlert` goes to the alert
   channel (red by default), whatever its score, and its risk level is raised to at least the
   rule set's ``alerts.raise_level_to``.
2. **Random exploration** — each declaration is drawn for control with a fixed probability
   (``channels.red x exploration.share_of_red``; AEOs ``x aeo.exploration_weight``), so the model
   keeps receiving labels on declarations it would not pick, and the hit rate of these draws is
   an unbiased estimate of the fraud rate.
3. **Risk ranking** — red, yellow and blue are filled by score, after AEO and MRA-partner AEO
   scores are multiplied by their benefit factors; the rest is green.

**Stability.** Every declaration's channel depends on its own data, its own draw and the cut-offs
of the scores of the whole batch — never on another declaration's alert or AEO status. The draw
is a hash of the declaration number and the rule set (:func:`selection_draw`), the same in every
run and in both modes; the cut-offs come from the model's raw scores, which neither alerts nor
AEO status change. So re-running a day after an alert or an AEO registration moves only the
declarations concerned (until an office's capacity is reached:
:mod:`~haiquan.risk.capacity`). The price: the red share is the set rate less the overlap of the
random draws with the risk-ranked reds and less the AEO places not refilled, not exactly the
rate.

In ``batch`` mode the cut-offs are counted on the batch: ``round(rate x n)`` places per channel
(per office when :mod:`~haiquan.risk.capacity` gives it its own rates). In ``stream`` mode (one
declaration at a time, as through the API) each declaration is compared with the model's
reference score distribution, so the rates hold on average. A batch too small to hold one place
of the smallest channel rate (fewer than 20 declarations at 5 %) is routed as a stream.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd

from haiquan.risk.aeo_benefit import AeoMatches, match_aeo
from haiquan.risk.alerts import AeoDirectory, PartnerAlert
from haiquan.risk.policy import ChannelRates, SelectivityRules
from haiquan.risk.profiles import TargetingProfile

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
    "selection_draw",
]

CHANNELS = ("red", "yellow", "blue", "green")
LEVELS = ("low", "medium", "high", "very high")
Mode = Literal["batch", "stream"]
#: A canonical frame, or a mapping of column name to array (the fast path for single items).
Columns: TypeAlias = pd.DataFrame | Mapping[str, Any]
_RANDOM_NOTE = "random selection for control (exploration)"


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


def selection_draw(ids: Sequence[Any] | np.ndarray, rules: SelectivityRules) -> np.ndarray:
    """The fixed uniform draw (0-1) of each declaration for random selection.

    ``blake2b("<rule set name>:<seed>:<declaration number>")``, its first 8 bytes read as an
    unsigned integer over 2**64: the same number for the same declaration in every run, batch
    or stream, whatever else is in the file; a new rule set draws afresh. All goods items of a
    declaration share it (a declaration is inspected as a whole).

    >>> from haiquan.risk.policy import load_selectivity_rules
    >>> rules = load_selectivity_rules()
    >>> a = selection_draw(["D1", "D2"], rules)
    >>> bool(a[0] == selection_draw(["D0", "D1"], rules)[1] and 0 <= a.min() and a.max() < 1)
    True
    """
    prefix = f"{rules.name}:{rules.exploration.seed}:"
    keys = np.asarray(ids, dtype=object)
    codes, uniques = pd.factorize(keys) if len(keys) > 64 else (np.arange(len(keys)), keys)
    drawn = np.empty(len(uniques))
    for i, ident in enumerate(uniques):
        digest = hashlib.blake2b(f"{prefix}{ident}".encode(), digest_size=8).digest()
        drawn[i] = int.from_bytes(digest, "big") / 2**64
    return drawn[np.asarray(codes)]


def _aeo_factors(
    frame: Columns, rules: SelectivityRules, aeo: AeoDirectory | None
) -> tuple[np.ndarray, np.ndarray, AeoMatches]:
    """Score factor and note per declaration, and which party's AEO status gave it."""
    matches = match_aeo(frame, aeo)
    n = len(matches.importer)
    factor = np.ones(n)
    notes = np.full(n, "", dtype=object)
    if not matches.any.any():
        return factor, notes, matches
    benefit = rules.aeo
    factor[matches.importer] = benefit.home_aeo_score_factor
    notes[matches.importer] = f"AEO importer: score x{benefit.home_aeo_score_factor:g}"
    factor[matches.declarant] = benefit.declarant_aeo_score_factor
    notes[matches.declarant] = f"AEO declarant: score x{benefit.declarant_aeo_score_factor:g}"
    factor[matches.partner] = benefit.partner_aeo_score_factor
    departures = np.asarray(frame["departure_country"], dtype=object)
    partner = f"score x{benefit.partner_aeo_score_factor:g}"
    for i in np.flatnonzero(matches.partner).tolist():
        notes[i] = f"AEO of MRA partner {departures[i]}: {partner}"
    return factor, notes, matches


def _alert_hits(frame: Columns, alerts: Sequence[PartnerAlert]) -> np.ndarray:
    """The note of the first alert each declaration matches ('' for none)."""
    return _alert_matches(frame, alerts)[0]


def _alert_matches(
    frame: Columns, alerts: Sequence[PartnerAlert] | Sequence[TargetingProfile]
) -> tuple[np.ndarray, np.ndarray]:
    """The note and the id of the first alert each declaration matches ('' for none),
    vectorised per alert (:meth:`PartnerAlert.matches` is the same test for one declaration)."""
    n = len(np.asarray(frame["declaration_id"]))
    hits = np.full(n, "", dtype=object)
    ids = np.full(n, "", dtype=object)
    if not alerts or not n:
        return hits, ids
    days = np.asarray(frame["date"]).astype("datetime64[D]")
    hs_codes, hs_text = pd.factorize(np.asarray(frame["hs_code"], dtype=object))
    hs_text = np.array([str(v) for v in hs_text], dtype=object)
    columns = {
        c: np.asarray(frame[c], dtype=object) if c in frame else np.full(n, None, dtype=object)
        for c in ("origin_country", "departure_country", "seller", "importer", "declarant")
    }
    open_rows = np.ones(n, dtype=bool)
    for alert in alerts:
        mask = open_rows & (days >= np.datetime64(alert.valid_from, "D"))
        mask &= days <= np.datetime64(alert.valid_to, "D")
        if alert.hs_prefix:
            prefix = alert.hs_prefix
            starts = np.array([t.startswith(prefix) for t in hs_text], dtype=bool)
            mask &= starts[hs_codes] & (hs_codes >= 0)
        for name in columns:
            wanted = getattr(alert, name, None)
            if wanted:
                mask &= columns[name] == wanted
        hits[mask] = _alert_note(alert)
        ids[mask] = alert.alert_id
        open_rows &= ~mask
    return hits, ids


def _alert_note(alert: PartnerAlert | TargetingProfile) -> str:
    if isinstance(alert, TargetingProfile):
        return alert.note()
    return f"partner alert {alert.alert_id} from {alert.issuing_country}: {alert.reason}"


def batch_too_small(n: int, rules: SelectivityRules) -> bool:
    """Whether ``n`` declarations cannot hold one place of each channel rate above zero.

    Counted on such a batch, a rate rounds to no place at all (10 declarations at 5 % red give
    0.5, rounded to none); such batches are routed one by one against the model's reference
    scores instead, where the rates hold on average.
    """
    rates = rules.channels
    smallest = min((r for r in (rates.red, rates.yellow, rates.blue) if r > 0), default=0.0)
    return n > 0 and smallest > 0 and n * smallest < 1


def _places(rates: ChannelRates, rules: SelectivityRules, n: int) -> tuple[int, int, int]:
    """Ends of the red (risk-ranked), yellow and blue places among ``n`` ranked declarations."""
    red = int(round(rates.red * (1 - rules.exploration.share_of_red) * n))
    yellow = red + int(round(rates.yellow * n))
    return red, yellow, yellow + int(round(rates.blue * n))


def _batch_channels(
    scores: np.ndarray,
    adjusted: np.ndarray,
    rules: SelectivityRules,
    groups: Mapping[str, tuple[np.ndarray, ChannelRates]] | None,
) -> np.ndarray:
    """Risk-ranked channel per declaration, counted on the batch (or per group of it).

    A declaration's place is its rank among the raw scores; a declaration whose score a benefit
    lowered takes the place its lowered score would have among the others' raw scores, and
    leaves its own empty: nobody else moves.
    """
    n = len(scores)
    channel = np.full(n, "green", dtype=object)
    parts = groups or {"*": (np.arange(n), rules.channels)}
    for rows, rates in parts.values():
        if not len(rows):
            continue
        raw = scores[rows]
        order = np.argsort(-raw, kind="stable")
        place = np.empty(len(rows), dtype=np.int64)
        place[order] = np.arange(len(rows))
        lowered = np.flatnonzero(adjusted[rows] < raw)
        if len(lowered):
            descending = -raw[order]
            higher = np.searchsorted(descending, -adjusted[rows][lowered], side="left")
            place[lowered] = higher - 1  # its own raw score is among the higher ones
        red, yellow, blue = _places(rates, rules, len(rows))
        names = np.array(["red", "yellow", "blue", "green"], dtype=object)
        index = (place >= red).astype(int) + (place >= yellow) + (place >= blue)
        channel[rows] = names[index]
    return channel


def _stream_channels(
    adjusted: np.ndarray, rules: SelectivityRules, reference: np.ndarray
) -> np.ndarray:
    percentile = np.searchsorted(reference, adjusted, side="right") / max(len(reference), 1)
    rates = rules.channels
    risk_red = rates.red * (1 - rules.exploration.share_of_red)
    bounds = (1 - risk_red, 1 - risk_red - rates.yellow, 1 - risk_red - rates.yellow - rates.blue)
    index = 3 - sum((percentile > b).astype(int) for b in bounds)
    return np.array(CHANNELS, dtype=object)[index]


def route_columns(
    frame: Columns,
    scores: np.ndarray,
    rules: SelectivityRules,
    *,
    reference: np.ndarray,
    aeo: AeoDirectory | None = None,
    alerts: Sequence[PartnerAlert] = (),
    mode: Mode = "batch",
    groups: Mapping[str, tuple[np.ndarray, ChannelRates]] | None = None,
    profiles: Sequence[TargetingProfile] = (),
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
        mode: ``"batch"`` counts places on this batch (a batch too small for them is routed as
            a stream, see :func:`batch_too_small`); ``"stream"`` decides each declaration alone.
        groups: ``batch`` places counted per group (row positions and its rates), e.g. per
            office with rates of its own; the whole batch at the rule set's rates otherwise.
        profiles: officers' targeting profiles, applied after partner alerts (selection
            ``profile``).

    Returns:
        Arrays ``level``, ``channel``, ``percentile``, ``selection`` (alert / random / risk /
        none), ``notes``, ``alert`` (the alert's note, '' for none), ``aeo`` (the party whose
        AEO status lowered the score: importer / declarant / partner, or ''), ``alert_id``,
        ``adjusted`` (the score after AEO benefits) and ``draw_chance`` (each declaration's
        chance of a random selection, for unbiased estimates from the draws).
    """
    n = len(np.asarray(frame["declaration_id"]))
    scores = np.asarray(scores, dtype=float)
    percentile = np.searchsorted(reference, scores, side="right") / max(len(reference), 1)
    levels = assign_levels(percentile, rules)
    factor, aeo_notes, matches = _aeo_factors(frame, rules, aeo)
    adjusted = scores * factor
    hits, alert_ids = _alert_matches(frame, alerts)
    alerted = hits != ""
    profile_notes, profile_ids = _alert_matches(frame, profiles)
    profiled = (profile_notes != "") & ~alerted
    hits = np.where(profiled, profile_notes, hits)
    alert_ids = np.where(profiled, profile_ids, alert_ids)
    if mode == "batch" and batch_too_small(n, rules):
        mode = "stream"
    if mode == "batch":
        channel = _batch_channels(scores, adjusted, rules, groups)
    else:
        channel = _stream_channels(adjusted, rules, reference)
    selection = np.where(channel == "green", "none", "risk").astype(object)
    weight = np.where(factor < 1, rules.aeo.exploration_weight, 1.0)
    draw = selection_draw(np.asarray(frame["declaration_id"]), rules)
    chance = rules.channels.red * rules.exploration.share_of_red * weight
    explore = (draw < chance) & ~alerted & ~profiled
    channel[explore] = "red"
    selection[explore] = "random"
    if profiled.any():
        by_id = {p.alert_id: p.channel for p in profiles}
        channel[profiled] = [by_id[i] for i in alert_ids[profiled]]
        selection[profiled] = "profile"
    channel[alerted] = rules.alerts.channel
    selection[alerted] = "alert"
    levels = _raise_levels(levels, (alerted | profiled) & (channel == "red"), rules)
    notes = np.full(n, "", dtype=object)
    for i in np.flatnonzero(explore | alerted | profiled | (aeo_notes != "")).tolist():
        parts = [p for p in (hits[i], aeo_notes[i]) if p]
        if explore[i]:
            parts.append(_RANDOM_NOTE)
        notes[i] = "; ".join(parts)
    party = np.full(n, "", dtype=object)
    party[matches.importer], party[matches.declarant] = "importer", "declarant"
    party[matches.partner] = "partner"
    return {
        "level": levels,
        "channel": channel,
        "percentile": percentile,
        "selection": selection,
        "notes": notes,
        "alert": hits,
        "alert_id": alert_ids,
        "aeo": party,
        "adjusted": adjusted,
        "draw_chance": chance,
    }


def _raise_levels(levels: np.ndarray, alerted: np.ndarray, rules: SelectivityRules) -> np.ndarray:
    floor = rules.alerts.raise_level_to
    if floor is None or not alerted.any():
        return levels
    rank = {name: i for i, name in enumerate(LEVELS)}
    low = alerted & np.array([rank[v] < rank[floor] for v in levels], dtype=bool)
    levels = levels.copy()
    levels[low] = floor
    return levels


def route_one(
    row: Mapping[str, Any],
    score: float,
    rules: SelectivityRules,
    *,
    reference: np.ndarray,
    aeo: AeoDirectory | None = None,
    alerts: Sequence[PartnerAlert] = (),
    profiles: Sequence[TargetingProfile] = (),
) -> dict[str, Any]:
    """:func:`route_columns` in ``stream`` mode for one declaration (a mapping of canonical
    fields, ``date`` a :class:`datetime.date`): the same decisions in plain Python, as scalars.
    """
    size = max(len(reference), 1)
    percentile = bisect.bisect_right(reference, score) / size
    t = rules.levels
    level = LEVELS[(percentile >= t.medium) + (percentile >= t.high) + (percentile >= t.very_high)]
    date = row["date"]
    one = {name: [row.get(name)] for name in ("importer", "declarant", "seller",
                                              "departure_country")}
    factor_array, aeo_notes, matches = _aeo_factors({**one, "date": [date]}, rules, aeo)
    factor, aeo_note = float(factor_array[0]), str(aeo_notes[0])
    hit, hit_id = "", ""
    for alert in alerts:
        if alert.matches(
            date=date,
            hs_code=str(row.get("hs_code")),
            origin_country=row.get("origin_country"),
            departure_country=row.get("departure_country"),
            seller=row.get("seller"),
            importer=row.get("importer"),
        ):
            hit, hit_id = _alert_note(alert), alert.alert_id
            break
    profile: TargetingProfile | None = None
    if not hit:
        for candidate in profiles:
            if candidate.matches(
                date=date, hs_code=str(row.get("hs_code")),
                origin_country=row.get("origin_country"),
                departure_country=row.get("departure_country"), seller=row.get("seller"),
                importer=row.get("importer"), declarant=row.get("declarant"),
            ):
                profile, hit, hit_id = candidate, candidate.note(), candidate.alert_id
                break
    rates = rules.channels
    explore_weight = rules.aeo.exploration_weight if factor < 1 else 1.0
    channel, selection = "green", "none"
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
    draw = selection_draw([row["declaration_id"]], rules)[0]
    chance = rates.red * rules.exploration.share_of_red * explore_weight
    if hit:
        channel, selection = ((rules.alerts.channel, "alert") if profile is None
                              else (profile.channel, "profile"))
        floor = rules.alerts.raise_level_to if channel == "red" else None
        if floor is not None and LEVELS.index(level) < LEVELS.index(floor):
            level = floor
    elif draw < chance:
        channel, selection = "red", "random"
    parts = [p for p in (hit, aeo_note) if p]
    if selection == "random":
        parts.append(_RANDOM_NOTE)
    party = ("importer" if matches.importer[0] else "declarant" if matches.declarant[0]
             else "partner" if matches.partner[0] else "")
    return {
        "level": level,
        "channel": channel,
        "percentile": percentile,
        "selection": selection,
        "notes": "; ".join(parts),
        "alert": hit,
        "alert_id": hit_id,
        "aeo": party,
        "adjusted": score * factor,
        "draw_chance": chance,
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
    """:func:`route_columns` as a frame: level, channel, percentile, selection, notes, alert,
    aeo."""
    return pd.DataFrame(
        route_columns(frame, scores, rules, reference=reference, aeo=aeo, alerts=alerts, mode=mode)
    )
