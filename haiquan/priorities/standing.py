"""A partner's standing and cooperation state on a day, from the dated reference data.

What binds home and a partner is read from the sourced reference files, never typed into code:
agreements and arrangements (``haiquan/reference/data/agreements.yaml``), regional communities
(``country_groups.yaml``), diplomatic frameworks such as Vietnam's comprehensive strategic
partnerships (``partnerships.yaml``) and AEO programmes (``aeo_programmes.yaml``, plus every
party to an AEO MRA in the agreements file). The priorities read one row per partner from
:func:`partner_standing`; every flag keeps the ids or sources behind it so a reader can check it.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from typing import Literal, TypeVar

import pandas as pd
import pydantic
from pydantic import BaseModel, ConfigDict

from haiquan.errors import HaiquanError
from haiquan.reference.agreements import Agreement
from haiquan.rules import load_rules

__all__ = [
    "COMMUNITY_GROUPS",
    "AeoProgramme",
    "Partnership",
    "aeo_programmes",
    "partner_standing",
    "partnerships",
]

#: Regional communities whose members cooperate as one (a customs union or a community with
#: its own customs work programme). Trade agreements count separately, as FTAs.
COMMUNITY_GROUPS = ("ASEAN", "EU27")


class Partnership(BaseModel):
    """A dated diplomatic framework between home and a partner."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    home: str
    partner: str
    level: Literal["comprehensive_strategic"]
    since: dt.date
    precision: Literal["day", "month", "year"]
    source: str = pydantic.Field(min_length=10)
    note: str | None = None

    @property
    def since_text(self) -> str:
        """The date as precisely as the source gives it ('May 2008', '2016', '2025-03-10').

        ``since`` is the last day of a month or year the source names alone; printed as a day
        it would read as a fact ("Korea since 2022-12-31") that no source states.
        """
        if self.precision == "year":
            return str(self.since.year)
        if self.precision == "month":
            return self.since.strftime("%B %Y")
        return self.since.isoformat()


