"""Agreements that shape customs cooperation: FTAs, AEO MRAs, e-C/O exchange, single windows.

The facts live in ``data/agreements.yaml`` (or the file named by ``HAIQUAN_AGREEMENTS_FILE``),
each entry dated and sourced, with ``verified: false`` and a note where a date is not checked.
The file is validated when first read; a bad entry raises :class:`~haiquan.errors.CatalogueError`
naming the entry, what is wrong, and how to fix it.

Questions are asked "on a day": an agreement counts for a country from the day it applies to that
country (its own date, or the agreement's provisional or formal entry into force) until it ends.

>>> import datetime as dt
>>> state = cooperation_state("VNM", "KOR", on=dt.date(2024, 1, 1))
>>> state.fta_in_force, [a.id for a in state.ftas]
(True, ['AKFTA', 'VKFTA', 'RCEP'])
>>> state.eco_exchange, state.aeo_mra
(True, False)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from haiquan.errors import UnknownCodeError, ValidationError
from haiquan.reference.countries import country, country_groups
from haiquan.settings import get_settings

__all__ = [
    "AGREEMENT_KINDS",
    "Agreement",
    "AgreementKind",
    "CooperationState",
    "Party",
    "agreement",
    "agreements",
    "agreements_between",
    "cooperation_state",
    "load_agreements",
]

AgreementKind = Literal["fta", "aeo_mra", "eco_exchange", "single_window"]

#: The kinds of agreement, and the :class:`CooperationState` flag each one sets.
AGREEMENT_KINDS: dict[str, str] = {
    "fta": "fta_in_force",
    "aeo_mra": "aeo_mra",
    "eco_exchange": "eco_exchange",
    "single_window": "single_window_connected",
}


class Party(BaseModel):
    """A party to an agreement: a country (alpha-3) or a group such as ``EU27``.

    ``in_force`` overrides the agreement's date for this party; ``pending`` marks a party that
    signed but does not apply the agreement yet; ``until`` is the day it stopped applying.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str
    in_force: dt.date | None = None
    until: dt.date | None = None
    pending: bool = False
    verified: bool = True
    note: str | None = None


