"""``haiquan serve --tls-certificate --tls-key``: HTTPS with the gateway's TLS rules (issue 18,
point 9); half a set-up is refused before the port is bound."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from haiquan.errors import ConfigurationError
from haiquan.web.server import _config, serve

from ..exchange.test_tls import make_certificate


def test_haiquan_serve_loads_a_modern_tls_context(tmp_path: Path) -> None:
    cert, key = make_certificate(tmp_path)
    config = _config("warning", cert, key)
    config.load()
    assert config.ssl is not None
    assert config.ssl.minimum_version == ssl.TLSVersion.TLSv1_2
    tls12 = [c for c in config.ssl.get_ciphers() if c["protocol"] == "TLSv1.2"]
    assert tls12 and all(c["aead"] and c["kea"] == "kx-ecdhe" for c in tls12)
    plain = _config("warning")
    plain.load()
    assert plain.ssl is None


def test_haiquan_serve_refuses_half_a_tls_setup_before_binding(tmp_path: Path) -> None:
    cert, _key = make_certificate(tmp_path)
    with pytest.raises(ConfigurationError, match="both a certificate and its private key"):
        serve("127.0.0.1", 0, tls_certificate=cert, warm=False)
    with pytest.raises(ConfigurationError, match="cannot be used"):
        serve("127.0.0.1", 0, tls_certificate=cert, tls_key=cert, warm=False)
