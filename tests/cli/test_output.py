"""``--format table|json|csv``: the same rows three ways; JSON and CSV carry raw values, a table
shows them for reading through one cell formatter (rates as ``12.3 %``)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from haiquan.cli._output import Column, OutputFormat, emit
from tests.cli.conftest import Haiquan


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(
    "command",
    [
        ("show", "agreements", "--country", "VNM", "--on", "2024-01-01"),
        ("show", "agreements", "--partner", "KOR", "--on", "2024-01-01"),
        ("show", "hs-search", "shrimp"),
        ("commitments", "catalogues"),
        ("transit", "offices"),
    ],
)
def test_json_csv_and_table_hold_the_same_rows(haiquan: Haiquan, command: tuple[str, ...]) -> None:
    as_json = haiquan(*command, "--format", "json")
    as_csv = haiquan(*command, "--format", "csv")
    as_table = haiquan(*command)
    assert as_json.code == as_csv.code == as_table.code == 0, (as_json.err, as_csv.err)
    rows = json.loads(as_json.out)
    assert rows and isinstance(rows, list)
    read = _csv(as_csv.out)
    assert [list(r) for r in read[:1]] == [list(rows[0])]  # the same columns, in order
    first = next(iter(rows[0]))
    assert [r[first] for r in read] == [str(r[first]) for r in rows]
    for row in rows:
        assert str(row[first]) in as_table.out


def test_json_holds_raw_values_and_the_table_words(haiquan: Haiquan) -> None:
    rows = json.loads(
        haiquan(
            "show", "agreements", "--country", "VNM", "--on", "2024-01-01", "--format", "json"
        ).out
    )
    assert all(isinstance(r["applies"], bool) and isinstance(r["verified"], bool) for r in rows)
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["signed"]) for r in rows if r["signed"])
    flags = json.loads(
        haiquan(
            "show", "agreements", "--partner", "KOR", "--on", "2024-01-01", "--format", "json"
        ).out
    )
    assert {f["flag"] for f in flags} and all(isinstance(f["agreements"], list) for f in flags)


def test_commitment_rates_are_fractions_in_json_and_per_cent_in_the_table(haiquan: Haiquan) -> None:
    assert haiquan("commitments", "load-example").code == 0
    timeline = json.loads(
        haiquan("commitments", "timeline", "wto_tfa", "-c", "VNM", "--format", "json").out
    )
    rates = [row["rate"] for row in timeline]
    assert rates and all(0 <= rate <= 1 for rate in rates) and max(rates) > 0
    table = haiquan("commitments", "timeline", "wto_tfa", "-c", "VNM").out
    shown = f"{max(rates) * 100:.1f} %"
    assert shown in table, (shown, table)
    assert not re.search(r"\d%", table)  # one way to write a rate: 12.3 %, never 12.3%


def test_the_former_json_flags_still_answer_as_format_json(haiquan: Haiquan) -> None:
    assert haiquan("commitments", "load-example").code == 0
    old = json.loads(
        haiquan("commitments", "rate", "wto_tfa", "-c", "VNM", "--on", "2022-06-01", "--json").out
    )
    new = json.loads(
        haiquan(
            "commitments", "rate", "wto_tfa", "-c", "VNM", "--on", "2022-06-01", "--format", "json"
        ).out
    )
    assert old == new and 0 < old["rate"] <= 1
    assert "--json" not in haiquan("commitments", "rate", "--help").out


def test_an_empty_listing_is_an_empty_document(haiquan: Haiquan) -> None:
    listed = haiquan("aeo", "list", "--format", "json")
    assert listed.code == 0, listed.err
    assert json.loads(listed.out) == []
    # Notes beside a JSON document go to standard error, the document stays readable.
    results = haiquan("risk", "results", "--format", "json")
    assert results.code == 0, results.err
    assert json.loads(results.out) == []
    assert "no random draw inspected yet" in results.err


def test_the_synthetic_label_goes_beside_json_and_csv_and_into_every_row(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = [{"partner": "KOR", "value_usd": 19_100_000_000.0, "trade_share": 0.1234}]
    columns = [
        Column("partner"),
        Column("value_usd", "value (M USD)", "money"),
        Column("trade_share", "share", "percent"),
    ]
    emit(rows, OutputFormat.json, columns=columns, synthetic=True)
    out, err = capsys.readouterr()
    # a program reading standard output alone still learns the rows are synthetic
    assert json.loads(out) == [{**rows[0], "synthetic": True}]
    assert "SYNTHETIC" in err
    emit(rows, OutputFormat.csv, columns=columns, synthetic=True)
    out, err = capsys.readouterr()
    assert _csv(out) == [{"partner": "KOR", "value_usd": "19100000000.0", "trade_share": "0.1234",
                          "synthetic": "True"}]
    assert "SYNTHETIC" in err
    emit(rows, OutputFormat.json, columns=columns, synthetic=False)
    out, err = capsys.readouterr()
    assert json.loads(out) == rows and not err  # real data: no column, no label
    emit(rows, OutputFormat.table, columns=columns, synthetic=True)
    out, err = capsys.readouterr()
    assert "SYNTHETIC" in out and not err
    assert "19,100.0" in out and "12.3 %" in out
