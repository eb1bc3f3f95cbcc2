from __future__ import annotations

import json

import pytest

from haiquan.errors import NotFoundError
from haiquan.forecast import backtest_flows, list_runs, run_scores
from haiquan.settings import get_settings


def test_backtest_runs_and_scores_are_stored_in_the_warehouse(make_flows, quick_config,
                                                              local_engine) -> None:
    flows = make_flows({"CHN": 96, "MEX": 96})
    assert list_runs().empty
    result = backtest_flows(flows, 6, config=quick_config, engine=local_engine, store=True,
                            label="synthetic")
    assert any(note.startswith("stored as run 1") for note in result.notes)
    again = backtest_flows(flows, 6, config=quick_config, engine=local_engine, store=True)
    assert again.notes[-1] == "stored as run 2"
    runs = list_runs()
    assert runs["run_id"].tolist() == [2, 1]
    first = runs.set_index("run_id").loc[1]
    assert first["label"] == "synthetic" and first["horizon"] == 6 and first["series"] == 2
    assert first["ensemble_mase"] == pytest.approx(
        result.summary.set_index("model").loc["Ensemble", "mase"])
    assert result.choice is not None
    assert json.loads(first["choice"])["rule"] == result.choice.rule
    scores = run_scores(1)
    assert set(scores["unique_id"]) == {"USA|CHN|export|M|TOTAL", "USA|MEX|export|M|TOTAL"}
    assert "Ensemble" in set(scores["model"])
    assert get_settings().warehouse_file.exists()
    with pytest.raises(NotFoundError, match="no stored back-test run 9"):
        run_scores(9)
