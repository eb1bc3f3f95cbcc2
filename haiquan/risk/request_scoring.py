"""Scoring the declarations of one API request as ``haiquan risk score`` scores a file.

The request's declarations go through the same library path as a file: features, score,
partner alerts, targeting profiles, AEO benefits, channels, and the declarations sent to red or
yellow kept as decisions (:func:`~haiquan.risk.outcomes.record_decisions`), so their inspection
outcomes can be recorded and reported like a file's.

Office capacity is a day's limit. A ``batch`` request is a day (or a part of one) whose
declarations are all known: capacity applies to it as to a file. A ``stream`` request routes
each declaration as it arrives, against the model's reference scores, before the rest of the
day is known: it cannot rank a declaration against the day's others, so capacity is not
applied, and the answer says so (``capacity_applied: false`` and why).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from haiquan.declarations import DeclarationRecord, records_to_frame
from haiquan.risk.alerts import AeoDirectory, PartnerAlert
from haiquan.risk.capacity import LeftOut, load_capacity_rules
from haiquan.risk.model import RiskModel
from haiquan.risk.outcomes import record_decisions
from haiquan.risk.policy import load_selectivity_rules
from haiquan.risk.profiles import TargetingProfile
from haiquan.risk.scoring import score_record_rows
from haiquan.risk.selectivity import Mode

__all__ = ["STREAM_CAPACITY_NOTE", "RequestScores", "keep_request_decisions", "score_request"]

#: Why a stream request is routed without office capacity.
STREAM_CAPACITY_NOTE = (
    "not applied in stream mode: each declaration is routed as it arrives, before the day's "
    "other declarations are known, so it cannot be ranked within an office's daily capacity; "
    "send the day's declarations with mode 'batch' (or score the day's file with `haiquan "
    "risk score`) to apply capacity"
)


@dataclass(frozen=True)
class RequestScores:
    """The scores of a request and what routing applied.

    Attributes:
        rows: per declaration, the columns of :data:`~haiquan.risk.scoring.SCORE_COLUMNS`,
            and ``alert_id`` and ``draw_chance`` (what a kept decision records).
        capacity_rules: the capacity rule set applied (``None`` when none was).
        capacity_note: how capacity was applied, or why it was not.
        left_out: offices and days where red or yellow asked for more than capacity.
        decisions_kept: declarations sent to red or yellow kept as decisions.
    """

    rows: list[dict[str, Any]]
    capacity_rules: str | None
    capacity_note: str
    left_out: list[LeftOut] = field(default_factory=list)
    decisions_kept: int = 0


def score_request(
    records: Sequence[DeclarationRecord],
    model: RiskModel,
    *,
    mode: Mode = "stream",
    explain: bool = False,
    aeo: AeoDirectory | None = None,
    alerts: Sequence[PartnerAlert] = (),
    profiles: Sequence[TargetingProfile] = (),
    capacity_path: Path | None = None,
    keep_decisions: bool = True,
    decisions_folder: Path | None = None,
) -> RequestScores:
    """Score ``records`` as :func:`~haiquan.risk.service.score_file` scores a file: capacity
    (``batch`` mode only, from ``capacity_path`` else ``HOME/risk/capacity.yaml`` else no
    limit, the rule set valid on the last date) and kept decisions (``keep_decisions``)."""
    last = max(r.date for r in records)
    capacity = load_capacity_rules(capacity_path, on=last) if mode == "batch" else None
    rows, left = score_record_rows(
        records,
        model,
        aeo=aeo,
        alerts=alerts,
        mode=mode,
        explain=explain,
        profiles=profiles,
        capacity=capacity,
    )
    kept = keep_request_decisions(records, rows, model, decisions_folder) if keep_decisions else 0
    if capacity is None:
        note = STREAM_CAPACITY_NOTE
    elif left:
        note = f"rules {capacity.name!r}: {sum(e.left_out for e in left)} left out of red or yellow"
    else:
        note = f"rules {capacity.name!r}: within every office's capacity"
    return RequestScores(
        rows=rows,
        capacity_rules=None if capacity is None else capacity.name,
        capacity_note=note,
        left_out=left,
        decisions_kept=kept,
    )


def keep_request_decisions(
    records: Sequence[DeclarationRecord],
    rows: Sequence[dict[str, Any]],
    model: RiskModel,
    folder: Path | None = None,
) -> int:
    """Keep the declarations of ``rows`` (:attr:`RequestScores.rows`) sent to red or yellow as
    decisions, as ``haiquan risk score`` keeps a file's; returns how many."""
    if not any(row["channel"] in ("red", "yellow") for row in rows):
        return 0
    routed = {
        name: [row[name] for row in rows]
        for name in ("channel", "selection", "alert_id", "aeo", "score", "draw_chance")
    }
    return record_decisions(
        records_to_frame(records),
        routed,
        rule_set=load_selectivity_rules(on=max(r.date for r in records)).name,
        model_version=model.meta.get("version"),
        folder=folder,
    )
