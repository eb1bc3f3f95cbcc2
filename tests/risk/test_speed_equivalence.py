"""The fast paths give the same numbers as the plain ones.

* the batch path (radix-sorted history sums, integer pair keys) against the straightforward
  algorithms it replaced;
* the one-declaration path (``transform_one``, ``score_records`` of one record, what the API
  runs) against the batch path, on real KCS rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pytest

from haiquan.declarations import DeclarationRecord, read_declarations, records_to_frame
from haiquan.risk import features as features_module
from haiquan.risk._sums import exclusive_before
from haiquan.risk.features import (
    COUNT_KEYS,
    FeatureBuilder,
    _derive,
    _prefix,
    _text,
    _text_of,
    columns_of,
)
from haiquan.risk.model import RiskModel, train_model
from haiquan.risk.service import score_declarations, score_records
from tests.conftest import require_shared
from tests.risk.conftest import SMALL

_DAY_BITS = 20


def _exclusive_before_reference(
    codes: np.ndarray, day: np.ndarray, values: np.ndarray, by_day: Any = None
) -> np.ndarray:
    """The first algorithm: one int64 sort per key, cumulative sums over every column."""
    n = len(codes)
    if n <= 1:
        return np.zeros_like(values)
    order = np.argsort((codes << _DAY_BITS) | day, kind="stable")
    c, d, v = codes[order], day[order], values[order]
    running = np.cumsum(v, axis=0) - v
    new_code = np.r_[True, c[1:] != c[:-1]]
    code_start = np.maximum.accumulate(np.where(new_code, np.arange(n), 0))
    new_day = new_code | np.r_[True, d[1:] != d[:-1]]
    day_start = np.maximum.accumulate(np.where(new_day, np.arange(n), 0))
    before = running[day_start] - running[code_start]
    out = np.empty_like(before)
    out[order] = before
    return out


def _prefix_reference(values: np.ndarray, length: int) -> np.ndarray:
    return np.array([v[:length] for v in values], dtype=object)


def _count_before_reference(codes: np.ndarray, day: np.ndarray, by_day: Any) -> np.ndarray:
    return _exclusive_before_reference(codes, day, np.ones((len(codes), 1)))[:, 0]


def _batch_keys_reference(
    derived: Mapping[str, Any],
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The first key builder: every key joined as text per row, then hashed."""
    keys = {}
    for key, parts in COUNT_KEYS.items():
        text = _text_of(derived, parts[0])
        missing = text == ""
        for part in parts[1:]:
            more = _text_of(derived, part)
            text = text + "|" + more
            missing = missing | (more == "")
        text = np.asarray(text, dtype=object)
        text[missing] = ""
        codes, uniques = pd.factorize(text)
        keys[key] = (np.asarray(codes, dtype=np.int64), np.asarray(uniques, dtype=object))
    return keys


@pytest.mark.parametrize("top", [300, 70_000, 5_000_000_000])
def test_exclusive_before_matches_reference(top: int) -> None:
    """Codes of one, two and three 16-bit digits (the radix passes), days over two years."""
    rng = np.random.default_rng(3)
    n = 5000
    codes = rng.integers(0, top, n).astype(np.int64)
    codes[::7] = codes[0]  # some codes repeat on many days
    day = rng.integers(19000, 19730, n).astype(np.int64)
    values = np.column_stack(
        [np.ones(n), np.zeros(n), rng.random(n), rng.integers(0, 2, n).astype(float)]
    )
    got = exclusive_before(codes, day, values)
    want = _exclusive_before_reference(codes, day, values)
    np.testing.assert_array_equal(got, want)  # same order of summation: identical


def test_prefix_matches_reference() -> None:
    values = np.array(["0101210000", "8471300000", "", "84", "0101219000"] * 30, dtype=object)
    for length in (2, 4, 6):
        assert _prefix(values, length).tolist() == _prefix_reference(values, length).tolist()


