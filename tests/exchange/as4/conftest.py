"""Factories for the AS4 tests: RSA identities with self-signed or CA-issued certificates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from haiquan.exchange.as4 import codec
from haiquan.exchange.as4.pmode import DEFAULT_PARTY_TYPE

_KEYS: list[rsa.RSAPrivateKey] = []


def _key(index: int) -> rsa.RSAPrivateKey:
    """RSA keys are slow to make; a few are shared by the tests of one session."""
    while len(_KEYS) <= index:
        _KEYS.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _KEYS[index]


@dataclass
class Identity:
    country: str
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")

    def me(self) -> codec.AS4InternalParty:
        return codec.local_party(self.country, DEFAULT_PARTY_TYPE, self.key, self.certificate)

    def them(self) -> codec.AS4ExternalParty:
        return codec.remote_party(self.country, DEFAULT_PARTY_TYPE, self.certificate)


def issue(subject_key: rsa.RSAPrivateKey, cn: str, *, issuer: Identity | None = None,
          days: float = 30, starts: float = -1, ca: bool = False, serial: int = 1000
          ) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.now(UTC)
    builder = (x509.CertificateBuilder().subject_name(name)
               .issuer_name(issuer.certificate.subject if issuer else name)
               .public_key(subject_key.public_key()).serial_number(serial)
               .not_valid_before(now + timedelta(days=starts))
               .not_valid_after(now + timedelta(days=days)))
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
    return builder.sign(issuer.key if issuer else subject_key, hashes.SHA256())


IdentityFactory = Callable[..., Identity]


@pytest.fixture
def identity() -> IdentityFactory:
    """``identity("VNM", key=0, days=30, issuer=None, ca=False)``."""

    def make(country: str, *, key: int = 0, issuer: Identity | None = None, days: float = 30,
             starts: float = -1, ca: bool = False, serial: int = 1000) -> Identity:
        private = _key(key)
        return Identity(country, private, issue(private, country, issuer=issuer, days=days,
                                                starts=starts, ca=ca, serial=serial))

    return make
