"""The MRA exchange arrangements file: a bad HAIQUAN_AEO_ARRANGEMENTS_FILE is a clear error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haiquan.aeo import AeoRegistry, load_arrangements
from haiquan.aeo.registry import configured_database_url
from haiquan.cli import app
from haiquan.errors import ConfigurationError
from haiquan.settings import reset_settings
from tests.aeo.conftest import operator


def test_the_shipped_arrangements_load() -> None:
    assert any(a.mra_id == "VN_KOR_AEO_MRA" for a in load_arrangements())


def test_a_setting_naming_a_usable_file_is_used(arrangements_for: Callable[[str], Path]) -> None:
    arrangements_for("THA")
    (only,) = load_arrangements()
    assert only.partners == ("THA",)


@pytest.mark.parametrize(("name", "reason"), [("missing.yaml", "No such file"), ("", "directory")])
def test_an_unreadable_arrangements_setting_names_the_setting_and_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, reason: str
) -> None:
    path = tmp_path / name
    monkeypatch.setenv("HAIQUAN_AEO_ARRANGEMENTS_FILE", str(path))
    reset_settings()
    AeoRegistry(configured_database_url()).add_operator(operator("VN-AEO-0001"))
    result = CliRunner().invoke(app, ["aeo", "consent", "VN-AEO-0001", "VN_KOR_AEO_MRA"])
    error = result.exception
    assert isinstance(error, ConfigurationError), result.output
    assert "HAIQUAN_AEO_ARRANGEMENTS_FILE" in str(error)
    assert str(path) in str(error) and reason in str(error)
