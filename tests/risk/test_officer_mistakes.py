"""Mistakes a risk officer really makes, each refused with a message that says how to fix it, or
reported so that the figures are not misread: too few declarations for a drift verdict, an
empty or unlabelled file, an output that would fail late or overwrite the input, alerts on codes
no declaration can carry, summaries that hide an empty channel."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from haiquan.errors import DataFileError, InputError
from haiquan.risk.alerts import PartnerAlert
from haiquan.risk.partner_alerts import read_partner_alerts
from haiquan.risk.policy import load_drift_rules
from haiquan.risk.selectivity import CHANNELS, LEVELS
from haiquan.risk.service import (
    drift_report,
    retrain_risk_model,
    score_file,
    train_risk_model,
)
from haiquan.risk.store import list_versions
from tests.risk.conftest import SMALL

WriteCsv = Callable[[pd.DataFrame, str], Path]


def test_drift_on_too_few_declarations_is_refused_not_reported_as_drift(
    model_dir: Path, synthetic_train: pd.DataFrame, write_csv: WriteCsv
) -> None:
    # rows of the training data itself: no real drift, yet 20 rows read as "significant"
    minimum = load_drift_rules().min_declarations
    few = write_csv(synthetic_train.tail(20), "few.csv")
    with pytest.raises(InputError) as caught:
        drift_report(few, model_dir, layout="canonical")
    message = str(caught.value)
    assert "too few declarations" in message
    assert f"at least {minimum}" in message and "got 20" in message
    header_only = write_csv(synthetic_train.head(0), "none.csv")
    with pytest.raises(InputError, match="got 0"):
        drift_report(header_only, model_dir, layout="canonical")


def test_training_on_a_file_without_rows_is_refused(
    tmp_path: Path, synthetic_train: pd.DataFrame, write_csv: WriteCsv
) -> None:
    empty = write_csv(synthetic_train.head(0), "empty.csv")
    with pytest.raises(DataFileError, match="holds no declarations") as caught:
        train_risk_model(empty, tmp_path / "model", layout="canonical", config=SMALL)
    assert str(empty) in str(caught.value)
    assert list_versions(tmp_path / "model") == []


def test_an_unlabelled_valid_file_is_named_before_any_training(
    tmp_path: Path,
    synthetic_train: pd.DataFrame,
    synthetic_later: pd.DataFrame,
    write_csv: WriteCsv,
) -> None:
    train = write_csv(synthetic_train, "train.csv")
    valid = write_csv(synthetic_later.drop(columns=["fraud", "critical_fraud"]), "valid.csv")
    with pytest.raises(DataFileError) as caught:
        train_risk_model(train, tmp_path / "model", valid=valid, layout="canonical", config=SMALL)
    message = str(caught.value)
    assert message.startswith(f"{valid}: evaluation declarations need inspection results")
    assert "training" not in message
    assert list_versions(tmp_path / "model") == []


def test_an_output_folder_is_refused_before_scoring(
    model_dir: Path, synthetic_later: pd.DataFrame, write_csv: WriteCsv, tmp_path: Path
) -> None:
    source = write_csv(synthetic_later.head(30), "new.csv")
    folder = tmp_path / "scores"
    folder.mkdir()
    with pytest.raises(InputError, match="is a folder") as caught:
        score_file(source, folder, model_dir, layout="canonical")
    assert str(folder / "scores.csv") in str(caught.value)  # the fix names a file to use


def test_scores_never_overwrite_the_declarations_scored(
    model_dir: Path, synthetic_later: pd.DataFrame, write_csv: WriteCsv
) -> None:
    source = write_csv(synthetic_later.head(30), "new.csv")
    before = source.read_bytes()
    with pytest.raises(InputError, match="the declarations file being scored"):
        score_file(source, source, model_dir, layout="canonical")
    assert source.read_bytes() == before


def test_summary_lists_every_channel_and_level_in_order_zeros_included(
    model_dir: Path, synthetic_later: pd.DataFrame, write_csv: WriteCsv, tmp_path: Path
) -> None:
    # ten declarations: none is routed blue nor reaches "high", which must still show, as 0
    source = write_csv(synthetic_later.head(10), "ten.csv")
    summary = score_file(source, tmp_path / "out.csv", model_dir, layout="canonical")
    assert list(summary["channels"]) == list(CHANNELS)
    assert list(summary["levels"]) == list(LEVELS)
    assert summary["channels"]["blue"] == 0 and summary["levels"]["high"] == 0
    assert sum(summary["channels"].values()) == sum(summary["levels"].values()) == 10


def test_declarations_dated_in_the_training_period_are_counted(
    model_dir: Path,
    synthetic_train: pd.DataFrame,
    synthetic_later: pd.DataFrame,
    write_csv: WriteCsv,
    tmp_path: Path,
) -> None:
    # the model's training data scored again: its history counts each of these rows twice
    again = write_csv(synthetic_train.tail(40), "again.csv")
    summary = score_file(again, tmp_path / "a.csv", model_dir, layout="canonical")
    assert summary["dated_in_training"] == 40
    later = write_csv(synthetic_later.head(40), "later.csv")
    summary = score_file(later, tmp_path / "b.csv", model_dir, layout="canonical")
    assert summary["dated_in_training"] == 0


def _alert(**criteria: str) -> PartnerAlert:
    return PartnerAlert.model_validate(
        {
            "alert_id": "KR-1",
            "issuing_country": "KOR",
            "valid_from": "2025-01-01",
            "valid_to": "2025-12-31",
            "reason": "undervaluation",
            **criteria,
        }
    )


@pytest.mark.parametrize("field", ["issuing_country", "origin_country", "departure_country"])
def test_an_alert_on_a_country_code_that_does_not_exist_is_refused(field: str) -> None:
    # declarations hold ISO codes: an alert on XYZ would silently match nothing
    with pytest.raises(ValueError, match="'XYZ' is no country's code"):
        _alert(hs_prefix="61", **{field: "XYZ"})


def test_an_alert_country_gets_its_alpha_3_spelling_suggested_and_zzz_means_not_stated(
    tmp_path: Path,
) -> None:
    with pytest.raises(ValueError, match="write 'CHN' for 'CN'"):
        _alert(origin_country="CN")
    assert _alert(origin_country="ZZZ").origin_country == "ZZZ"  # as declarations write it
    with pytest.raises(ValueError, match="no country's code"):
        _alert(issuing_country="ZZZ", hs_prefix="61")
    kept = tmp_path / "alerts.yaml"
    kept.write_text(
        "- {alert_id: K1, issuing_country: KOR, valid_from: 2025-01-01, valid_to: 2025-03-31,\n"
        "   origin_country: XYZ, reason: undervalued garments}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_partner_alerts(kept)
    message = str(caught.value)
    assert "item 1, origin_country is invalid" in message
    assert "Value error" not in message  # pydantic's wording is not the officer's


def test_retraining_on_the_same_file_again_adds_no_version(
    model_dir: Path, synthetic_later: pd.DataFrame, write_csv: WriteCsv
) -> None:
    later = write_csv(synthetic_later, "later.csv")
    retrain_risk_model([later], model_dir, layout="canonical", config=SMALL)
    with pytest.raises(InputError, match="add or change no declaration") as caught:
        retrain_risk_model([later], model_dir, layout="canonical", config=SMALL)
    assert "v0002" in str(caught.value) and str(later) in str(caught.value)
    assert [v["version"] for v in list_versions(model_dir)] == ["v0001", "v0002"]
    # a corrected inspection result is something new: it retrains
    corrected = synthetic_later.copy()
    corrected.loc[0, "fraud"] = 1 - int(corrected.loc[0, "fraud"])
    corrected.loc[0, "critical_fraud"] = corrected.loc[0, "fraud"]
    report = retrain_risk_model(
        [write_csv(corrected, "corrected.csv")], model_dir, layout="canonical", config=SMALL
    )
    assert report["version"] == "v0003" and report["added_rows"] == 0
