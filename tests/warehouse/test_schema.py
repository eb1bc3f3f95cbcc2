"""The canonical trade-flow check: every kind of bad value is refused with its row."""

from __future__ import annotations

import pytest

from haiquan.errors import DataFileError
from haiquan.warehouse.schema import check_trade_flows
from tests.warehouse.conftest import canonical_rows


def test_good_rows_pass_and_keep_leading_zeros() -> None:
    checked = check_trade_flows(canonical_rows())
    assert list(checked["commodity"]) == ["0901", "TOTAL", "TOTAL"]
    assert checked["value_usd"].dtype == "float64"


@pytest.mark.parametrize(
    ("column", "values", "row", "words"),
    [
        ("reporter", ["VN", "VNM", "VNM"], 2, "alpha-3"),
        ("partner", ["KOR", "K", "WORLD"], 3, "named group"),
        ("flow", ["export", "imports", "export"], 3, "one of import"),
        ("frequency", ["A", "A", "W"], 4, "M, Q or A"),
        ("period", ["2020-13", "2020", "2020"], 2, "YYYY"),
        ("commodity", ["901", "TOTAL", "TOTAL"], 2, "leading zeros"),
        ("value_usd", [1.0, -5.0, 2.0], 3, "zero or more"),
        ("value_usd", [1.0, "abc", 2.0], 3, "number"),
    ],
)
def test_each_bad_value_is_reported_with_its_row(
    column: str, values: list[object], row: int, words: str
) -> None:
    with pytest.raises(DataFileError) as caught:
        check_trade_flows(canonical_rows(**{column: values}), path="flows.csv")
    problems = caught.value.problems
    assert [p["row"] for p in problems] == [row]
    assert problems[0]["column"] == column
    assert words in str(caught.value)
    assert "flows.csv" in str(caught.value)


def test_monthly_period_must_match_frequency() -> None:
    frame = canonical_rows(frequency=["M", "M", "M"], period=["2020-01", "2020", "2020-12"])
    with pytest.raises(DataFileError) as caught:
        check_trade_flows(frame)
    assert [p["row"] for p in caught.value.problems] == [3]


def test_missing_columns_are_named() -> None:
    with pytest.raises(DataFileError) as caught:
        check_trade_flows(canonical_rows().drop(columns=["flow", "period"]))
    assert "flow, period" in str(caught.value)


def test_problems_name_the_spreadsheet_row_and_the_value_as_written() -> None:
    frame = canonical_rows(
        value_usd=["abc", 2.0, 3.0],
        flow=["export", "import", "Exports"],
        frequency=["A", "M", "A"],  # row 3: a monthly period written as a year
    )
    with pytest.raises(DataFileError) as caught:
        check_trade_flows(frame, path="flows.csv")
    found = [(p["row"], p["column"], p["value"]) for p in caught.value.problems]
    assert found == [(2, "value_usd", "abc"), (3, "period", "2020"), (4, "flow", "Exports")]
    assert caught.value.total_bad_rows == 3
    assert "row numbers count the header as row 1" in str(caught.value)


def test_the_table_is_declared_once() -> None:
    from haiquan.warehouse.schema import TRADE_FLOW_COLUMNS, TRADE_FLOW_SCHEMA
    from haiquan.warehouse.store import _SCHEMA

    assert list(TRADE_FLOW_COLUMNS) == [c.name for c in TRADE_FLOW_SCHEMA]
    table = next(sql for sql in _SCHEMA if "TABLE IF NOT EXISTS trade_flows" in sql)
    assert all(f"{c.name} " in table for c in TRADE_FLOW_SCHEMA)
    optional = {c.name for c in TRADE_FLOW_SCHEMA if not c.required}
    checked = check_trade_flows(canonical_rows().drop(columns=["quantity", "unit"]))
    assert optional == {"quantity", "unit", "partner_name"}
    assert list(checked.columns) == list(TRADE_FLOW_COLUMNS)
