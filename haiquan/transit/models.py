"""What a transit officer enters and reads: the declaration, the movement, the guarantee.

Input schemas (``*Create``) refuse bad values with pydantic's messages naming the field; the
checks that need reference data (offices, participating states, the guarantee's balance) run in
:mod:`haiquan.transit.service`, before anything is stored.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "ConsignmentItem",
    "GuaranteeCreate",
    "GuaranteePublic",
    "GuaranteeUse",
    "MovementEvent",
    "MovementPublic",
    "Party",
    "Role",
    "State",
    "TransitDeclaration",
]

_OFFICE = r"^[A-Z]{2}[A-Z0-9]{6}$"


class Role(StrEnum):
    """The part an administration plays in a movement."""

    DEPARTURE = "departure"
    TRANSIT = "transit"
    DESTINATION = "destination"


class State(StrEnum):
    """States of a movement, at departure and at the other offices (docs/transit.md)."""

    ACCEPTED = "accepted"          # departure: MRN allocated, guarantee engaged
    RELEASED = "released"          # departure: released for transit, records sent on
    IN_TRANSIT = "in_transit"      # departure: a frontier crossing notified
    ARRIVED = "arrived"            # departure: arrival advice received; destination: presented
    DISCREPANCIES = "discrepancies"  # departure: control results with discrepancies
    DISCHARGED = "discharged"      # closed: written off, guarantee released
    OVERDUE = "overdue"            # departure: time limit passed, no arrival advice
    ENQUIRY = "enquiry"            # departure: enquiry sent to destination
    RECOVERY = "recovery"          # departure: recovery of duties started
    RECOVERED = "recovered"        # closed: duties recovered, guarantee released
    ANTICIPATED = "anticipated"    # transit/destination: record received from departure
    CROSSED = "crossed"            # transit: goods entered here, departure notified
    CONTROLLED = "controlled"      # destination: control results sent


#: States in which the movement still engages its guarantee / is shown as open.
OPEN_STATES = frozenset({State.ACCEPTED, State.RELEASED, State.IN_TRANSIT, State.ARRIVED,
                         State.DISCREPANCIES, State.OVERDUE, State.ENQUIRY, State.RECOVERY})


class Party(BaseModel):
    """A trader by identification number (TIN or EORI-like) and name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    identification: str = Field(min_length=1, max_length=17, pattern=r"^[A-Za-z0-9-]+$")
    name: str = Field(min_length=1, max_length=70)
    country: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 3166 alpha-3")


class ConsignmentItem(BaseModel):
    """One goods item: HS code, packages, gross mass (kg), customs value (USD)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hs_code: str = Field(pattern=r"^[0-9]{6,10}$", description="HS code as text, 6-10 digits")
    description: str = Field(min_length=1, max_length=512)
    packages: int = Field(ge=1, le=99_999)
    package_type: str = Field(default="PK", pattern=r"^[A-Z0-9]{2}$",
                              description="UN/ECE Rec 21 code")
    gross_mass_kg: float = Field(gt=0, le=99_999_999)
    value_usd: float = Field(ge=0, le=10_000_000_000)


class TransitDeclaration(BaseModel):
    """A transit declaration lodged at the office of departure (the CC015C's content)."""

    model_config = ConfigDict(extra="forbid")

    lrn: str = Field(min_length=1, max_length=22, pattern=r"^[A-Za-z0-9.-]+$",
                     description="the declarant's local reference number")
    office_of_departure: str = Field(pattern=_OFFICE)
    offices_of_transit: list[str] = Field(default_factory=list, max_length=9,
                                          description="entry offices in route order")
    office_of_destination: str = Field(pattern=_OFFICE)
    holder: Party = Field(description="holder of the transit procedure (principal)")
    consignor: Party
    consignee: Party
    carrier: Party
    vehicle: str = Field(min_length=1, max_length=35, description="registration plate")
    seals: list[str] = Field(default_factory=list, max_length=99)
    items: list[ConsignmentItem] = Field(min_length=1, max_length=999)
    guarantee_reference: str = Field(min_length=1, max_length=24,
                                     pattern=r"^[A-Za-z0-9-]+$")
    time_limit: dt.date | None = Field(
        default=None, description="date by which the goods must be at destination")
    synthetic: bool = Field(default=False, description="made by the demo generator")

    @field_validator("offices_of_transit")
    @classmethod
    def _offices(cls, value: list[str]) -> list[str]:
        import re

        for office in value:
            if not re.fullmatch(_OFFICE, office):
                raise ValueError(f"{office!r} is not an office reference number (VNLAO001)")
        return value

    @property
    def value_usd(self) -> float:
        return sum(item.value_usd for item in self.items)

    @property
    def gross_mass_kg(self) -> float:
        return sum(item.gross_mass_kg for item in self.items)


class GuaranteeCreate(BaseModel):
    """A comprehensive guarantee registered at the office of guarantee."""

    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=24, pattern=r"^[A-Za-z0-9-]+$",
                           description="guarantee reference number (GRN)")
    holder: str = Field(min_length=1, max_length=17, pattern=r"^[A-Za-z0-9-]+$")
    reference_amount_usd: float = Field(gt=0, le=10_000_000_000)
    synthetic: bool = False


class GuaranteePublic(BaseModel):
    """A guarantee with what open movements engage and what is left."""

    reference: str
    holder: str
    country: str
    reference_amount_usd: float
    engaged_usd: float
    open_movements: int
    synthetic: bool

    @property
    def balance_usd(self) -> float:
        return self.reference_amount_usd - self.engaged_usd


class GuaranteeUse(BaseModel):
    """Guarantee amounts engaged by one holder, by state of destination."""

    holder: str
    destination_country: str
    open_movements: int
    engaged_usd: float


class MovementEvent(BaseModel):
    """One thing that happened to a movement (a message received or sent, an officer's act)."""

    at: dt.datetime
    kind: str
    office: str
    state: State
    message_id: str | None = None
    detail: str = ""


class MovementPublic(BaseModel):
    """A movement as one administration holds it."""

    mrn: str
    role: Role
    state: State
    lrn: str
    office_of_departure: str
    offices_of_transit: list[str]
    office_of_destination: str
    holder: str
    guarantee_reference: str
    amount_engaged_usd: float
    time_limit: dt.date
    accepted_at: dt.datetime | None
    released_at: dt.datetime | None
    arrived_at: dt.datetime | None
    closed_at: dt.datetime | None
    enquiry_deadline: dt.date | None
    last_crossing: str | None
    synthetic: bool
    events: list[MovementEvent] = Field(default_factory=list)
