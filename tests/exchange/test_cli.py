"""``haiquan gateway ...`` commands: init two nodes, link them, send, deliver, inspect."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from haiquan.cli.gateway import register
from haiquan.errors import PermissionDeniedError

from . import samples
from .conftest import free_port

app = typer.Typer()
register(app)
runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, ["gateway", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_gateway_commands_end_to_end(tmp_path: Path, serve) -> None:
    vnm, tha = tmp_path / "vnm", tmp_path / "tha"
    tha_url = f"http://127.0.0.1:{free_port()}"
    assert "node VNM created" in run("init", "--country", "VN", "--endpoint",
                                     f"http://127.0.0.1:{free_port()}", "--home", str(vnm))
    run("init", "--country", "THA", "--endpoint", tha_url, "--home", str(tha),
        "--algorithm", "ES256")
    jwks = {}
    for name, home in (("vnm", vnm), ("tha", tha)):
        jwks[name] = tmp_path / f"{name}.jwks.json"
        jwks[name].write_text(run("jwks", "--home", str(home)))
        assert json.loads(jwks[name].read_text())["keys"][0]["use"] == "sig"
    assert "trusted key THA-" in run("partner", "add", "THA", "--endpoint", tha_url,
                                     "--jwks", str(jwks["tha"]), "--home", str(vnm))
    run("partner", "add", "VNM", "--endpoint", "http://127.0.0.1:9", "--jwks", str(jwks["vnm"]),
        "--home", str(tha))
    assert "THA" in run("partner", "list", "--home", str(vnm))

    form = tmp_path / "form-d.json"
    form.write_text(json.dumps(samples.form_d()))
    message_id = run("send", "atiga-form-d", str(form), "--to", "tha", "--home", str(vnm)).strip()
    assert "pending" in run("messages", "--home", str(vnm))

    from haiquan.exchange import GatewayNode

    serve(GatewayNode.from_home(tha))
    assert "delivered 1" in run("dispatch", "--home", str(vnm))
    shown = json.loads(run("show", message_id, "--home", str(vnm)))
    assert shown["state"] == "delivered" and shown["receipt_jws"]
    status = json.loads(run("status", "--json", "--home", str(vnm)))
    assert status["outbox"]["delivered"] == 1
    lines = run("inbox", "--home", str(tha)).splitlines()
    assert json.loads(lines[0])["message_id"] == message_id
    assert "1 message(s) acknowledged" in run("ack", message_id, "--home", str(tha))
    assert run("inbox", "--home", str(tha)).strip() == ""
    assert "atiga-form-d" in run("document-types")
    assert "new signing key VNM-" in run("rotate-key", "--home", str(vnm))
    before = json.loads(run("jwks", "--home", str(vnm)))["keys"]
    revoked = " ".join(run("rotate-key", "--revoke-old", "--home", str(vnm)).split())
    assert "is revoked" in revoked and "haiquan gateway partner refresh VNM" in revoked
    after = {k["kid"] for k in json.loads(run("jwks", "--home", str(vnm)))["keys"]}
    assert before[-1]["kid"] not in after and len(after) == len(before)


def test_a_refused_command_raises_the_library_error(tmp_path: Path) -> None:
    run("init", "--country", "VNM", "--endpoint", "http://127.0.0.1:1", "--home",
        str(tmp_path / "vnm"))
    form = tmp_path / "alert.json"
    form.write_text(json.dumps(samples.risk_alert()))
    result = runner.invoke(app, ["gateway", "send", "risk-alert", str(form), "--to", "THA",
                                 "--home", str(tmp_path / "vnm")])
    assert isinstance(result.exception, PermissionDeniedError)
    assert "not a trusted partner" in str(result.exception)
