"""Model directories: versions, the current marker, loading once, and saving round trips."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from haiquan.errors import NotFoundError
from haiquan.risk import store
from haiquan.risk.model import RiskModel
from haiquan.risk.store import (
    default_model_dir,
    list_versions,
    load_model,
    load_training_data,
    loaded_model,
    save_model,
    use_version,
)
from haiquan.settings import Settings


def test_saved_model_scores_like_the_original(
    model_dir: Path, small_model: RiskModel, synthetic_later: pd.DataFrame
) -> None:
    loaded = load_model(model_dir)
    original = small_model.predict(small_model.features(synthetic_later))
    again = loaded.predict(loaded.features(synthetic_later))
    assert np.allclose(original, again)
    assert load_model(model_dir) is loaded  # cached per process


def test_versions_and_switching(
    model_dir: Path, small_model: RiskModel, synthetic_train: pd.DataFrame
) -> None:
    assert save_model(small_model, model_dir, synthetic_train) == "v0002"
    versions = list_versions(model_dir)
    assert [v["version"] for v in versions] == ["v0001", "v0002"]
    assert [v["current"] for v in versions] == [False, True]
    use_version(model_dir, "v0001")
    assert list_versions(model_dir)[0]["current"]
    with pytest.raises(NotFoundError, match="v0099"):
        use_version(model_dir, "v0099")
    assert len(load_training_data(model_dir)) == len(synthetic_train)


def test_missing_model_says_how_to_train(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError) as caught:
        load_model(tmp_path / "empty")
    assert "haiquan risk train" in str(caught.value)


def test_default_dir_follows_settings(
    isolated_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert default_model_dir() == isolated_settings.home / "models" / "risk"
    monkeypatch.setenv("HAIQUAN_RISK_MODEL_DIR", str(tmp_path / "elsewhere"))
    from haiquan.settings import reset_settings

    reset_settings()
    assert default_model_dir() == tmp_path / "elsewhere"


def test_a_version_switch_reaches_the_process_at_once(
    model_dir: Path, small_model: RiskModel, synthetic_train: pd.DataFrame
) -> None:
    assert load_model(model_dir).meta["version"] == "v0001"
    save_model(small_model, model_dir, synthetic_train)
    assert load_model(model_dir).meta["version"] == "v0002"  # within the same clock tick
    use_version(model_dir, "v0001")
    assert load_model(model_dir).meta["version"] == "v0001"
    assert loaded_model(model_dir) is load_model(model_dir)


def test_a_settled_current_file_is_checked_by_stat_alone(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = model_dir / "CURRENT"
    old = time.time_ns() - 60 * 10**9  # written a minute ago: its stat can be trusted
    os.utime(marker, ns=(old, old))
    assert load_model(model_dir).meta["version"] == "v0001"
    reads: list[Path] = []
    real = store._current

    def counting(root: Path, required: bool = True) -> str | None:
        reads.append(root)
        return real(root, required)

    monkeypatch.setattr(store, "_current", counting)
    for _ in range(5):
        assert load_model(model_dir).meta["version"] == "v0001"
    assert reads == []  # no file read per request
    marker.write_text("v0002", encoding="utf-8")  # a change shows in the stat (size, time)
    os.utime(marker, ns=(old + 10**9, old + 10**9))
    with pytest.raises(NotFoundError, match="v0002"):
        load_model(model_dir)  # re-read: names a version that does not exist
    assert len(reads) == 1
