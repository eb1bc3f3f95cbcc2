"""The engine's entry points: score a batch, retrain as a new version, drift, partner alerts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from haiquan.errors import DataFileError, ValidationError
from haiquan.risk.service import (
    SCORE_COLUMNS,
    drift_report,
    read_partner_alerts,
    retrain_risk_model,
    score_declarations,
    score_file,
)
from haiquan.risk.store import list_versions, load_model
from tests.risk.conftest import SMALL

WriteCsv = Callable[[pd.DataFrame, str], Path]


def test_score_declarations_contract(model_dir: Path, synthetic_later: pd.DataFrame) -> None:
    model = load_model(model_dir)
    scored = score_declarations(synthetic_later, model)
    assert tuple(scored.columns) == SCORE_COLUMNS
    assert scored["declaration_id"].tolist() == synthetic_later["declaration_id"].tolist()
    assert scored["score"].between(0, 1).all()
    assert set(scored["level"]) <= {"low", "medium", "high", "very high"}
    assert set(scored["channel"]) == {"red", "yellow", "blue", "green"}
    inspected = scored["channel"].isin(["red", "yellow"])
    assert scored.loc[inspected, "reasons"].str.len().gt(0).all()
    risky = scored.loc[scored["selection"].eq("risk") & scored["channel"].eq("red"), "score"]
    assert risky.min() >= scored.loc[scored["channel"].eq("green"), "score"].max()


def test_score_file_without_labels(
    model_dir: Path, synthetic_later: pd.DataFrame, write_csv: WriteCsv, tmp_path: Path
) -> None:
    unlabelled = synthetic_later.drop(columns=["fraud", "critical_fraud"])
    path = write_csv(unlabelled, "new.csv")
    out = tmp_path / "out" / "scores.csv"
    summary = score_file(path, out, model_dir, layout="canonical", explain="none")
    written = pd.read_csv(out, dtype={"declaration_id": str}, keep_default_na=False)
    assert summary["rows"] == len(written) == len(unlabelled)
    assert summary["version"] == "v0001"
    assert not written["reasons"].str.contains(r"\(\+").any()  # no model reasons asked for
    assert written.loc[written["selection"].eq("random"), "reasons"].str.contains("random").all()


def test_bad_input_is_refused_and_writes_nothing(
    model_dir: Path, synthetic_later: pd.DataFrame, write_csv: WriteCsv, tmp_path: Path
) -> None:
    bad = synthetic_later.head(20).copy()
    bad.loc[3, "hs_code"] = "8471"
    out = tmp_path / "scores.csv"
    with pytest.raises(DataFileError) as caught:
        score_file(write_csv(bad, "bad.csv"), out, model_dir, layout="canonical")
    assert caught.value.problems[0]["row"] == 5
    assert not out.exists()


def test_retrain_keeps_versions(
    model_dir: Path, synthetic_later: pd.DataFrame, write_csv: WriteCsv
) -> None:
    report = retrain_risk_model(
        [write_csv(synthetic_later, "later.csv")], model_dir, layout="canonical", config=SMALL
    )
    assert report["version"] == "v0002"
    assert report["added_rows"] == len(synthetic_later)
    assert report["training"]["to"] == str(synthetic_later["date"].max().date())
    assert [v["current"] for v in list_versions(model_dir)] == [False, True]


def test_drift_report_on_later_data(
    model_dir: Path, synthetic_later: pd.DataFrame, write_csv: WriteCsv
) -> None:
    report = drift_report(write_csv(synthetic_later, "later.csv"), model_dir, layout="canonical")
    assert {"feature", "psi", "status"} <= set(report.columns)
    # history counts keep growing after training: the drift the monitor exists to show
    assert report.set_index("feature").loc["importer_count", "psi"] > 0.1
    assert report["psi"].is_monotonic_decreasing


def test_partner_alerts_file(tmp_path: Path) -> None:
    good = tmp_path / "alerts.yaml"
    good.write_text(
        "- {alert_id: K1, issuing_country: KOR, valid_from: 2025-01-01, valid_to: 2025-03-31,\n"
        "   hs_prefix: '61', reason: undervalued garments}\n",
        encoding="utf-8",
    )
    assert read_partner_alerts(good)[0].hs_prefix == "61"
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "- {alert_id: K1, issuing_country: KOR, valid_from: 2025-01-01, "
        "valid_to: 2025-03-31, reason: no criteria}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError, match="criterion"):
        read_partner_alerts(bad)


def test_empty_and_single_row_batches(model_dir: Path, synthetic_later: pd.DataFrame) -> None:
    model = load_model(model_dir)
    assert score_declarations(synthetic_later.head(0), model).empty
    one = score_declarations(synthetic_later.head(1), model)
    assert len(one) == 1 and 0 <= one["score"].iloc[0] <= 1
