"""The trust store: which partner nodes this node accepts, where they live, and their keys.

A node trusts only the partners written in ``trust.yaml``; for each one it keeps the endpoint and
the public keys read from the partner's JWKS, each with its expiry. A JWS verifies only with a key
of a configured partner that has not expired — so a rotated-out key keeps verifying until its end
date, and an expired or unknown key is refused. ``trust.yaml`` is validated on load::

    partners:
      THA:
        name: Thai Customs Department
        endpoint: https://gateway.customs.go.th
        keys:
          - kid: THA-20261125-1a2b3c4d
            expires_at: '2028-11-25T00:00:00+00:00'
            jwk: {kty: OKP, crv: Ed25519, x: ...}
"""

from __future__ import annotations

import binascii
import ipaddress
import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import nacl.bindings
import nacl.exceptions
import yaml
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from haiquan import base64url
from haiquan.errors import (
    ConfigurationError,
    ConflictError,
    PermissionDeniedError,
    SignatureError,
)
from haiquan.exchange._util import RepeatedMemberError, load_yaml_mapping, loads_strict, utcnow
from haiquan.exchange.as4.pmode import As4Agreement
from haiquan.exchange.keys import ALGORITHMS, JoseKey, import_public_jwk
from haiquan.exchange.logs import log_fields

__all__ = ["PartnerConfig", "TrustStore", "TrustedKey", "VerifiedJWS", "read_jws_header"]

_log = logging.getLogger(__name__)


