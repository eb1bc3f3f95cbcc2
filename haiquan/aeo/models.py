"""The AEO registry's records: operators, their status history, and consent to share.

Status follows the life of an authorisation: ``granted`` (valid), ``suspended`` (benefits stop
until lifted), ``revoked`` (ended for cause) and ``expired`` (validity ran out). A status change
is an event with an effective date and a reason; the registry never overwrites one, so the status
on any past date can be reconstructed.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

__all__ = [
    "AEO_ID_PATTERN",
    "AeoStatus",
    "ConsentRecord",
    "OperatorCreate",
    "OperatorPublic",
    "PartnerOperator",
    "StatusChange",
    "StatusEvent",
]

#: The identifier format the gateway's AEO list schema accepts.
AEO_ID_PATTERN = r"^[A-Z0-9/_-]{3,35}$"

OperatorRole = Literal["importer", "exporter", "manufacturer", "customs_broker", "carrier",
                       "freight_forwarder", "warehouse_operator", "port_operator"]
ROLES: tuple[str, ...] = get_args(OperatorRole)


class AeoStatus(StrEnum):
    granted = "granted"
    suspended = "suspended"
    revoked = "revoked"
    expired = "expired"

    @property
    def list_status(self) -> str:
        """The status word of the exchanged list (valid / suspended / revoked)."""
        return {"granted": "valid", "suspended": "suspended"}.get(self.value, "revoked")


def _default_roles() -> list[OperatorRole]:
    return ["importer"]


class OperatorCreate(BaseModel):
    """A new home AEO as an officer enters it (or a CSV row).

    Text is stripped of surrounding spaces, so a blank name is refused rather than stored.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    aeo_id: str = Field(pattern=AEO_ID_PATTERN,
                        description="authorisation number, e.g. VN-AEO-0001")
    name: str = Field(min_length=1, max_length=140)
    tin: str | None = Field(default=None, max_length=35, description="tax identification number")
    address: str | None = Field(default=None, max_length=512)
    sector: str | None = Field(default=None, max_length=80)
    roles: list[OperatorRole] = Field(default_factory=_default_roles, min_length=1)
    granted_on: dt.date
    valid_until: dt.date | None = None

    @field_validator("aeo_id", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("roles", mode="before")
    @classmethod
    def _role_words(cls, value: object) -> object:
        """Roles as typed: ``"importer; exporter"`` or a list, spaces and empty items dropped."""
        if isinstance(value, str):
            value = value.split(";")
        if isinstance(value, list):
            return [r.strip().lower() if isinstance(r, str) else r for r in value
                    if not (isinstance(r, str) and not r.strip())]
        return value

    @field_validator("granted_on")
    @classmethod
    def _granted_by_today(cls, value: dt.date) -> dt.date:
        today = dt.date.today()
        if value > today:
            raise ValueError(
                f"granted on {value}, after today ({today}); an operator is registered once "
                "its authorisation is granted: register it on or after the grant day"
            )
        return value

    @field_validator("valid_until")
    @classmethod
    def _validity_after_grant(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        granted = info.data.get("granted_on")  # absent when granted_on itself was invalid
        if value is not None and granted is not None and value < granted:
            raise ValueError(
                f"valid until {value} is before the grant date {granted}; an authorisation "
                "ends on or after the day it is granted: check both dates (leave valid_until "
                "out for an open-ended authorisation)"
            )
        return value


class StatusChange(BaseModel):
    """A status change an officer records."""

    model_config = ConfigDict(extra="forbid")

    status: AeoStatus
    effective: dt.date
    reason: str = Field(min_length=3, max_length=500)


class StatusEvent(StatusChange):
    """A stored status change, with when it was recorded (UTC)."""

    model_config = ConfigDict(extra="ignore")

    aeo_id: str
    recorded_at: dt.datetime

    @field_validator("recorded_at")
    @classmethod
    def _utc(cls, value: dt.datetime) -> dt.datetime:
        # Stored as naive UTC (SQLite keeps no zone); say so, as RFC 3339 requires.
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class ConsentRecord(BaseModel):
    """Whether an operator agreed to be shared with partners under one MRA, from a date."""

    aeo_id: str
    mra_id: str
    consent: bool
    effective: dt.date


class OperatorPublic(BaseModel):
    """A home AEO as shown: its data plus its status on the date asked."""

    aeo_id: str
    name: str
    tin: str | None
    address: str | None
    sector: str | None
    roles: list[str]
    granted_on: dt.date
    valid_until: dt.date | None
    status: AeoStatus
    status_since: dt.date
    history: list[StatusEvent] = []
    consents: dict[str, bool] = {}


class PartnerOperator(BaseModel):
    """A partner administration's AEO as last reported in its lists."""

    country: str
    aeo_id: str
    name: str
    status: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    reported_as_of: dt.date
    list_sequence: int


def is_aeo_id(text: str) -> bool:
    """Whether ``text`` is a well-formed AEO identifier.

    >>> is_aeo_id("VN-AEO-0001"), is_aeo_id("x")
    (True, False)
    """
    return re.fullmatch(AEO_ID_PATTERN, text) is not None
