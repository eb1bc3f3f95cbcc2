"""CSV import is all or nothing; export reads back."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from haiquan.aeo import AeoRegistry, export_operators_csv, import_operators_csv
from haiquan.errors import ConflictError, DataFileError

GOOD = """aeo_id,name,tin,address,sector,roles,granted_on,valid_until
VN-AEO-0101,Saigon Garment JSC,0301234567,Thu Duc,garments,importer;exporter,2023-05-02,2028-05-01
VN-AEO-0102,Hai Phong Electronics,0209876543,Hai Phong,electronics,exporter,2023-07-10,
"""


def test_import_then_export_round_trip(
    registry_factory: Callable[[str], AeoRegistry], tmp_path: Path,
) -> None:
    registry = registry_factory("VNM")
    source = tmp_path / "aeo.csv"
    source.write_text(GOOD)
    assert import_operators_csv(registry, source) == 2
    out = export_operators_csv(registry, tmp_path / "out.csv")
    rows = list(csv.DictReader(out.open()))
    assert [r["aeo_id"] for r in rows] == ["VN-AEO-0101", "VN-AEO-0102"]
    assert rows[0]["roles"] == "importer;exporter" and rows[0]["status"] == "granted"
    with pytest.raises(ConflictError, match="already registered"):
        import_operators_csv(registry, source)


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("VN-AEO-0103,Name,,,,importer,2023-13-01,", "date"),
        ("vn aeo 0103,Name,,,,importer,2023-01-01,", "pattern"),
        ("VN-AEO-0103,,,,,importer,2023-01-01,", "name"),
        ("VN-AEO-0103,Name,,,,smuggler,2023-01-01,", "importer"),
    ],
)
def test_bad_row_imports_nothing(
    registry_factory: Callable[[str], AeoRegistry], tmp_path: Path, line: str, words: str,
) -> None:
    registry = registry_factory("VNM")
    source = tmp_path / "aeo.csv"
    source.write_text(GOOD + line + "\n")
    with pytest.raises(DataFileError) as caught:
        import_operators_csv(registry, source)
    assert caught.value.problems[0]["row"] == 4
    assert words in str(caught.value).lower() or words in str(caught.value.problems).lower()
    assert registry.operators() == []


def test_missing_columns(registry_factory: Callable[[str], AeoRegistry], tmp_path: Path) -> None:
    source = tmp_path / "aeo.csv"
    source.write_text("aeo_id,name\nVN-AEO-1,Name\n")
    with pytest.raises(DataFileError, match="granted_on"):
        import_operators_csv(registry_factory("VNM"), source)
