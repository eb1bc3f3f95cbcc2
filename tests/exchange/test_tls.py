"""``gateway serve --tls-certificate --tls-key`` serves HTTPS with TLS 1.2+ and modern ciphers
only, and refuses half a TLS set-up before it starts (issue 18, point 9)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from haiquan._tls import check_tls_files, server_context
from haiquan.errors import ConfigurationError

from .conftest import NodeFactory, free_port


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


def test_a_tls_key_others_can_read_is_warned_about(tmp_path: Path, caplog) -> None:
    cert, key = make_certificate(tmp_path)
    with caplog.at_level("WARNING", logger="haiquan._tls"):
        check_tls_files(cert, key, where="gateway serve")
        assert not caplog.records
        key.chmod(0o644)
        check_tls_files(cert, key, where="gateway serve")
    assert "chmod 600" in caplog.text and "644" in caplog.text


def test_half_a_tls_setup_or_a_wrong_file_is_refused(tmp_path: Path) -> None:
    cert, key = make_certificate(tmp_path)
    with pytest.raises(ConfigurationError, match="both a certificate and its private key"):
        check_tls_files(cert, None, where="gateway serve")
    with pytest.raises(ConfigurationError, match="cannot be read"):
        check_tls_files(cert, tmp_path / "missing.pem", where="gateway serve")
    with pytest.raises(ConfigurationError, match="cannot be used"):
        server_context(cert, cert)  # a certificate is not a key
    context = server_context(cert, key)
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    tls12 = [c for c in context.get_ciphers() if c["protocol"] == "TLSv1.2"]
    assert tls12 and all(c["aead"] and c["kea"] == "kx-ecdhe" for c in tls12), tls12


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:ssl.TLSVersion:DeprecationWarning")
def test_gateway_serve_speaks_modern_tls_only(make_node: NodeFactory, tmp_path: Path) -> None:
    cert, key = make_certificate(tmp_path)
    port = free_port()
    tha = make_node("THA")
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "haiquan.exchange", "serve", "--home", str(tha.home),
             "--port", str(port), "--tls-certificate", str(cert), "--tls-key", str(key)],
            stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"https://127.0.0.1:{port}/exchange/v1/node"
        trusted = ssl.create_default_context(cafile=str(cert))
        for _ in range(300):
            try:
                answer = httpx.get(url, verify=trusted, timeout=2)
                break
            except httpx.HTTPError:
                assert process.poll() is None, log.read_text()
                time.sleep(0.1)
        else:
            raise AssertionError(log.read_text())
        assert answer.status_code == 200 and answer.json()["country"] == "THA"
        with pytest.raises(httpx.HTTPError):  # plain HTTP on the TLS port
            httpx.get(f"http://127.0.0.1:{port}/exchange/v1/node", timeout=2)
        old = ssl.create_default_context(cafile=str(cert))
        old.minimum_version = ssl.TLSVersion.TLSv1  # an old client
        old.maximum_version = ssl.TLSVersion.TLSv1_1
        old.set_ciphers("ALL:@SECLEVEL=0")
        with pytest.raises(httpx.HTTPError):
            httpx.get(url, verify=old, timeout=2)
        weak = ssl.create_default_context(cafile=str(cert))
        weak.maximum_version = ssl.TLSVersion.TLSv1_2
        weak.set_ciphers("ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA")  # CBC with SHA-1
        httpx.get(url, verify=ssl.create_default_context(cafile=str(cert)), timeout=2)
        with pytest.raises(httpx.HTTPError):
            httpx.get(url, verify=weak, timeout=2)
        assert "https://127.0.0.1" in log.read_text()
    finally:
        process.kill()
        process.wait(timeout=10)
