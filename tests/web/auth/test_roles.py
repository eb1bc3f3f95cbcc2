from __future__ import annotations

import pytest

from haiquan.errors import InputError
from haiquan.web.auth.roles import Role


@pytest.mark.parametrize(
    ("held", "needed", "allowed"),
    [
        (Role.VIEWER, Role.VIEWER, True),
        (Role.VIEWER, Role.ANALYST, False),
        (Role.ANALYST, Role.VIEWER, True),
        (Role.ANALYST, Role.RISK_OFFICER, False),
        (Role.RISK_OFFICER, Role.ANALYST, False),
        (Role.RISK_OFFICER, Role.RISK_OFFICER, True),
        (Role.ADMINISTRATOR, Role.RISK_OFFICER, True),
        (Role.ANALYST, Role.ADMINISTRATOR, False),
    ],
)
def test_allows(held: Role, needed: Role, allowed: bool) -> None:
    assert held.allows(needed) is allowed


@pytest.mark.parametrize("text", ["risk officer", "Risk-Officer", "RISK_OFFICER"])
def test_parse_is_lenient(text: str) -> None:
    assert Role.parse(text) is Role.RISK_OFFICER


def test_unknown_role_lists_the_choices() -> None:
    with pytest.raises(InputError) as caught:
        Role.parse("superuser")
    assert "administrator" in str(caught.value.expected)
