"""Honest provenance: published synthetic files are named as such, and training reproduces."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from haiquan.cli import app
from haiquan.declarations import synthetic_provenance
from haiquan.risk.model import train_model
from haiquan.risk.service import train_risk_model
from haiquan.risk.store import list_versions
from tests.conftest import require_shared
from tests.risk.conftest import SMALL

WriteCsv = Callable[[pd.DataFrame, str], Path]
runner = CliRunner()


def test_the_kcs_files_are_known_synthetic_by_content(tmp_path: Path) -> None:
    original = require_shared("customs-declarations/df_syn_valid_eng.csv")
    renamed = tmp_path / "january.csv"
    renamed.write_bytes(original.read_bytes())  # a copy under another name, in the test's folder
    assert "CTGAN" in (synthetic_provenance(renamed) or "")
    renamed.write_bytes(original.read_bytes() + b"\n")  # another file
    assert synthetic_provenance(renamed) is None


def test_a_model_trained_on_a_known_synthetic_file_says_so(
    tmp_path: Path, synthetic_train: pd.DataFrame, write_csv: WriteCsv
) -> None:
    # Nothing in the rows says it (no generator's SYN- ids): the file's name does.
    frame = synthetic_train.assign(
        declaration_id=synthetic_train["declaration_id"].str.replace("SYN-", "D-", regex=False))
    path = write_csv(frame, "df_syn_2024.csv")
    report = train_risk_model(path, tmp_path / "m", layout="canonical", config=SMALL)
    assert report["synthetic"] and "df_syn_" in report["synthetic_source"]
    assert list_versions(tmp_path / "m")[0]["synthetic"] is True
    result = runner.invoke(app, ["risk", "versions", "--model", str(tmp_path / "m")])
    assert "SYNTHETIC" in result.output and "real" not in result.output.split("SYNTHETIC")[0][-40:]
    assert "trained on SYNTHETIC declarations" in result.output


def test_training_is_deterministic(synthetic_train: pd.DataFrame) -> None:
    first = train_model(synthetic_train, config=SMALL)
    second = train_model(synthetic_train, config=SMALL)
    assert first.booster.model_to_string() == second.booster.model_to_string()
    assert (first.reference == second.reference).all()
