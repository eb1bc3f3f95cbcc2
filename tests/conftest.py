"""Shared fixtures: settings isolated per test, the real data sets in ../shared/data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from haiquan.settings import Settings, get_settings, reset_settings


def _shared_data_root() -> Path:
    configured = os.environ.get("HAIQUAN_SHARED_DATA")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parent.parent.parent / "shared" / "data"


SHARED_DATA = _shared_data_root()


def require_shared(relative: str) -> Path:
    """The path of a real data file; fail in CI when it is missing, skip elsewhere."""
    path = SHARED_DATA / relative
    if not path.exists():
        message = f"real data file {path} is missing (set HAIQUAN_SHARED_DATA to ../shared/data)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def shared_data() -> Path:
    """The folder of real public data sets."""
    return require_shared("")


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Every test gets its own HAIQUAN_HOME so no test sees another's warehouse or keys."""
    monkeypatch.setenv("HAIQUAN_HOME", str(tmp_path / "haiquan-home"))
    monkeypatch.setenv("HAIQUAN_SHARED_DATA", str(SHARED_DATA))
    monkeypatch.delenv("HAIQUAN_WAREHOUSE_PATH", raising=False)
    reset_settings()
    yield get_settings()
    reset_settings()