class AeoProgramme(BaseModel):
    """A customs administration's AEO programme (or a group's, such as the EU's)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str
    name: str
    source: str = pydantic.Field(min_length=10)
    verified: bool
    note: str | None = None


_Entry = TypeVar("_Entry", bound=pydantic.BaseModel)


def _entries(file: str, key: str, model: type[_Entry], ident: str) -> tuple[_Entry, ...]:
    """Each entry under ``key`` in the packaged ``file``, validated as ``model``."""
    text = resources.files("haiquan.reference.data").joinpath(file).read_text(encoding="utf-8")
    return load_rules(f"haiquan/reference/data/{file}", model, key=key, text=text,
                      what=file.removesuffix(".yaml").replace("_", " "),
                      docs="docs/reference-data.md", ident=ident, unique=False).entries


@cache
def partnerships() -> tuple[Partnership, ...]:
    """Every framework in ``partnerships.yaml``, validated.

    >>> [p.partner for p in partnerships()][:3]
    ['CHN', 'RUS', 'IND']
    """
    return _entries("partnerships.yaml", "partnerships", Partnership, "partner")


@cache
def aeo_programmes() -> tuple[AeoProgramme, ...]:
    """Programmes listed in ``aeo_programmes.yaml`` (MRA parties are added by the caller)."""
    return _entries("aeo_programmes.yaml", "programmes", AeoProgramme, "country")


def _aeo_evidence(partner: str, on: dt.date) -> str:
    """Why the partner is known to run an AEO programme ('' when nothing says so)."""
    from haiquan.reference import groups_of
    from haiquan.reference.agreements import load_agreements

    for item in load_agreements():
        if item.kind != "aeo_mra":
            continue
        # A party still pending (building its programme) has no operational programme yet.
        for party in item.parties:
            if party.country == partner and not party.pending:
                return f"runs an AEO programme: party to the {item.name} ({item.id})"
    codes = {partner, *groups_of(partner, on)}
    for programme in aeo_programmes():
        if programme.country in codes:
            return f"{programme.name} (aeo_programmes.yaml)"
    return ""


def _signed_not_applied(home: str, partner: str, on: dt.date) -> dict[str, list[str]]:
    """Arrangements home and partner both signed that do not yet apply between them."""
    from haiquan.reference.agreements import AGREEMENT_KINDS, load_agreements

    found: dict[str, list[str]] = {kind: [] for kind in AGREEMENT_KINDS}
    for item in load_agreements():
        if not (item.lists(home) and item.lists(partner)) or item.covers(home, partner, on):
            continue
        if item.ends is not None and on >= item.ends:
            continue
        signed = item.signed is not None and item.signed <= on
        if signed and _across(item, home, partner, on):
            found[item.kind].append(item.id)
    return found


def _across(item: Agreement, home: str, partner: str, on: dt.date) -> bool:
    """Home and partner on opposite sides of a group-to-partner agreement (or it has none)."""
    from haiquan.reference import group_members
    from haiquan.reference.countries import country_groups

    if item.sides is None:
        return True
    groups = country_groups()
    one, other = ({c for code in side
                   for c in (group_members(code, on) if code in groups else [code])}
                  for side in item.sides)
    return (home in one and partner in other) or (home in other and partner in one)


def _pending_in_home_arrangements(home: str, partner: str, on: dt.date) -> list[str]:
    """Group arrangements home is party to in which the partner has signed but does not apply
    yet (e.g. members still building an AEO programme): where capacity building helps."""
    from haiquan.reference.agreements import load_agreements

    found = []
    for item in load_agreements():
        if item.sides is not None or len(item.parties) < 3 or not item.lists(home):
            continue
        for party in item.parties:
            if party.country == partner and party.pending:
                found.append(item.id)
    return found


def partner_standing(home: str, partners: list[str], on: dt.date) -> pd.DataFrame:
    """One row per partner: standing markers, cooperation in force, and what is signed only.

    Columns: ``partner``; ``community`` (regional community shared with home, '' if none);
    ``strategic_since`` (date of a comprehensive strategic partnership in force on ``on``, else
    None) and ``strategic_since_text`` (that date as precisely as its source gives it);
    ``ftas`` (ids of FTAs in force); ``standing`` (how many of community, comprehensive
    strategic partnership and FTA in force hold, 0-3); the four cooperation flags
    ``fta_in_force``, ``aeo_mra``, ``eco_exchange``, ``single_window_connected`` with
    ``*_basis`` (agreement ids); ``signed_aeo_mra``, ``signed_eco_exchange``,
    ``signed_single_window`` (signed, not applied between the two); ``aeo_programme`` (the
    evidence, '' when none is recorded); ``pending_in`` (home's group arrangements the partner
    has signed but does not apply yet).
    """
    from haiquan.reference import groups_of
    from haiquan.reference.agreements import cooperation_state

    home_groups = set(groups_of(home, on)) & set(COMMUNITY_GROUPS)
    # A partnership is declared jointly: Vietnam's with Thailand is Thailand's with Vietnam, so
    # an entry recorded from the other side counts for home too.
    frameworks = {p.partner: p for p in partnerships() if p.home == home and p.since <= on}
    frameworks.update({p.home: p for p in partnerships()
                       if p.partner == home and p.since <= on and p.home not in frameworks})
    rows = []
    for partner in partners:
        try:
            state = cooperation_state(home, partner, on)
            flags = state.flags()
            basis = state.basis()
            groups = set(groups_of(partner, on))
        except HaiquanError:
            flags = dict.fromkeys(("fta_in_force", "aeo_mra", "eco_exchange",
                                   "single_window_connected"), False)
            basis = {name: [] for name in flags}
            groups = set()
        signed = _signed_not_applied(home, partner, on)
        community = ", ".join(sorted(home_groups & groups))
        framework = frameworks.get(partner)
        rows.append({
            "partner": partner,
            "community": community,
            "strategic_since": framework.since if framework else None,
            "strategic_since_text": framework.since_text if framework else "",
            "ftas": ", ".join(basis["fta_in_force"]),
            "standing": int(bool(community)) + int(framework is not None)
            + int(flags["fta_in_force"]),
            **flags,
            **{f"{name}_basis": ", ".join(ids) for name, ids in basis.items()},
            "signed_aeo_mra": ", ".join(signed["aeo_mra"]),
            "signed_eco_exchange": ", ".join(signed["eco_exchange"]),
            "signed_single_window": ", ".join(signed["single_window"]),
            "aeo_programme": _aeo_evidence(partner, on),
            "pending_in": ", ".join(_pending_in_home_arrangements(home, partner, on)),
        })
    return pd.DataFrame(rows)
