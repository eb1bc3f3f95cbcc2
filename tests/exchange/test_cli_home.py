"""Smaller CLI points of issue 18 (point 10): ``gateway document-types --home`` is accepted like
every gateway command's ``--home``, and ``alerts pull`` with nothing waiting names no file that
does not exist."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from haiquan.cli import app

from .conftest import NodeFactory

runner = CliRunner()


def test_document_types_takes_home(make_node: NodeFactory, tmp_path: Path) -> None:
    node = make_node("THA")
    shown = runner.invoke(app, ["gateway", "document-types", "--home", str(node.home)])
    assert shown.exit_code == 0, shown.output
    assert "atiga-form-d" in shown.output and "risk-alert" in shown.output
    missing = runner.invoke(app, ["gateway", "document-types", "--home", str(tmp_path / "no")])
    assert missing.exit_code != 0 and "--home" in str(missing.exception)


def test_alerts_pull_with_nothing_waiting_writes_and_names_no_file(
    make_node: NodeFactory, tmp_path: Path
) -> None:
    node = make_node("VNM")  # the home country (HAIQUAN_HOME_COUNTRY's default)
    target = tmp_path / "alerts.yaml"
    pulled = runner.invoke(app, ["alerts", "pull", "--gateway-home", str(node.home),
                                 "--file", str(target)], env={"COLUMNS": "200"})
    assert pulled.exit_code == 0, pulled.output
    said = " ".join(pulled.output.split())
    assert "no alerts waiting in the gateway inbox; nothing written" in said
    assert not target.exists()
    target.write_text("[]\n")
    again = runner.invoke(app, ["alerts", "pull", "--gateway-home", str(node.home),
                                "--file", str(target)], env={"COLUMNS": "200"})
    assert "unchanged" in again.output and target.read_text() == "[]\n"
