"""Reading declaration files: the real KCS layout, the canonical layout, and refusing bad rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haiquan.declarations import (
    DECLARATION_COLUMNS,
    KCS_COLUMNS,
    generate_synthetic_declarations,
    normalise_declarations,
    read_declarations,
)
from haiquan.errors import DataFileError
from tests.conftest import require_shared

KCS_HEADER = ",".join(KCS_COLUMNS)
GOOD_ROW = "1001,2021-01-02,40,B,11,21,11,40,DEC1,IMP1,SEL1,,080450,CN,VN,8.0,A,Y,10.0,5000.0,0,0"


def _kcs_file(tmp_path: Path, *rows: str, header: str = KCS_HEADER) -> Path:
    path = tmp_path / "decl.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_real_kcs_file_reads_into_canonical_columns() -> None:
    path = require_shared("customs-declarations/df_syn_valid_eng.csv")
    frame = read_declarations(path, layout="kcs")
    assert list(frame.columns) == list(DECLARATION_COLUMNS)
    assert len(frame) == 8134  # SOURCE.md: rows excluding the header
    assert frame["declaration_id"].is_unique
    # HS codes stay text with leading zeros (SOURCE.md: some start with 0)
    assert frame["hs_code"].str.fullmatch(r"\d{6}").all()
    assert frame["hs_code"].str.startswith("0").any()
    assert frame["origin_country"].str.len().eq(3).all()
    assert set(frame["currency"]) == {"KRW"}
    assert frame["date"].min() == pd.Timestamp("2021-01-01")
    assert frame["fraud"].isin([0, 1]).all()
    assert frame["seller"].isna().any()  # empty sellers are missing, not ''


def test_kcs_countries_become_alpha_3_and_zz_is_unknown(tmp_path: Path) -> None:
    row = GOOD_ROW.replace(",CN,VN,", ",ZZ,KR,")
    frame = read_declarations(_kcs_file(tmp_path, row))
    assert frame.loc[0, "departure_country"] == "ZZZ"
    assert frame.loc[0, "origin_country"] == "KOR"


def test_labels_may_be_absent(tmp_path: Path) -> None:
    header = ",".join(c for c in KCS_COLUMNS if c not in ("Fraud", "Critical Fraud"))
    row = ",".join(GOOD_ROW.split(",")[:-2])
    frame = read_declarations(_kcs_file(tmp_path, row, header=header))
    assert frame["fraud"].isna().all()


def test_missing_columns_are_named(tmp_path: Path) -> None:
    header = KCS_HEADER.replace("HS6 Code,", "")
    row = GOOD_ROW.replace("080450,", "")
    with pytest.raises(DataFileError) as caught:
        read_declarations(_kcs_file(tmp_path, row, header=header))
    assert "HS6 Code" in str(caught.value)
    assert caught.value.fix


def test_a_kcs_file_read_as_canonical_is_told_to_use_the_kcs_layout(tmp_path: Path) -> None:
    with pytest.raises(DataFileError) as caught:
        read_declarations(_kcs_file(tmp_path, GOOD_ROW), layout="canonical")
    assert "--layout kcs" in str(caught.value.fix)


@pytest.mark.parametrize(
    ("column", "old", "new", "phrase"),
    [
        ("date", "2021-01-02", "02/01/2021", "YYYY-MM-DD"),
        ("hs_code", "080450", "80450", "leading zero"),
        ("hs_code", "080450", "0804.5", "6 to 10 digits"),
        ("origin_country", ",CN,VN,", ",CN,QQ,", "ISO 3166"),
        ("net_mass_kg", ",10.0,5000.0,", ",-1,5000.0,", "number >= 0"),
        ("value", ",10.0,5000.0,", ",10.0,lots,", "number >= 0"),
        ("fraud", ",0,0", ",7,0", "0, 1"),
        ("critical_fraud", ",0,0", ",1,0", "fraud must be 1 exactly"),
        ("importer", ",IMP1,", ",,", "required"),
    ],
)
def test_bad_values_are_refused_with_row_and_fix(
    tmp_path: Path, column: str, old: str, new: str, phrase: str
) -> None:
    bad = GOOD_ROW.replace(old, new)
    assert bad != GOOD_ROW
    with pytest.raises(DataFileError) as caught:
        read_declarations(_kcs_file(tmp_path, GOOD_ROW, bad))
    error = caught.value
    assert error.total_bad_rows == 1
    assert error.problems[0]["row"] == 3  # header is row 1, the bad row is the second data row
    assert error.problems[0]["column"] == column
    assert phrase in error.problems[0]["problem"]
    assert error.fix


def test_duplicate_items_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DataFileError) as caught:
        read_declarations(_kcs_file(tmp_path, GOOD_ROW, GOOD_ROW))
    assert caught.value.problems[0]["row"] == 3


def test_unknown_layout_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="not found"):
        read_declarations(tmp_path / "nope.csv")
    with pytest.raises(DataFileError, match="layout"):
        normalise_declarations(pd.DataFrame(), layout="xml")  # type: ignore[arg-type]


def test_counts_all_bad_rows_but_lists_the_first(tmp_path: Path) -> None:
    rows = [GOOD_ROW.replace("1001,", f"{2000 + i},").replace("080450", "123") for i in range(30)]
    with pytest.raises(DataFileError) as caught:
        read_declarations(_kcs_file(tmp_path, *rows))
    assert caught.value.total_bad_rows == 30
    assert "and 25 more bad rows" in str(caught.value)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(n=st.integers(min_value=0, max_value=60), seed=st.integers(min_value=0, max_value=10**6))
def test_canonical_csv_round_trip(tmp_path: Path, n: int, seed: int) -> None:
    frame = generate_synthetic_declarations(n, seed=seed)
    path = tmp_path / f"canonical-{n}-{seed}.csv"
    frame.to_csv(path, index=False, date_format="%Y-%m-%d")
    back = read_declarations(path, layout="canonical")
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    assert back["hs_code"].map(type).eq(str).all()
    assert np.array_equal(back["date"].to_numpy(), frame["date"].to_numpy())