class Agreement(BaseModel):
    """One agreement or arrangement, as written in the catalogue."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    kind: AgreementKind
    parties: tuple[Party, ...]
    signed: dt.date | None = None
    provisional_from: dt.date | None = None
    in_force: dt.date | None = None
    ends: dt.date | None = None
    under: str | None = None
    sides: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    source: str
    verified: bool
    note: str | None = None

    def applies_from(self, party: Party) -> dt.date | None:
        """The first day the agreement applies to a party, or ``None`` if it does not yet."""
        if party.pending:
            return None
        return party.in_force or self.provisional_from or self.in_force

    def members(self, on: dt.date) -> list[str]:
        """Alpha-3 codes of the countries the agreement applies to on a day."""
        if self.ends is not None and on >= self.ends:
            return []
        found: set[str] = set()
        for party in self.parties:
            start = self.applies_from(party)
            if start is None or on < start or (party.until is not None and on >= party.until):
                continue
            found.update(_expand(party.country, on))
        return sorted(found)

    def applies_to(self, code: str, on: dt.date) -> bool:
        """True when the agreement applies to the country (alpha-3) on the day."""
        return code in self.members(on)

    def covers(self, first: str, second: str, on: dt.date) -> bool:
        """True when the agreement governs trade between two countries (alpha-3) on a day.

        Both must apply it. An agreement with ``sides`` (a group of countries with a third
        party, such as ASEAN-China) covers a pair only across the sides: it gives nothing between
        two ASEAN members, which trade under their own agreement (ATIGA). Without ``sides`` any
        two parties are covered (ATIGA, RCEP, CPTPP, a bilateral).
        """
        members = self.members(on)
        if first == second or first not in members or second not in members:
            return False
        if self.sides is None:
            return True
        one, other = ({c for code in side for c in _expand(code, on)} for side in self.sides)
        return (first in one and second in other) or (first in other and second in one)

    def lists(self, code: str) -> bool:
        """True when the country is named as a party (or is in a named group), on any date."""
        for party in self.parties:
            if party.country == code:
                return True
            group = country_groups().get(party.country)
            if group is not None and code in group.members:
                return True
        return False


@dataclass(frozen=True)
class CooperationState:
    """What binds two administrations on a day, and which agreements say so.

    The priorities engine reads the flags; each flag is true exactly when its list of agreements
    is not empty, so every flag can be traced to an entry of the catalogue and its source.
    """

    home: str
    partner: str
    on: dt.date
    ftas: tuple[Agreement, ...] = field(default=())
    aeo_mras: tuple[Agreement, ...] = field(default=())
    eco_exchanges: tuple[Agreement, ...] = field(default=())
    single_windows: tuple[Agreement, ...] = field(default=())

    @property
    def fta_in_force(self) -> bool:
        """A free-trade agreement applies between the two."""
        return bool(self.ftas)

    @property
    def aeo_mra(self) -> bool:
        """An AEO mutual-recognition arrangement is being applied by both."""
        return bool(self.aeo_mras)

    @property
    def eco_exchange(self) -> bool:
        """Certificates of origin are exchanged electronically between the two."""
        return bool(self.eco_exchanges)

    @property
    def single_window_connected(self) -> bool:
        """Both national single windows exchange data live through a shared connection."""
        return bool(self.single_windows)

    def flags(self) -> dict[str, bool]:
        """The four flags by name, in the order of :data:`AGREEMENT_KINDS`."""
        return {name: bool(getattr(self, name)) for name in AGREEMENT_KINDS.values()}

    def basis(self) -> dict[str, list[str]]:
        """The ids of the agreements behind each flag."""
        lists = (self.ftas, self.aeo_mras, self.eco_exchanges, self.single_windows)
        return {
            name: [item.id for item in items]
            for name, items in zip(AGREEMENT_KINDS.values(), lists, strict=True)
        }


def _expand(code: str, on: dt.date) -> list[str]:
    group = country_groups().get(code)
    return group.members_on(on) if group is not None else [code]


def load_agreements(path: Path | str | None = None) -> tuple[Agreement, ...]:
    """Every entry of a catalogue, validated.

    Args:
        path: a YAML file; by default ``HAIQUAN_AGREEMENTS_FILE`` or the bundled catalogue.

    Raises:
        CatalogueError: the file is unreadable or an entry breaks a rule.
    """
    from haiquan.reference._agreements_file import read_agreements

    chosen = path if path is not None else get_settings().agreements_file
    return read_agreements(Path(chosen) if chosen is not None else None)


def agreement(ident: str) -> Agreement:
    """One entry by id, e.g. ``"EVFTA"``.

    >>> agreement("evfta").in_force
    datetime.date(2020, 8, 1)
    """
    key = ident.strip().upper()
    for item in load_agreements():
        if item.id.upper() == key:
            return item
    raise UnknownCodeError(
        f"no agreement {ident!r}",
        expected="an id from the agreements catalogue",
        got=repr(ident),
        fix="list them with `haiquan show agreements --all`",
    )


def _alpha3(code: str) -> str:
    return country(code).alpha_3


def _day(on: dt.date | None) -> dt.date:
    return on or dt.date.today()


def agreements(
    country: str | None = None,
    on: dt.date | None = None,
    *,
    kind: AgreementKind | str | None = None,
    include_pending: bool = False,
) -> list[Agreement]:
    """The agreements that apply to a country on a day (home country and today by default).

    Args:
        country: ISO code of the country; ``HAIQUAN_HOME_COUNTRY`` when ``None``.
        on: the day; today when ``None``.
        kind: keep only one kind (``fta``, ``aeo_mra``, ``eco_exchange``, ``single_window``).
        include_pending: also list those the country is a party to but that do not apply on
            the day (signed, not yet in force, or already ended).

    >>> [a.id for a in agreements("VNM", dt.date(2016, 1, 1), kind="fta")]
    ['ACFTA', 'AKFTA', 'AJCEP', 'VJEPA', 'AANZFTA', 'AIFTA', 'ATIGA', 'VCFTA', 'VKFTA']
    """
    code = _alpha3(country or get_settings().home_country)
    day = _day(on)
    if kind is not None and kind not in AGREEMENT_KINDS:
        raise ValidationError(
            "unknown kind of agreement",
            expected="one of " + ", ".join(AGREEMENT_KINDS),
            got=repr(kind),
            fix="use one of those kinds, or ask for every kind",
        )
    found = []
    for item in load_agreements():
        if kind is not None and item.kind != kind:
            continue
        if item.applies_to(code, day) or (include_pending and item.lists(code)):
            found.append(item)
    return sorted(found, key=lambda item: (list(AGREEMENT_KINDS).index(item.kind), _order(item)))


def _order(item: Agreement) -> tuple[dt.date, str]:
    return (item.in_force or item.provisional_from or item.signed or dt.date.max, item.id)


def agreements_between(
    a: str, b: str, on: dt.date | None = None, *, kind: AgreementKind | str | None = None
) -> list[Agreement]:
    """The agreements that govern trade between two countries on a day.

    Both countries must apply the agreement, and when it joins two sides (ASEAN and China in
    ACFTA) they must be on opposite sides (:meth:`Agreement.covers`): between two ASEAN members
    only ATIGA, RCEP and any bilateral agreement count.

    Examples:
        >>> [x.id for x in agreements_between("VNM", "THA", dt.date(2024, 1, 1), kind="fta")]
        ['ATIGA', 'RCEP']

        >>> [x.id for x in agreements_between("VNM", "GBR", dt.date(2021, 6, 1))]
        ['UKVFTA']
        >>> [x.id for x in agreements_between("VNM", "GBR", dt.date(2020, 9, 1))]
        ['EVFTA']
    """
    first, second = _alpha3(a), _alpha3(b)
    day = _day(on)
    return [item for item in agreements(first, day, kind=kind) if item.covers(first, second, day)]


def cooperation_state(
    home: str | None, partner: str, on: dt.date | None = None
) -> CooperationState:
    """The four cooperation flags between the home administration and a partner on a day.

    Args:
        home: ISO code of the home country; ``HAIQUAN_HOME_COUNTRY`` when ``None``.
        partner: ISO code of the partner country.
        on: the day; today when ``None``.

    Raises:
        UnknownCodeError: a country code is not ISO 3166-1.
    """
    first = _alpha3(home or get_settings().home_country)
    second = _alpha3(partner)
    day = _day(on)
    shared = agreements_between(first, second, day)
    by_kind = {
        kind: tuple(item for item in shared if item.kind == kind) for kind in AGREEMENT_KINDS
    }
    return CooperationState(
        home=first,
        partner=second,
        on=day,
        ftas=by_kind["fta"],
        aeo_mras=by_kind["aeo_mra"],
        eco_exchanges=by_kind["eco_exchange"],
        single_windows=by_kind["single_window"],
    )
