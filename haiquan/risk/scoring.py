"""Scoring declarations: features, score, routing, capacity, reasons — for a frame, for API
records, and for a file (what ``haiquan risk score``, ``POST /api/risk/score`` and the risk
queue call).

Every path applies the same things: the AEO registry (:mod:`~haiquan.risk.aeo_benefit`), the
partner alerts in force, and — for batches — the capacity of each office
(:mod:`~haiquan.risk.capacity`). Each result says how many declarations each of them touched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from haiquan.declarations import DeclarationRecord
from haiquan.declarations.records import records_to_columns
from haiquan.risk.alerts import AeoDirectory, PartnerAlert
from haiquan.risk.capacity import CapacityRules, LeftOut, apply_capacity, office_groups
from haiquan.risk.critical import CRITICAL_NOTE_PERCENTILE
from haiquan.risk.day_file import release_freed_memory
from haiquan.risk.features import columns_of
from haiquan.risk.model import RiskModel
from haiquan.risk.novelty import novelty_flags
from haiquan.risk.policy import SelectivityRules, load_selectivity_rules
from haiquan.risk.profiles import TargetingProfile
from haiquan.risk.selectivity import Mode, route_columns, route_one

__all__ = [
    "SCORE_COLUMNS",
    "Explain",
    "ScoredBatch",
    "score_batch",
    "score_declarations",
    "score_record_rows",
    "score_records",
]

Explain = Literal["all", "inspected", "none"]
#: Columns of a scores file.
SCORE_COLUMNS = (
    "declaration_id",
    "item_number",
    "score",
    "critical_score",
    "level",
    "channel",
    "selection",
    "duty_at_stake",
    "aeo",
    "novelty",
    "reasons",
)
#: Rows explained per call of the model's contributions (bounds memory on a peak day).
_EXPLAIN_CHUNK = 20_000
#: Rows whose features are built and scored at once (the matrix of a whole peak day would
#: take gigabytes; a chunk of this size takes tens of megabytes).
_SCORE_CHUNK = 50_000


@dataclass(frozen=True)
class ScoredBatch:
    """Scores of a batch (:data:`SCORE_COLUMNS`, input order) and what routing applied.

    Attributes:
        scores: the scores table.
        aeo: declarations an AEO benefit reached, by party (``importer``, ``declarant``,
            ``partner``) and ``total``.
        left_out: offices and days where red or yellow asked for more than capacity.
        alert_ids: per row, the id of the alert that routed it ('' for none).
        draw_chance: per row, its chance of a random selection.
    """

    scores: pd.DataFrame
    aeo: dict[str, int]
    left_out: list[LeftOut] = field(default_factory=list)
    alert_ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    draw_chance: np.ndarray = field(default_factory=lambda: np.empty(0))

    @property
    def alert_matches(self) -> int:
        return int((self.scores["selection"] == "alert").sum())


def score_batch(
    frame: pd.DataFrame,
    model: RiskModel,
    *,
    rules: SelectivityRules | None = None,
    aeo: AeoDirectory | None = None,
    alerts: Sequence[PartnerAlert] = (),
    capacity: CapacityRules | None = None,
    mode: Mode = "batch",
    explain: Explain = "inspected",
    top_reasons: int = 3,
    progress: Callable[[int, int], None] | None = None,
    profiles: Sequence[TargetingProfile] = (),
    chunk_rows: int | None = None,
) -> ScoredBatch:
    """Score, level, channel, duty at stake, AEO party, novelty and reasons, in input order.

    History features use the model's training history and earlier-dated rows of ``frame``
    (never labels of ``frame``). Reasons come from LightGBM ``pred_contrib``; computing them is
    much slower than scoring, so by default only declarations sent to red or yellow get them.
    ``capacity`` applies in ``batch`` mode only (one declaration alone has no day to fill).
    ``progress(done, total)`` is called as chunks are scored, then again (a second count
    from zero) as reasons are computed. Features are built ``chunk_rows`` declarations at a
    time (default 100,000): the result does not depend on it, only the memory used does.
    """
    columns = columns_of(frame)
    arrays, matches, left = _score(
        columns,
        model,
        rules=rules,
        aeo=aeo,
        alerts=alerts,
        capacity=capacity,
        mode=mode,
        explain=explain,
        top_reasons=top_reasons,
        progress=progress,
        profiles=profiles,
        chunk_rows=chunk_rows,
    )
    return ScoredBatch(
        pd.DataFrame({k: arrays[k] for k in SCORE_COLUMNS}),
        matches,
        left,
        arrays["alert_id"],
        arrays["draw_chance"],
    )


def score_declarations(
    frame: pd.DataFrame,
    model: RiskModel,
    *,
    rules: SelectivityRules | None = None,
    aeo: AeoDirectory | None = None,
    alerts: Sequence[PartnerAlert] = (),
    mode: Mode = "batch",
    explain: Explain = "inspected",
    top_reasons: int = 3,
    profiles: Sequence[TargetingProfile] = (),
) -> pd.DataFrame:
    """:func:`score_batch`'s scores table alone (no office capacity)."""
    return score_batch(
        frame,
        model,
        rules=rules,
        aeo=aeo,
        alerts=alerts,
        mode=mode,
        explain=explain,
        top_reasons=top_reasons,
        profiles=profiles,
    ).scores


