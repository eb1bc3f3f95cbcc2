"""Stored results: one per kind and key, served only for the data version they came from."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest

from haiquan.warehouse.loading import load_trade_frame
from haiquan.warehouse.results import (
    NO_DATA,
    current_data_version,
    forget_other_versions,
    mark_result,
    read_result,
    result_states,
    save_result,
)


@dataclass(frozen=True)
class Scores:
    """A typed result holding a frame, as the priorities return."""

    table: pd.DataFrame
    source: str


def _rows(value: float) -> pd.DataFrame:
    return pd.DataFrame({
        "reporter": ["VNM"], "partner": ["KOR"], "flow": ["export"], "frequency": ["A"],
        "period": ["2020"], "commodity": ["TOTAL"], "value_usd": [value], "source": ["test"],
        "is_mirror": [False],
    })


def test_no_warehouse_has_no_data_version_and_no_results(isolated_settings) -> None:
    assert current_data_version() == NO_DATA
    assert read_result("forecast", "VNM", NO_DATA) is None
    assert result_states() == []


def test_a_stored_result_reads_back_typed_for_its_data_version_only(isolated_settings) -> None:
    load_trade_frame(_rows(1.0), label="first", sha256="1" * 64)
    version = current_data_version()
    assert version != NO_DATA
    value = Scores(pd.DataFrame({"partner": ["KOR"], "score": [71.5]}), "warehouse")
    state = save_result("priorities.scores", "VNM", version, value, seconds=2.5)
    assert state.ready and state.result_id is not None

    found = read_result("priorities.scores", "VNM", version)
    assert found is not None and found.state.result_id == state.result_id
    assert isinstance(found.value, Scores)
    pd.testing.assert_frame_equal(found.value.table, value.table)
    assert found.value.source == "warehouse"

    # A new load is a new data version: the result is not served as current any more.
    load_trade_frame(_rows(2.0), label="second", sha256="2" * 64)
    newer = current_data_version()
    assert newer != version
    assert read_result("priorities.scores", "VNM", newer) is None
    # ... and is deleted once the new version is being computed.
    assert forget_other_versions(newer) == 1
    assert read_result("priorities.scores", "VNM", version) is None


def test_loading_the_same_file_again_keeps_the_version(isolated_settings) -> None:
    load_trade_frame(_rows(1.0), label="first", sha256="1" * 64)
    version = current_data_version()
    load_trade_frame(_rows(1.0), label="first again", sha256="1" * 64)
    assert current_data_version() == version


def test_states_go_pending_running_failed_and_done_replaces_them(isolated_settings) -> None:
    load_trade_frame(_rows(1.0), label="first", sha256="1" * 64)
    version = current_data_version()
    mark_result("priorities.plan", "VNM", version, "pending")
    running = mark_result("priorities.plan", "VNM", version, "running", message="step 1 of 1")
    assert running.started_at is not None
    failed = mark_result("priorities.plan", "VNM", version, "failed", message="no catalogue")
    assert [(s.kind, s.status, s.message) for s in result_states(version)] == [
        ("priorities.plan", "failed", "no catalogue")]
    assert failed.finished_at is not None
    assert read_result("priorities.plan", "VNM", version) is None
    first = save_result("priorities.plan", "VNM", version, {"chosen": []}, seconds=1.0)
    second = save_result("priorities.plan", "VNM", version, {"chosen": ["a"]}, seconds=1.0)
    assert second.result_id != first.result_id  # every stored value is a new run
    found = read_result("priorities.plan", "VNM", version)
    assert found is not None and found.value == {"chosen": ["a"]}
    assert [s.status for s in result_states(version)] == ["done"]


def test_done_is_only_recorded_with_a_value(isolated_settings) -> None:
    with pytest.raises(ValueError, match="pending, running or failed"):
        mark_result("forecast", "VNM", "v", "done")


def test_other_computing_code_is_another_data_version(isolated_settings, monkeypatch) -> None:
    # A corrected reference fact or an upgraded scoring rule must not leave the old scores served.
    from haiquan.warehouse import results

    load_trade_frame(_rows(1.0), label="first", sha256="1" * 64)
    version = current_data_version()
    monkeypatch.setattr(results, "computation_code_digest", lambda: "f" * 64)
    assert current_data_version() != version
    assert current_data_version().endswith("-code-ffffffff")
