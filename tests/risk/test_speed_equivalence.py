"""The optimised batch path gives the same features, scores, levels and channels as before."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from haiquan.risk import features as features_module
from haiquan.risk.features import _exclusive_before, _prefix
from haiquan.risk.model import RiskModel
from haiquan.risk.service import score_declarations

_DAY_BITS = 20


def _exclusive_before_reference(
    codes: np.ndarray, day: np.ndarray, values: np.ndarray
) -> np.ndarray:
    """The pre-optimisation algorithm: cumulative sums over every column."""
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


def test_exclusive_before_matches_reference() -> None:
    rng = np.random.default_rng(3)
    n = 5000
    codes = rng.integers(0, 300, n).astype(np.int64)
    day = rng.integers(19000, 19100, n).astype(np.int64)
    values = np.column_stack(
        [np.ones(n), np.zeros(n), rng.random(n), rng.integers(0, 2, n).astype(float)]
    )
    got = _exclusive_before(codes, day, values)
    want = _exclusive_before_reference(codes, day, values)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    assert np.array_equal(got[:, :2], want[:, :2])  # counts and zeros are exact


def test_prefix_matches_reference() -> None:
    values = np.array(["0101210000", "8471300000", "", "84", "0101219000"] * 30, dtype=object)
    for length in (2, 4, 6):
        assert _prefix(values, length).tolist() == _prefix_reference(values, length).tolist()


def test_batch_scores_match_reference_path(
    small_model: RiskModel, synthetic_later: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = pd.concat([synthetic_later] * 3, ignore_index=True)
    batch["declaration_id"] = [f"E{i:06d}" for i in range(len(batch))]
    fast = score_declarations(batch, small_model, explain="inspected")
    monkeypatch.setattr(features_module, "_exclusive_before", _exclusive_before_reference)
    monkeypatch.setattr(features_module, "_prefix", _prefix_reference)
    slow = score_declarations(batch, small_model, explain="inspected")
    np.testing.assert_allclose(fast["score"], slow["score"], rtol=0, atol=1e-9)
    for column in ("level", "channel", "selection", "reasons"):
        assert fast[column].tolist() == slow[column].tolist(), column


def test_routing_notes_match_reference_loop() -> None:
    import datetime as dt

    from haiquan.declarations import generate_synthetic_declarations
    from haiquan.risk.alerts import InMemoryAeoDirectory, PartnerAlert
    from haiquan.risk.policy import load_selectivity_rules
    from haiquan.risk.selectivity import _aeo_factors, _alert_hits, route_columns

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
        _, aeo_notes = _aeo_factors(frame, rules, aeo)
        want = []
        for i in range(len(frame)):
            parts = [p for p in (hits[i], aeo_notes[i]) if p]
            if routed["selection"][i] == "random":
                parts.append("random selection for control (exploration)")
            want.append("; ".join(parts))
        assert routed["notes"].tolist() == want
        assert (routed["notes"] != "").any()
