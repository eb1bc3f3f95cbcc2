"""The registry as the risk engine's :class:`~haiquan.risk.alerts.AeoDirectory`.

Loaded once into memory, because selectivity asks for every declaration in a batch.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from haiquan.aeo.arrangements import load_arrangements
from haiquan.aeo.models import AeoStatus
from haiquan.aeo.registry import AeoRegistry
from haiquan.errors import InputError, NotFoundError
from haiquan.reference.countries import country as lookup_country

__all__ = ["RegistryAeoDirectory"]

Span = tuple[dt.date, dt.date | None]


class RegistryAeoDirectory:
    """Home AEOs and recognised partner AEOs, as of the registry's content when built.

    A home operator is an AEO on a day when its status then is ``granted``. A partner's operator
    is recognised on a day when the MRA's arrangement grants benefits from that day on, the latest
    partner list dated on or before the day lists it as ``valid``, and the day falls within its
    validity.
    """

    def __init__(self, registry: AeoRegistry) -> None:
        self._home: dict[str, list[tuple[dt.date, str]]] = defaultdict(list)
        for operator in registry.operators(dt.date.max):
            for event in operator.history:
                self._home[operator.aeo_id].append((event.effective, event.status))
        self._valid_until = {o.aeo_id: o.valid_until for o in registry.operators(dt.date.max)}
        # Declarations carry the operator's own code (its tax identification number), not the
        # authorisation number: both find the operator.
        self._by_tin = {o.tin.strip().upper(): o.aeo_id for o in registry.operators(dt.date.max)
                        if o.tin and o.tin.strip().upper() not in self._home}
        benefits = {(a.mra_id, country): a.benefits_from for a in load_arrangements()
                    for country in a.partners}
        self._partner: dict[tuple[str, str], list[tuple[dt.date, dict[str, Any]]]] = (
            defaultdict(list))
        self._benefits: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
        for row in registry.partner_history():
            start = benefits.get((row["mra_id"], row["country"]))
            key = (row["country"], row["aeo_id"])
            self._partner[key].append((row["as_of"], row))
            if start is not None:
                self._benefits[key].append(start)

    def home_identifiers(self) -> frozenset[str]:
        """Every code that can name a home AEO (upper case): authorisation numbers and TINs."""
        return frozenset(self._home) | frozenset(self._by_tin)

    def partner_identifiers(self) -> frozenset[tuple[str, str]]:
        """Every (country, operator) a partner's list has named, recognised or not."""
        return frozenset(self._partner)

    def is_home_aeo(self, operator_id: str, on_date: dt.date) -> bool:
        """Whether the operator named by its authorisation number or its TIN is an AEO."""
        key = operator_id.strip().upper()
        operator_id = self._by_tin.get(key, key)
        events = [status for day, status in self._home.get(operator_id, []) if day <= on_date]
        if not events or events[-1] != AeoStatus.granted:
            return False
        until = self._valid_until.get(operator_id)
        return until is None or on_date <= until

    def is_partner_aeo(self, operator_id: str, country: str, on_date: dt.date) -> bool:
        key = (country.upper(), operator_id)
        if not any(start <= on_date for start in self._benefits.get(key, [])):
            return False
        reports = [row for day, row in self._partner.get(key, []) if day <= on_date]
        if not reports:
            return False
        latest = reports[-1]
        if latest["status"] != "valid":
            return False
        start, end = latest["valid_from"], latest["valid_until"]
        return (start is None or start <= on_date) and (end is None or on_date <= end)

    def check_home_aeo(self, operator_id: str, on_date: dt.date) -> tuple[str, bool]:
        """:meth:`is_home_aeo` for a question a person asks, with the number checked.

        The number is read as the registry reads it (``vn-aeo-0001`` is ``VN-AEO-0001``), and a
        number the registry does not hold is an error rather than a "no", since it is most often
        a typing mistake.

        Returns:
            The authorisation number as registered and whether it was an AEO that day.

        Raises:
            NotFoundError: no home operator has that authorisation number.
        """
        key = operator_id.strip().upper()
        key = self._by_tin.get(key, key)
        if key not in self._home:
            raise NotFoundError(
                f"no AEO {key} in the registry",
                expected="the authorisation number or TIN of a registered home operator",
                got=key,
                fix="list operators with `haiquan aeo list`; for a partner's AEO add --country",
            )
        return key, self.is_home_aeo(key, on_date)

    def check_partner_aeo(self, operator_id: str, country: str, on_date: dt.date
                          ) -> tuple[str, bool]:
        """:meth:`is_partner_aeo` for a question a person asks, with the country checked.

        The risk engine calls :meth:`is_partner_aeo` for every declaration and takes an unknown
        departure country as "not recognised"; a person who types a code wants to hear that the
        code is wrong instead. ``country`` may be any ISO 3166 code the reference data knows
        (``KR``, ``KOR``, ``410``).

        Returns:
            The country's alpha-3 code and whether the operator was recognised that day.

        Raises:
            UnknownCodeError: ``country`` is not an ISO 3166 country.
            InputError: ``country`` is the home country (a home AEO is checked without it).
        """
        code = lookup_country(country.strip()).alpha_3
        from haiquan.settings import get_settings

        home = get_settings().home_country
        if code == home:
            raise InputError(
                f"{code} is the home country, not a partner",
                expected="the country of a partner whose AEO programme we recognise",
                got=country,
                fix="leave out --country to check a home AEO in our own registry",
            )
        return code, self.is_partner_aeo(operator_id.strip().upper(), code, on_date)
