"""node.yaml and trust.yaml are validated on load: one test per kind of bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from haiquan.errors import ConfigurationError, InputError
from haiquan.exchange import GatewayNode, GatewayStore, NodeConfig, TrustStore

from .conftest import NodeFactory, free_port

GOOD_NODE = "country: VNM\nendpoint: http://127.0.0.1:8801\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_node_file_loads(tmp_path: Path) -> None:
    config = NodeConfig.load(_write(tmp_path, "node.yaml", GOOD_NODE + "max_batch: 50\n"))
    assert (config.country, config.max_batch, config.replay_window_seconds) == ("VNM", 50, 300)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("country: [VNM\n", "not valid YAML"),
        ("- VNM\n- THA\n", "wrong shape"),
        ("endpoint: http://127.0.0.1:8801\n", "invalid at country"),
        ("country: Vietnam\nendpoint: http://127.0.0.1:8801\n", "invalid at country"),
        ("country: VNM\nendpoint: ftp://example\n", "invalid at endpoint"),
        (GOOD_NODE + "max_batch: lots\n", "invalid at max_batch"),
        (GOOD_NODE + "max_payload_bytes: -1\n", "invalid at max_payload_bytes"),
        (GOOD_NODE + "colour: blue\n", "invalid at colour"),
    ],
    ids=["not-yaml", "not-mapping", "no-country", "bad-country", "bad-endpoint", "bad-type",
         "out-of-range", "unknown-field"],
)
def test_a_bad_node_file_is_refused_clearly(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, "node.yaml", text)
    with pytest.raises(ConfigurationError, match=message) as caught:
        NodeConfig.load(path)
    assert str(path) in str(caught.value) and caught.value.fix


def test_a_missing_node_is_refused_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="gateway init"):
        GatewayNode.from_home(tmp_path / "nowhere")


def test_init_refuses_to_overwrite_a_node(make_node: NodeFactory) -> None:
    from haiquan.errors import ConflictError

    node = make_node("VNM")
    with pytest.raises(ConflictError, match="already exists"):
        GatewayNode.init(node.home, country="VNM", endpoint="http://127.0.0.1:1")


@pytest.mark.parametrize(
    ("url", "message"),
    [("notaurl", "cannot be read"), ("mysql://gw@db/gw", "unsupported"),
     ("sqlite:///gw.db?synchronous=sometimes", "synchronous"),
     ("postgresql+psycopg://gw:s3cret@127.0.0.1:1/gw", "cannot be opened")],
    ids=["not-a-url", "mysql", "bad-sqlite-mode", "database-down"],
)
def test_init_with_a_bad_database_leaves_no_file_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, message: str
) -> None:
    from haiquan.settings import reset_settings

    home = tmp_path / "new" / "vnm"
    monkeypatch.setenv("HAIQUAN_GATEWAY_DATABASE_URL", url)
    reset_settings()
    with pytest.raises(ConfigurationError, match=message) as caught:
        GatewayNode.init(home, country="VNM", endpoint="http://127.0.0.1:1")
    assert "s3cret" not in str(caught.value)
    assert not (tmp_path / "new").exists()
    monkeypatch.delenv("HAIQUAN_GATEWAY_DATABASE_URL")
    reset_settings()
    node = GatewayNode.init(home, country="VNM", endpoint="http://127.0.0.1:1")  # can retry
    node.close()
    # In an existing folder only what init wrote is removed.
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "notes.txt").write_text("mine")
    with pytest.raises(ConfigurationError):
        GatewayNode.init(kept, country="VNM", endpoint="http://127.0.0.1:1", database_url=url)
    assert [p.name for p in kept.iterdir()] == ["notes.txt"]


JWK = "{kty: OKP, crv: Ed25519, x: 11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("partners: {THA: {endpoint: [x\n", "not valid YAML"),
        ("[THA]\n", "wrong shape"),
        (f"partners: {{Thailand: {{endpoint: 'https://x', keys: [{{kid: k, "
         f"expires_at: '2030-01-01T00:00:00Z', jwk: {JWK}}}]}}}}\n", "alpha-3"),
        ("partners: {THA: {endpoint: 'https://x', keys: []}}\n", "invalid at partners.THA.keys"),
        (f"partners: {{THA: {{keys: [{{kid: k, expires_at: '2030-01-01T00:00:00Z', "
         f"jwk: {JWK}}}]}}}}\n", "invalid at partners.THA.endpoint"),
        (f"partners: {{THA: {{endpoint: 'https://x', keys: [{{kid: k, expires_at: soon, "
         f"jwk: {JWK}}}]}}}}\n", "expires_at"),
        ("partners: {THA: {endpoint: 'https://x', keys: [{kid: k, expires_at: "
         "'2030-01-01T00:00:00Z', jwk: {kty: RSA, n: abc, e: AQAB}}]}}\n", "unsupported"),
        ("trusted: everyone\n", "invalid at trusted"),
        (f"partners: {{THA: {{endpoint: 'https://x', keys: [{{kid: k, "
         f"expires_at: '2030-01-01T00:00:00Z', jwk: {JWK}}}]}}, LAO: {{endpoint: 'https://y', "
         f"keys: [{{kid: other, expires_at: '2030-01-01T00:00:00Z', jwk: {JWK}}}]}}}}\n",
         "key other of LAO is also a key of THA"),
        (f"partners: {{THA: {{endpoint: 'http://gw.customs.go.th', keys: [{{kid: k, "
         f"expires_at: '2030-01-01T00:00:00Z', jwk: {JWK}}}]}}}}\n", "plain HTTP"),
    ],
    ids=["not-yaml", "not-mapping", "bad-country", "no-keys", "no-endpoint", "bad-expiry",
         "rsa-key", "unknown-field", "one-key-two-partners", "plain-http"],
)
def test_a_bad_trust_file_is_refused_clearly(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, "trust.yaml", text)
    with pytest.raises(ConfigurationError, match=message):
        TrustStore.load(path)


def test_a_bad_trust_file_written_while_serving_keeps_the_old_trust(
    make_node: NodeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    vnm, tha, mys = make_node("VNM"), make_node("THA"), make_node("MYS")
    vnm.add_partner("THA", tha.config.endpoint, jwks=tha.jwks())
    running = TrustStore.load(vnm.home / "trust.yaml")  # what a serving process holds
    (vnm.home / "trust.yaml").write_text("partners: [broken\n")
    assert running.reload_if_changed() is False
    assert "previous one stays in force" in caplog.text
    assert list(running.partners) == ["THA"]
    vnm.add_partner("MYS", mys.config.endpoint, jwks=mys.jwks())  # a good edit is taken
    assert running.reload_if_changed() is True
    assert sorted(running.partners) == ["MYS", "THA"]


@pytest.mark.parametrize("by", ["option", "setting"])
def test_init_refuses_a_store_path_whose_folder_does_not_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, by: str
) -> None:
    from haiquan.settings import reset_settings

    typo = tmp_path / "srv-typo" / "gw" / "gateway.db"
    home = tmp_path / "new" / "vnm"
    options: dict[str, str] = {}
    if by == "setting":
        monkeypatch.setenv("HAIQUAN_GATEWAY_DATABASE_URL", f"sqlite:///{typo}")
        reset_settings()
    else:
        options["database_url"] = f"sqlite:///{typo}"
    with pytest.raises(ConfigurationError) as caught:
        GatewayNode.init(home, country="VNM", endpoint="http://127.0.0.1:1", **options)
    error = caught.value
    assert error.summary == "the gateway store's folder does not exist"
    assert str(typo.parent) in str(error.got) and f"mkdir -p {typo.parent}" in str(error.fix)
    named = "HAIQUAN_GATEWAY_DATABASE_URL" if by == "setting" else "--database-url"
    assert named in str(error.got) and named in str(error.fix)
    assert not (tmp_path / "srv-typo").exists() and not (tmp_path / "new").exists()
    typo.parent.mkdir(parents=True)  # the fix the message gives
    GatewayNode.init(home, country="VNM", endpoint="http://127.0.0.1:1", **options).close()
    assert typo.exists()


def test_init_may_put_its_own_store_in_the_new_node_folder(tmp_path: Path) -> None:
    home = tmp_path / "new" / "vnm"
    url = f"sqlite:///{home / 'store.sqlite'}"
    GatewayNode.init(home, country="VNM", endpoint="http://127.0.0.1:1", database_url=url).close()
    assert (home / "store.sqlite").exists()
    # The default store's folder is the node folder: made for it, when it has gone missing.
    default = tmp_path / "other"
    GatewayNode.init(default, country="VNM", endpoint="http://127.0.0.1:1").close()
    assert (default / "gateway.db").exists()


def test_opening_a_node_refuses_a_store_folder_that_has_gone(make_node: NodeFactory) -> None:
    node = make_node("VNM")
    node.close()
    elsewhere = node.home.parent / "moved" / "gateway.db"
    text = (node.home / "node.yaml").read_text()
    (node.home / "node.yaml").write_text(text.replace("database_url: null",
                                                      f"database_url: sqlite:///{elsewhere}"))
    with pytest.raises(ConfigurationError, match="folder does not exist") as caught:
        GatewayNode.from_home(node.home)
    assert f"database_url in {node.home / 'node.yaml'}" in str(caught.value.fix)
    assert not elsewhere.parent.exists()


@pytest.mark.parametrize("url", ["sqlite:///gateway.db", "sqlite:///srv/gw/gateway.db"],
                         ids=["bare-name", "missing-fourth-slash"])
def test_a_relative_store_path_is_refused_wherever_the_command_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    # Relative to the folder a command runs in, each command would open its own empty store.
    (tmp_path / "srv" / "gw").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    home = tmp_path / "vnm"
    with pytest.raises(ConfigurationError, match="path is relative") as caught:
        GatewayNode.init(home, country="VNM", endpoint="http://127.0.0.1:1", database_url=url)
    path = url.removeprefix("sqlite:///")
    assert "--database-url" in str(caught.value.fix)
    assert f"sqlite:////{path}" in str(caught.value.fix)
    assert not home.exists() and list((tmp_path / "srv" / "gw").iterdir()) == []
    assert not (tmp_path / "gateway.db").exists()
    with pytest.raises(ConfigurationError, match="path is relative"):
        GatewayStore(url)


def test_init_names_the_option_when_the_database_cannot_be_opened(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/test"  # nothing listens
    with pytest.raises(ConfigurationError, match="cannot be opened") as caught:
        GatewayNode.init(tmp_path / "vnm", country="VNM", endpoint="http://127.0.0.1:1",
                         database_url=url)
    # Not the node.yaml that init removed again.
    assert "--database-url" in str(caught.value.fix) and "vnm/node.yaml" not in str(
        caught.value.fix)
    assert not (tmp_path / "vnm").exists()


def test_plain_http_to_another_machine_only_when_the_operator_says_the_link_is_closed(
    tmp_path: Path, make_node: NodeFactory,
) -> None:
    path = _write(tmp_path, "trust.yaml", (
        f"partners: {{THA: {{endpoint: 'http://gw.customs.go.th', plain_http: true, keys: "
        f"[{{kid: k, expires_at: '2030-01-01T00:00:00Z', jwk: {JWK}}}]}}}}\n"))
    assert TrustStore.load(path).partners["THA"].plain_http
    vnm = make_node("VNM")
    with pytest.raises(InputError, match="not encrypted") as caught:
        vnm.add_partner("THA", "http://gw.customs.go.th", jwks={"keys": []})
    assert "--plain-http" in str(caught.value.fix)
    assert "THA" not in vnm.trust.partners  # nothing fetched, nothing written
