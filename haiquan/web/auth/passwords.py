"""Password hashing with scrypt from the standard library.

scrypt is memory-hard, so a stolen users file costs an attacker real hardware per guess; the
parameters are stored with each hash so they can be raised later without breaking old hashes.

>>> stored = hash_password("correct horse battery")
>>> verify_password("correct horse battery", stored), verify_password("wrong", stored)
(True, False)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from haiquan import base64url
from haiquan.errors import InputError

__all__ = ["MIN_PASSWORD_LENGTH", "check_password_strength", "hash_password", "verify_password"]

#: Shorter passwords are refused: the dashboard may face a whole administration's network.
MIN_PASSWORD_LENGTH = 10

_N, _R, _P = 2**14, 8, 1
_DKLEN = 32


def check_password_strength(password: str) -> None:
    """Refuse passwords too short to resist guessing.

    Raises:
        InputError: the password is shorter than :data:`MIN_PASSWORD_LENGTH`.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            "password too short",
            expected=f"at least {MIN_PASSWORD_LENGTH} characters",
            got=f"{len(password)} characters",
            fix="choose a longer passphrase, e.g. four unrelated words",
        )


def hash_password(password: str) -> str:
    """Hash ``password`` with a fresh salt as ``scrypt$N$r$p$salt$hash``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=_DKLEN, maxmem=64 * 2**20
    )
    return f"scrypt${_N}${_R}${_P}${base64url.encode(salt)}${base64url.encode(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored``; never raises on a malformed hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64url.decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64url.decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=64 * 2**20,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)
