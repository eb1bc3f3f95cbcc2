"""The risk engine's entry points: one function per CLI command and API route.

Each reads its inputs, calls the model, selectivity and drift modules, and returns plain data —
the CLI and the HTTP router only format the result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from haiquan._files import write_atomically
from haiquan.declarations import (
    Layout,
    missing_optional_columns,
    read_declarations,
    synthetic_provenance,
)
from haiquan.errors import DataFileError, InputError
from haiquan.risk.aeo_benefit import AeoSource, configured_aeo_directory
from haiquan.risk.alerts import AeoDirectory, PartnerAlert
from haiquan.risk.capacity import load_capacity_rules
from haiquan.risk.day_file import READ_CHUNK, read_day
from haiquan.risk.drift import psi_report
from haiquan.risk.model import RiskModel, TrainingConfig, require_labels, train_model
from haiquan.risk.outcomes import labelled_from_outcomes, record_decisions
from haiquan.risk.partner_alerts import (
    active_alerts,
    default_alerts_file,
    kept_alerts,
    read_partner_alerts,
)
from haiquan.risk.policy import DriftRules, load_drift_rules, load_selectivity_rules
from haiquan.risk.profiles import default_profiles_file, profiles_in_force, read_profiles
from haiquan.risk.scoring import (
    SCORE_COLUMNS,
    Explain,
    score_batch,
    score_declarations,
    score_records,
)
from haiquan.risk.selectivity import CHANNELS, LEVELS, batch_too_small
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
    provenance = synthetic_provenance(train)
    return _train_and_save(
        frame,
        Path(model_dir or default_model_dir()),
        valid_frame,
        config,
        aeo,
        synthetic=True if provenance else None,
        provenance=provenance,
    )


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
    outcomes: bool = False,
) -> dict[str, Any]:
    """Retrain the current version's data plus newly labelled declarations as a new version.

    A declaration present in both keeps the newer row (a corrected inspection result wins).
    The new version is marked synthetic when the current one was (its data is carried over).
    ``outcomes`` adds the declarations scoring selected whose inspection outcomes are recorded
    (:func:`~haiquan.risk.outcomes.labelled_from_outcomes`), after the files.

    Raises:
        DataFileError: a new file has rows without inspection results; the rows are numbered
            as in that file (header = row 1) and the file is named.
    """
    root = Path(model_dir or default_model_dir())
    old = load_training_data(root)
    synthetic = bool(version_meta(root).get("synthetic"))
    provenance = version_meta(root).get("synthetic_source")
    for path in new:
        provenance = provenance or synthetic_provenance(path)
    # each file is checked on its own, so row numbers are the user's, not the combined data's
    frames = [old] + [
        require_labels(read_declarations(path, layout=layout), path=str(path)) for path in new
    ]
    if outcomes:
        frames.append(_like(labelled_from_outcomes(), old))
    if len(frames) == 1:
        raise InputError(
            "nothing to retrain on",
            expected="--new FILE (labelled declarations) or --outcomes (recorded inspections)",
            got="neither",
            fix="pass at least one of them",
        )
    frame = pd.concat(frames, ignore_index=True).drop_duplicates(list(_KEYS), keep="last")
    sources = [*map(str, new), *(["the recorded inspection outcomes"] if outcomes else [])]
    _require_something_new(frame, old, sources, version_meta(root).get("version"))
    valid_frame = _read_valid(valid, layout)
    report = _train_and_save(
        frame,
        root,
        valid_frame,
        config,
        aeo,
        synthetic=synthetic or bool(provenance) or None,
        provenance=provenance,
    )
    report["added_rows"] = int(len(frame) - len(old))
    return report


_KEYS = ("declaration_id", "item_number")


def _like(frame: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``old``'s columns and their types (a kept decision is a canonical row)."""
    out = frame.reindex(columns=old.columns)
    for name, dtype in old.dtypes.items():
        try:
            out[name] = out[name].astype(dtype)
        except (TypeError, ValueError):
            pass  # left as read: pandas concatenates it as object
    return out


