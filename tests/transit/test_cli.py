"""``haiquan transit ...`` on this administration's store (HAIQUAN_HOME of the test)."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from haiquan.cli.transit import register
from haiquan.errors import ConflictError, ValidationError

from .conftest import declaration

app = typer.Typer()
register(app)
runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, ["transit", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_declare_release_and_read_with_the_cli(tmp_path: Path) -> None:
    assert "2020-11-02" in run("states")
    assert "LADSH001" in run("offices", "--role", "transit")
    assert "VNDAD001" not in run("offices", "--role", "transit")
    run("guarantee", "add", "GRN-VN-1", "--holder", "VN0101", "--amount", "100000")
    path = tmp_path / "declaration.json"
    path.write_text(declaration().model_dump_json())
    out = run("declare", str(path))
    mrn = out.split()[0]
    assert "accepted" in out and len(mrn) == 18
    tad = tmp_path / "out" / "tad.pdf"
    assert "released" in run("release", mrn, "--tad", str(tad))
    assert tad.read_bytes().startswith(b"%PDF")
    assert "balance 40,000.00" in run("guarantee", "show", "GRN-VN-1")
    assert mrn in run("list") and "1 matching" in run("list")
    assert "VNM > LAO > THA" in run("overview")
    assert "VN0101" in run("guarantee", "use")
    again = runner.invoke(app, ["transit", "declare", str(path)])
    assert isinstance(again.exception, ConflictError)
    typo = mrn[:17] + str((int(mrn[17]) + 1) % 10)
    wrong = runner.invoke(app, ["transit", "show", typo])
    assert isinstance(wrong.exception, ValidationError)
    assert f"expected check digit {mrn[17]}" in str(wrong.exception)


def test_check_an_ncts_message(tmp_path: Path) -> None:
    from ..conftest import require_shared

    folder = require_shared("exchange/ncts-p5-xsd-hmrc/samples")
    assert "CC015C: valid" in run("check", str(folder / "cc015c-valid.xml"))
    refused = runner.invoke(app, ["transit", "check", str(folder / "cc015c-invalid.xml")])
    assert refused.exit_code == 2 and "GoodsMeasure" in refused.output


def test_arrival_with_a_notification_for_another_movement_is_refused(tmp_path: Path) -> None:
    from ..conftest import require_shared

    sample = require_shared("exchange/ncts-p5-xsd-hmrc/samples") / "cc007c-valid.xml"
    result = runner.invoke(app, ["transit", "arrival", "26VNDAD001000001J6", "--office",
                                 "THBKK001", "--notification", str(sample)])
    assert isinstance(result.exception, ValidationError)
    assert "27WF9X1FQ9RCKN0TM3" in str(result.exception)  # the MRN the notification names
    invalid = require_shared("exchange/ncts-p5-xsd-hmrc/samples") / "cc007c-invalid.xml"
    bad = runner.invoke(app, ["transit", "arrival", "26VNDAD001000001J6", "--office",
                              "THBKK001", "--notification", str(invalid)])
    assert isinstance(bad.exception, ValidationError)
    assert "not a valid arrival notification" in str(bad.exception)
