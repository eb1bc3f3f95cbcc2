"""An officer's day: the AEO registry, office capacity and odd files, through ``score_file`` and
``haiquan risk score``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from haiquan.aeo import AeoRegistry, OperatorCreate
from haiquan.cli import app
from haiquan.errors import CatalogueError, DataFileError
from haiquan.risk.capacity import default_capacity_file, load_capacity_rules
from haiquan.risk.service import score_file

WriteCsv = Callable[[pd.DataFrame, str], Path]
runner = CliRunner()


def _register(importers: list[str]) -> None:
    """Home AEOs registered under authorisation numbers, known to declarations by their TIN."""
    registry = AeoRegistry()
    for i, code in enumerate(importers, start=1):
        registry.add_operator(OperatorCreate(
            aeo_id=f"VN-AEO-{i:04d}", name=f"Operator {i}", tin=code,
            granted_on=dt.date(2020, 1, 1)))
    registry.close()


def test_the_registry_reaches_declarations_by_the_importers_code(
    model_dir: Path, synthetic_later: pd.DataFrame, write_csv: WriteCsv, tmp_path: Path
) -> None:
    path = write_csv(synthetic_later, "day.csv")
    before = score_file(path, tmp_path / "a.csv", model_dir, layout="canonical")
    assert before["aeo"]["matched"]["total"] == 0
    assert "no AEO registry yet" in before["aeo"]["registry"]
    importers = synthetic_later["importer"].value_counts().index[:2].tolist()
    _register(importers)
    after = score_file(path, tmp_path / "b.csv", model_dir, layout="canonical")
    theirs = synthetic_later["importer"].isin(importers)
    assert after["aeo"]["matched"]["importer"] == int(theirs.sum()) > 0
    a = pd.read_csv(tmp_path / "a.csv", keep_default_na=False)
    b = pd.read_csv(tmp_path / "b.csv", keep_default_na=False)
    moved = a["channel"].ne(b["channel"]) | a["selection"].ne(b["selection"])
    assert not moved[~theirs.to_numpy()].any()  # nobody else's channel moved
    assert b.loc[theirs.to_numpy(), "aeo"].eq("importer").all()
    off = score_file(path, tmp_path / "c.csv", model_dir, layout="canonical", apply_aeo=False)
    assert off["aeo"]["matched"]["total"] == 0


def test_capacity_keeps_red_within_each_office_and_day_and_names_the_escalation(
    model_dir: Path, synthetic_later: pd.DataFrame, write_csv: WriteCsv, tmp_path: Path
) -> None:
    path = write_csv(synthetic_later, "day.csv")
    rules = tmp_path / "capacity.yaml"
    rules.write_text(
        "kind: capacity\nrule_sets:\n  - name: tight\n    valid_from: 2020-01-01\n"
        "    source: test capacity of one inspection a day\n"
        "    escalate_to: duty officer of the risk division\n"
        "    default: {red_per_day: 1}\n", encoding="utf-8")
    free = score_file(path, tmp_path / "free.csv", model_dir, layout="canonical")
    assert free["capacity"]["left_out"] == 0 and free["capacity"]["rules"] == "no-limit"
    unlimited = pd.read_csv(tmp_path / "free.csv", keep_default_na=False)
    per_day = unlimited[unlimited["channel"].eq("red")].groupby(
        [synthetic_later["office"], synthetic_later["date"]]).size()
    assert per_day.max() > 1  # some office and day asks for more than the capacity
    summary = score_file(path, tmp_path / "s.csv", model_dir, layout="canonical",
                         capacity_path=rules)
    scores = pd.read_csv(tmp_path / "s.csv", keep_default_na=False, dtype={"declaration_id": str})
    scores["office"] = synthetic_later["office"].to_numpy()
    scores["date"] = synthetic_later["date"].to_numpy()
    red = scores[scores["channel"].eq("red")].groupby(["office", "date"]).size()
    assert red.max() <= 1
    left = summary["capacity"]["left_out"]
    assert left == free["channels"]["red"] - summary["channels"]["red"] > 0
    assert all(e["escalate_to"] == "duty officer of the risk division"
               for e in summary["capacity"]["over"])
    noted = scores["reasons"].str.contains("escalate to duty officer")
    assert noted.sum() == left and scores.loc[noted, "channel"].eq("yellow").all()
    # the operator's own file in HOME replaces the packaged default
    default_capacity_file().parent.mkdir(parents=True, exist_ok=True)
    default_capacity_file().write_text(rules.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_capacity_rules(on=dt.date(2025, 1, 2)).name == "tight"


def test_a_bad_capacity_file_names_the_field(tmp_path: Path) -> None:
    rules = tmp_path / "capacity.yaml"
    rules.write_text(
        "kind: capacity\nrule_sets:\n  - name: bad\n    valid_from: 2020-01-01\n"
        "    source: a capacity below zero\n    escalate_to: x\n"
        "    default: {red_per_day: -1}\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="default.red_per_day"):
        load_capacity_rules(rules, on=dt.date(2021, 1, 1))


def test_a_header_only_file_is_refused(
    model_dir: Path, synthetic_later: pd.DataFrame, write_csv: WriteCsv, tmp_path: Path
) -> None:
    path = write_csv(synthetic_later.head(0), "empty.csv")
    with pytest.raises(DataFileError, match="holds no declarations"):
        score_file(path, tmp_path / "s.csv", model_dir, layout="canonical")
    assert not (tmp_path / "s.csv").exists()


def test_the_cli_warns_of_a_missing_column_and_future_dates(
    model_dir: Path, synthetic_later: pd.DataFrame, write_csv: WriteCsv, tmp_path: Path
) -> None:
    day = synthetic_later.drop(columns=["courier"]).copy()
    day.loc[day.index[:3], "date"] = pd.Timestamp(dt.date.today() + dt.timedelta(days=30))
    path = write_csv(day, "day.csv")
    result = runner.invoke(app, ["risk", "score", "--model", str(model_dir), "--input",
                                 str(path), "--output", str(tmp_path / "s.csv"),
                                 "--layout", "canonical"])
    assert result.exit_code == 0, result.output
    assert "no 'courier' column" in result.output
    assert "3 declarations are dated after today" in result.output
    assert "AEO benefit: 0 declarations" in result.output
    assert "within every office's capacity" in result.output
