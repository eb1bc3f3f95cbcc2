"""``haiquan.refresh``: each heavy result computed once per data version, its state recorded."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

import haiquan.refresh as refresh_module
from haiquan.errors import InputError
from haiquan.refresh import Step, refresh
from haiquan.warehouse.loading import load_trade_frame
from haiquan.warehouse.results import NO_DATA, current_data_version, read_result


def _rows(value: float) -> pd.DataFrame:
    return pd.DataFrame({
        "reporter": ["VNM"], "partner": ["KOR"], "flow": ["export"], "frequency": ["A"],
        "period": ["2020"], "commodity": ["TOTAL"], "value_usd": [value], "source": ["test"],
        "is_mirror": [False],
    })


@pytest.fixture
def counted_steps(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Two cheap steps in place of the real ones (the second fails), counting their calls."""
    calls = {"first": 0, "broken": 0}

    def first() -> dict[str, float]:
        calls["first"] += 1
        return {"value": 1.5}

    def broken() -> object:
        calls["broken"] += 1
        raise InputError("no catalogue", expected="a catalogue", got="none", fix="add one")

    monkeypatch.setattr(refresh_module, "STEPS", (
        Step("test.first", "first result", first), Step("test.broken", "broken result", broken)))
    return calls


def test_nothing_to_compute_without_trade_data(isolated_settings, counted_steps) -> None:
    report = refresh()
    assert report.data_version == NO_DATA and report.states == []
    assert counted_steps == {"first": 0, "broken": 0}


def test_each_result_is_computed_once_per_data_version(isolated_settings, counted_steps) -> None:
    load_trade_frame(_rows(1.0), label="first", sha256="1" * 64)
    report = refresh()
    states = {s.kind: s for s in report.states}
    assert states["test.first"].status == "done" and states["test.first"].result_id
    # A failing step is recorded with its reason; the other steps still run.
    assert states["test.broken"].status == "failed"
    assert "no catalogue" in states["test.broken"].message
    stored = read_result("test.first", "VNM", report.data_version)
    assert stored is not None and stored.value == {"value": 1.5}

    again = refresh()  # stored for this data: not computed again; the failed one is retried
    assert counted_steps == {"first": 1, "broken": 2}
    assert {s.kind: s.result_id for s in again.states}["test.first"] == \
        states["test.first"].result_id

    load_trade_frame(_rows(2.0), label="second", sha256="2" * 64)  # new data, new results
    newer = refresh()
    assert newer.data_version == current_data_version() != report.data_version
    assert counted_steps["first"] == 2
    assert read_result("test.first", "VNM", report.data_version) is None  # old ones deleted

    refresh(["test.first"], force=True)
    assert counted_steps["first"] == 3


def test_a_second_refresh_leaves_the_work_to_the_first(isolated_settings, counted_steps) -> None:
    load_trade_frame(_rows(1.0), label="first", sha256="1" * 64)
    with refresh_module._exclusive() as free:
        assert free and refresh_module.refresh_running()
        report = refresh()
    assert report.already_running
    assert counted_steps == {"first": 0, "broken": 0}


def test_an_unknown_result_is_refused(isolated_settings) -> None:
    with pytest.raises(InputError, match="unknown result 'plan'"):
        refresh(["plan"])


def test_cli_refresh_and_status(isolated_settings, counted_steps) -> None:
    from haiquan.cli import app

    load_trade_frame(_rows(1.0), label="first", sha256="1" * 64)
    runner = CliRunner()
    result = runner.invoke(app, ["refresh"], env={"COLUMNS": "200"})
    assert result.exit_code == 1  # one result failed: a script can tell
    assert "test.first: done" in result.output and "test.broken: failed" in result.output
    assert "1 of 2 results stored, 1 failed" in result.output
    status = runner.invoke(app, ["refresh", "--status"], env={"COLUMNS": "200"})
    assert status.exit_code == 0 and "a refresh is not running" in status.output
    assert "test.first" in status.output and "done" in status.output
