from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haiquan.errors import AuthenticationError
from haiquan.web.auth.sessions import SessionSigner

SECRET = "test-secret-key-long-enough-for-tests"


@given(st.integers(min_value=1, max_value=2**40), st.integers(min_value=0, max_value=10_000))
def test_issue_then_read_round_trip(user_id: int, epoch: int) -> None:
    signer = SessionSigner(SECRET, minutes=10)
    session = signer.read(signer.issue(user_id, epoch, now=1000.0), now=1001.0)
    assert (session.user_id, session.epoch) == (user_id, epoch)
    assert session.expires_at == 1000 + 600


def test_expired_session_refused() -> None:
    signer = SessionSigner(SECRET, minutes=1)
    value = signer.issue(1, 0, now=1000.0)
    with pytest.raises(AuthenticationError, match="expired"):
        signer.read(value, now=1060.0)


def test_other_secret_refused() -> None:
    value = SessionSigner("another-secret-entirely-xxxxxxxxxx", 10).issue(1, 0)
    with pytest.raises(AuthenticationError, match="signature"):
        SessionSigner(SECRET, 10).read(value)


def test_altered_payload_refused() -> None:
    signer = SessionSigner(SECRET, 10)
    payload, signature = signer.issue(1, 0).split(".")
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
    with pytest.raises(AuthenticationError):
        signer.read(f"{forged}.{signature}")


@pytest.mark.parametrize("value", ["", "nodot", "a.b.c", "!!!.???"])
def test_garbage_refused(value: str) -> None:
    with pytest.raises(AuthenticationError):
        SessionSigner(SECRET, 10).read(value)


def test_each_session_has_its_own_csrf_token() -> None:
    signer = SessionSigner(SECRET, 10)
    assert signer.read(signer.issue(1, 0)).csrf != signer.read(signer.issue(1, 0)).csrf
