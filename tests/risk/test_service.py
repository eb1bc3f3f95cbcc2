"""The engine's entry points: score a batch, retrain as a new version, drift, partner alerts."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from haiquan.declarations import DeclarationRecord
from haiquan.errors import DataFileError, ValidationError
from haiquan.risk.model import RiskModel
from haiquan.risk.partner_alerts import default_alerts_file
from haiquan.risk.service import (
    SCORE_COLUMNS,
    alerts_in_force,
    drift_report,
    read_partner_alerts,
    retrain_risk_model,
    score_declarations,
    score_file,
    score_records,
    train_risk_model,
)
from haiquan.risk.store import list_versions, load_model, version_meta
from haiquan.settings import Settings
from tests.risk.conftest import SMALL

WriteCsv = Callable[[pd.DataFrame, str], Path]


def test_score_declarations_contract(model_dir: Path, synthetic_later: pd.DataFrame) -> None:
    model = load_model(model_dir)
    scored = score_declarations(synthetic_later, model)
    assert tuple(scored.columns) == SCORE_COLUMNS
    assert scored["declaration_id"].tolist() == synthetic_later["declaration_id"].tolist()
    assert scored["score"].between(0, 1).all()
    assert set(scored["level"]) <= {"low", "medium", "high", "very high"}
    assert set(scored["channel"]) == {"red", "yellow", "blue", "green"}
    inspected = scored["channel"].isin(["red", "yellow"])
    assert scored.loc[inspected, "reasons"].str.len().gt(0).all()
    risky = scored.loc[scored["selection"].eq("risk") & scored["channel"].eq("red"), "score"]
    assert risky.min() >= scored.loc[scored["channel"].eq("green"), "score"].max()


def test_score_file_without_labels(
    model_dir: Path, synthetic_later: pd.DataFrame, write_csv: WriteCsv, tmp_path: Path
) -> None:
    unlabelled = synthetic_later.drop(columns=["fraud", "critical_fraud"])
    path = write_csv(unlabelled, "new.csv")
    out = tmp_path / "out" / "scores.csv"
    summary = score_file(path, out, model_dir, layout="canonical", explain="none")
    written = pd.read_csv(out, dtype={"declaration_id": str}, keep_default_na=False)
    assert summary["rows"] == len(written) == len(unlabelled)
    assert summary["version"] == "v0001"
    assert not written["reasons"].str.contains("odds x", regex=False).any()  # none asked for
    assert written.loc[written["selection"].eq("random"), "reasons"].str.contains("random").all()


def test_bad_input_is_refused_and_writes_nothing(
    model_dir: Path, synthetic_later: pd.DataFrame, write_csv: WriteCsv, tmp_path: Path
) -> None:
    bad = synthetic_later.head(20).copy()
    bad.loc[3, "hs_code"] = "8471"
    out = tmp_path / "scores.csv"
    with pytest.raises(DataFileError) as caught:
        score_file(write_csv(bad, "bad.csv"), out, model_dir, layout="canonical")
    assert caught.value.problems[0]["row"] == 5
    assert not out.exists()


def test_retrain_keeps_versions(
    model_dir: Path, synthetic_later: pd.DataFrame, write_csv: WriteCsv
) -> None:
    report = retrain_risk_model(
        [write_csv(synthetic_later, "later.csv")], model_dir, layout="canonical", config=SMALL
    )
    assert report["version"] == "v0002"
    assert report["added_rows"] == len(synthetic_later)
    assert report["training"]["to"] == str(synthetic_later["date"].max().date())
    assert [v["current"] for v in list_versions(model_dir)] == [False, True]


def test_drift_report_on_later_data(
    model_dir: Path, synthetic_later: pd.DataFrame, write_csv: WriteCsv
) -> None:
    report = drift_report(write_csv(synthetic_later, "later.csv"), model_dir, layout="canonical")
    assert {"feature", "psi", "status"} <= set(report.columns)
    # history counts keep growing after training: the drift the monitor exists to show
    assert report.set_index("feature").loc["importer_count", "psi"] > 0.1
    # declaration features first (the ones that say trade changed), then history; each worst
    # first, so the history features' expected shift cannot push them off the top
    kinds = report["kind"].tolist()
    assert kinds == sorted(kinds, key=lambda kind: kind != "declaration")
    assert kinds[0] == "declaration" and kinds[-1] == "history"
    for _, part in report.groupby("kind"):
        assert part["psi"].is_monotonic_decreasing
    assert report["psi"].max() > report[report["kind"] == "declaration"]["psi"].max()


def test_partner_alerts_file(tmp_path: Path) -> None:
    good = tmp_path / "alerts.yaml"
    good.write_text(
        "- {alert_id: K1, issuing_country: KOR, valid_from: 2025-01-01, valid_to: 2025-03-31,\n"
        "   hs_prefix: '61', reason: undervalued garments}\n",
        encoding="utf-8",
    )
    assert read_partner_alerts(good)[0].hs_prefix == "61"
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "- {alert_id: K1, issuing_country: KOR, valid_from: 2025-01-01, "
        "valid_to: 2025-03-31, reason: no criteria}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError, match="criterion"):
        read_partner_alerts(bad)


def test_empty_and_single_row_batches(model_dir: Path, synthetic_later: pd.DataFrame) -> None:
    model = load_model(model_dir)
    assert score_declarations(synthetic_later.head(0), model).empty
    one = score_declarations(synthetic_later.head(1), model)
    assert len(one) == 1 and 0 <= one["score"].iloc[0] <= 1


def _alert_yaml(
    hs_prefix: str, *, alert_id: str, valid_from: str = "2025-01-01", valid_to: str = "2025-12-31"
) -> str:
    return (
        f"- alert_id: {alert_id}\n  issuing_country: KOR\n  valid_from: {valid_from}\n"
        f"  valid_to: {valid_to}\n  hs_prefix: '{hs_prefix}'\n  reason: test alert\n"
    )


def test_score_file_applies_the_pulled_alerts_by_default(
    isolated_settings: Settings,
    model_dir: Path,
    synthetic_later: pd.DataFrame,
    write_csv: WriteCsv,
    tmp_path: Path,
) -> None:
    later = write_csv(synthetic_later, "later.csv")
    hs4 = str(synthetic_later["hs_code"].iloc[0])[:4]
    kept = default_alerts_file()
    kept.parent.mkdir(parents=True)
    # one alert in force during the file's dates, one that ended before them
    kept.write_text(
        _alert_yaml(hs4, alert_id="KR-IN-FORCE")
        + _alert_yaml("99", alert_id="KR-ENDED", valid_from="2024-01-01", valid_to="2024-12-31"),
        encoding="utf-8",
    )
    wanted = synthetic_later["hs_code"].astype(str).str.startswith(hs4).sum()
    summary = score_file(later, tmp_path / "s.csv", model_dir, layout="canonical")
    assert summary["alerts"] == {
        "file": str(kept), "kept": 2, "active": 1, "matched": int(wanted)
    }
    scores = pd.read_csv(tmp_path / "s.csv", dtype={"declaration_id": str})
    assert (scores["selection"] == "alert").sum() == wanted > 0
    assert scores.loc[scores["selection"] == "alert", "channel"].eq("red").all()
    # opting out applies none
    summary = score_file(
        later, tmp_path / "n.csv", model_dir, layout="canonical", apply_alerts=False
    )
    assert summary["alerts"] == {"file": None, "kept": 0, "active": 0, "matched": 0}
    # a file named explicitly replaces the kept one
    other = tmp_path / "other.yaml"
    other.write_text("[]\n", encoding="utf-8")
    summary = score_file(
        later, tmp_path / "o.csv", model_dir, layout="canonical", alerts_path=other
    )
    assert summary["alerts"]["kept"] == 0 and summary["alerts"]["file"] == str(other)


def test_alerts_in_force_counts_only_alerts_valid_on_the_dates(
    isolated_settings: Settings,
) -> None:
    kept = default_alerts_file()
    kept.parent.mkdir(parents=True)
    kept.write_text(_alert_yaml("61", alert_id="KR-A") + _alert_yaml("62", alert_id="KR-B",
                    valid_to="2025-01-31"), encoding="utf-8")
    alerts, applied = alerts_in_force([dt.date(2025, 3, 1), dt.date(2025, 3, 2)])
    assert [a.alert_id for a in alerts] == ["KR-A"] and applied["active"] == 1
    assert applied["kept"] == 2
    assert alerts_in_force([dt.date(2025, 3, 1)], apply=False) == (
        [], {"file": None, "kept": 0, "active": 0}
    )


def test_retrain_names_the_unlabelled_file_and_its_own_rows(
    model_dir: Path, synthetic_later: pd.DataFrame, write_csv: WriteCsv
) -> None:
    unlabelled = synthetic_later.head(30).copy()
    unlabelled["fraud"] = unlabelled["fraud"].astype("Int64")
    unlabelled.loc[[3, 7], "fraud"] = pd.NA
    new = write_csv(unlabelled, "new.csv")
    before = list_versions(model_dir)
    with pytest.raises(DataFileError) as caught:
        retrain_risk_model([new], model_dir, layout="canonical", config=SMALL)
    message = str(caught.value)
    assert str(new) in message
    # rows of the user's file, header = row 1: data rows 3 and 7 (0-based) are rows 5 and 9
    assert [p["row"] for p in caught.value.problems] == [5, 9]
    assert "row 5, column 'fraud'" in message and "2 of 30" in message
    assert list_versions(model_dir) == before  # nothing trained or saved


def test_synthetic_training_data_is_recorded_and_carried(
    model_dir: Path, synthetic_later: pd.DataFrame, write_csv: WriteCsv, tmp_path: Path
) -> None:
    # the fixture saved a model trained on generate_synthetic_declarations output
    assert version_meta(model_dir)["synthetic"] is True
    summary = score_file(
        write_csv(synthetic_later.head(50), "s.csv"), tmp_path / "o.csv", model_dir,
        layout="canonical",
    )
    assert summary["synthetic_model"] is True
    report = retrain_risk_model(
        [write_csv(synthetic_later, "later.csv")], model_dir, layout="canonical", config=SMALL
    )
    assert report["synthetic"] is True  # the old synthetic rows are still in the data
    assert [v["synthetic"] for v in list_versions(model_dir)] == [True, True]


def test_a_model_trained_on_a_real_file_is_not_marked_synthetic(
    tmp_path: Path, synthetic_train: pd.DataFrame, write_csv: WriteCsv
) -> None:
    # a file read from disk whose rows do not carry the generator's SYN- ids is not labelled
    # synthetic (the generator's own ids are: test_a_generated_file_is_marked_synthetic)
    rows = synthetic_train.assign(
        declaration_id=synthetic_train["declaration_id"].str.replace("SYN-", "D-", regex=False)
    )
    train = write_csv(rows, "train.csv")
    report = train_risk_model(train, tmp_path / "m", layout="canonical", config=SMALL)
    assert report["synthetic"] is False
    assert version_meta(tmp_path / "m")["synthetic"] is False


def test_a_generated_file_is_marked_synthetic(
    tmp_path: Path, synthetic_train: pd.DataFrame, write_csv: WriteCsv
) -> None:
    # the generator's SYN- ids say the rows are synthetic whatever the file is called
    train = write_csv(synthetic_train, "train.csv")
    report = train_risk_model(train, tmp_path / "m", layout="canonical", config=SMALL)
    assert report["synthetic"] is True


def test_reasons_name_the_currency_of_the_amounts_they_quote(
    small_model: RiskModel, synthetic_later: pd.DataFrame
) -> None:
    scored = score_declarations(synthetic_later, small_model, explain="all")
    money = scored["reasons"].str.extract(r"(?:declared value|value per kg|tax at stake) "
                                          r"[\d,]+ ([A-Z]{3})\b")[0].dropna()
    assert len(money) > 0  # the synthetic model does quote amounts in its reasons
    assert set(money) <= set(synthetic_later["currency"].dropna())
    # the one-declaration path of the API says the same
    quoted = scored.index[scored["reasons"].str.contains(r"declared value [\d,]+ [A-Z]{3}")]
    row = synthetic_later.loc[quoted[0]]
    record = DeclarationRecord.model_validate(
        {k: v for k, v in row.items() if k in DeclarationRecord.model_fields and pd.notna(v)})
    (one,) = score_records([record], small_model, mode="batch")
    assert re.search(r"declared value [\d,]+ [A-Z]{3}", one["reasons"]), one["reasons"]
