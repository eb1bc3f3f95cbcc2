"""The risk engine's entry points: one function per CLI command and API route.

Each reads its inputs, calls the model, selectivity and drift modules, and returns plain data —
the CLI and the HTTP router only format the result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from haiquan._files import write_atomically
from haiquan.declarations import DeclarationRecord, Layout, read_declarations
from haiquan.declarations.records import records_to_columns
from haiquan.errors import InputError
from haiquan.risk.alerts import AeoDirectory, PartnerAlert
from haiquan.risk.drift import psi_report
from haiquan.risk.features import columns_of
from haiquan.risk.model import RiskModel, TrainingConfig, require_labels, train_model
from haiquan.risk.partner_alerts import (
    active_alerts,
    default_alerts_file,
    kept_alerts,
    read_partner_alerts,
)
from haiquan.risk.policy import (
    DriftRules,
    SelectivityRules,
    load_drift_rules,
    load_selectivity_rules,
)
from haiquan.risk.selectivity import (
    CHANNELS,
    LEVELS,
    Mode,
    batch_too_small,
    route_columns,
    route_one,
)
from haiquan.risk.store import (
    default_model_dir,
    load_model,
    load_training_data,
    save_model,
    version_meta,
)

__all__ = [
    "Explain",
    "SCORE_COLUMNS",
    "alerts_in_force",
    "drift_report",
    "read_partner_alerts",
    "retrain_risk_model",
    "score_declarations",
    "score_file",
    "score_records",
    "train_risk_model",
]

Explain = Literal["all", "inspected", "none"]
#: Columns of a scores file.
SCORE_COLUMNS = (
    "declaration_id",
    "item_number",
    "score",
    "level",
    "channel",
    "selection",
    "reasons",
)


def train_risk_model(
    train: Path,
    model_dir: Path | None = None,
    valid: Path | None = None,
    layout: Layout = "kcs",
    config: TrainingConfig | None = None,
    aeo: AeoDirectory | None = None,
) -> dict[str, Any]:
    """Train on a labelled file, report on ``valid`` if given, save as a new version.

    Returns:
        ``{"model_dir", "version", "chosen", "candidates", "evaluation"}``.
    """
    frame = require_labels(read_declarations(train, layout=layout), path=str(train))
    valid_frame = _read_valid(valid, layout)
    return _train_and_save(frame, Path(model_dir or default_model_dir()), valid_frame, config, aeo)


def _read_valid(valid: Path | None, layout: Layout) -> pd.DataFrame | None:
    """The report's labelled file, checked before training: a file without results must not
    surface only after minutes of training, nor be reported as the training file."""
    if valid is None:
        return None
    return require_labels(read_declarations(valid, layout=layout), str(valid), use="evaluation")


def retrain_risk_model(
    new: Sequence[Path],
    model_dir: Path | None = None,
    valid: Path | None = None,
    layout: Layout = "kcs",
    config: TrainingConfig | None = None,
    aeo: AeoDirectory | None = None,
) -> dict[str, Any]:
    """Retrain the current version's data plus newly labelled declarations as a new version.

    A declaration present in both keeps the newer row (a corrected inspection result wins).
    The new version is marked synthetic when the current one was (its data is carried over).

    Raises:
        DataFileError: a new file has rows without inspection results; the rows are numbered
            as in that file (header = row 1) and the file is named.
    """
    root = Path(model_dir or default_model_dir())
    old = load_training_data(root)
    synthetic = bool(version_meta(root).get("synthetic"))
    # each file is checked on its own, so row numbers are the user's, not the combined data's
    frames = [old] + [
        require_labels(read_declarations(path, layout=layout), path=str(path)) for path in new
    ]
    frame = pd.concat(frames, ignore_index=True).drop_duplicates(list(_KEYS), keep="last")
    _require_something_new(frame, old, new, version_meta(root).get("version"))
    valid_frame = _read_valid(valid, layout)
    report = _train_and_save(frame, root, valid_frame, config, aeo, synthetic=synthetic or None)
    report["added_rows"] = int(len(frame) - len(old))
    return report


_KEYS = ("declaration_id", "item_number")


def _require_something_new(
    frame: pd.DataFrame, old: pd.DataFrame, new: Sequence[Path], version: str | None
) -> None:
    """Refuse a retraining that would learn nothing: the same files again would otherwise add
    a new version identical in data to the current one (a repeated run must change nothing)."""
    keys = list(_KEYS)
    combined = frame.sort_values(keys, kind="stable").reset_index(drop=True)
    current = old.sort_values(keys, kind="stable").reset_index(drop=True)
    if combined.equals(current):
        raise InputError(
            "the new files add or change no declaration",
            expected=f"declarations or inspection results not yet in the training data of "
            f"{version or 'the current version'}",
            got=f"only declarations it already holds, unchanged, in {', '.join(map(str, new))}",
            fix="retrain when new inspection results are recorded; no version was added",
        )


def _train_and_save(
    frame: pd.DataFrame,
    root: Path,
    valid: pd.DataFrame | None,
    config: TrainingConfig | None,
    aeo: AeoDirectory | None,
    synthetic: bool | None = None,
) -> dict[str, Any]:
    model = train_model(frame, config=config, aeo=aeo, valid=valid)
    version = save_model(model, root, frame, synthetic=synthetic)
    return {
        "model_dir": str(root),
        "version": version,
        "synthetic": bool(version_meta(root, version).get("synthetic")),
        "training": model.meta["training"],
        "chosen": model.meta["chosen"],
        "candidates": model.meta["candidates"],
        "evaluation": model.meta.get("evaluation"),
    }


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
) -> pd.DataFrame:
    """Score, level, channel and reasons for canonical declarations, in input order.

    History features use the model's training history and earlier-dated rows of ``frame``
    (never labels of ``frame``). Reasons come from LightGBM ``pred_contrib``; computing them is
    much slower than scoring, so by default only declarations sent to red or yellow get them.
    """
    columns = columns_of(frame)
    return pd.DataFrame(
        _score(
            columns,
            model,
            rules=rules,
            aeo=aeo,
            alerts=alerts,
            mode=mode,
            explain=explain,
            top_reasons=top_reasons,
        ),
        columns=list(SCORE_COLUMNS),
    )


def score_records(
    records: Sequence[DeclarationRecord],
    model: RiskModel,
    *,
    aeo: AeoDirectory | None = None,
    alerts: Sequence[PartnerAlert] = (),
    mode: Mode = "stream",
    explain: bool = True,
) -> list[dict[str, Any]]:
    """:func:`score_declarations` for validated records (the API), without building frames.

    One declaration (the usual API call) takes the fast path: its features come from
    :meth:`~haiquan.risk.features.FeatureBuilder.transform_one` (dictionary look-ups, the same
    numbers as a batch of that declaration alone), about a tenth of a millisecond with the model.
    """
    if len(records) == 1:
        return [
            _score_one(dict(records[0]), model, aeo=aeo, alerts=alerts, mode=mode, explain=explain)
        ]
    columns = records_to_columns(records)
    scored = _score(
        columns, model, aeo=aeo, alerts=alerts, mode=mode, explain="all" if explain else "none"
    )
    keys = list(SCORE_COLUMNS)
    return [
        {
            k: scored[k][i].item() if isinstance(scored[k][i], np.generic) else scored[k][i]
            for k in keys
        }
        for i in range(len(records))
    ]


#: Columns routing reads (ids, alert criteria, AEO parties), besides the score and the date.
_ROUTING_COLUMNS = (
    "declaration_id",
    "hs_code",
    "origin_country",
    "departure_country",
    "seller",
    "importer",
)


def _score_one(
    row: Mapping[str, Any],
    model: RiskModel,
    *,
    aeo: AeoDirectory | None,
    alerts: Sequence[PartnerAlert],
    mode: Mode,
    explain: bool,
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
            ).items()
        }
    note = str(routed["notes"])
    reasons = model.explain(features, currencies=[row.get("currency")])[0] if explain else ""
    return {
        "declaration_id": row["declaration_id"],
        "item_number": row["item_number"],
        "score": float(np.round(scores, 6)[0]),
        "level": str(routed["level"]),
        "channel": str(routed["channel"]),
        "selection": str(routed["selection"]),
        "reasons": f"{note}; {reasons}" if note and reasons else note or reasons,
    }


def _score(
    columns: Mapping[str, np.ndarray],
    model: RiskModel,
    *,
    rules: SelectivityRules | None = None,
    aeo: AeoDirectory | None = None,
    alerts: Sequence[PartnerAlert] = (),
    mode: Mode = "batch",
    explain: Explain = "inspected",
    top_reasons: int = 3,
) -> dict[str, np.ndarray]:
    n = len(columns["declaration_id"])
    if rules is None:
        dates = np.asarray(columns["date"])
        last = pd.Timestamp(dates.max()).date() if n else dt.date.today()
        rules = load_selectivity_rules(on=last)
    features = model.builder.transform(columns, aeo=aeo)
    scores = model.predict(features)
    routed = route_columns(
        columns, scores, rules, reference=model.reference, aeo=aeo, alerts=alerts, mode=mode
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
    if len(rows):
        currency = columns.get("currency")
        reasons[rows] = model.explain(
            features[rows], top=top_reasons,
            currencies=None if currency is None else np.asarray(currency, dtype=object)[rows])
    notes = routed["notes"]
    combined = np.asarray(notes, dtype=object).copy()
    # join notes and reasons only where both exist (most batch rows have neither)
    has_note = combined != ""
    for i in np.flatnonzero(has_note & (reasons != "")).tolist():
        combined[i] = f"{combined[i]}; {reasons[i]}"
    only_reason = ~has_note & (reasons != "")
    combined[only_reason] = reasons[only_reason]
    return {
        "declaration_id": np.asarray(columns["declaration_id"]),
        "item_number": np.asarray(columns["item_number"]),
        "score": np.round(scores, 6),
        "level": routed["level"],
        "channel": channel,
        "selection": routed["selection"],
        "reasons": combined,
    }


def alerts_in_force(
    dates: Any, path: Path | None = None, *, apply: bool = True
) -> tuple[list[PartnerAlert], dict[str, Any]]:
    """The partner alerts to apply to declarations lodged on ``dates``, and what was applied.

    Reads ``path``, else the kept alerts file (:func:`default_alerts_file`, absent = no alerts);
    ``apply=False`` applies none. Only alerts in force on some day between the first and the last
    date are returned (the others cannot match).

    Returns:
        ``(alerts, {"file", "kept", "active"})``: ``file`` is the file read (``None`` when
        alerts are not applied), ``kept`` the alerts in it, ``active`` the ones returned.
    """
    if not apply:
        return [], {"file": None, "kept": 0, "active": 0}
    kept = kept_alerts(path)
    file = str(path if path is not None else default_alerts_file())
    days = np.asarray(dates, dtype="datetime64[D]")
    if not kept or not len(days):
        return [], {"file": file, "kept": len(kept), "active": 0}
    first = pd.Timestamp(days.min()).date()
    last = pd.Timestamp(days.max()).date()
    active = active_alerts(kept, first, last)
    return active, {"file": file, "kept": len(kept), "active": len(active)}


def score_file(
    input_path: Path,
    output_path: Path,
    model_dir: Path | None = None,
    layout: Layout = "kcs",
    *,
    alerts_path: Path | None = None,
    apply_alerts: bool = True,
    aeo: AeoDirectory | None = None,
    explain: Explain = "inspected",
) -> dict[str, Any]:
    """Score a declarations file (labels may be absent) into a CSV of :data:`SCORE_COLUMNS`.

    Partner alerts come from ``alerts_path``, else from the kept alerts file that
    ``haiquan alerts pull`` fills (``HOME/risk/partner_alerts.yaml``); ``apply_alerts=False``
    applies none.

    Returns:
        ``{"rows", "output", "version", "synthetic_model", "channels": {channel: count},
        "levels": {level: count}, "alerts": {"file", "kept", "active", "matched"}}``
        (every channel red to green and level low to very high, zeros included);
        ``dated_in_training`` counts declarations dated within the model's training period
        (their history may count them twice); ``routed_one_by_one`` says the file was too
        small for the channel rates and each declaration was routed against the model's
        reference scores (as through the API);
        ``synthetic_model`` is true when the model was trained on synthetic declarations
        (the demo's), ``matched`` counts declarations routed by an alert.
    """
    _require_writable_output(Path(input_path), Path(output_path))
    model = load_model(model_dir)
    frame = read_declarations(input_path, layout=layout)
    alerts, applied = alerts_in_force(frame["date"], alerts_path, apply=apply_alerts)
    scored = score_declarations(frame, model, aeo=aeo, alerts=alerts, explain=explain)
    Path(output_path).parent.mkdir(parents=True, exist_ok=True)
    write_atomically(output_path, lambda path: scored.to_csv(path, index=False))
    applied["matched"] = int((scored["selection"] == "alert").sum())
    return {
        "rows": int(len(scored)),
        "dated_in_training": _dated_in_training(frame["date"], model),
        "output": str(output_path),
        "version": model.meta.get("version"),
        "synthetic_model": bool(model.meta.get("synthetic")),
        "channels": _counts(scored["channel"], CHANNELS),
        "levels": _counts(scored["level"], LEVELS),
        "alerts": applied,
        "routed_one_by_one": batch_too_small(len(scored), load_selectivity_rules(
            on=pd.Timestamp(frame["date"].max()).date() if len(frame) else None)),
    }


def _dated_in_training(dates: pd.Series, model: RiskModel) -> int:
    """Declarations dated within the model's training period. Their history already holds
    the training rows of those days, so a declaration that is also in the training data is
    counted twice: a scoring file should start after the training data ends."""
    training = model.meta.get("training", {})
    if not training.get("from") or not len(dates):
        return 0
    days = pd.to_datetime(dates)
    inside = (days >= pd.Timestamp(training["from"])) & (days <= pd.Timestamp(training["to"]))
    return int(inside.sum())


def _counts(values: pd.Series, names: Sequence[str]) -> dict[str, int]:
    """Count per name in the names' order, zeros included: an officer reads the channels
    red to green and the levels low to very high, and an empty red channel must show."""
    found = values.value_counts()
    return {name: int(found.get(name, 0)) for name in names}


def _require_writable_output(input_path: Path, output_path: Path) -> None:
    """Refuse, before any work, an output that would fail after scoring (a folder) or
    overwrite the declarations being scored with their scores."""
    if output_path.is_dir():
        raise InputError(
            f"{output_path} is a folder",
            expected="the path of the scores CSV file to write",
            got="an existing folder",
            fix=f"name a file, e.g. --output {output_path / 'scores.csv'}",
        )
    if output_path.exists() and output_path.resolve() == input_path.resolve():
        raise InputError(
            f"{output_path} is the declarations file being scored",
            expected="an output file other than the input",
            got="the same file for --input and --output",
            fix="write the scores to another file, e.g. --output scores.csv",
        )


def drift_report(
    input_path: Path, model_dir: Path | None = None, layout: Layout = "kcs"
) -> pd.DataFrame:
    """PSI of each feature between the model's training data and the declarations in a file.

    Raises:
        InputError: the file holds fewer declarations than the drift rules' minimum; on so few
            the PSI of an unchanged feature is mostly sampling noise and would read as drift.
    """
    model = load_model(model_dir)
    frame = read_declarations(input_path, layout=layout)
    last = pd.Timestamp(frame["date"].max()).date() if len(frame) else None
    rules = load_drift_rules(on=last)
    _require_enough_for_drift(len(frame), rules, input_path)
    features = model.features(frame)
    return psi_report(model.meta["drift_reference"], features, model.feature_names, rules)


def _require_enough_for_drift(rows: int, rules: DriftRules, path: Path) -> None:
    """Refuse a drift verdict on too small a sample instead of reporting noise as drift."""
    if rows < rules.min_declarations:
        raise InputError(
            f"{path}: too few declarations to measure drift",
            expected=f"at least {rules.min_declarations} declarations (drift rules "
            f"{rules.name!r}): fewer make an unchanged feature look shifted",
            got=f"{rows} in the file",
            fix="check drift on a longer period (e.g. a month of declarations)",
        )
