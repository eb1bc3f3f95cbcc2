"""Factories for small canonical trade files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest


def canonical_rows(**overrides: object) -> pd.DataFrame:
    """Three good canonical rows; ``overrides`` replace whole columns."""
    frame = pd.DataFrame(
        {
            "reporter": ["VNM", "VNM", "VNM"],
            "partner": ["KOR", "KOR", "WORLD"],
            "flow": ["export", "import", "export"],
            "frequency": ["A", "A", "A"],
            "period": ["2020", "2020", "2020"],
            "commodity": ["0901", "TOTAL", "TOTAL"],
            "value_usd": [1.5e6, 2.0e9, 2.7e11],
            "quantity": [120.0, None, None],
            "unit": ["t", None, None],
            "source": ["test", "test", "test"],
            "is_mirror": [False, False, False],
        }
    )
    for column, values in overrides.items():
        frame[column] = values
    return frame


@pytest.fixture
def write_canonical(tmp_path: Path) -> Callable[..., Path]:
    """Write canonical rows (with overrides) to a CSV and return its path."""
    counter = {"n": 0}

    def write(frame: pd.DataFrame | None = None, **overrides: object) -> Path:
        counter["n"] += 1
        path = tmp_path / f"canonical-{counter['n']}.csv"
        (frame if frame is not None else canonical_rows(**overrides)).to_csv(path, index=False)
        return path

    return write
