"""``haiquan risk`` and ``haiquan alerts`` as an officer runs them: pulled alerts are applied,
a synthetic model is flagged, errors name the user's file and rows, drift puts the features that
should be stable first."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from haiquan.cli import app
from haiquan.risk.model import RiskModel
from haiquan.risk.partner_alerts import default_alerts_file
from haiquan.risk.store import save_model
from haiquan.settings import Settings
from tests.cli.conftest import Haiquan, refused
from tests.risk.conftest import (  # noqa: F401 - fixtures
    model_dir,
    small_model,
    synthetic_later,
    synthetic_train,
    write_csv,
)

WriteCsv = Callable[[pd.DataFrame, str], Path]
runner = CliRunner()


def _run(*arguments: str) -> str:
    result = runner.invoke(app, list(arguments))
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())  # rich wraps long lines


def _alert(hs_prefix: str, alert_id: str, valid_from: str, valid_to: str) -> str:
    return (
        f"- alert_id: {alert_id}\n  issuing_country: KOR\n  valid_from: {valid_from}\n"
        f"  valid_to: {valid_to}\n  hs_prefix: '{hs_prefix}'\n  reason: undervaluation\n"
    )


def test_score_applies_the_pulled_alerts_unless_told_not_to(
    isolated_settings: Settings,
    model_dir: Path,  # noqa: F811
    synthetic_later: pd.DataFrame,  # noqa: F811
    write_csv: WriteCsv,  # noqa: F811
    tmp_path: Path,
) -> None:
    later = write_csv(synthetic_later, "later.csv")
    hs4 = str(synthetic_later["hs_code"].iloc[0])[:4]
    matched = int(synthetic_later["hs_code"].astype(str).str.startswith(hs4).sum())
    kept = default_alerts_file()
    kept.parent.mkdir(parents=True)
    kept.write_text(
        _alert(hs4, "KR-7", "2025-01-01", "2025-12-31")
        + _alert("99", "KR-2", "2024-01-01", "2024-12-31"),
        encoding="utf-8",
    )
    out = tmp_path / "scores.csv"
    base = ("risk", "score", "--model", str(model_dir), "--input", str(later),
            "--output", str(out), "--layout", "canonical", "--explain", "none")
    said = _run(*base)
    assert (f"partner alerts: 1 active of 2 in {kept} applied; {matched} declarations matched"
            in said)
    assert (pd.read_csv(out)["selection"] == "alert").sum() == matched > 0

    said = _run(*base, "--no-alerts")
    assert "partner alerts: none applied (--no-alerts)" in said
    assert (pd.read_csv(out)["selection"] == "alert").sum() == 0

    both = runner.invoke(app, [*base, "--no-alerts", "--alerts", str(kept)])
    assert both.exit_code != 0 and "contradict" in str(both.exception)

    kept.unlink()
    said = _run(*base)
    assert f"partner alerts: 0 applied (none kept in {kept};" in said


def test_a_synthetic_model_is_flagged_when_scoring_and_listed(
    model_dir: Path,  # noqa: F811
    small_model: RiskModel,  # noqa: F811
    synthetic_train: pd.DataFrame,  # noqa: F811
    synthetic_later: pd.DataFrame,  # noqa: F811
    write_csv: WriteCsv,  # noqa: F811
    tmp_path: Path,
) -> None:
    later = write_csv(synthetic_later.head(200), "later.csv")
    score = ("risk", "score", "--model", str(model_dir), "--input", str(later),
             "--output", str(tmp_path / "s.csv"), "--layout", "canonical", "--no-alerts")
    said = _run(*score)
    assert "warning: model v0001 was trained on SYNTHETIC declarations" in said
    # the same model recorded as trained on real data: no warning
    save_model(small_model, model_dir, synthetic_train, synthetic=False)
    assert "SYNTHETIC" not in _run(*score)
    listed = _run("risk", "versions", "--model", str(model_dir))
    assert "training data" in listed
    rows = [line for line in runner.invoke(app, ["risk", "versions", "--model", str(model_dir)])
            .output.splitlines() if "v000" in line]
    assert "SYNTHETIC" in rows[0] and "real" in rows[1]


def test_retrain_on_an_unlabelled_file_names_it_and_counts_its_own_rows(
    model_dir: Path,  # noqa: F811
    synthetic_later: pd.DataFrame,  # noqa: F811
    write_csv: WriteCsv,  # noqa: F811
) -> None:
    new = write_csv(synthetic_later.head(40).drop(columns=["fraud", "critical_fraud"]),
                    "new-unlabelled.csv")
    done = subprocess.run(
        [sys.executable, "-c", "from haiquan.cli import main; main()", "risk", "retrain",
         "--model", str(model_dir), "--new", str(new), "--layout", "canonical"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 2, done.stderr
    said = " ".join(done.stderr.split())
    assert str(new) in said
    assert "row 2, column 'fraud'" in said  # the first data row of the user's file
    assert "no result on any of the 40 rows" in said
    assert "Traceback" not in done.stderr


def test_drift_shows_declaration_features_first(
    model_dir: Path,  # noqa: F811
    synthetic_later: pd.DataFrame,  # noqa: F811
    write_csv: WriteCsv,  # noqa: F811
) -> None:
    later = write_csv(synthetic_later, "later.csv")
    said = _run("risk", "drift", "--model", str(model_dir), "--input", str(later),
                "--layout", "canonical", "--top", "5")
    first = said.index("declaration features: drift here means trade changed")
    second = said.index("history features: shift by design")
    assert first < second
    # the history features' large, expected shift is still shown, in its own table
    assert "importer_count" in said[second:] or "_fraud_rate" in said[second:]
    assert "log_value" in said[first:second]


def test_alerts_help_and_list_name_the_real_file(
    isolated_settings: Settings, tmp_path: Path
) -> None:
    helped = _run("alerts", "pull", "--help")
    assert "HAIQUAN_HOME/risk/partner_alerts.yaml" in helped and "HOME/risk/..." not in helped
    said = _run("alerts", "list")
    assert f"no alerts kept yet ({default_alerts_file().absolute()})" in said


def test_alerts_pull_without_a_node_names_its_option(
    isolated_settings: Settings, tmp_path: Path, haiquan: Haiquan
) -> None:
    result = haiquan("alerts", "pull", "--gateway-home", str(tmp_path / "none"))
    refused(result, "--gateway-home", "haiquan gateway init")
    assert not default_alerts_file().exists()


def test_versions_and_use_in_a_folder_without_a_model_say_how_to_train_one(
    tmp_path: Path, haiquan: Haiquan
) -> None:
    empty = tmp_path / "no-model"
    said = _run("risk", "versions", "--model", str(empty))
    assert f"no risk model versions in {empty}" in said and "haiquan risk train" in said
    result = haiquan("risk", "use", "v0001", "--model", str(empty))
    refused(result, "no version is kept there", "haiquan risk train")
    assert "expected one of ," not in result.err


def test_drift_refuses_a_top_below_one(
    model_dir: Path,  # noqa: F811
    synthetic_later: pd.DataFrame,  # noqa: F811
    write_csv: WriteCsv,  # noqa: F811
) -> None:
    later = write_csv(synthetic_later, "later.csv")
    result = runner.invoke(app, ["risk", "drift", "--model", str(model_dir), "--input",
                                 str(later), "--layout", "canonical", "--top", "0"])
    assert result.exit_code == 2
    assert "--top" in result.output


def test_score_warns_when_declarations_fall_in_the_training_period(
    isolated_settings: Settings,
    model_dir: Path,  # noqa: F811
    synthetic_train: pd.DataFrame,  # noqa: F811
    synthetic_later: pd.DataFrame,  # noqa: F811
    write_csv: WriteCsv,  # noqa: F811
    tmp_path: Path,
) -> None:
    again = write_csv(synthetic_train.tail(40), "again.csv")
    said = _run("risk", "score", "--model", str(model_dir), "--input", str(again),
                "--output", str(tmp_path / "a.csv"), "--layout", "canonical")
    assert "40 declarations are dated within the training period" in said
    assert "channels: red 2, yellow 4, blue 2, green 32" in said
    later = write_csv(synthetic_later.head(40), "later.csv")
    said = _run("risk", "score", "--model", str(model_dir), "--input", str(later),
                "--output", str(tmp_path / "b.csv"), "--layout", "canonical")
    assert "training period" not in said


def test_score_says_when_a_file_is_too_small_for_the_channel_rates(
    isolated_settings: Settings,
    model_dir: Path,  # noqa: F811
    synthetic_later: pd.DataFrame,  # noqa: F811
    write_csv: WriteCsv,  # noqa: F811
    tmp_path: Path,
) -> None:
    few = write_csv(synthetic_later.head(8), "few.csv")
    said = _run("risk", "score", "--model", str(model_dir), "--input", str(few),
                "--output", str(tmp_path / "few_scores.csv"), "--layout", "canonical")
    assert "8 declarations are too few to count the channel rates on" in said
    enough = write_csv(synthetic_later.head(40), "enough.csv")
    said = _run("risk", "score", "--model", str(model_dir), "--input", str(enough),
                "--output", str(tmp_path / "scores.csv"), "--layout", "canonical")
    assert "too few" not in said
