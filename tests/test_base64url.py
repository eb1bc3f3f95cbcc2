"""Base64url as JOSE writes it: no padding, URL-safe alphabet, read back padded or not."""

from __future__ import annotations

import base64
import binascii
import os

import pytest

from haiquan import base64url


@pytest.mark.parametrize("size", range(0, 8))
def test_round_trip_without_padding(size: int) -> None:
    data = os.urandom(size) + b"\xfb\xff"  # bytes whose encoding holds '-' and '_'
    text = base64url.encode(data)
    assert "=" not in text and "+" not in text and "/" not in text
    assert text == base64.urlsafe_b64encode(data).decode().rstrip("=")
    assert base64url.decode(text) == data
    assert base64url.decode(base64.urlsafe_b64encode(data).decode()) == data  # padded too


def test_a_length_no_encoding_gives_is_refused() -> None:
    with pytest.raises(binascii.Error):
        base64url.decode("abcde")