def _require_something_new(
    frame: pd.DataFrame, old: pd.DataFrame, new: Sequence[str], version: str | None
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
    provenance: str | None = None,
) -> dict[str, Any]:
    model = train_model(frame, config=config, aeo=aeo, valid=valid)
    if provenance:
        model.meta["synthetic_source"] = provenance
    version = save_model(model, root, frame, synthetic=synthetic)
    return {
        "model_dir": str(root),
        "version": version,
        "synthetic": bool(version_meta(root, version).get("synthetic")),
        "synthetic_source": provenance,
        "training": model.meta["training"],
        "chosen": model.meta["chosen"],
        "candidates": model.meta["candidates"],
        "evaluation": model.meta.get("evaluation"),
        "critical": model.meta.get("critical"),
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
    apply_aeo: bool = True,
    capacity_path: Path | None = None,
    explain: Explain = "inspected",
    progress: Callable[[int, int], None] | None = None,
    keep_decisions: bool = True,
    profiles_path: Path | None = None,
    chunk_rows: int | None = None,
) -> dict[str, Any]:
    """Score a declarations file (labels may be absent) into a CSV of :data:`SCORE_COLUMNS`.

    Partner alerts come from ``alerts_path``, else from the kept alerts file that
    ``haiquan alerts pull`` fills (``HOME/risk/partner_alerts.yaml``); ``apply_alerts=False``
    applies none. Targeting profiles come from ``profiles_path``, else
    ``HOME/risk/profiles.yaml`` if present. AEO benefits come from ``aeo``, else from the
    configured AEO registry (``apply_aeo=False``: none). Office capacity comes from
    ``capacity_path``, else ``HOME/risk/capacity.yaml``, else the packaged default (no limit).
    The declarations sent to red or yellow are kept with how they were selected
    (``keep_decisions``), so inspection outcomes can be recorded and reported against them
    (:mod:`haiquan.risk.outcomes`).

    The file is read, and its features built and scored, ``chunk_rows`` declarations at a time
    (default: :data:`~haiquan.risk.day_file.READ_CHUNK` read, 100,000 scored), so a peak day
    fits in memory; channel rates and capacity still see the whole file, and the scores do not
    depend on the chunk size.

    Returns:
        ``{"rows", "output", "version", "synthetic_model", "channels": {channel: count},
        "levels": {level: count}, "alerts": {"file", "kept", "active", "matched"},
        "aeo": {"registry", "operators", "matched": {importer, declarant, partner, total}},
        "capacity": {"rules", "left_out", "over": [...]}, "missing_columns", "dated_in_future"}``
        (every channel red to green and level low to very high, zeros included);
        ``dated_in_training`` counts declarations dated within the model's training period
        (their history may count them twice); ``routed_one_by_one`` says the file was too
        small for the channel rates and each declaration was routed against the model's
        reference scores (as through the API);
        ``synthetic_model`` is true when the model was trained on synthetic declarations,
        ``matched`` counts declarations routed by an alert.

    Raises:
        DataFileError: the file holds no declarations (a header alone); nothing is written.
    """
    _require_writable_output(Path(input_path), Path(output_path))
    model = load_model(model_dir)
    frame = read_day(input_path, layout=layout, chunk_rows=chunk_rows or READ_CHUNK)
    if not len(frame):
        raise DataFileError(
            "the declarations file holds no declarations",
            path=str(input_path),
            expected="one declaration (goods item) per row below the header",
            got="a header and no rows",
            fix="export the day's declarations again; no scores file was written",
        )
    last = pd.Timestamp(frame["date"].max()).date()
    alerts, applied = alerts_in_force(frame["date"], alerts_path, apply=apply_alerts)
    source = (
        AeoSource(aeo, "given by the caller", -1)
        if aeo is not None
        else configured_aeo_directory(apply_aeo)
    )
    capacity = load_capacity_rules(capacity_path, on=last)
    kept_profiles = read_profiles(profiles_path)
    profiles = profiles_in_force(kept_profiles, pd.Timestamp(frame["date"].min()).date(), last)
    batch = score_batch(
        frame,
        model,
        aeo=source.directory,
        alerts=alerts,
        capacity=capacity,
        explain=explain,
        progress=progress,
        profiles=profiles,
        chunk_rows=chunk_rows,
    )
    scored = batch.scores
    Path(output_path).parent.mkdir(parents=True, exist_ok=True)
    write_atomically(output_path, lambda path: scored.to_csv(path, index=False))
    applied["matched"] = batch.alert_matches
    kept = 0
    if keep_decisions:
        routed = {
            "channel": scored["channel"],
            "selection": scored["selection"],
            "alert_id": batch.alert_ids,
            "aeo": scored["aeo"],
            "score": scored["score"],
            "draw_chance": batch.draw_chance,
        }
        kept = record_decisions(
            frame,
            routed,
            rule_set=load_selectivity_rules(on=last).name,
            model_version=model.meta.get("version"),
        )
    return {
        "rows": int(len(scored)),
        "dated_in_training": _dated_in_training(frame["date"], model),
        "dated_in_future": int((frame["date"] > pd.Timestamp(dt.date.today())).sum()),
        "missing_columns": missing_optional_columns(input_path, layout),
        "output": str(output_path),
        "version": model.meta.get("version"),
        "synthetic_model": bool(model.meta.get("synthetic")),
        "synthetic_source": model.meta.get("synthetic_source"),
        "channels": _counts(scored["channel"], CHANNELS),
        "levels": _counts(scored["level"], LEVELS),
        "alerts": applied,
        "profiles": {
            "file": str(profiles_path or default_profiles_file()),
            "kept": len(kept_profiles),
            "active": len(profiles),
            "matched": int((scored["selection"] == "profile").sum()),
        },
        "aeo": {"registry": source.where, "operators": source.operators, "matched": batch.aeo},
        "capacity": {
            "rules": capacity.name,
            "left_out": int(sum(e.left_out for e in batch.left_out)),
            "over": [e.as_dict() for e in batch.left_out],
        },
        "novel": int((scored["novelty"] != "").sum()),
        "decisions_kept": kept,
        "routed_one_by_one": batch_too_small(len(scored), load_selectivity_rules(on=last)),
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
