"""A peak day is scored in chunks with the same results as the whole file at once.

Scoring builds features, scores and reasons a chunk of rows at a time and reads the file a chunk
at a time (``haiquan.risk.scoring``, ``haiquan.risk.day_file``); channel rates, capacity and
earlier-row counts still see the whole day. These tests hold the chunked path equal, row for
row, to one chunk holding the whole file, on files several chunks long.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from haiquan.declarations import read_declarations
from haiquan.errors import DataFileError
from haiquan.risk import features as features_module
from haiquan.risk.alerts import AeoDirectory, InMemoryAeoDirectory
from haiquan.risk.day_file import read_day
from haiquan.risk.features import _derive, columns_of
from haiquan.risk.model import RiskModel
from haiquan.risk.scoring import score_batch
from haiquan.risk.service import score_file


def _aeo(frame: pd.DataFrame) -> InMemoryAeoDirectory:
    """Some importers AEO from mid-period, some sellers recognised partner AEOs."""
    importers = sorted(set(frame["importer"].dropna()))[::7]
    sellers = frame[["seller", "departure_country"]].dropna().drop_duplicates().to_numpy()[::5]
    middle = pd.Timestamp(frame["date"].min()).date() + dt.timedelta(days=30)
    return InMemoryAeoDirectory(
        home=[(code, middle, None) for code in importers],
        partner=[(country, seller, None, middle) for seller, country in sellers],
    )


def test_chunked_scoring_equals_whole_batch(
    small_model: RiskModel, synthetic_later: pd.DataFrame
) -> None:
    frame = synthetic_later.drop(columns=["fraud", "critical_fraud"])
    aeo = _aeo(frame)
    whole = score_batch(frame, small_model, aeo=aeo, explain="inspected", chunk_rows=len(frame))
    seen: list[tuple[int, int]] = []
    chunked = score_batch(
        frame,
        small_model,
        aeo=aeo,
        explain="inspected",
        chunk_rows=97,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert len(frame) > 10 * 97  # several chunks, the last one short
    pd.testing.assert_frame_equal(chunked.scores, whole.scores)
    np.testing.assert_array_equal(chunked.alert_ids, whole.alert_ids)
    np.testing.assert_array_equal(chunked.draw_chance, whole.draw_chance)
    assert whole.scores["reasons"].ne("").any()  # reasons were compared, not only blanks
    assert whole.aeo["total"] > 0  # the AEO flags were compared too
    assert seen[0] == (97, len(frame)) and (len(frame), len(frame)) in seen


def _aeo_flags_row_by_row(frame: pd.DataFrame, aeo: AeoDirectory) -> np.ndarray:
    """The AEO flags as they were computed before: one directory question per row."""
    dates = pd.to_datetime(frame["date"]).dt.date
    home = [
        bool(op) and aeo.is_home_aeo(op, day)
        for op, day in zip(frame["importer"].fillna(""), dates, strict=True)
    ]
    partner = [
        bool(op) and aeo.is_partner_aeo(op, country, day)
        for op, country, day in zip(
            frame["seller"].fillna(""), frame["departure_country"].fillna(""), dates, strict=True
        )
    ]
    return np.column_stack([np.array(home, dtype=float), np.array(partner, dtype=float)])


def test_aeo_flags_asked_once_per_operator_and_day_equal_row_by_row(
    synthetic_later: pd.DataFrame,
) -> None:
    aeo = _aeo(synthetic_later)
    flags = features_module._aeo_flags(_derive(columns_of(synthetic_later)), aeo)
    expected = _aeo_flags_row_by_row(synthetic_later, aeo)
    np.testing.assert_array_equal(flags, expected)
    assert expected[:, 0].any() and expected[:, 1].any()


def test_file_read_in_chunks_equals_file_read_whole(
    synthetic_later: pd.DataFrame, write_csv: Callable[[pd.DataFrame, str], Path]
) -> None:
    path = write_csv(synthetic_later, "day.csv")
    whole = read_declarations(path, layout="canonical")
    chunked = read_day(path, layout="canonical", chunk_rows=101)
    pd.testing.assert_frame_equal(chunked, whole)
    # repeated text is stored once: two rows of one importer hold the same object
    importer = chunked["importer"].dropna()
    repeated = importer[importer.duplicated()].iloc[0]
    same = chunked.index[chunked["importer"] == repeated]
    assert chunked.at[same[0], "importer"] is chunked.at[same[1], "importer"]


def test_a_goods_item_repeated_across_chunks_is_refused_with_file_rows(
    synthetic_later: pd.DataFrame, write_csv: Callable[[pd.DataFrame, str], Path]
) -> None:
    frame = synthetic_later.copy()
    frame.loc[500, ["declaration_id", "item_number"]] = frame.loc[
        3, ["declaration_id", "item_number"]
    ].to_numpy()
    path = write_csv(frame, "twice.csv")
    with pytest.raises(DataFileError) as error:
        read_day(path, layout="canonical", chunk_rows=100)
    assert [p["row"] for p in error.value.problems] == [502]


def test_score_file_in_chunks_writes_the_same_scores(
    model_dir: Path,
    synthetic_later: pd.DataFrame,
    write_csv: Callable[[pd.DataFrame, str], Path],
    tmp_path: Path,
) -> None:
    path = write_csv(synthetic_later.drop(columns=["fraud", "critical_fraud"]), "day.csv")
    whole = score_file(
        path,
        tmp_path / "whole.csv",
        model_dir,
        layout="canonical",
        apply_alerts=False,
        keep_decisions=False,
        chunk_rows=10**9,
    )
    chunked = score_file(
        path,
        tmp_path / "chunked.csv",
        model_dir,
        layout="canonical",
        apply_alerts=False,
        keep_decisions=False,
        chunk_rows=113,
    )
    assert (tmp_path / "chunked.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert chunked["channels"] == whole["channels"] and chunked["rows"] == len(synthetic_later)
