"""The analytics commands: haiquan indicators, mirror-gaps, rca, gravity."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from haiquan.cli import app
from haiquan.errors import InputError
from tests.analytics.conftest import BACI, EU15, VIETNAM_DOTS
from tests.conftest import require_shared

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "220"})
    if result.exception is not None:
        raise result.exception
    assert result.exit_code == 0, result.output
    return result.output


def test_indicators_from_a_file() -> None:
    out = run("indicators", "--home", "VNM", "--year", "2020", "--top", "5",
              "--input", str(require_shared(VIETNAM_DOTS)), "--input-format", "dots")
    assert "VNM trade by partner, 2020" in out
    assert "77,151.2" in out  # exports to the United States, million USD
    assert "Concentration (HHI)" in out
    # The Vietnam extract has no world total: intensity is "n/a" with a note, not a number.
    assert "n/a" in out and "trade intensity not available for 2020" in out


def test_mirror_gaps() -> None:
    out = run("mirror-gaps", "--year", "2020", "--input", str(require_shared(VIETNAM_DOTS)))
    assert "flagged" in out and "CHN" in out


def test_rca() -> None:
    out = run("rca", "--year", "2020", "--top", "3", "--input", str(require_shared(BACI)))
    assert "8.596" in out and "RCA of VNM in 2020" in out


def test_gravity_reference() -> None:
    out = run("gravity", "--reference-eu15", "--input", str(require_shared(EU15)))
    assert "log(dist_km) = -1.527874 (s.e. 0.115678)" in out


def test_rca_on_totals_is_an_input_error() -> None:
    with pytest.raises(InputError, match="--input-format baci"):
        run("rca", "--input", str(require_shared(VIETNAM_DOTS)))


def test_without_input_or_warehouse() -> None:
    result = runner.invoke(app, ["indicators"])
    assert result.exception is not None and "no warehouse" in str(result.exception)


def test_gravity_flow_is_checked_in_command_line_words() -> None:
    result = runner.invoke(app, ["gravity", "--flow", "both"], env={"COLUMNS": "220"})
    assert result.exit_code == 2
    assert "'both' is not one of 'export', 'import'" in result.output
    assert "flow=" not in result.output