def test_coded_text_columns_read_like_the_text() -> None:
    """Codes plus the text of each code give back the column: missing values (None, NaN) and
    '' are one missing text, numbers stored as numbers read as their text, HS prefixes slice."""
    n = 7
    columns: dict[str, Any] = {
        "importer": np.array(["A", None, "B", "A", np.nan, "", "B"], dtype=object),
        "office": np.array([30, "30", 40, 30.5, None, "40", 30], dtype=object),
        "hs_code": np.array(["010121", "847130", None, "010129", "847130", "84", ""], dtype=object),
        "value": np.ones(n),
        "net_mass_kg": np.ones(n),
        "tax_rate": np.ones(n),
        "date": np.array(["2024-01-01"] * n, dtype="datetime64[D]"),
    }
    derived = _derive(columns)
    for name in ("importer", "office"):
        assert _text_of(derived, name).tolist() == _text(columns[name]).tolist()
        codes, text = derived["codes"][name]
        assert len(set(text.tolist())) == len(text)  # one code per text
    hs = _text(columns["hs_code"])
    for length in (2, 4, 6):
        assert _text_of(derived, f"hs{length}").tolist() == _prefix_reference(hs, length).tolist()
    assert _text_of(derived, "seller").tolist() == [""] * n  # absent column: all missing


