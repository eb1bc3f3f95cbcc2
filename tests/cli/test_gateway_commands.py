"""``haiquan gateway ...`` as a user runs it: bad input is explained, exits 2, changes nothing.

The commands run through :func:`haiquan.cli.main`, the console script's entry point, in this
process (quicker than a subprocess; the exit code and the printed error are the same).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from haiquan.exchange import GatewayNode
from tests.cli.conftest import Haiquan, refused
from tests.exchange import samples
from tests.exchange.conftest import link, make_node, serve  # noqa: F401 - fixtures

EXAMPLE_FORM_D = Path(__file__).resolve().parents[2] / "docs" / "examples" / "atiga-form-d.json"


@pytest.fixture
def linked(make_node: Callable[..., GatewayNode]) -> tuple[GatewayNode, GatewayNode]:  # noqa: F811
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    return vnm, tha


def outbox_size(node: GatewayNode) -> int:
    return sum(node.summary().outbox.values())


# --- 1. the document to send -------------------------------------------------------------------
def test_send_refuses_a_missing_file(haiquan: Haiquan, linked, tmp_path: Path) -> None:
    vnm, _ = linked
    result = haiquan("gateway", "send", "atiga-form-d", str(tmp_path / "nope.json"), "--to",
                     "THA", "--home", str(vnm.home))
    refused(result, "nope.json", "cannot be read", "No such file", "docs/examples/atiga-form-d")
    assert outbox_size(vnm) == 0


def test_send_refuses_a_folder_and_non_utf8(haiquan: Haiquan, linked, tmp_path: Path) -> None:
    vnm, _ = linked
    refused(haiquan("gateway", "send", "atiga-form-d", str(tmp_path), "--to", "THA",
                    "--home", str(vnm.home)), "cannot be read")
    latin = tmp_path / "latin1.json"
    latin.write_bytes('{"name": "Hải quan"}'.encode("cp1258", errors="replace") + b"\xff")
    refused(haiquan("gateway", "send", "atiga-form-d", str(latin), "--to", "THA",
                    "--home", str(vnm.home)), "not UTF-8")
    assert outbox_size(vnm) == 0


def test_send_refuses_non_json_with_line_and_column(
    haiquan: Haiquan, linked, tmp_path: Path
) -> None:
    vnm, _ = linked
    bad = tmp_path / "form.json"
    bad.write_text('{\n  "reference_number": "X",\n  oops\n}\n')
    refused(haiquan("gateway", "send", "atiga-form-d", str(bad), "--to", "THA",
                    "--home", str(vnm.home)), "not valid JSON", "line 3, column 3", str(bad))
    assert outbox_size(vnm) == 0


def test_the_documented_example_is_sent_as_the_walkthrough_shows(
    haiquan: Haiquan, linked
) -> None:
    vnm, _ = linked
    result = haiquan("gateway", "send", "atiga-form-d", str(EXAMPLE_FORM_D), "--to", "THA",
                     "--home", str(vnm.home))
    assert result.code == 0, result.err
    assert vnm.message(result.out.strip()).state == "pending"


# --- 2. the partner's JWKS file ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        (None, ("cannot be read", "No such file")),
        ("kid,exp\nTHA-1,123\n", ("not valid JSON", "line 1, column 1")),
        ('{"keys": []}', ("has no keys",)),
        ('{"keys": [{"kty": "RSA", "kid": "THA-1", "exp": 4102444800}]}', ("cannot be used",)),
    ],
    ids=["missing", "csv", "no-keys", "rsa-key"],
)
def test_partner_add_refuses_a_bad_jwks_file(
    haiquan: Haiquan, make_node, tmp_path: Path, content: str | None,  # noqa: F811
    fragments: tuple[str, ...],
) -> None:
    vnm = make_node("VNM")
    path = tmp_path / "notjson.csv"
    if content is not None:
        path.write_text(content)
    result = haiquan("gateway", "partner", "add", "SGP", "--endpoint", "http://127.0.0.1:9",
                     "--jwks", str(path), "--home", str(vnm.home))
    refused(result, *fragments)
    assert GatewayNode.from_home(vnm.home).trust.partners == {}


# --- 3. a folder without a node ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("arguments", "option"),
    [
        (("gateway", "status", "--home"), "--home"),
        (("gateway", "messages", "--home"), "--home"),
        (("aeo", "send-list", "VN_KOR_AEO_MRA", "KOR", "--gateway-home"), "--gateway-home"),
        (("aeo", "apply-inbox", "--gateway-home"), "--gateway-home"),
    ],
)
def test_a_missing_node_names_the_option_typed(
    haiquan: Haiquan, tmp_path: Path, arguments: tuple[str, ...], option: str
) -> None:
    folder = tmp_path / "nowhere"
    result = haiquan(*arguments, str(folder))
    refused(result, f"no gateway node in {folder}", f"pass {option} ", "haiquan gateway init")
    other = "--home" if option == "--gateway-home" else "--gateway-home"
    assert f"pass {other} " not in result.err


def test_a_missing_default_node_says_no_option_was_given(
    haiquan: Haiquan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from haiquan.settings import reset_settings

    monkeypatch.setenv("HAIQUAN_GATEWAY_HOME", str(tmp_path / "default-node"))
    reset_settings()
    refused(haiquan("gateway", "status"), "no --home", "HAIQUAN_GATEWAY_HOME")


# --- 4. init on an existing node -----------------------------------------------------------------
def test_init_on_an_existing_node_says_what_to_run(haiquan: Haiquan, make_node) -> None:  # noqa: F811
    vnm = make_node("VNM")
    before = (vnm.home / "node.yaml").read_text()
    result = haiquan("gateway", "init", "--country", "VNM", "--endpoint", "http://127.0.0.1:1",
                     "--home", str(vnm.home))
    refused(result, "already exists", f"haiquan gateway status --home {vnm.home}", "--home")
    assert "to fix: open it with GatewayNode" not in result.err
    assert (vnm.home / "node.yaml").read_text() == before


def test_init_with_a_bad_database_url_leaves_nothing_and_can_be_run_again(
    haiquan: Haiquan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from haiquan.settings import reset_settings

    home = tmp_path / "vnm"
    arguments = ("gateway", "init", "--country", "VNM", "--endpoint", "http://127.0.0.1:1",
                 "--home", str(home))
    monkeypatch.setenv("HAIQUAN_GATEWAY_DATABASE_URL", "notaurl")
    reset_settings()
    result = haiquan(*arguments)
    assert result.code == 1 and result.err.startswith("error:"), result
    assert "database URL cannot be read" in result.err and "notaurl" in result.err
    assert not home.exists()
    monkeypatch.delenv("HAIQUAN_GATEWAY_DATABASE_URL")
    reset_settings()
    again = haiquan(*arguments)
    assert again.code == 0 and "node VNM created" in again.out, again


# --- 5. ack and requeue: all or nothing ----------------------------------------------------------
def test_ack_with_an_unknown_id_names_it_and_acknowledges_nothing(
    haiquan: Haiquan, linked, serve  # noqa: F811
) -> None:
    vnm, tha = linked
    mid = vnm.send("atiga-form-d", samples.form_d(), receiver="THA")
    serve(tha)
    assert vnm.dispatch_until_idle().delivered == 1
    result = haiquan("gateway", "ack", mid, "NO-SUCH-ID", "--home", str(tha.home))
    refused(result, "NO-SUCH-ID", "not in the inbox", "nothing was changed",
            "haiquan gateway inbox")
    assert mid not in result.err.split("got", 1)[1].split(";")[0]
    assert [m.message_id for m in tha.inbox()] == [mid]

    assert "1 message(s) acknowledged" in haiquan("gateway", "ack", mid, "--home",
                                                  str(tha.home)).out
    again = haiquan("gateway", "ack", mid, "--home", str(tha.home))
    assert again.code == 0 and "1 already acknowledged" in again.out


def test_requeue_refuses_unknown_and_unfailed_ids(haiquan: Haiquan, linked) -> None:
    vnm, _ = linked
    mid = vnm.send("atiga-form-d", samples.form_d(), receiver="THA")
    refused(haiquan("gateway", "requeue", "NO-SUCH-ID", "--home", str(vnm.home)),
            "NO-SUCH-ID", "not in the outbox", "nothing was changed")
    refused(haiquan("gateway", "requeue", mid, "--home", str(vnm.home)),
            "only failed messages", f"{mid} (pending)")
    assert vnm.message(mid).state == "pending"


def test_requeue_of_a_failed_message_with_an_unknown_one_requeues_nothing(
    haiquan: Haiquan, linked
) -> None:
    from sqlalchemy import update

    from haiquan.exchange.tables import outbox

    vnm, _ = linked
    mid = vnm.send("atiga-form-d", samples.form_d(), receiver="THA")
    with vnm.store.write() as conn:
        conn.execute(update(outbox).values(state="failed", last_error="unknown sender"))
    refused(haiquan("gateway", "requeue", mid, "NO-SUCH-ID", "--home", str(vnm.home)),
            "NO-SUCH-ID")
    assert vnm.message(mid).state == "failed"
    result = haiquan("gateway", "requeue", mid, "--home", str(vnm.home))
    assert result.code == 0 and "1 message(s) requeued" in result.out
    assert vnm.message(mid).state == "pending"


# --- 6. status as a table ------------------------------------------------------------------------
def test_status_prints_a_table_and_json_on_request(haiquan: Haiquan, linked) -> None:
    vnm, _ = linked
    vnm.send("atiga-form-d", samples.form_d(), receiver="THA")
    table = haiquan("gateway", "status", "--home", str(vnm.home))
    assert table.code == 0, table.err
    assert "outbox pending" in table.out and "Pending by partner" in table.out
    assert "THA" in table.out and "oldest pending" in table.out
    assert not table.out.lstrip().startswith("{")
    machine = haiquan("gateway", "status", "--json", "--home", str(vnm.home))
    assert json.loads(machine.out)["outbox"]["pending"] == 1


# --- 7. trust: one key, one partner; a broken trust.yaml ----------------------------------------
def test_partner_add_refuses_a_key_trusted_for_another_partner(
    haiquan: Haiquan, linked, tmp_path: Path
) -> None:
    vnm, tha = linked
    jwks = tmp_path / "tha.jwks.json"
    jwks.write_text(json.dumps(tha.jwks()))
    before = (vnm.home / "trust.yaml").read_text()
    result = haiquan("gateway", "partner", "add", "LAO", "--endpoint", "http://127.0.0.1:9",
                     "--jwks", str(jwks), "--home", str(vnm.home))
    refused(result, tha.keyring.active.kid, "already trusted for partner THA",
            "nothing was changed", "a key belongs to one partner")
    assert (vnm.home / "trust.yaml").read_text() == before
    # The same public key under another key id is the same key.
    renamed = {"keys": [dict(k, kid="LAO-20260101-00000000") for k in tha.jwks()["keys"]]}
    jwks.write_text(json.dumps(renamed))
    refused(haiquan("gateway", "partner", "add", "LAO", "--endpoint", "http://127.0.0.1:9",
                    "--jwks", str(jwks), "--home", str(vnm.home)), "partner THA")
    assert (vnm.home / "trust.yaml").read_text() == before


def test_store_commands_work_with_a_broken_trust_file_and_trust_commands_do_not(
    haiquan: Haiquan, linked, serve, tmp_path: Path  # noqa: F811
) -> None:
    vnm, tha = linked
    mid = vnm.send("atiga-form-d", samples.form_d(), receiver="THA")
    serve(tha)
    assert vnm.dispatch_until_idle().delivered == 1
    for node in (vnm, tha):
        (node.home / "trust.yaml").write_text("partners: [broken\n")
    warning = "warning: the trust store"
    for arguments in [("status",), ("status", "--json"), ("messages",), ("show", mid)]:
        result = haiquan("gateway", *arguments, "--home", str(vnm.home))
        assert result.code == 0, result
        assert result.err.startswith(warning) and "sending, serving" in result.err
        assert mid in result.out or "delivered" in result.out
    inbox = haiquan("gateway", "inbox", "--home", str(tha.home))
    assert inbox.code == 0 and json.loads(inbox.out)["message_id"] == mid
    assert inbox.err.startswith(warning)
    form = tmp_path / "form-d.json"
    form.write_text(json.dumps(samples.form_d()))
    for arguments in [("send", "atiga-form-d", str(form), "--to", "THA"), ("dispatch",),
                      ("serve", "--port", "1")]:
        result = haiquan("gateway", *arguments, "--home", str(vnm.home))
        assert result.code == 1 and result.err.startswith("error: the trust store"), result
        assert "not valid YAML" in result.err
    assert sum(vnm.summary().outbox.values()) == 1
