"""Roles and what each one may do.

Roles are a fixed, small set because each one maps to a job in a customs administration, not to a
configurable permission matrix that nobody audits:

* ``viewer`` — reads every dashboard page and ``GET`` endpoint;
* ``analyst`` — also writes analysis: loads, forecasts, priorities and cooperation plans,
  commitments status;
* ``risk_officer`` — also writes risk work: scoring, channels, AEO registry, alerts;
* ``administrator`` — everything, including users and tokens.

``analyst`` and ``risk_officer`` are deliberately separate: separation of duties keeps the
people who set cooperation priorities away from inspection selectivity.

>>> Role.parse("Risk officer").allows(Role.VIEWER)
True
>>> Role.ANALYST.allows(Role.RISK_OFFICER)
False
"""

from __future__ import annotations

from enum import StrEnum

from haiquan.errors import InputError

__all__ = ["Role"]


class Role(StrEnum):
    """A user's role. Each role allows itself, ``viewer``, and the administrator allows all."""

    VIEWER = "viewer"
    ANALYST = "analyst"
    RISK_OFFICER = "risk_officer"
    ADMINISTRATOR = "administrator"

    def allows(self, needed: Role) -> bool:
        """Whether a user holding this role may do what ``needed`` may do."""
        return self is Role.ADMINISTRATOR or needed is Role.VIEWER or self is needed

    @classmethod
    def parse(cls, text: str | Role) -> Role:
        """Read a role name leniently (``Risk officer``, ``risk-officer``, ``RISK_OFFICER``)."""
        if isinstance(text, Role):
            return text
        key = str(text).strip().lower().replace("-", "_").replace(" ", "_")
        try:
            return cls(key)
        except ValueError:
            raise InputError(
                "unknown role",
                expected="one of " + ", ".join(r.value for r in cls),
                got=repr(text),
                fix="pick one of the listed roles",
            ) from None
