"""Loads are recorded by hash, all or nothing, and never applied twice."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from haiquan.errors import DataFileError, InputError
from haiquan.warehouse.loading import file_sha256, load_trade_file, load_trade_frame
from haiquan.warehouse.queries import list_loads, query_flows
from haiquan.warehouse.schema import is_synthetic
from haiquan.warehouse.store import Warehouse
from tests.conftest import require_shared
from tests.warehouse.conftest import canonical_rows

DOTS_VIETNAM = "trade/imf-dots-annual-1960-2020/vietnam_dots_annual_reported_and_mirror.csv"


def _snapshot() -> tuple[int, int]:
    with Warehouse.open() as warehouse:
        return warehouse.count("trade_flows"), warehouse.count("loads")


def test_real_file_loads_once_and_reads_back() -> None:
    path = require_shared(DOTS_VIETNAM)
    first = load_trade_file(path)
    assert first.rows == 19_356 and not first.already_loaded  # 19,451 less 95 exact repeats
    assert first.set_aside == [
        {"rows": 95, "reason": "exact repeats of another row of the file (one copy kept)"}]
    assert first.sha256 == file_sha256(path)
    before = _snapshot()
    second = load_trade_file(path)
    assert second.already_loaded and second.load_id == first.load_id
    assert _snapshot() == before
    back = query_flows(reporter="VNM", partners=["KOR"], flow="export", frequency="A")
    assert back["period"].is_monotonic_increasing
    assert back.loc[back.period == "2020", "value_usd"].iloc[0] / 1e6 == pytest.approx(19_107,
                                                                                       rel=0.01)


def test_bad_file_loads_nothing(write_canonical: Callable[..., Path]) -> None:
    load_trade_file(write_canonical())
    before = _snapshot()
    bad = write_canonical(value_usd=[1.0, -2.0, 3.0])
    with pytest.raises(DataFileError) as caught:
        load_trade_file(bad)
    assert caught.value.problems[0]["row"] == 3
    assert _snapshot() == before
    assert len(list_loads()) == 1


def test_corrected_file_replaces_rows_with_the_same_key(
    write_canonical: Callable[..., Path],
) -> None:
    load_trade_file(write_canonical())
    result = load_trade_file(write_canonical(value_usd=[9.0, 8.0, 7.0]))
    assert result.replaced_rows == 3
    rows = query_flows(reporter="VNM", commodity=None)
    assert sorted(rows["value_usd"]) == [7.0, 8.0, 9.0]


def test_failure_inside_the_transaction_rolls_back(write_canonical: Callable[..., Path]) -> None:
    load_trade_file(write_canonical())
    before = _snapshot()
    rows = canonical_rows(value_usd=[4.0, 5.0, 6.0])
    with Warehouse.open() as warehouse:
        warehouse.connection.execute("DROP TABLE trade_flows")
        warehouse.connection.execute("CREATE TABLE trade_flows (reporter VARCHAR)")
        with pytest.raises(Exception):  # noqa: B017 - DuckDB's own error type varies
            load_trade_frame(rows, label="x", sha256="abc", warehouse=warehouse)
        loads = warehouse.count("loads")
    assert loads == before[1]


def test_synthetic_rows_must_be_named_so() -> None:
    with pytest.raises(InputError, match="synthetic"):
        load_trade_frame(canonical_rows(), label="demo", sha256="x", synthetic=True)
    result = load_trade_frame(canonical_rows(source=["synthetic-demo"] * 3), label="demo",
                              sha256="y", synthetic=True)
    assert result.synthetic
    rows = query_flows(reporter="VNM", commodity=None)
    assert is_synthetic(rows) is True


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_trade_file(tmp_path / "nope.csv")


def test_export_csv_and_partitioned_parquet(
    write_canonical: Callable[..., Path], tmp_path: Path
) -> None:
    from haiquan.warehouse.queries import export_table

    load_trade_file(write_canonical())
    csv = export_table("trade_flows", tmp_path / "out" / "flows.csv")
    assert len(pd.read_csv(csv)) == 3
    folder = export_table("trade_flows", tmp_path / "parquet", format="parquet",
                          partition_by=["partner"])
    assert sorted(p.name for p in folder.iterdir()) == ["partner=KOR", "partner=WORLD"]
    back = pd.read_parquet(folder)
    assert len(back) == 3
    with pytest.raises(InputError, match="partition"):
        export_table("trade_flows", tmp_path / "x.csv", partition_by=["partner"])
    with pytest.raises(InputError, match="unknown table"):
        export_table("users", tmp_path / "x.csv")
    with pytest.raises(InputError, match="unknown partition"):
        export_table("trade_flows", tmp_path / "p", format="parquet", partition_by=["nope"])


def test_unknown_country_codes_load_nothing(write_canonical: Callable[..., Path]) -> None:
    path = write_canonical(reporter=["VNM", "VNZ", "VNM"], partner=["XXX", "KOR", "WORLD"])
    with pytest.raises(DataFileError) as caught:
        load_trade_file(path, "canonical")
    bad = {(p["row"], p["column"], p["value"]) for p in caught.value.problems}
    assert bad == {(2, "partner", "XXX"), (3, "reporter", "VNZ")}
    assert "haiquan show country" in str(caught.value)
    with Warehouse.open(read_only=True) as warehouse:
        assert warehouse.count("trade_flows") == 0 and warehouse.count("loads") == 0


def test_codes_are_case_insensitive_and_named_groups_load(
    write_canonical: Callable[..., Path],
) -> None:
    path = write_canonical(reporter=["vnm", "VNM", "VNM"],
                           partner=["kor", "ASEAN", "european_union"])
    assert load_trade_file(path, "canonical").rows == 3
    with Warehouse.open(read_only=True) as warehouse:
        stored = warehouse.frame("SELECT DISTINCT reporter, partner FROM trade_flows "
                                 "ORDER BY partner")
    assert stored["reporter"].tolist() == ["VNM"] * 3
    assert stored["partner"].tolist() == ["ASEAN", "EUROPEAN_UNION", "KOR"]
