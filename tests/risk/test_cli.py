"""``haiquan risk``: the contract other tools rely on, through the real command line."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from haiquan.cli import app
from haiquan.declarations import KCS_COLUMNS
from tests.conftest import require_shared

WriteCsv = Callable[[pd.DataFrame, str], Path]
runner = CliRunner()


def test_train_score_drift_versions_on_synthetic_files(
    tmp_path: Path,
    synthetic_train: pd.DataFrame,
    synthetic_later: pd.DataFrame,
    write_csv: WriteCsv,
) -> None:
    train = write_csv(synthetic_train, "train.csv")
    later = write_csv(synthetic_later, "later.csv")
    model = tmp_path / "model"
    result = runner.invoke(
        app,
        [
            "risk",
            "train",
            "--train",
            str(train),
            "--valid",
            str(later),
            "--model",
            str(model),
            "--layout",
            "canonical",
            "--max-rounds",
            "30",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "v0001" in result.output and "importer_history" in result.output
    out = tmp_path / "scores.csv"
    result = runner.invoke(
        app,
        [
            "risk",
            "score",
            "--model",
            str(model),
            "--input",
            str(later),
            "--output",
            str(out),
            "--layout",
            "canonical",
        ],
    )
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(out, keep_default_na=False)
    assert {"declaration_id", "score", "level", "channel", "reasons"} <= set(scores.columns)
    result = runner.invoke(
        app,
        ["risk", "drift", "--model", str(model), "--input", str(later), "--layout", "canonical"],
    )
    assert result.exit_code == 0 and "PSI" in result.output
    result = runner.invoke(
        app,
        [
            "risk",
            "retrain",
            "--model",
            str(model),
            "--new",
            str(later),
            "--layout",
            "canonical",
            "--max-rounds",
            "30",
        ],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["risk", "versions", "--model", str(model)])
    assert "v0001" in result.output and "v0002" in result.output
    result = runner.invoke(app, ["risk", "use", "v0001", "--model", str(model)])
    assert result.exit_code == 0 and "v0001 is now" in result.output


@pytest.mark.slow
def test_kcs_contract_on_real_files_in_a_real_process(tmp_path: Path) -> None:
    train = pd.read_csv(
        require_shared("customs-declarations/df_syn_train_eng.csv"),
        dtype=str,
        keep_default_na=False,
    )
    valid = pd.read_csv(
        require_shared("customs-declarations/df_syn_valid_eng.csv"),
        dtype=str,
        keep_default_na=False,
    )
    # a smaller slice keeps the test quick: three months to train, two weeks to score
    small_train = tmp_path / "train.csv"
    train[train["Date"] < "2020-04-01"].to_csv(small_train, index=False)
    unlabelled = tmp_path / "new.csv"
    valid[valid["Date"] < "2021-01-15"].drop(columns=["Fraud", "Critical Fraud"]).to_csv(
        unlabelled, index=False
    )
    model = tmp_path / "model"
    haiquan = [str(Path(sys.executable).parent / "haiquan")]
    result = runner.invoke(
        app,
        [
            "risk",
            "train",
            "--train",
            str(small_train),
            "--model",
            str(model),
            "--max-rounds",
            "40",
            "--selection-days",
            "30",
        ],
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "out.csv"
    done = subprocess.run(
        [
            *haiquan,
            "risk",
            "score",
            "--model",
            str(model),
            "--input",
            str(unlabelled),
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    scores = pd.read_csv(out, dtype={"declaration_id": str}, keep_default_na=False)
    ids = pd.read_csv(unlabelled, dtype=str)["Declaration ID"]
    assert scores["declaration_id"].tolist() == ids.tolist()
    # a file with a missing column is refused with the fix, exit code 2
    broken = tmp_path / "broken.csv"
    pd.read_csv(unlabelled, dtype=str).drop(columns=["HS6 Code"]).to_csv(broken, index=False)
    done = subprocess.run(
        [
            *haiquan,
            "risk",
            "score",
            "--model",
            str(model),
            "--input",
            str(broken),
            "--output",
            str(tmp_path / "x.csv"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "HS6 Code" in done.stderr and "to fix" in done.stderr
    assert not (tmp_path / "x.csv").exists()
    assert set(KCS_COLUMNS) - {"Fraud", "Critical Fraud"} <= set(pd.read_csv(unlabelled).columns)
