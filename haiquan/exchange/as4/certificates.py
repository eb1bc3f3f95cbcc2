"""X.509 certificates of the AS4 binding: this node's key and certificate, and how a partner's
signing certificate is trusted.

A node keeps its AS4 credentials in ``<home>/as4/``: ``key.pem`` (RSA, PKCS#8, readable by the
node's user only), ``request.csr`` (the signing request to give the CA) and ``certificate.pem``
(the certificate the CA issued, checked against the key before it is written). A partner is
trusted either by its pinned certificate or by the CA certificates that issue its
certificates (with an optional CRL file); either way the certificate must be within its
validity period and not revoked. A certificate within :data:`NEAR_EXPIRY_DAYS` of its end is
reported (``gateway status``, the log) so it is renewed before messages start failing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from as4 import certificate_chain
from as4.errors import UntrustedSignerError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from haiquan._files import write_atomically
from haiquan.errors import ConfigurationError, ConflictError, InputError, NotFoundError
from haiquan.exchange.as4.pmode import As4Agreement, load_certificate

__all__ = [
    "NEAR_EXPIRY_DAYS",
    "CertificateStatus",
    "NodeCredentials",
    "certificate_status",
    "create_key_and_request",
    "install_certificate",
    "partner_signer_check",
    "self_sign",
]

NEAR_EXPIRY_DAYS = 30
KEY_FILE, CSR_FILE, CERT_FILE = "key.pem", "request.csr", "certificate.pem"


@dataclass(frozen=True)
class CertificateStatus:
    """Where a certificate stands: ``valid``, ``near-expiry``, ``expired`` or ``not-yet-valid``."""

    subject: str
    serial: str
    not_before: datetime
    not_after: datetime
    days_left: int
    state: Literal["valid", "near-expiry", "expired", "not-yet-valid"]
    sha256: str


def certificate_status(cert: x509.Certificate, now: datetime | None = None,
                       warn_days: int = NEAR_EXPIRY_DAYS) -> CertificateStatus:
    now = now or datetime.now(UTC)
    left = cert.not_valid_after_utc - now
    if now < cert.not_valid_before_utc:
        state: Literal["valid", "near-expiry", "expired", "not-yet-valid"] = "not-yet-valid"
    elif left <= timedelta(0):
        state = "expired"
    elif left <= timedelta(days=warn_days):
        state = "near-expiry"
    else:
        state = "valid"
    return CertificateStatus(
        subject=cert.subject.rfc4514_string(), serial=format(cert.serial_number, "x"),
        not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
        days_left=left.days, state=state, sha256=cert.fingerprint(hashes.SHA256()).hex(),
    )


def _write(path: Path, data: bytes) -> None:
    write_atomically(path, lambda tmp: tmp.write_bytes(data))


def _folder(home: Path) -> Path:
    return Path(home) / "as4"


def _subject(country: str, organisation: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, country),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation or f"{country} customs"),
    ])


def create_key_and_request(home: Path, country: str, *, organisation: str = "",
                           key_size: int = 2048) -> Path:
    """Create this node's AS4 key and a certificate signing request; return the CSR's path.

    Raises:
        ConflictError: a key exists already (it is never overwritten: the certificate the CA
            issued for it would no longer match).
    """
    folder = _folder(home)
    if (folder / KEY_FILE).exists():
        raise ConflictError(
            "this node already has an AS4 key",
            expected="no key in " + str(folder),
            got=str(folder / KEY_FILE),
            fix="use the request.csr that is there, or move the old key away first",
        )
    if key_size < 2048:
        raise InputError("the AS4 key is too short", expected="at least 2048 bits",
                         got=str(key_size), fix="use 2048 or 3072")
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    csr = (x509.CertificateSigningRequestBuilder().subject_name(_subject(country, organisation))
           .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(folder / KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    _write(folder / CSR_FILE, csr.public_bytes(serialization.Encoding.PEM))
    return folder / CSR_FILE


def install_certificate(home: Path, pem: bytes, *, now: datetime | None = None
                        ) -> CertificateStatus:
    """Check a CA-issued certificate against this node's key and install it.

    Raises:
        InputError: not a PEM certificate, not for this node's key, or expired.
        NotFoundError: no key yet (create it and its request first).
    """
    folder = _folder(home)
    key = _read_key(folder)
    try:
        cert = x509.load_pem_x509_certificate(pem)
    except ValueError as error:
        raise InputError("the file is not a PEM certificate", expected="-----BEGIN "
                         "CERTIFICATE-----", got=str(error), fix="give the certificate the CA "
                         "issued for request.csr") from error
    if cert.public_key() != key.public_key():
        raise InputError("the certificate is not for this node's AS4 key",
                         expected="a certificate issued for " + str(folder / CSR_FILE),
                         got=cert.subject.rfc4514_string(),
                         fix="send request.csr to the CA and install what it returns")
    status = certificate_status(cert, now)
    if status.state in ("expired", "not-yet-valid"):
        raise InputError("the certificate cannot be used now", expected="a certificate valid "
                         "today", got=f"{status.state}: {status.not_before:%Y-%m-%d} to "
                         f"{status.not_after:%Y-%m-%d}", fix="ask the CA for a current one")
    _write(folder / CERT_FILE, cert.public_bytes(serialization.Encoding.PEM))
    return status


def self_sign(home: Path, country: str, *, days: int = 365, organisation: str = "",
              key_size: int = 2048) -> CertificateStatus:
    """A key and a self-signed certificate, for a pair of haiquan nodes that pin each other's
    certificate (and for tests); production networks use CA-issued certificates."""
    if not (_folder(home) / KEY_FILE).exists():
        create_key_and_request(home, country, organisation=organisation, key_size=key_size)
    key = _read_key(_folder(home))
    now = datetime.now(UTC)
    name = _subject(country, organisation)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=days))
            .sign(key, hashes.SHA256()))
    return install_certificate(home, cert.public_bytes(serialization.Encoding.PEM))


def _read_key(folder: Path) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key((folder / KEY_FILE).read_bytes(), None)
    except FileNotFoundError as error:
        raise NotFoundError("this node has no AS4 key", expected=str(folder / KEY_FILE),
                            got="no file", fix="haiquan gateway as4 create-key") from error
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigurationError("the AS4 key is not RSA", expected="an RSA key",
                                 got=type(key).__name__, fix="create a new key")
    return key


@dataclass(frozen=True)
class NodeCredentials:
    """This node's AS4 key and certificate."""

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @classmethod
    def load(cls, home: Path) -> NodeCredentials:
        folder = _folder(home)
        key = _read_key(folder)
        try:
            cert = x509.load_pem_x509_certificate((folder / CERT_FILE).read_bytes())
        except FileNotFoundError as error:
            raise NotFoundError("this node has no AS4 certificate", expected=str(
                folder / CERT_FILE), got="no file", fix="install the certificate the CA issued "
                "for request.csr: haiquan gateway as4 install-certificate FILE") from error
        return cls(key, cert)

    def status(self, now: datetime | None = None) -> CertificateStatus:
        return certificate_status(self.certificate, now)


