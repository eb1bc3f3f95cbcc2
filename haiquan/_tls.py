"""TLS for haiquan's servers: certificate and key checked before listening, modern ciphers only.

Both ``haiquan gateway serve`` and ``haiquan serve`` may terminate TLS themselves (or sit
behind a reverse proxy that does, docs/gateway-operations.md). The context allows TLS 1.2 and
1.3 only, and for TLS 1.2 only forward-secret AEAD suites (ECDHE with AES-GCM or ChaCha20);
TLS 1.3's suites are all AEAD and forward-secret. Imports nothing but the standard library and
the error tree, so the gateway can use it without the numerical stack.
"""

from __future__ import annotations

import logging
import ssl
from pathlib import Path

from haiquan.errors import ConfigurationError

__all__ = ["TLS12_CIPHERS", "check_tls_files", "server_context"]

_log = logging.getLogger(__name__)

#: OpenSSL cipher string for TLS 1.2: forward secrecy and authenticated encryption only.
TLS12_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!MD5:!SHA1:!DSS"


def check_tls_files(certificate: Path | None, key: Path | None, *, where: str) -> None:
    """Refuse half a TLS set-up or unreadable files before the server starts.

    Args:
        certificate: the PEM certificate chain (``--tls-certificate``), or None.
        key: the PEM private key (``--tls-key``), or None.
        where: the command, named in the fix.

    Raises:
        ConfigurationError: one without the other, or a file that cannot be read.
    """
    if (certificate is None) != (key is None):
        raise ConfigurationError(
            "TLS needs both a certificate and its private key",
            expected="--tls-certificate CERT.pem and --tls-key KEY.pem together",
            got=f"only {'--tls-certificate' if certificate else '--tls-key'}",
            fix=f"give both options to {where}, or neither to serve plain HTTP behind a "
            "TLS-terminating reverse proxy",
        )
    for option, path in (("--tls-certificate", certificate), ("--tls-key", key)):
        if path is not None and not path.is_file():
            raise ConfigurationError(
                f"the TLS file given to {option} cannot be read",
                expected="a PEM file this user may read",
                got=str(path),
                fix=f"correct {option} of {where}",
            )
    if key is not None and key.stat().st_mode & 0o077:
        # Warned, not refused: a key mounted by a container runtime may be group-readable by
        # design; anyone else on the machine reading it can impersonate this server.
        _log.warning("the TLS private key %s can be read by users other than its owner "
                     "(mode %o): make it readable by the server's user only (chmod 600 %s)",
                     key, key.stat().st_mode & 0o777, key)


def server_context(certificate: Path, key: Path) -> ssl.SSLContext:
    """A server TLS context with the certificate loaded, TLS 1.2+ and modern ciphers only.

    Raises:
        ConfigurationError: the files are not a PEM certificate and its matching key.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(TLS12_CIPHERS)
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
    try:
        context.load_cert_chain(certificate, key)
    except (ssl.SSLError, OSError) as error:
        raise ConfigurationError(
            "the TLS certificate and key cannot be used",
            expected="a PEM certificate chain and the PEM private key that matches it, "
            "not encrypted",
            got=f"{certificate}, {key}: {error}",
            fix="give the certificate in --tls-certificate and its key in --tls-key",
        ) from None
    return context
