"""Inspection outcomes close the loop: record, report by group, estimate the fraud rate from the
random draws, and retrain on them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from haiquan.cli import app
from haiquan.errors import NotFoundError
from haiquan.risk.outcomes import InspectionOutcome, OutcomeStore, read_decisions
from haiquan.risk.results import _wilson, inspection_results
from haiquan.risk.service import retrain_risk_model, score_file
from haiquan.risk.store import list_versions
from tests.risk.conftest import SMALL

WriteCsv = Callable[[pd.DataFrame, str], Path]
runner = CliRunner()


@pytest.fixture
def scored_day(
    model_dir: Path, synthetic_later: pd.DataFrame, write_csv: WriteCsv, tmp_path: Path
) -> pd.DataFrame:
    day = synthetic_later.drop(columns=["fraud", "critical_fraud"])
    summary = score_file(write_csv(day, "day.csv"), tmp_path / "s.csv", model_dir,
                         layout="canonical")
    scores = pd.read_csv(tmp_path / "s.csv", keep_default_na=False, dtype={"declaration_id": str})
    assert summary["decisions_kept"] == int(scores["channel"].isin(["red", "yellow"]).sum())
    return scores


def test_outcomes_report_hit_rate_revenue_and_the_unbiased_fraud_rate(
    scored_day: pd.DataFrame, synthetic_later: pd.DataFrame
) -> None:
    store = OutcomeStore()
    truth = synthetic_later.set_index("declaration_id")["fraud"]
    selected = scored_day[scored_day["channel"].isin(["red", "yellow"])]
    for row in selected.itertuples():
        found = bool(truth[row.declaration_id])
        store.record(InspectionOutcome(
            declaration_id=row.declaration_id, item_number=row.item_number, found=found,
            duty_recovered=100.0 if found else 0.0,
            fraud_type="drugs" if found and row.Index % 5 == 0 else None))
    report = inspection_results("channel", store)
    table = report.table.set_index("channel")
    red = selected[selected["channel"] == "red"]
    expected = truth[red["declaration_id"]].mean()
    assert table.loc["red", "inspected"] == len(red)
    assert table.loc["red", "hit_rate"] == pytest.approx(expected)
    assert table.loc["red", "duty_recovered"] == pytest.approx(
        100.0 * truth[red["declaration_id"]].sum())
    assert table["critical"].sum() > 0
    drawn = scored_day[scored_day["selection"] == "random"]
    assert report.random.inspected == len(drawn) > 0
    assert report.random.estimate == pytest.approx(truth[drawn["declaration_id"]].mean())
    assert report.random.low <= report.random.estimate <= report.random.high
    by_rule = inspection_results("rule", store).table
    assert set(by_rule["rule"]) <= {"alert", "random", "risk"}
    months = inspection_results("month", store).table
    assert months["selected"].sum() == len(selected)
    # a correction replaces what it corrects
    first = selected.iloc[0]
    store.record(InspectionOutcome(declaration_id=first["declaration_id"],
                                   item_number=int(first["item_number"]), found=True,
                                   duty_recovered=5.0))
    assert store.latest().shape[0] == len(selected)


def test_an_outcome_of_an_unselected_item_is_refused_unless_said(
    scored_day: pd.DataFrame,
) -> None:
    store = OutcomeStore()
    with pytest.raises(NotFoundError, match="no selection of declaration NOPE-1"):
        store.record(InspectionOutcome(declaration_id="NOPE-1", found=False))
    store.record(InspectionOutcome(declaration_id="NOPE-1", found=False),
                 require_decision=False)
    assert inspection_results("office", store).unmatched_outcomes == 1


def test_a_fraud_type_without_fraud_is_refused() -> None:
    with pytest.raises(ValueError, match="only when the inspection found fraud"):
        InspectionOutcome(declaration_id="D", found=False, fraud_type="drugs")


def test_the_cli_records_and_reports(scored_day: pd.DataFrame) -> None:
    row = scored_day[scored_day["channel"] == "red"].iloc[0]
    result = runner.invoke(app, ["risk", "outcome", "--declaration", row["declaration_id"],
                                 "--item", str(row["item_number"]), "--found", "--duty", "250",
                                 "--fraud-type", "undervaluation"])
    assert result.exit_code == 0, result.output
    assert "fraud found (undervaluation), duty recovered 250.00; selected red" in result.output
    result = runner.invoke(app, ["risk", "results", "--by", "channel"])
    assert result.exit_code == 0, result.output
    assert "inspection results by channel" in result.output and "100.0 %" in result.output
    bad = runner.invoke(app, ["risk", "outcome", "--declaration", "X", "--not-found",
                              "--fraud-type", "smuggling"])
    assert bad.exit_code != 0 and "fraud_type" in str(bad.exception)


def test_retrain_learns_from_recorded_outcomes(
    model_dir: Path, scored_day: pd.DataFrame, synthetic_later: pd.DataFrame
) -> None:
    store = OutcomeStore()
    truth = synthetic_later.set_index("declaration_id")["fraud"]
    kept = read_decisions()
    for row in kept.itertuples():
        store.record(InspectionOutcome(declaration_id=row.declaration_id,
                                       item_number=int(row.item_number),
                                       found=bool(truth[row.declaration_id])))
    report = retrain_risk_model([], model_dir, config=SMALL, outcomes=True)
    assert report["added_rows"] == len(kept)
    assert [v["version"] for v in list_versions(model_dir)] == ["v0001", "v0002"]


def test_wilson_interval_contains_the_rate() -> None:
    low, high = _wilson(3, 30)
    assert low < 0.1 < high and np.isclose(_wilson(0, 10)[0], 0.0)
