"""Declaration files load into the warehouse once, and a bad file loads nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from haiquan.errors import DataFileError
from haiquan.warehouse.loading import load_declarations_file
from haiquan.warehouse.store import Warehouse
from tests.conftest import require_shared

VALID = "customs-declarations/df_syn_valid_eng.csv"


def _count() -> tuple[int, int]:
    with Warehouse.open() as warehouse:
        return warehouse.count("declarations"), warehouse.count("loads")


def test_kcs_file_loads_once_with_leading_zeros_kept() -> None:
    path = require_shared(VALID)
    first = load_declarations_file(path, "kcs")
    assert first.rows == 8_134
    assert load_declarations_file(path, "kcs").already_loaded
    assert _count() == (8_134, 1)
    with Warehouse.open(read_only=True) as warehouse:
        codes = warehouse.frame("SELECT hs_code FROM declarations WHERE hs_code LIKE '0%'")
    assert len(codes) > 0 and codes["hs_code"].str.len().min() >= 6


def test_bad_declaration_file_loads_nothing(tmp_path: Path) -> None:
    source = require_shared(VALID).read_text(encoding="utf-8").splitlines()
    header, rows = source[0], source[1:6]
    broken = rows[2].split(",")
    broken[1] = "2021-02-30"  # the Date column: no such day
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([header, *rows[:2], ",".join(broken), *rows[3:]]) + "\n")
    with pytest.raises(DataFileError) as caught:
        load_declarations_file(bad, "kcs")
    assert caught.value.problems[0]["row"] == 4
    assert _count() == (0, 0)


def _store_demo_declarations() -> None:
    from haiquan.declarations import generate_synthetic_declarations
    from haiquan.warehouse.loading import store_declarations_frame

    frame = generate_synthetic_declarations(50, seed=3)
    assert frame["courier"].isna().all()  # the case that used to fix courier's type to NULL
    store_declarations_frame(frame, label="synthetic demo declarations", sha256="demo",
                             synthetic=True)


def test_real_file_loads_after_synthetic_demo_declarations() -> None:
    _store_demo_declarations()
    result = load_declarations_file(require_shared(VALID), "kcs")
    assert result.rows == 8_134
    assert _count() == (50 + 8_134, 2)
    with Warehouse.open(read_only=True) as warehouse:
        types = dict(warehouse.connection.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'declarations'").fetchall())
        couriers = warehouse.frame("SELECT count(courier) AS n FROM declarations")
    assert types["courier"] == "VARCHAR" and types["date"] == "DATE"
    assert types["net_mass_kg"] == "DOUBLE" and types["fraud"] == "TINYINT"
    assert int(couriers["n"].iloc[0]) > 0


def test_warehouse_with_types_from_an_old_first_load_is_migrated() -> None:
    from haiquan.declarations import generate_synthetic_declarations

    # The table as warehouses built before the declared schema have it: types copied from the
    # demo frame, so courier is of type NULL and date a TIMESTAMP_NS.
    frame = generate_synthetic_declarations(5, seed=1).assign(load_id=0)
    with Warehouse.open() as warehouse:
        warehouse.connection.register("old_rows", frame)
        warehouse.connection.execute("CREATE TABLE declarations AS SELECT * FROM old_rows")
        old_types = dict(warehouse.connection.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'declarations'").fetchall())
    assert old_types["courier"] == '"NULL"'
    load_declarations_file(require_shared(VALID), "kcs")
    with Warehouse.open(read_only=True) as warehouse:
        assert warehouse.count("declarations") == 5 + 8_134
        types = dict(warehouse.connection.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'declarations'").fetchall())
    assert types["courier"] == "VARCHAR" and types["date"] == "DATE"


def test_recent_declarations_keep_day_precision_dates() -> None:
    from haiquan.warehouse.queries import recent_declarations

    _store_demo_declarations()
    frame = recent_declarations(10).rows
    assert str(frame["date"].dtype) == "datetime64[ns]"
    assert len(frame) == 10
