"""Factories for the risk tests: synthetic declarations, a small trained model, real KCS files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from haiquan.declarations import generate_synthetic_declarations
from haiquan.risk.model import RiskModel, TrainingConfig, train_model
from haiquan.risk.store import save_model

#: One small candidate, so a model trains in a second or two.
SMALL = TrainingConfig(
    candidates=({"num_leaves": 15, "learning_rate": 0.1, "min_child_samples": 10},),
    selection_days=60,
    max_rounds=80,
    early_stopping=20,
)


@pytest.fixture(scope="session")
def synthetic_train() -> pd.DataFrame:
    """A year of synthetic labelled declarations (2024)."""
    return generate_synthetic_declarations(4000, seed=11, start="2024-01-01", days=366)


@pytest.fixture(scope="session")
def synthetic_later() -> pd.DataFrame:
    """Three later months of synthetic declarations (2025), labelled."""
    frame = generate_synthetic_declarations(1200, seed=12, start="2025-01-01", days=90)
    frame["declaration_id"] = frame["declaration_id"].str.replace("SYN-12", "SYN-L12")
    return frame


@pytest.fixture(scope="session")
def small_model(synthetic_train: pd.DataFrame, synthetic_later: pd.DataFrame) -> RiskModel:
    """A model trained on the synthetic year and evaluated on the later months."""
    return train_model(synthetic_train, config=SMALL, valid=synthetic_later)


@pytest.fixture
def model_dir(tmp_path: Path, small_model: RiskModel, synthetic_train: pd.DataFrame) -> Path:
    """A model directory holding the small model as version v0001."""
    root = tmp_path / "risk-model"
    save_model(small_model, root, synthetic_train)
    return root


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[[pd.DataFrame, str], Path]:
    """Write a canonical frame as CSV under the test's folder; returns the path."""

    def write(frame: pd.DataFrame, name: str) -> Path:
        path = tmp_path / name
        out = frame.copy()
        out["date"] = pd.to_datetime(out["date"]).dt.strftime("%Y-%m-%d")
        out.to_csv(path, index=False)
        return path

    return write