def score_records(
    records: Sequence[DeclarationRecord],
    model: RiskModel,
    *,
    aeo: AeoDirectory | None = None,
    alerts: Sequence[PartnerAlert] = (),
    mode: Mode = "stream",
    explain: bool = True,
    profiles: Sequence[TargetingProfile] = (),
) -> list[dict[str, Any]]:
    """:func:`score_batch` for validated records (the API), without building frames.

    One declaration (the usual API call) takes the fast path: its features come from
    :meth:`~haiquan.risk.features.FeatureBuilder.transform_one` (dictionary look-ups, the same
    numbers as a batch of that declaration alone).
    """
    rows, _ = score_record_rows(
        records, model, aeo=aeo, alerts=alerts, mode=mode, explain=explain, profiles=profiles
    )
    return [{k: row[k] for k in SCORE_COLUMNS} for row in rows]


def score_record_rows(
    records: Sequence[DeclarationRecord],
    model: RiskModel,
    *,
    aeo: AeoDirectory | None = None,
    alerts: Sequence[PartnerAlert] = (),
    mode: Mode = "stream",
    explain: bool = True,
    profiles: Sequence[TargetingProfile] = (),
    capacity: CapacityRules | None = None,
) -> tuple[list[dict[str, Any]], list[LeftOut]]:
    """:func:`score_records` with each row's ``alert_id`` and ``draw_chance`` (what a kept
    decision records), and office ``capacity`` applied in ``batch`` mode."""
    if len(records) == 1 and (capacity is None or mode != "batch"):
        return [
            _score_one(
                dict(records[0]),
                model,
                aeo=aeo,
                alerts=alerts,
                mode=mode,
                explain=explain,
                profiles=profiles,
            )
        ], []
    columns = records_to_columns(records)
    scored, _, left = _score(
        columns,
        model,
        aeo=aeo,
        alerts=alerts,
        mode=mode,
        explain="all" if explain else "none",
        profiles=profiles,
        capacity=capacity,
    )
    keys = [*SCORE_COLUMNS, "alert_id", "draw_chance"]
    rows = [
        {
            k: scored[k][i].item() if isinstance(scored[k][i], np.generic) else scored[k][i]
            for k in keys
        }
        for i in range(len(records))
    ]
    for row in rows:  # no critical-fraud model: null, as for one declaration
        if row["critical_score"] != row["critical_score"]:
            row["critical_score"] = None
    return rows, left


#: Columns routing reads (ids, alert criteria, AEO parties), besides the score and the date.
_ROUTING_COLUMNS = (
    "declaration_id",
    "hs_code",
    "origin_country",
    "departure_country",
    "seller",
    "importer",
    "declarant",
)


