"""docs/commitments.md names every public function and every CLI command of the domain."""

from __future__ import annotations

from pathlib import Path

import pytest

import haiquan.commitments as commitments
from haiquan.cli.commitments import commitments_app

DOC = (Path(__file__).resolve().parents[2] / "docs" / "commitments.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", commitments.__all__)
def test_public_name_is_documented(name: str) -> None:
    assert f"`{name}`" in DOC or f"`{name}(" in DOC


@pytest.mark.parametrize("command", [c.name for c in commitments_app.registered_commands])
def test_cli_command_is_documented(command: str) -> None:
    assert f"haiquan commitments {command}" in DOC
