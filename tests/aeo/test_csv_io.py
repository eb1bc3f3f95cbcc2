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


def test_a_file_with_a_header_and_no_rows_is_refused(
    registry_factory: Callable[[str], AeoRegistry], tmp_path: Path
) -> None:
    source = tmp_path / "aeo.csv"
    source.write_text(GOOD.splitlines()[0] + "\n")
    with pytest.raises(DataFileError, match="holds no operators"):
        import_operators_csv(registry_factory("VNM"), source)


def test_a_spreadsheet_export_with_a_byte_order_mark_and_vietnamese_names_round_trips(
    registry_factory: Callable[[str], AeoRegistry], tmp_path: Path,
) -> None:
    registry = registry_factory("VNM")
    source = tmp_path / "aeo.csv"
    # Excel's "CSV UTF-8": a byte-order mark, CRLF line ends, quoted values with commas.
    source.write_bytes(
        "\ufeffaeo_id,name,tin,address,sector,roles,granted_on,valid_until\r\n"
        'VN-AEO-0201,"Công ty Cổ phần Thủy sản Cà Mau",0301234567-001,'
        '"Số 1, Lê Lợi, Cà Mau",thủy sản,importer; exporter ;,2023-05-02,2028-05-01\r\n'
        .encode())
    assert import_operators_csv(registry, source) == 1
    imported = registry.operator("VN-AEO-0201")
    assert (imported.name, imported.address, imported.roles) == (
        "Công ty Cổ phần Thủy sản Cà Mau", "Số 1, Lê Lợi, Cà Mau", ["importer", "exporter"])
    out = export_operators_csv(registry, tmp_path / "out.csv")
    again = registry_factory("again")
    assert import_operators_csv(again, out) == 1  # export adds status columns; import ignores
    assert again.operator("VN-AEO-0201").model_dump(exclude={"history"}) == (
        imported.model_dump(exclude={"history"}))


def test_an_unquoted_comma_or_a_repeated_id_names_the_row_and_imports_nothing(
    registry_factory: Callable[[str], AeoRegistry], tmp_path: Path,
) -> None:
    registry = registry_factory("VNM")
    source = tmp_path / "aeo.csv"
    source.write_text(
        "aeo_id,name,address,sector,granted_on\n"
        "VN-AEO-0301,Cà Mau Seafood,Cà Mau,seafood,2023-01-01\n"
        "VN-AEO-0302,Saigon Garment,Lot 5, Tan Thuan EPZ,garments,2023-01-01\n"
        "vn-aeo-0301,Ca Mau Seafood (again),Ca Mau,seafood,2023-01-01\n")
    with pytest.raises(DataFileError) as caught:
        import_operators_csv(registry, source)
    problems = caught.value.problems
    assert [p["row"] for p in problems] == [3, 4]
    assert "6 values for 5 columns" in problems[0]["problem"]
    assert "double quotes" in problems[0]["problem"]
    assert "also in row 2" in problems[1]["problem"]
    assert registry.operators() == []
