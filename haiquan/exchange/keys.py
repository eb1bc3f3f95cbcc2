"""A node's own signing keys: generate, rotate, sign, and publish the public half as a JWKS.

Each key is Ed25519 (JWS ``alg`` "Ed25519", RFC 9864) by default, or ECDSA P-256 ("ES256") for
administrations whose HSM policy requires NIST curves. The keyring lives in ``keys/keyring.json``
in the node home, readable by its owner only. Only the newest active key signs; a rotated key is
*retired* but still published in the JWKS until its ``expires_at``, so partners go on verifying
messages and receipts signed before the rotation ("old keys verify until they expire").
A key that may be compromised is *revoked* instead (``rotate(revoke=True)``): it leaves the JWKS
at once, and partners stop trusting it when they refresh their copy of the JWKS.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from joserfc.jwk import ECKey, OKPKey
from joserfc.jws import JWSRegistry
from joserfc.registry import HeaderParameter

from haiquan import base64url
from haiquan.errors import ConfigurationError
from haiquan.exchange._util import parse_time, utcnow, write_private_file

__all__ = [
    "ALGORITHMS",
    "JWS_REGISTRY",
    "KeyAlgorithm",
    "NodeKey",
    "NodeKeyring",
    "compact_sign",
    "compact_sign_many",
    "import_public_jwk",
]

KeyAlgorithm = Literal["Ed25519", "ES256"]

#: JWS algorithms a node accepts, by key type: fully specified, never "none".
ALGORITHMS: dict[str, KeyAlgorithm] = {"OKP": "Ed25519", "EC": "ES256"}

JoseKey = OKPKey | ECKey

#: joserfc's registry for haiquan JWSs: the extra header ``iat`` (signing time, Unix seconds)
#: that the receiver checks against its replay window. Signing and verifying go straight to
#: ``cryptography`` (see :func:`compact_sign`); the tests check joserfc agrees both ways.
JWS_REGISTRY = JWSRegistry(
    header_registry={"iat": HeaderParameter("Issued at (Unix seconds)", "int")},
    algorithms=list(ALGORITHMS.values()),
)




def compact_sign(key: JoseKey, header: dict[str, Any], payload: bytes) -> str:
    """A compact JWS (RFC 7515) of ``payload`` signed with a private Ed25519 or P-256 key.

    Written directly on ``cryptography``: at 1,000 messages per second a general JOSE library's
    header checks cost more than the Ed25519 signature itself.
    """
    return compact_sign_many(key, header, [payload])[0]


def compact_sign_many(key: JoseKey, header: dict[str, Any], payloads: list[bytes]) -> list[str]:
    """Compact JWSs of several payloads under one protected header (encoded once)."""
    header_json = json.dumps(header, separators=(",", ":"), sort_keys=True)
    encoded_header = base64url.encode(header_json.encode())
    private = key.private_key
    tokens = []
    for payload in payloads:
        signing_input = f"{encoded_header}.{base64url.encode(payload)}"
        if isinstance(private, ec.EllipticCurvePrivateKey):
            r, s = decode_dss_signature(
                private.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
            )
            signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        else:
            signature = private.sign(signing_input.encode())  # type: ignore[union-attr,call-arg]
        tokens.append(f"{signing_input}.{base64url.encode(signature)}")
    return tokens


def import_public_jwk(jwk: dict[str, Any]) -> JoseKey:
    """Import a public JWK of an accepted type, refusing private material and other key types."""
    kty = jwk.get("kty")
    if kty == "OKP" and jwk.get("crv") == "Ed25519":
        key: JoseKey = OKPKey.import_key({k: v for k, v in jwk.items() if k != "d"})
    elif kty == "EC" and jwk.get("crv") == "P-256":
        key = ECKey.import_key({k: v for k, v in jwk.items() if k != "d"})
    else:
        raise ConfigurationError(
            "unsupported partner key",
            expected="an Ed25519 (kty OKP) or P-256 (kty EC) public JWK",
            got=f"kty={kty!r} crv={jwk.get('crv')!r}",
            fix="ask the partner for an Ed25519 or ES256 signing key",
        )
    return key


@dataclass
class NodeKey:
    """One signing key of this node with its life dates."""

    kid: str
    alg: KeyAlgorithm
    key: JoseKey
    created_at: datetime
    expires_at: datetime
    retired_at: datetime | None = None
    #: Set when the key was withdrawn early (it may be compromised): no longer published.
    revoked_at: datetime | None = None

    def public_jwk(self) -> dict[str, Any]:
        """The public JWK as published, with ``exp`` (Unix seconds) telling partners its end."""
        jwk: dict[str, Any] = dict(self.key.as_dict(private=False))
        jwk.update(kid=self.kid, alg=self.alg, use="sig", exp=int(self.expires_at.timestamp()))
        return jwk

    def to_record(self) -> dict[str, Any]:
        return {
            "kid": self.kid,
            "alg": self.alg,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "retired_at": self.retired_at.isoformat() if self.retired_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "private_jwk": dict(self.key.as_dict(private=True)),
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> NodeKey:
        jwk = record["private_jwk"]
        key: JoseKey = OKPKey.import_key(jwk) if jwk["kty"] == "OKP" else ECKey.import_key(jwk)
        return cls(
            kid=record["kid"],
            alg=record["alg"],
            key=key,
            created_at=parse_time(record["created_at"]),
            expires_at=parse_time(record["expires_at"]),
            retired_at=parse_time(record["retired_at"]) if record.get("retired_at") else None,
            revoked_at=parse_time(record["revoked_at"]) if record.get("revoked_at") else None,
        )


class NodeKeyring:
    """The signing keys of one node, persisted in ``keyring.json``.

    Args:
        path: the keyring file.
        country: the node's ISO alpha-3 country, used in key ids (``VNM-20261125-1a2b3c4d``).
        keys: the keys, oldest first.
    """

    def __init__(self, path: Path, country: str, keys: list[NodeKey]) -> None:
        self.path = path
        self.country = country
        self.keys = keys
        self._mtime = self._stat()

    def _stat(self) -> float | None:
        try:
            return self.path.stat().st_mtime
        except FileNotFoundError:
            return None

    def reload_if_changed(self) -> None:
        """Pick up a rotation made by another process (``haiquan gateway rotate-key``)."""
        mtime = self._stat()
        if mtime != self._mtime:
            self.keys = NodeKeyring.load(self.path, self.country).keys
            self._mtime = mtime

    # --- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def create(
        cls, path: Path, country: str, *, alg: KeyAlgorithm = "Ed25519", lifetime_days: int = 730
    ) -> NodeKeyring:
        """A new keyring holding one fresh key, written to ``path``."""
        ring = cls(path, country, [])
        ring.keys.append(ring._new_key(alg, lifetime_days))
        ring.save()
        return ring

    @classmethod
    def load(cls, path: Path, country: str) -> NodeKeyring:
        """Read the keyring, refusing a damaged file with a clear error."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            keys = [NodeKey.from_record(record) for record in data["keys"]]
        except FileNotFoundError as error:
            raise ConfigurationError(
                "the node has no signing keys",
                expected=f"a keyring at {path}",
                got="no such file",
                fix="run `haiquan gateway init` to create the node and its keys",
            ) from error
        except (ValueError, KeyError, TypeError) as error:
            raise ConfigurationError(
                f"the keyring {path} is damaged",
                expected='JSON {"keys": [{"kid", "alg", "created_at", "expires_at", '
                '"private_jwk"}]}',
                got=f"{type(error).__name__}: {error}",
                fix="restore the keyring from backup; partners trust only its public keys",
            ) from error
        if not keys:
            raise ConfigurationError(
                f"the keyring {path} holds no keys",
                expected="at least one signing key",
                got="an empty list",
                fix="run `haiquan gateway rotate-key` to create one",
            )
        return cls(path, country, keys)

    def save(self) -> None:
        text = json.dumps({"keys": [k.to_record() for k in self.keys]}, indent=2)
        write_private_file(self.path, text)
        self._mtime = self._stat()

    def _new_key(self, alg: KeyAlgorithm, lifetime_days: int) -> NodeKey:
        now = utcnow().replace(microsecond=0)
        kid = f"{self.country}-{now:%Y%m%d}-{secrets.token_hex(4)}"
        if alg == "Ed25519":
            key: JoseKey = OKPKey.generate_key("Ed25519", parameters={"kid": kid})
        else:
            key = ECKey.generate_key("P-256", parameters={"kid": kid})
        return NodeKey(kid, alg, key, now, now + timedelta(days=lifetime_days))

    def rotate(
        self, *, alg: KeyAlgorithm | None = None, lifetime_days: int = 730, revoke: bool = False
    ) -> NodeKey:
        """Create a new signing key and retire the current one (it still verifies until expiry).

        With ``revoke`` the current key is also withdrawn from the JWKS at once, for a key that
        may have leaked: partners who refresh their copy stop accepting anything signed with it
        (messages waiting in the outbox are signed when they are sent, so with the new key).
        """
        current = self.active
        new = self._new_key(alg or current.alg, lifetime_days)
        current.retired_at = utcnow().replace(microsecond=0)
        if revoke:
            current.revoked_at = current.retired_at
        self.keys.append(new)
        self.save()
        return new

    # --- use ---------------------------------------------------------------------------------
    @property
    def active(self) -> NodeKey:
        """The key that signs now: the newest one neither retired nor expired."""
        now = utcnow()
        for key in reversed(self.keys):
            if key.retired_at is None and key.expires_at > now:
                return key
        raise ConfigurationError(
            "the node has no usable signing key",
            expected="a key that is neither retired nor expired",
            got=", ".join(f"{k.kid} (expires {k.expires_at:%Y-%m-%d})" for k in self.keys),
            fix="run `haiquan gateway rotate-key`, then let partners refresh your JWKS",
        )

    def sign(self, payload: bytes, extra_header: dict[str, Any] | None = None) -> str:
        """Sign ``payload`` with the active key as a JWS in compact serialisation."""
        key = self.active
        header: dict[str, Any] = {"alg": key.alg, "kid": key.kid}
        if extra_header:
            header.update(extra_header)
        return compact_sign(key.key, header, payload)

    def sign_many(self, payloads: list[bytes], extra_header: dict[str, Any]) -> list[str]:
        """Sign several payloads with the active key under the same protected header."""
        key = self.active
        return compact_sign_many(key.key, {"alg": key.alg, "kid": key.kid, **extra_header},
                                 payloads)

    def jwks(self) -> dict[str, Any]:
        """The public JWKS partners load: every key not yet expired nor revoked, retired ones
        included."""
        now = utcnow()
        return {"keys": [k.public_jwk() for k in self.keys
                         if k.expires_at > now and k.revoked_at is None]}