def _score_one(
    row: Mapping[str, Any],
    model: RiskModel,
    *,
    aeo: AeoDirectory | None,
    alerts: Sequence[PartnerAlert],
    mode: Mode,
    explain: bool,
    profiles: Sequence[TargetingProfile] = (),
) -> dict[str, Any]:
    """:func:`_score` of one declaration (a mapping of canonical fields), without the
    per-column arrays: the same features, score, routing and reasons."""
    date = row["date"]
    day = date if type(date) is dt.date else pd.Timestamp(date).date()
    rules = load_selectivity_rules(on=day)
    features = model.builder.transform_one(row, aeo=aeo)[None, :]
    scores = model.predict(features)
    if mode == "stream":
        routed = route_one(
            {**row, "date": day},
            float(scores[0]),
            rules,
            reference=model.reference,
            aeo=aeo,
            alerts=alerts,
            profiles=profiles,
        )
    else:  # a batch of one: the batch rules (rates rounded on one declaration)
        columns: dict[str, np.ndarray] = {}
        for name in _ROUTING_COLUMNS:
            columns[name] = np.empty(1, dtype=object)
            columns[name][0] = row.get(name)
        columns["date"] = np.array([date], dtype="datetime64[D]")
        routed = {
            k: v[0]
            for k, v in route_columns(
                columns,
                scores,
                rules,
                reference=model.reference,
                aeo=aeo,
                alerts=alerts,
                mode=mode,
                profiles=profiles,
            ).items()
        }
    critical = _critical(model, features)
    note = _with_critical(str(routed["notes"]), bool(critical[1][0]))
    one = {name: np.array([value], dtype=object) for name, value in row.items()}
    one["date"] = np.array([day], dtype="datetime64[D]")
    reasons = (
        model.explain(features, currencies=[row.get("currency")], columns=one)[0] if explain else ""
    )
    value, rate = float(row["value"]), float(row["tax_rate"])
    return {
        "declaration_id": row["declaration_id"],
        "item_number": row["item_number"],
        "score": float(np.round(scores, 6)[0]),
        "critical_score": None if critical[0] is None else float(critical[0][0]),
        "level": str(routed["level"]),
        "channel": str(routed["channel"]),
        "selection": str(routed["selection"]),
        "duty_at_stake": float(np.round(np.float64(value) * rate / 100.0, 2)),
        "aeo": str(routed["aeo"]),
        "novelty": str(novelty_flags(features, model.feature_names, rules)[0]),
        "reasons": f"{note}; {reasons}" if note and reasons else note or reasons,
        "alert_id": str(routed["alert_id"] or ""),
        "draw_chance": float(routed["draw_chance"]),
    }


