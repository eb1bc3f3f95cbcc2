"""Base64url without padding (RFC 4648 section 5, as RFC 7515 writes JOSE): bytes as text that
fits in a URL, a cookie or a token.

The gateway's signed envelopes and keys, the web's password hashes and session cookies all write
bytes this way; one pair of functions keeps them from drifting apart (padding kept by one, stripped
by another). Only the standard library is imported: the gateway uses it without the numerical
stack.
"""

from __future__ import annotations

import base64

__all__ = ["decode", "encode"]


def encode(data: bytes) -> str:
    """``data`` as base64url text without ``=`` padding.

    >>> encode(b"\\xfb\\xff")
    '-_8'
    """
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode(text: str) -> bytes:
    """The bytes of base64url ``text``, padded or not.

    Raises:
        binascii.Error: ``text`` is not base64url (e.g. a length no encoding gives).

    >>> decode("-_8")
    b'\\xfb\\xff'
    """
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
