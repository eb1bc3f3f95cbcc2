"""Status files: each kind of malformed file is refused whole, with the bad row named."""

from __future__ import annotations

from pathlib import Path

import pytest

from haiquan.commitments import load_status_file, read_status_file, status_history
from haiquan.errors import DataFileError

HEADER = "catalogue,item,country,effective_date,category,indicative_date,definitive_date,status\n"
GOOD = "wto_tfa,7.1,VNM,2022-05-06,B,,2022-03-31,implemented\n"

# (file name, content, text the error must contain). Every CSV case starts with a good row so
# the test also shows that a file with one bad row stores nothing at all.
BAD_FILES = [
    (
        "missing_column.csv",
        "catalogue,country,effective_date\nwto_tfa,VNM,2022-01-01\n",
        "lacks required columns",
    ),
    ("unknown_item.csv", HEADER + GOOD + "wto_tfa,9.9,VNM,2022-05-06,B,,,\n", "no item '9.9'"),
    (
        "unknown_catalogue.csv",
        HEADER + GOOD + "wto_xyz,1.1,VNM,2022-05-06,,,,\n",
        "no catalogue 'wto_xyz'",
    ),
    (
        "impossible_date.csv",
        HEADER + GOOD + "wto_tfa,1.1,VNM,2022-13-01,A,,,\n",
        "column 'effective_date'",
    ),
    ("missing_date.csv", HEADER + GOOD + "wto_tfa,1.1,VNM,,A,,,\n", "column 'effective_date'"),
    (
        "bad_category.csv",
        HEADER + GOOD + "wto_tfa,1.1,VNM,2022-05-06,D,,,\n",
        "category must be A, B or C",
    ),
    (
        "bad_status.csv",
        HEADER + GOOD + "wto_tfa,1.1,VNM,2022-05-06,A,,,done\n",
        "status must be implemented, partially or not_yet",
    ),
    (
        "unknown_country.csv",
        HEADER + GOOD + "wto_tfa,1.1,XX,2022-05-06,A,,,\n",
        "no country is known by the name 'XX'",
    ),
    (
        "category_outside_tfa.csv",
        HEADER + GOOD + "rkc_general_annex,3.1,VNM,2022-05-06,B,,,\n",
        "has no categories",
    ),
    (
        "category_a_with_dates.csv",
        HEADER + GOOD + "wto_tfa,1.1,VNM,2022-05-06,A,,2023-01-01,\n",
        "category A but has implementation dates",
    ),
    ("duplicate_row.csv", HEADER + GOOD + GOOD, "same catalogue, item, country and date as row 2"),
    (
        "far_future_date.csv",
        HEADER + GOOD + "wto_tfa,1.1,VNM,2999-01-01,A,,,implemented\n",
        "date 2999-01-01 is outside 1947-01-01 to 2200-12-31",
    ),
    (
        "ancient_definitive_date.csv",
        HEADER + GOOD + "wto_tfa,1.1,VNM,2022-05-06,B,,0202-03-31,\n",
        "date 0202-03-31 is outside",
    ),
    (
        "records_nothing.csv",
        HEADER + GOOD + "wto_tfa,1.1,VNM,2022-05-06,,,,\n",
        "records nothing",
    ),
    (
        "unknown_column.csv",
        "catalogue,item,country,effective_date,colour\nwto_tfa,1.1,VNM,2022-05-06,red\n",
        "unknown column 'colour'",
    ),
    ("header_only.csv", HEADER, "holds no records"),
    ("empty.csv", "", "cannot read the status CSV"),
    ("records.txt", HEADER + GOOD, "unknown status file type"),
    ("not_yaml.yaml", "records: [\n  - catalogue: wto_tfa\n  item: 1\n", "not valid YAML"),
    ("wrong_shape.yaml", "catalogue: wto_tfa\nitem: '1.1'\n", "wrong shape"),
    (
        "bad_yaml_row.yaml",
        "- {catalogue: wto_tfa, item: '7.1', country: VNM, effective_date: 2022-05-06}\n"
        "- {catalogue: wto_tfa, item: '1.1', country: VNM, effective_date: 2022-05-06,"
        " status: soon}\n",
        "row 2, column 'status'",
    ),
]


@pytest.mark.parametrize(("name", "content", "expected"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_each_bad_status_file_is_refused_and_stores_nothing(
    tmp_path: Path, name: str, content: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_status_file(path)
    assert expected in str(caught.value)
    assert caught.value.status == 422
    assert len(status_history()) == 0


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        (HEADER + "wto_tfa,1.1,VNM,2022-05-06,A,,,\n").encode() + "évidence\n".encode("latin-1")
    )
    with pytest.raises(DataFileError, match="CSV UTF-8"):
        read_status_file(path)


def test_row_numbers_are_spreadsheet_rows(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(
        HEADER + GOOD + "wto_tfa,1.2,VNM,2022-05-06,A,,,\nwto_tfa,1.1,VNM,2022-05-06,Z,,,\n"
    )
    with pytest.raises(DataFileError) as caught:
        read_status_file(path)
    assert caught.value.problems[0]["row"] == 4
    assert caught.value.total_bad_rows == 1


def test_every_bad_row_is_listed_not_only_the_first(tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    path.write_text(HEADER + "".join(f"wto_tfa,{n}.99,VNM,2022-05-06,A,,,\n" for n in range(1, 8)))
    with pytest.raises(DataFileError) as caught:
        read_status_file(path)
    assert caught.value.total_bad_rows == 7
    assert "and 2 more bad rows" in str(caught.value)


def test_every_problem_of_a_row_is_reported_not_only_the_first(tmp_path: Path) -> None:
    path = tmp_path / "row.csv"
    # Row 2: bad category, bad status and an item the catalogue lacks. Row 3: category A with a
    # definitive date and an unknown item (both rules of the catalogue).
    path.write_text(
        "catalogue,item,country,effective_date,category,status,definitive_date\n"
        "wto_tfa,9.99,VNM,2022-05-06,Z,done,\n"
        "wto_tfa,8.88,VNM,2022-05-06,A,,2023-01-01\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError) as caught:
        read_status_file(path)
    error = caught.value
    assert error.total_bad_rows == 2
    first, second = error.problems
    assert first["row"] == 2 and first["column"] == "category, status, item"
    assert "category must be A, B or C" in first["problem"]
    assert "status must be implemented" in first["problem"]
    assert "no item '9.99'" in first["problem"]
    assert second["row"] == 3 and "no item '8.88'" in second["problem"]
    assert "category A but has implementation dates" in second["problem"]
    message = str(error)
    assert "2 status record(s) rejected" in message and "'done'" in message


def test_spellings_people_use_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "words.csv"
    path.write_text(
        "catalogue,item,country,effective_date,category,status,responsible_unit\n"
        "wto_tfa,7.1,vn,2022-05-06,b,Not yet,Cục Giám sát quản lý\n"
        "rkc_general_annex,3.1,Viet Nam,2020-01-01,,Partially,\n",
        encoding="utf-8",
    )
    first, second = read_status_file(path)
    assert (first.country, first.category, first.status) == ("VNM", "B", "not_yet")
    assert first.responsible_unit == "Cục Giám sát quản lý"
    assert (
        second.country == "VNM" and second.status == "partially" and second.responsible_unit is None
    )
