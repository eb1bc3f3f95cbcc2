"""A node that disagrees with itself (issue 18, point 8): a THA node under the default
HAIQUAN_HOME_COUNTRY (VNM) applied partner AEO lists as if it were Vietnam. The commands that apply
a node's inbox with the home country's rules refuse it, naming the setting; the node's own
start says so."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from haiquan.cli import app
from haiquan.errors import ConfigurationError
from haiquan.settings import reset_settings

from .conftest import NodeFactory

runner = CliRunner()


@pytest.mark.parametrize("command", [["aeo", "apply-inbox"], ["alerts", "pull"]])
def test_applying_the_inbox_of_another_countrys_node_is_refused(
    make_node: NodeFactory, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    node = make_node("THA")
    refused = runner.invoke(app, [*command, "--gateway-home", str(node.home)])
    assert refused.exit_code != 0
    error = refused.exception
    assert isinstance(error, ConfigurationError), refused.output
    assert "HAIQUAN_HOME_COUNTRY=THA" in str(error) and "the default" in str(error)
    monkeypatch.setenv("HAIQUAN_HOME_COUNTRY", "THA")
    reset_settings()
    accepted = runner.invoke(app, [*command, "--gateway-home", str(node.home)])
    assert accepted.exit_code == 0, accepted.output


def test_a_node_says_so_when_it_starts(make_node: NodeFactory, serve) -> None:
    node = make_node("THA")
    proc = serve(node)
    proc.stop()
    log = proc.log.read_text()
    assert "speaks for THA but HAIQUAN_HOME_COUNTRY is VNM" in log
    assert "set HAIQUAN_HOME_COUNTRY=THA" in log
