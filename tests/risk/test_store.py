"""Model directories: versions, the current marker, loading once, and saving round trips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from haiquan.errors import NotFoundError
from haiquan.risk.model import RiskModel
from haiquan.risk.store import (
    default_model_dir,
    list_versions,
    load_model,
    load_training_data,
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
