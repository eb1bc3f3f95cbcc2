"""Node keys: creation, rotation, JWKS publication, sign → verify round trips."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haiquan.errors import ConfigurationError, PermissionDeniedError, SignatureError
from haiquan.exchange.keys import NodeKeyring
from haiquan.exchange.trust import PartnerConfig, TrustedKey, TrustStore


def _trust_for(ring: NodeKeyring, path: Path) -> TrustStore:
    jwks = ring.jwks()
    keys = [
        TrustedKey(kid=k["kid"], expires_at=ring.keys[i].expires_at,
                   jwk={n: v for n, v in k.items() if n != "exp"})
        for i, k in enumerate(jwks["keys"])
    ]
    store = TrustStore(path, {})
    store.set_partner(ring.country, PartnerConfig(endpoint="http://127.0.0.1:1", keys=keys))
    return store


@pytest.mark.parametrize("alg", ["Ed25519", "ES256"])
def test_a_new_keyring_signs_and_its_jwks_verifies(tmp_path: Path, alg: str) -> None:
    ring = NodeKeyring.create(tmp_path / "keyring.json", "VNM", alg=alg)  # type: ignore[arg-type]
    token = ring.sign(b"hello")
    verified = _trust_for(ring, tmp_path / "trust.yaml").verify(token)
    assert verified.payload == b"hello"
    assert verified.partner == "VNM"
    assert (tmp_path / "keyring.json").stat().st_mode & 0o777 == 0o600
    assert "d" not in ring.jwks()["keys"][0]


def test_rotation_keeps_the_old_key_verifying_until_it_expires(tmp_path: Path) -> None:
    ring = NodeKeyring.create(tmp_path / "keyring.json", "VNM")
    old_token = ring.sign(b"before rotation")
    new = ring.rotate()
    assert ring.active.kid == new.kid
    assert len(ring.jwks()["keys"]) == 2
    trust = _trust_for(NodeKeyring.load(tmp_path / "keyring.json", "VNM"), tmp_path / "t.yaml")
    assert trust.verify(old_token).payload == b"before rotation"
    assert trust.verify(ring.sign(b"after")).kid == new.kid
    old_kid = old_token and trust.verify(old_token).kid
    expiry = trust.partners["VNM"].keys[0].expires_at
    with pytest.raises(SignatureError, match="expired"):
        trust.verify(old_token, at=expiry + timedelta(seconds=1))
    assert old_kid != new.kid


def test_a_revoked_key_leaves_the_jwks_at_once_and_partners_who_refresh_refuse_it(
    tmp_path: Path,
) -> None:
    ring = NodeKeyring.create(tmp_path / "keyring.json", "VNM")
    leaked = ring.sign(b"signed with a key that leaked")
    old = ring.active.kid
    new = ring.rotate(revoke=True)
    reloaded = NodeKeyring.load(tmp_path / "keyring.json", "VNM")
    assert [k["kid"] for k in reloaded.jwks()["keys"]] == [new.kid]
    assert next(k for k in reloaded.keys if k.kid == old).revoked_at is not None
    refreshed = _trust_for(reloaded, tmp_path / "t.yaml")  # the partner's copy after refresh
    with pytest.raises(PermissionDeniedError, match="does not hold"):
        refreshed.verify(leaked)
    assert refreshed.verify(reloaded.sign(b"after")).kid == new.kid


def test_a_damaged_keyring_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    path.write_text('{"keys": [{"kid": "x"}]}')
    with pytest.raises(ConfigurationError, match="damaged"):
        NodeKeyring.load(path, "VNM")
    with pytest.raises(ConfigurationError, match="no signing keys"):
        NodeKeyring.load(tmp_path / "absent.json", "VNM")


_RING: dict[str, tuple[NodeKeyring, TrustStore]] = {}


def _shared_ring(tmp: Path) -> tuple[NodeKeyring, TrustStore]:
    if "r" not in _RING:
        ring = NodeKeyring.create(tmp / "keyring.json", "THA")
        _RING["r"] = (ring, _trust_for(ring, tmp / "trust.yaml"))
    return _RING["r"]


@settings(max_examples=60, deadline=None)
@given(payload=st.binary(max_size=2000))
def test_sign_then_verify_round_trips_any_payload(payload: bytes, tmp_path_factory) -> None:
    ring, trust = _shared_ring(tmp_path_factory.mktemp("ring"))
    assert trust.verify(ring.sign(payload)).payload == payload


@settings(max_examples=40, deadline=None)
@given(payload=st.binary(min_size=1, max_size=500), flip=st.integers(min_value=0))
def test_any_changed_byte_breaks_the_signature(payload: bytes, flip: int, tmp_path_factory) -> None:
    ring, trust = _shared_ring(tmp_path_factory.mktemp("ring"))
    token = ring.sign(payload)
    header, body, signature = token.split(".")
    tampered = bytearray(payload)
    tampered[flip % len(tampered)] ^= 0x01
    import base64

    forged_body = base64.urlsafe_b64encode(bytes(tampered)).rstrip(b"=").decode()
    with pytest.raises(SignatureError):
        trust.verify(f"{header}.{forged_body}.{signature}")


@pytest.mark.parametrize("alg", ["Ed25519", "ES256"])
def test_our_compact_jws_and_joserfc_agree_both_ways(tmp_path: Path, alg: str) -> None:
    """Signing and verifying are written on cryptography directly for speed; joserfc, a general
    JOSE implementation, must accept what we sign, and we must accept what it signs."""
    from joserfc import jws

    from haiquan.exchange.keys import JWS_REGISTRY
    from haiquan.exchange.trust import read_jws_header

    ring = NodeKeyring.create(tmp_path / "keyring.json", "VNM", alg=alg)  # type: ignore[arg-type]
    trust = _trust_for(ring, tmp_path / "trust.yaml")
    for payload in (b"", b"{}", "Hải quan ✓".encode(), bytes(range(256)) * 8):
        ours = ring.sign(payload, {"typ": "haiquan-envelope+jws", "iat": 1_800_000_000})
        decoded = jws.deserialize_compact(ours, ring.active.key, registry=JWS_REGISTRY)
        assert decoded.payload == payload and decoded.headers()["iat"] == 1_800_000_000
        theirs = jws.serialize_compact({"alg": alg, "kid": ring.active.kid}, payload,
                                       ring.active.key, registry=JWS_REGISTRY)
        assert trust.verify(theirs).payload == payload
        assert read_jws_header(ours)["kid"] == ring.active.kid


def test_jws_header_extensions_and_bad_signatures_are_refused(tmp_path: Path) -> None:
    import base64

    ring = NodeKeyring.create(tmp_path / "keyring.json", "VNM")
    trust = _trust_for(ring, tmp_path / "trust.yaml")
    token = ring.sign(b"x", {"crit": ["exp"]})
    with pytest.raises(SignatureError, match="extensions"):
        trust.verify(token)
    header, body, _ = ring.sign(b"x").split(".")
    short = base64.urlsafe_b64encode(b"\0" * 10).decode().rstrip("=")
    for signature in (short, "!!!!", base64.urlsafe_b64encode(b"\0" * 64).decode().rstrip("=")):
        with pytest.raises(SignatureError, match="does not verify"):
            trust.verify(f"{header}.{body}.{signature}")


@pytest.mark.parametrize("alg", ["Ed25519", "ES256"])
def test_sign_many_gives_the_same_verifiable_tokens_as_sign(tmp_path: Path, alg: str) -> None:
    ring = NodeKeyring.create(tmp_path / "keyring.json", "THA", alg=alg)  # type: ignore[arg-type]
    trust = _trust_for(ring, tmp_path / "trust.yaml")
    payloads = [b"", b"one", "hai quan \u1ea3".encode()]
    tokens = ring.sign_many(payloads, {"typ": "x", "iat": 1})
    assert [trust.verify(t).payload for t in tokens] == payloads
    assert {t.split(".")[0] for t in tokens} == {ring.sign(b"", {"typ": "x", "iat": 1})
                                                 .split(".")[0]}
    if alg == "Ed25519":  # deterministic signatures: exactly what sign() gives
        assert tokens == [ring.sign(p, {"typ": "x", "iat": 1}) for p in payloads]
