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