class TrustedKey(BaseModel):
    """One public key of a partner, valid until ``expires_at``."""

    model_config = ConfigDict(extra="forbid")

    kid: str = Field(min_length=1)
    expires_at: datetime
    jwk: dict[str, Any]

    @field_validator("expires_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)


def plain_http_problem(endpoint: str, plain_http: bool) -> str | None:
    """Why ``endpoint`` may not be used, or ``None``: plain HTTP only on this machine or when
    the operator said the link is a closed network (``plain_http``).

    Signatures protect a document's integrity, not its confidentiality: certificates of origin,
    declarations and risk alerts sent over plain HTTP can be read on the way.

    >>> plain_http_problem("https://gw.customs.go.th", False) is None
    True
    >>> plain_http_problem("http://127.0.0.1:8801", False) is None
    True
    >>> plain_http_problem("http://gw.customs.go.th", False)[:40]
    'http://gw.customs.go.th is plain HTTP: c'
    """
    url = urlsplit(endpoint)
    if url.scheme != "http" or plain_http or (url.hostname or "") in _LOOPBACK_NAMES:
        return None
    try:
        if ipaddress.ip_address(url.hostname or "").is_loopback:
            return None
    except ValueError:
        pass
    return (f"{endpoint} is plain HTTP: customs documents would cross the network "
            "unencrypted (signatures protect integrity, not confidentiality); use the "
            "partner's https:// endpoint, or mark the link as a closed network encrypted "
            "otherwise (VPN, leased line) with --plain-http (plain_http: true in trust.yaml)")


_LOOPBACK_NAMES = frozenset({"localhost"})


class PartnerConfig(BaseModel):
    """A trusted partner node."""

    model_config = ConfigDict(extra="forbid")

    name: str = ""
    endpoint: str = Field(pattern=r"^https?://")
    #: The wire binding: haiquan-c2c/1 (JWS, ``keys``) or AS4 (``as4``: the partner's party,
    #: certificate and P-Modes, haiquan.exchange.as4.pmode).
    protocol: Literal["haiquan-c2c/1", "as4"] = "haiquan-c2c/1"
    as4: As4Agreement | None = None
    keys: list[TrustedKey] = Field(default_factory=list)
    #: The operator's statement that a plain-HTTP endpoint is on a closed, otherwise encrypted
    #: network; without it only https:// (or this machine) is accepted.
    plain_http: bool = False

    @field_validator("keys")
    @classmethod
    def _keys_for_jws(cls, value: list[TrustedKey], info: ValidationInfo) -> list[TrustedKey]:
        if info.data.get("protocol", "haiquan-c2c/1") == "haiquan-c2c/1" and not value:
            raise ValueError("a haiquan-c2c/1 partner needs at least one key")
        return value

    @model_validator(mode="after")
    def _encrypted(self) -> PartnerConfig:
        problem = plain_http_problem(self.endpoint, self.plain_http)
        if problem:
            raise ValueError(problem)
        if self.protocol == "as4" and self.as4 is None:
            raise ValueError("a partner with protocol as4 needs its as4 block (party, "
                             "certificate, agreements)")
        return self


class _TrustFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partners: dict[str, PartnerConfig] = Field(default_factory=dict)

    @field_validator("partners")
    @classmethod
    def _country_codes(cls, value: dict[str, PartnerConfig]) -> dict[str, PartnerConfig]:
        for code in value:
            if len(code) != 3 or not code.isalpha() or not code.isupper():
                raise ValueError(f"partner {code!r} is not an ISO 3166 alpha-3 code such as THA")
        owners: dict[object, str] = {}
        for code, partner in value.items():
            for trusted in partner.keys:
                for mark in (trusted.kid, _key_material(trusted.jwk)):
                    owner = owners.setdefault(mark, code)
                    if owner != code:
                        raise ValueError(
                            f"key {trusted.kid} of {code} is also a key of {owner}; a key "
                            "belongs to one partner"
                        )
        return value


@dataclass(frozen=True)
class VerifiedJWS:
    """A JWS whose signature verified with a trusted partner key."""

    partner: str
    kid: str
    header: dict[str, Any]
    payload: bytes


def read_jws_header(token: str) -> dict[str, Any]:
    """Decode the protected header of a compact JWS without verifying it (to find the key)."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0] or not parts[2]:
        raise SignatureError(
            "the message is not signed",
            expected="a JWS in compact serialisation: header.payload.signature",
            got=f"{len(parts)} dot-separated part(s)" if len(parts) != 3 else "an empty part",
            fix="sign the envelope with the sender node's key (see docs/exchange-protocol.md)",
        )
    try:
        raw = base64url.decode(parts[0])
        header = loads_strict(raw)
    except RepeatedMemberError as error:
        # Two "kid" or "alg" members: the JOSE library and this check could read different
        # keys or algorithms from one signed header (RFC 7515 section 4: MUST be rejected).
        raise SignatureError(
            "the JWS header names a member twice",
            expected="each header parameter once",
            got=str(error),
            fix="send a JWS produced by a JOSE library",
        ) from error
    except (ValueError, binascii.Error, RecursionError) as error:
        # RecursionError: JSON nested deeper than Python's parser goes, sent unsigned by anyone;
        # it refuses this one message, not the whole batch with a 500.
        raise SignatureError(
            "the JWS header cannot be read",
            expected="base64url-encoded JSON",
            got=parts[0][:40],
            fix="send a JWS produced by a JOSE library",
        ) from error
    if not isinstance(header, dict):
        raise SignatureError(
            "the JWS header is not an object", expected="a JSON object", got=type(header).__name__
        )
    return header


class TrustStore:
    """The partners this node trusts (``trust.yaml``), with a key index for verification."""

    def __init__(self, path: Path, partners: dict[str, PartnerConfig]) -> None:
        self.path = path
        self.partners = partners
        #: why ``trust.yaml`` could not be read, for a store opened with :meth:`unusable`.
        self.problem: ConfigurationError | None = None
        #: counts the changes of the partner list taken in this process (a reload, a
        #: ``set_partner``): a user that must react to a change — the dispatcher forgetting
        #: removed partners — compares it with the value it last saw, since the receiver or
        #: another thread may be the one whose :meth:`reload_if_changed` took the change.
        self.generation = 0
        self._index: dict[str, tuple[str, TrustedKey, JoseKey, bytes | None]] = {}
        self._mtime = self._stat()
        self._reload_lock = threading.Lock()
        self._reindex()

    def _stat(self) -> float | None:
        try:
            return self.path.stat().st_mtime
        except FileNotFoundError:
            return None

    def _reindex(self) -> None:
        index = {}
        for country, partner in self.partners.items():
            for trusted in partner.keys:
                key = import_public_jwk(trusted.jwk)
                index[trusted.kid] = (country, trusted, key, _raw_ed25519(key))
        self._index = index

    def reload_if_changed(self) -> bool:
        """Re-read ``trust.yaml`` if another process (the CLI) changed it.

        A file that does not validate is logged and kept out: the trust in force stays until
        the file is corrected, so a bad edit cannot stop a running node. Returns whether the new
        file was taken.
        """
        mtime = self._stat()
        if mtime == self._mtime:
            return False
        # One thread reloads; another that comes meanwhile (the receiver while the dispatcher
        # reloads) waits for the new partners instead of seeing the new mtime with the old ones.
        with self._reload_lock:
            if mtime == self._mtime:
                return False
            try:
                fresh = TrustStore.load(self.path)
            except ConfigurationError as error:
                self._mtime = mtime
                _log.error("trust store not reloaded, the previous one stays in force: %s",
                           error, extra=log_fields("trust_not_reloaded"))
                return False
            self.partners, self._index, self.problem = fresh.partners, fresh._index, None
            self.generation += 1
            self._mtime = mtime
            return True

    @classmethod
    def unusable(cls, path: Path, problem: ConfigurationError) -> TrustStore:
        """A trust store whose file is broken: no partner, and every use that needs trust
        (:meth:`partner`, :meth:`verify`, :meth:`set_partner`) raises ``problem`` — for the
        commands that only read the message store."""
        store = cls(path, {})
        store.problem = problem
        return store

    def _usable(self) -> None:
        if self.problem is not None:
            raise self.problem

    @classmethod
    def load(cls, path: Path) -> TrustStore:
        """Read and validate ``trust.yaml``; a missing file means no partner yet."""
        if not path.exists():
            return cls(path, {})
        data = load_yaml_mapping(path, "trust store")
        try:
            parsed = _TrustFile.model_validate(data)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ConfigurationError(
                f"the trust store {path} is invalid at {where or 'top level'}",
                expected="partners: {ISO3: {endpoint: https://..., "
                "keys: [{kid, expires_at, jwk}]}}",
                got=first["msg"],
                fix="correct the file, or re-add the partner with `haiquan gateway partner add`",
            ) from error
        return cls(path, parsed.partners)

    def save(self) -> None:
        data = _TrustFile(partners=self.partners).model_dump(mode="json")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(yaml.safe_dump(data, sort_keys=True), encoding="utf-8")

    def set_partner(self, country: str, partner: PartnerConfig) -> None:
        """Add or replace a partner (its key list is replaced by the one given) and save.

        Raises:
            ConflictError: a key (same key id or same public key) is already trusted for
                another partner; a key speaks for one country only.
        """
        self._usable()
        owners: dict[object, str] = {}
        for code, other in self.partners.items():
            if code != country:
                for trusted in other.keys:
                    owners[trusted.kid] = owners[_key_material(trusted.jwk)] = code
        for trusted in partner.keys:
            import_public_jwk(trusted.jwk)
            owner = owners.get(trusted.kid) or owners.get(_key_material(trusted.jwk))
            if owner is not None:
                raise ConflictError(
                    f"key {trusted.kid} is already trusted for partner {owner}; nothing was "
                    "changed",
                    expected=f"keys that belong to {country} alone",
                    got=f"a key of {owner} (same key id or public key) offered for {country}",
                    fix=f"check that the JWKS is {country}'s own (`haiquan gateway jwks` on "
                    "its node, or GET /.well-known/jwks.json from its endpoint); a key belongs "
                    "to one partner",
                    details={"kid": trusted.kid, "owner": owner},
                )
        self.partners[country] = partner
        self.save()
        self._mtime = self._stat()
        self._reindex()
        self.generation += 1

    def partner(self, country: str) -> PartnerConfig:
        self._usable()
        try:
            return self.partners[country]
        except KeyError as error:
            raise PermissionDeniedError(
                f"{country} is not a trusted partner of this node",
                expected="one of " + (", ".join(sorted(self.partners)) or "(no partner yet)"),
                got=country,
                fix=f"add it first: haiquan gateway partner add {country} --endpoint URL",
            ) from error

    def verify(
        self, token: str, *, at: datetime | None = None, header: dict[str, Any] | None = None
    ) -> VerifiedJWS:
        """Verify a compact JWS with the trusted key its ``kid`` names (``header``: its protected
        header when the caller has already read it with :func:`read_jws_header`).

        Raises:
            SignatureError: not a JWS, bad algorithm, expired key or a signature that fails.
            PermissionDeniedError: the key belongs to no trusted partner.
        """
        self._usable()
        if header is None:
            header = read_jws_header(token)
        kid = header.get("kid")
        found = self._index.get(kid) if isinstance(kid, str) else None
        if found is None:
            raise self._unknown_key(token, kid)
        country, trusted, key, raw = found
        moment = at or utcnow()
        if trusted.expires_at <= moment:
            raise SignatureError(
                f"the signing key {kid} of {country} has expired",
                expected=f"a key valid at {moment:%Y-%m-%dT%H:%M:%SZ}",
                got=f"a key that expired at {trusted.expires_at:%Y-%m-%dT%H:%M:%SZ}",
                fix=f"{country} must sign with its current key; refresh its keys with "
                f"`haiquan gateway partner refresh {country}`",
            )
        alg = ALGORITHMS[key.key_type]
        if header.get("alg") != alg:
            raise SignatureError(
                "the JWS algorithm does not match the partner key",
                expected=alg,
                got=repr(header.get("alg")),
                fix="sign with the algorithm published in the key's JWKS entry",
            )
        if "crit" in header or header.get("b64") is not None:
            raise SignatureError(
                "the JWS uses header extensions this node does not implement",
                expected="no crit or b64 header parameters",
                got=", ".join(k for k in ("crit", "b64") if k in header),
                fix="sign a plain compact JWS",
            )
        signing_input, _, encoded_signature = token.rpartition(".")
        try:
            signature = base64url.decode(encoded_signature)
            payload = base64url.decode(signing_input.partition(".")[2])
            _verify(key, raw, signature, signing_input.encode("ascii"))
        except (InvalidSignature, nacl.exceptions.BadSignatureError, ValueError, binascii.Error,
                UnicodeEncodeError) as error:
            raise SignatureError(
                "the signature does not verify: the message was altered or not signed by "
                f"{country}",
                expected=f"a valid {alg} signature by key {kid}",
                got=type(error).__name__,
                fix="resend the message exactly as signed",
            ) from error
        return VerifiedJWS(country, str(kid), header, payload)

    def _unknown_key(self, token: str, kid: Any) -> PermissionDeniedError:
        """The refusal of a key id no partner has: when the (unverified) sender is a trusted
        partner, the likely cause is a key it rotated in that this node has not re-read."""
        claimed = _claimed_country(token, kid)
        if claimed in self.partners:
            known = ", ".join(k.kid for k in self.partners[claimed].keys)
            return PermissionDeniedError(
                f"the message claims to come from partner {claimed} but is signed with a key "
                f"this node does not hold for {claimed}",
                expected=f"one of {claimed}'s trusted keys ({known})",
                got=repr(kid),
                fix=f"if {claimed} rotated its signing key, the receiving administration "
                f"re-reads its keys with `haiquan gateway partner refresh {claimed}` (the "
                f"sender must keep publishing the key in its JWKS); otherwise the message may be "
                "forged",
                details={"claimed_sender": claimed},
            )
        return PermissionDeniedError(
            "the message is signed by an unknown sender",
            expected="a key id of a partner in this node's trust store",
            got=repr(kid),
            fix="the receiving administration must add the sender as a partner "
            "(haiquan gateway partner add), or the sender must publish its new key",
        )


def _claimed_country(token: str, kid: Any) -> str | None:
    """Who an unverified JWS claims to come from: its payload's ``sender`` (an envelope) or
    ``receiver`` (a batch result), else the country prefix of its key id (``VNM-2026…``)."""
    try:
        part = token.split(".")[1]
        data = json.loads(base64url.decode(part))
        claimed = data.get("sender") if data.get("type") != "batch-result" else data.get(
            "receiver")
    except Exception:  # noqa: BLE001 - unreadable: fall back on the key id
        claimed = None
    if not isinstance(claimed, str) and isinstance(kid, str):
        claimed = kid.split("-", 1)[0]
    return claimed if isinstance(claimed, str) and len(claimed) == 3 else None


def _key_material(jwk: dict[str, Any]) -> tuple[object, ...]:
    """The public key itself (type, curve and points), whatever its key id."""
    return ("material", *(jwk.get(name) for name in ("kty", "crv", "x", "y")))




def _raw_ed25519(key: JoseKey) -> bytes | None:
    """The 32 raw bytes of an Ed25519 public key (None for a P-256 key)."""
    public = key.public_key
    if isinstance(public, ec.EllipticCurvePublicKey):
        return None
    return public.public_bytes_raw()  # type: ignore[union-attr]


def _verify(key: JoseKey, raw: bytes | None, signature: bytes, signing_input: bytes) -> None:
    """Check a raw JWS signature: Ed25519 with libsodium (PyNaCl), ES256 (r || s) with
    ``cryptography``.

    libsodium verifies Ed25519 in about half the CPU time of OpenSSL 3 through ``cryptography``
    (measured in docs/gateway-operations.md), and the receiver verifies every message; it is
    also the stricter of the two (it refuses small-order keys and non-canonical
    signatures), so nothing OpenSSL refuses is accepted.
    """
    if len(signature) != 64:
        raise InvalidSignature("a JWS signature of Ed25519 or ES256 is 64 bytes")
    if raw is not None:
        nacl.bindings.crypto_sign_open(signature + signing_input, raw)
        return
    public = key.public_key
    if isinstance(public, ec.EllipticCurvePublicKey):
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        public.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
    else:
        public.verify(signature, signing_input)  # type: ignore[union-attr,call-arg]