def _revocation_check(path: str | None) -> Callable[[x509.Certificate], bool] | None:
    """A function saying whether a certificate is on the CRL in ``path`` (re-read when the
    file changes), or None without a CRL."""
    if path is None:
        return None
    cache: dict[str, object] = {}

    def revoked(cert: x509.Certificate) -> bool:
        stamp = os.stat(path).st_mtime_ns
        if cache.get("stamp") != stamp:
            data = Path(path).read_bytes()
            crl = (x509.load_pem_x509_crl(data) if data.lstrip().startswith(b"-----")
                   else x509.load_der_x509_crl(data))
            cache.update(stamp=stamp, crl=crl)
        current = cache["crl"]
        assert isinstance(current, x509.CertificateRevocationList)
        if current.issuer != cert.issuer:
            return False
        return current.get_revoked_certificate_by_serial_number(cert.serial_number) is not None

    return revoked


def partner_signer_check(agreement: As4Agreement
                         ) -> Callable[[x509.Certificate | None, datetime], x509.Certificate]:
    """How a signature claimed by this partner is trusted: a function taking the certificate
    the message carries and the time, returning the certificate to verify with, or raising
    :class:`as4.errors.UntrustedSignerError` (answered EBMS:0101)."""
    revoked = _revocation_check(agreement.crl_file)
    if not agreement.ca_certificates:
        pinned = load_certificate(agreement.certificate, "certificate")

        def check_pinned(embedded: x509.Certificate | None, now: datetime) -> x509.Certificate:
            if embedded is None or embedded != pinned:
                raise UntrustedSignerError(
                    f"the signing certificate is not the one pinned for party "
                    f"{agreement.party_id} ({pinned.subject.rfc4514_string()})")
            _in_validity(pinned, now)
            if revoked is not None and revoked(pinned):
                raise UntrustedSignerError(f"{pinned.subject.rfc4514_string()} is revoked")
            return pinned

        return check_pinned
    anchors = [load_certificate(pem, "CA certificate") for pem in agreement.ca_certificates]
    chain = certificate_chain(*anchors, revoked=revoked)

    def check_chain(embedded: x509.Certificate | None, now: datetime) -> x509.Certificate:
        from as4.models.ebms.user_message import PartyFrom, PartyId, Role

        party = PartyFrom(party_id=PartyId(value=agreement.party_id,
                                           type_value=agreement.party_type),
                          role=Role(value="initiator"))
        cert = chain(party, embedded)
        _in_validity(cert, now)
        return cert

    return check_chain


def _in_validity(cert: x509.Certificate, now: datetime) -> None:
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise UntrustedSignerError(
            f"{cert.subject.rfc4514_string()} is outside its validity period "
            f"({cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d})")
