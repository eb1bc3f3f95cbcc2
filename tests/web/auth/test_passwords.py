from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haiquan.errors import InputError
from haiquan.web.auth.passwords import check_password_strength, hash_password, verify_password


@settings(max_examples=5, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_hash_then_verify_round_trip(password: str) -> None:
    stored = hash_password(password)
    assert verify_password(password, stored)
    assert not verify_password(password + "x", stored)


def test_same_password_hashes_differently_each_time() -> None:
    assert hash_password("same password!") != hash_password("same password!")


@pytest.mark.parametrize("stored", ["", "plain", "bcrypt$1$2$3$a$b", "scrypt$x$8$1$AA$AA"])
def test_malformed_hash_never_verifies(stored: str) -> None:
    assert not verify_password("anything", stored)


def test_short_password_refused_with_fix() -> None:
    with pytest.raises(InputError) as caught:
        check_password_strength("short")
    assert caught.value.expected == "at least 10 characters"
    assert caught.value.fix