def _score(
    columns: Mapping[str, np.ndarray],
    model: RiskModel,
    *,
    rules: SelectivityRules | None = None,
    aeo: AeoDirectory | None = None,
    alerts: Sequence[PartnerAlert] = (),
    capacity: CapacityRules | None = None,
    mode: Mode = "batch",
    explain: Explain = "inspected",
    top_reasons: int = 3,
    progress: Callable[[int, int], None] | None = None,
    profiles: Sequence[TargetingProfile] = (),
    chunk_rows: int | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, int], list[LeftOut]]:
    n = len(columns["declaration_id"])
    if rules is None:
        dates = np.asarray(columns["date"])
        last = pd.Timestamp(dates.max()).date() if n else dt.date.today()
        rules = load_selectivity_rules(on=last)
    # The whole day is needed for earlier-row counts, channel rates and capacity; the feature
    # matrix is not: it is built, scored and dropped chunk by chunk (rows are independent once
    # the batch is prepared), and built again only for the rows that get reasons.
    prepared = model.builder.prepare(columns, aeo=aeo)
    release_freed_memory()  # the sorts' temporaries: the peak is reached in the chunks next
    size = max(int(chunk_rows or _SCORE_CHUNK), 1)
    scores = np.empty(n)
    critical: np.ndarray | None = None if model.critical is None else np.empty(n)
    top_critical = np.zeros(n, dtype=bool)
    novelty = np.full(n, "", dtype=object)
    for start in range(0, n, size):
        chunk = slice(start, min(start + size, n))
        features = model.builder.rows(prepared, chunk)
        scores[chunk] = model.predict(features)
        chunk_critical, chunk_top = _critical(model, features)
        if critical is not None and chunk_critical is not None:
            critical[chunk] = chunk_critical
        top_critical[chunk] = chunk_top
        novelty[chunk] = novelty_flags(features, model.feature_names, rules)
        del features
        if progress is not None:
            progress(chunk.stop, n)
    groups = None
    if capacity is not None and mode == "batch":
        groups = office_groups(np.asarray(columns["office"]), capacity, rules.channels)
    routed = route_columns(
        columns,
        scores,
        rules,
        reference=model.reference,
        aeo=aeo,
        alerts=alerts,
        mode=mode,
        groups=groups,
        profiles=profiles,
    )
    left: list[LeftOut] = []
    if capacity is not None and mode == "batch":
        routed, left = apply_capacity(
            routed, columns["office"], columns["date"], routed["adjusted"], capacity
        )
    channel = routed["channel"]
    if explain == "all":
        wanted = np.ones(n, dtype=bool)
    elif explain == "inspected":
        wanted = np.isin(channel, ("red", "yellow"))
    else:
        wanted = np.zeros(n, dtype=bool)
    reasons = np.full(n, "", dtype=object)
    rows = np.flatnonzero(wanted)
    currency = columns.get("currency")
    units = None if currency is None else np.asarray(currency, dtype=object)
    for start in range(0, len(rows), _EXPLAIN_CHUNK):
        part = rows[start : start + _EXPLAIN_CHUNK]
        reasons[part] = model.explain(
            model.builder.rows(prepared, part),
            top=top_reasons,
            currencies=None if units is None else units[part],
            columns={name: np.asarray(values)[part] for name, values in columns.items()},
        )
        if progress is not None:
            progress(min(start + _EXPLAIN_CHUNK, len(rows)), len(rows))
    combined = np.asarray(routed["notes"], dtype=object).copy()
    for i in np.flatnonzero(top_critical).tolist():
        combined[i] = _with_critical(combined[i], True)
    # join notes and reasons only where both exist (most batch rows have neither)
    has_note = combined != ""
    for i in np.flatnonzero(has_note & (reasons != "")).tolist():
        combined[i] = f"{combined[i]}; {reasons[i]}"
    only_reason = ~has_note & (reasons != "")
    combined[only_reason] = reasons[only_reason]
    value = np.asarray(columns["value"], dtype=float)
    rate = np.asarray(columns["tax_rate"], dtype=float)
    party = routed["aeo"]
    counts = {name: int((party == name).sum()) for name in ("importer", "declarant", "partner")}
    counts["total"] = int((party != "").sum())
    arrays = {
        "declaration_id": np.asarray(columns["declaration_id"]),
        "item_number": np.asarray(columns["item_number"]),
        "score": np.round(scores, 6),
        "critical_score": np.full(n, np.nan) if critical is None else critical,
        "level": routed["level"],
        "channel": channel,
        "selection": routed["selection"],
        "duty_at_stake": np.round(value * rate / 100.0, 2),
        "aeo": party,
        "novelty": novelty,
        "reasons": combined,
        "alert_id": routed["alert_id"],
        "draw_chance": routed["draw_chance"],
    }
    return arrays, counts, left


_CRITICAL_NOTE = (
    f"critical fraud risk (public safety: IP, drugs, false origin ...): top "
    f"{1 - CRITICAL_NOTE_PERCENTILE:.0%} of the critical-fraud model's scores"
)


def _critical(model: RiskModel, features: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    """The critical-fraud probability (rounded) and whether it is in the model's top scores."""
    scores = model.predict_critical(features)
    if scores is None or model.critical_reference is None:
        return None, np.zeros(len(features), dtype=bool)
    reference = model.critical_reference
    percentile = np.searchsorted(reference, scores, side="right") / len(reference)
    return np.round(scores, 6), percentile >= CRITICAL_NOTE_PERCENTILE


def _with_critical(note: str, top: bool) -> str:
    if not top:
        return note
    return f"{_CRITICAL_NOTE}; {note}" if note else _CRITICAL_NOTE