def test_batch_scores_match_reference_path(
    small_model: RiskModel, synthetic_later: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = pd.concat([synthetic_later] * 3, ignore_index=True)
    batch["declaration_id"] = [f"E{i:06d}" for i in range(len(batch))]
    batch.loc[::5, "seller"] = None  # missing parts of pair keys
    fast_features = small_model.features(batch)
    fast = score_declarations(batch, small_model, explain="inspected")
    monkeypatch.setattr(features_module, "exclusive_before", _exclusive_before_reference)
    monkeypatch.setattr(features_module, "_prefix", _prefix_reference)
    monkeypatch.setattr(features_module, "_batch_keys", _batch_keys_reference)
    monkeypatch.setattr(features_module, "count_before", _count_before_reference)
    np.testing.assert_array_equal(fast_features, small_model.features(batch))
    slow = score_declarations(batch, small_model, explain="inspected")
    np.testing.assert_array_equal(fast["score"], slow["score"])
    for column in ("level", "channel", "selection", "reasons"):
        assert fast[column].tolist() == slow[column].tolist(), column


def test_routing_notes_match_reference_loop() -> None:
    import datetime as dt

    from haiquan.declarations import generate_synthetic_declarations
    from haiquan.risk.alerts import InMemoryAeoDirectory, PartnerAlert
    from haiquan.risk.policy import load_selectivity_rules
    from haiquan.risk.selectivity import _aeo_factors, _alert_hits, route_columns, route_one

    frame = generate_synthetic_declarations(2000, seed=31, start="2024-06-01", days=20)
    scores = np.random.default_rng(0).random(len(frame))
    rules = load_selectivity_rules(on=dt.date(2024, 6, 1))
    aeo = InMemoryAeoDirectory(home=[(frame["importer"].value_counts().index[0], None, None)])
    alert = PartnerAlert(
        alert_id="KR-7",
        issuing_country="KOR",
        hs_prefix=str(frame["hs_code"].iloc[0])[:4],
        valid_from=dt.date(2024, 1, 1),
        valid_to=dt.date(2024, 12, 31),
        reason="undervaluation ring",
    )
    for mode in ("batch", "stream"):
        routed = route_columns(
            frame,
            scores,
            rules,
            reference=np.linspace(0, 1, 1001),
            aeo=aeo,
            alerts=[alert],
            mode=mode,  # type: ignore[arg-type]
        )
        hits = _alert_hits(frame, [alert])
        _, aeo_notes, _ = _aeo_factors(frame, rules, aeo)
        want = []
        for i in range(len(frame)):
            parts = [p for p in (hits[i], aeo_notes[i]) if p]
            if routed["selection"][i] == "random":
                parts.append("random selection for control (exploration)")
            want.append("; ".join(parts))
        assert routed["notes"].tolist() == want
        assert (routed["notes"] != "").any()
    # one declaration at a time (the API): the same level, channel, selection and notes
    stream = route_columns(
        frame,
        scores,
        rules,
        reference=np.linspace(0, 1, 1001),
        aeo=aeo,
        alerts=[alert],
        mode="stream",
    )
    rows = frame.to_dict("records")
    for i in range(len(frame)):
        row = dict(rows[i], date=rows[i]["date"].date())
        one = route_one(
            row,
            float(scores[i]),
            rules,
            reference=np.linspace(0, 1, 1001),
            aeo=aeo,
            alerts=[alert],
        )
        for name in ("level", "channel", "percentile", "selection", "notes"):
            assert one[name] == stream[name][i], (i, name)
    assert set(stream["selection"]) == {"alert", "random", "risk", "none"}


# --- one declaration (the API) against the batch path, on the real KCS data -----------------


@pytest.fixture(scope="module")
def kcs() -> tuple[pd.DataFrame, pd.DataFrame]:
    train = read_declarations(require_shared("customs-declarations/df_syn_train_eng.csv"))
    valid = read_declarations(require_shared("customs-declarations/df_syn_valid_eng.csv"))
    return train.sort_values("date", kind="stable").reset_index(drop=True), valid


@pytest.fixture(scope="module")
def kcs_model(kcs: tuple[pd.DataFrame, pd.DataFrame]) -> RiskModel:
    return train_model(kcs[0], config=SMALL)


def _record(row: pd.Series) -> DeclarationRecord:
    fields = DeclarationRecord.model_fields
    item = {k: row[k] for k in fields if k in row.index and not pd.isna(row[k])}
    item["date"] = pd.Timestamp(row["date"]).date()
    item["item_number"] = int(item["item_number"])
    return DeclarationRecord.model_validate(item)


def test_one_declaration_features_equal_the_batch_features(
    kcs: tuple[pd.DataFrame, pd.DataFrame], kcs_model: RiskModel
) -> None:
    train, valid = kcs
    builder: FeatureBuilder = kcs_model.builder
    # a real day of declarations scored together: same-day rows never see each other, so each
    # row's batch features are its single-declaration features
    day = valid[valid["date"] == valid["date"].iloc[len(valid) // 2]].reset_index(drop=True)
    assert len(day) > 50
    batch = builder.transform(columns_of(day))
    for i, row in enumerate(day.to_dict("records")):
        np.testing.assert_array_equal(builder.transform_one(row), batch[i])
    # rows dated inside the history (searched by date, not the latest totals), one at a time
    inside = train.sample(200, random_state=5).reset_index(drop=True)
    for i, row in enumerate(inside.to_dict("records")):
        np.testing.assert_array_equal(
            builder.transform_one(row), builder.transform(columns_of(inside.iloc[[i]]))[0]
        )
    # the history really is used, and unseen keys really occur: both branches are exercised
    names = builder.feature_names
    counts = batch[:, names.index("importer_hs6_count")]
    assert (counts > 0).any() and (counts == 0).any()


def test_one_declaration_scores_equal_the_batch_scores(
    kcs: tuple[pd.DataFrame, pd.DataFrame], kcs_model: RiskModel
) -> None:
    _, valid = kcs
    rows = valid.sample(150, random_state=9)
    for _, row in rows.iterrows():
        record = _record(row)
        fast = score_records([record], kcs_model, explain=True)[0]
        frame = records_to_frame([record])
        batch = score_declarations(frame, kcs_model, mode="stream", explain="all")
        assert fast == batch.iloc[0].to_dict()


def test_one_declaration_with_aeo_and_alerts_equals_the_batch(
    kcs: tuple[pd.DataFrame, pd.DataFrame], kcs_model: RiskModel
) -> None:
    import datetime as dt

    from haiquan.risk.alerts import InMemoryAeoDirectory, PartnerAlert

    _, valid = kcs
    rows = valid.sample(40, random_state=4)
    first, second = rows.iloc[0], rows.iloc[1]
    aeo = InMemoryAeoDirectory(
        home=[(str(first["importer"]), None, None)],
        partner=[(str(second["departure_country"]), str(second["seller"]), None, None)],
    )
    alert = PartnerAlert(
        alert_id="KR-1",
        issuing_country="KOR",
        hs_prefix=str(rows.iloc[2]["hs_code"])[:4],
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2021, 12, 31),
        reason="undervaluation ring",
    )
    noted = 0
    for _, row in rows.iterrows():
        record = _record(row)
        fast = score_records([record], kcs_model, aeo=aeo, alerts=[alert], explain=True)[0]
        batch = score_declarations(
            records_to_frame([record]),
            kcs_model,
            aeo=aeo,
            alerts=[alert],
            mode="stream",
            explain="all",
        )
        assert fast == batch.iloc[0].to_dict()
        noted += "AEO" in fast["reasons"] or "partner alert" in fast["reasons"]
    assert noted >= 3  # the AEO and alert branches were taken
