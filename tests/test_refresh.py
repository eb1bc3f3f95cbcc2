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
    return pd.DataFrame(
        {
            "reporter": ["VNM"],
            "partner": ["KOR"],
            "flow": ["export"],
            "frequency": ["A"],
            "period": ["2020"],
            "commodity": ["TOTAL"],
            "value_usd": [value],
            "source": ["test"],
            "is_mirror": [False],
        }
    )


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

    monkeypatch.setattr(
        refresh_module,
        "STEPS",
        (Step("test.first", "first result", first), Step("test.broken", "broken result", broken)),
    )
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
    assert {s.kind: s.result_id for s in again.states}["test.first"] == states[
        "test.first"
    ].result_id

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


def test_commitments_keep_their_stored_result_when_trade_data_changes(
    isolated_settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commitments overview is computed from the status records: a trade load (and the
    refresh of the trade results after it) neither recomputes nor deletes it; a status record
    does make it stale."""
    import datetime as dt

    from haiquan.commitments import StatusRecord, record_status
    from haiquan.commitments.overview import records_version

    trade_calls: list[int] = []

    def trade_result() -> int:
        trade_calls.append(1)
        return len(trade_calls)

    monkeypatch.setattr(
        refresh_module,
        "STEPS",
        (
            refresh_module.step(refresh_module.COMMITMENTS_KIND),
            Step("test.trade", "a trade result", trade_result),
        ),
    )
    load_trade_frame(_rows(1.0), label="first", sha256="1" * 64)
    first = {s.kind: s for s in refresh().states}
    overview = first[refresh_module.COMMITMENTS_KIND]
    assert overview.status == "done" and overview.data_version == records_version()

    load_trade_frame(_rows(2.0), label="second", sha256="2" * 64)
    second = {s.kind: s for s in refresh().states}
    assert len(trade_calls) == 2  # the trade result follows the new data
    assert second[refresh_module.COMMITMENTS_KIND].result_id == overview.result_id
    key = refresh_module.step(refresh_module.COMMITMENTS_KIND).key
    assert read_result(refresh_module.COMMITMENTS_KIND, key, records_version()) is not None

    record_status(
        StatusRecord(
            catalogue="wto_tfa",
            item="1.1",
            country="VNM",
            effective_date=dt.date(2017, 2, 22),
            category="A",
        )
    )
    assert read_result(refresh_module.COMMITMENTS_KIND, key, records_version()) is None
    third = {s.kind: s for s in refresh().states}
    assert third[refresh_module.COMMITMENTS_KIND].result_id != overview.result_id
    assert len(trade_calls) == 2  # nothing changed for the trade result


def test_cli_without_trade_data_computes_and_lists_the_commitments_overview(
    isolated_settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no trade load the commitments overview is still computed (from the status
    records): ``haiquan refresh`` says it stored it, not "nothing to compute", and ``--status``
    lists it."""
    import json

    from haiquan.cli import app

    trade_calls: list[int] = []

    def trade_result() -> int:
        trade_calls.append(1)
        return len(trade_calls)

    monkeypatch.setattr(
        refresh_module,
        "STEPS",
        (
            refresh_module.step(refresh_module.COMMITMENTS_KIND),
            Step("test.trade", "a trade result", trade_result),
        ),
    )
    runner = CliRunner()
    result = runner.invoke(app, ["refresh"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "nothing to compute" not in result.output
    assert "commitments.overview: done" in result.output
    assert "1 of 1 results stored" in result.output and "haiquan load" in result.output
    assert trade_calls == []
    status = runner.invoke(app, ["refresh", "--status"], env={"COLUMNS": "200"})
    assert status.exit_code == 0, status.output
    assert "commitments.overview" in status.output and "done" in status.output
    rows = json.loads(runner.invoke(app, ["refresh", "--status", "--format", "json"]).output)
    assert [(r["result"], r["status"]) for r in rows] == [("commitments.overview", "done")]
