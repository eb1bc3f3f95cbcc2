"""What other parts of haiquan feed into selectivity: partner alerts and AEO status.

* :class:`PartnerAlert` — a high-risk shipment alert received from a partner administration
  (through the gateway, :mod:`haiquan.exchange`). The gateway bridges its documents to this
  model.
* :class:`AeoDirectory` — who is an Authorised Economic Operator at home, and whose AEOs a
  mutual recognition arrangement (MRA) makes us recognise. The AEO registry
  (:mod:`haiquan.aeo`) implements it; :class:`InMemoryAeoDirectory` serves tests and small
  deployments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from haiquan.declarations.columns import UNKNOWN_COUNTRY
from haiquan.errors import UnknownCodeError
from haiquan.reference.countries import country as country_by_code

__all__ = ["AeoDirectory", "InMemoryAeoDirectory", "PartnerAlert"]


class PartnerAlert(BaseModel):
    """A partner administration's alert on high-risk shipments.

    A declaration matches when it is lodged within the validity dates and every criterion that is
    set matches (criteria left empty match anything); at least one criterion must be set, so an
    alert can never send every declaration to red.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    alert_id: str = Field(min_length=1, description="the issuer's reference")
    issuing_country: str = Field(description="ISO alpha-3 code of the issuing administration")
    valid_from: dt.date
    valid_to: dt.date
    hs_prefix: str | None = Field(default=None, pattern=r"^\d{2,10}$")
    origin_country: str | None = Field(default=None, description="ISO alpha-3")
    departure_country: str | None = Field(default=None, description="ISO alpha-3")
    seller: str | None = None
    importer: str | None = None
    reason: str = Field(min_length=1, description="why the partner considers it high risk")

    @field_validator("issuing_country", "origin_country", "departure_country")
    @classmethod
    def _alpha_3(cls, value: str | None, info: ValidationInfo) -> str | None:
        """An ISO alpha-3 code that exists: declarations hold alpha-3 codes, so an alert on a
        made-up or alpha-2 code would silently match nothing. Origin and departure may be
        ``ZZZ`` (not stated), as in declarations."""
        if value is None:
            return None
        code = value.strip().upper()
        if code == UNKNOWN_COUNTRY and info.field_name != "issuing_country":
            return code
        try:
            known = country_by_code(code).alpha_3
        except UnknownCodeError:
            raise ValueError(
                f"an ISO 3166 alpha-3 country code such as KOR ({value!r} is no country's code)"
            ) from None
        if known != code:
            raise ValueError(
                f"an ISO 3166 alpha-3 country code such as KOR (write {known!r} for {value!r})"
            )
        return code

    @model_validator(mode="after")
    def _check(self) -> PartnerAlert:
        if self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        if not any(
            (
                self.hs_prefix,
                self.origin_country,
                self.departure_country,
                self.seller,
                self.importer,
            )
        ):
            raise ValueError(
                "an alert needs at least one match criterion (hs_prefix, origin_country, "
                "departure_country, seller or importer)"
            )
        return self

    def matches(
        self,
        *,
        date: dt.date,
        hs_code: str,
        origin_country: str | None,
        departure_country: str | None,
        seller: str | None,
        importer: str | None,
    ) -> bool:
        """Whether one declaration falls under this alert."""
        if not self.valid_from <= date <= self.valid_to:
            return False
        if self.hs_prefix and not hs_code.startswith(self.hs_prefix):
            return False
        if self.origin_country and self.origin_country != origin_country:
            return False
        if self.departure_country and self.departure_country != departure_country:
            return False
        if self.seller and self.seller != seller:
            return False
        return not (self.importer and self.importer != importer)


@runtime_checkable
class AeoDirectory(Protocol):
    """Answers AEO questions on a date; implemented by the AEO registry."""

    def is_home_aeo(self, operator_id: str, on_date: dt.date) -> bool:
        """Whether the operator holds our own AEO status on the date."""
        ...

    def is_partner_aeo(self, operator_id: str, country: str, on_date: dt.date) -> bool:
        """Whether the operator is an AEO of ``country`` (alpha-3) recognised under an MRA."""
        ...


class InMemoryAeoDirectory:
    """A directory held in memory: ``(operator, valid_from, valid_to)`` per home AEO and per
    (country, operator) for recognised partner AEOs.

    >>> d = InMemoryAeoDirectory(home=[("IMP1", dt.date(2020, 1, 1), None)])
    >>> d.is_home_aeo("IMP1", dt.date(2021, 5, 1)), d.is_home_aeo("IMP2", dt.date(2021, 5, 1))
    (True, False)
    """

    def __init__(
        self,
        home: Iterable[tuple[str, dt.date | None, dt.date | None]] = (),
        partner: Iterable[tuple[str, str, dt.date | None, dt.date | None]] = (),
    ) -> None:
        self._home: dict[str, list[tuple[dt.date | None, dt.date | None]]] = {}
        for operator, start, end in home:
            self._home.setdefault(operator, []).append((start, end))
        self._partner: dict[tuple[str, str], list[tuple[dt.date | None, dt.date | None]]] = {}
        for country, operator, start, end in partner:
            self._partner.setdefault((country.upper(), operator), []).append((start, end))

    @staticmethod
    def _valid(spans: list[tuple[dt.date | None, dt.date | None]], day: dt.date) -> bool:
        return any((s is None or s <= day) and (e is None or day <= e) for s, e in spans)

    def is_home_aeo(self, operator_id: str, on_date: dt.date) -> bool:
        return self._valid(self._home.get(operator_id, []), on_date)

    def is_partner_aeo(self, operator_id: str, country: str, on_date: dt.date) -> bool:
        return self._valid(self._partner.get((country.upper(), operator_id), []), on_date)
