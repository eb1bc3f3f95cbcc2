"""The initiatives catalogue: candidate cooperation actions, their costs and benefit models.

A catalogue is YAML (see ``data/vietnam_initiatives.yaml`` and docs/priorities.md). Every number in
it is a :class:`Sourced` value — ``{value: 0.3, source: "..."}`` or ``{value: 0.3, assumption:
"..."}`` — because a plan is only as credible as its inputs, and the reader must be able to see
which figures are published facts and which are placeholders to replace with the administration's
own estimates.

The benefit of an initiative is tied to the forecast trade of its partners: in each plan year after
the initiative is complete, ``trade × share_affected × ad-valorem saving``, where the saving is
either a direct trade-cost reduction or clearance days saved × the value of a day (Hummels &
Schaur 2013 estimate a day in transit is worth 0.6-2.1 % of the goods' value).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args

import pydantic
from pydantic import BaseModel, Field, field_validator, model_validator

from haiquan.errors import HaiquanError
from haiquan.priorities._yaml import packaged_file, raise_for_validation, read_yaml_mapping
from haiquan.priorities.sourced import STRICT, Sourced, fraction, non_negative

__all__ = [
    "INITIATIVE_KINDS",
    "Benefit",
    "Catalogue",
    "Initiative",
    "OnceSigned",
    "Resources",
    "Sourced",
    "example_catalogue_path",
    "load_catalogue",
    "parse_catalogue",
]

InitiativeKind = Literal[
    "aeo_mra",
    "eco_exchange",
    "single_window",
    "port_pair_pilot",
    "anti_smuggling",
    "capacity_building",
    "data_exchange",
    "other",
]
#: The kinds of initiative a catalogue may list.
INITIATIVE_KINDS: tuple[str, ...] = get_args(InitiativeKind)

class Benefit(BaseModel):
    """How an initiative's yearly benefit follows from its partners' forecast trade."""

    model_config = STRICT

    flow: Literal["total", "import", "export"] = "total"
    share_affected: Sourced
    effect: Literal["trade_cost", "clearance_days"]
    size: Sourced = Field(description="Ad-valorem cost cut (trade_cost) or days saved.")
    value_per_day: Sourced | None = Field(
        default=None, description="Ad-valorem value of one day (clearance_days only)."
    )

    @field_validator("share_affected")
    @classmethod
    def _share(cls, value: Sourced) -> Sourced:
        return fraction(value, "share_affected")

    @field_validator("size")
    @classmethod
    def _size(cls, value: Sourced) -> Sourced:
        non_negative(value, "size")
        return value

    @model_validator(mode="after")
    def _effect_fields(self) -> Benefit:
        if self.effect == "trade_cost":
            fraction(self.size, "size (an ad-valorem trade-cost reduction)")
            if self.value_per_day is not None:
                raise ValueError("value_per_day only applies to effect 'clearance_days'")
        else:
            if self.value_per_day is None:
                raise ValueError(
                    "effect 'clearance_days' needs value_per_day, the ad-valorem value of a day "
                    "(e.g. {value: 0.006, source: 'Hummels & Schaur 2013, AER 103(7)'})"
                )
            fraction(self.value_per_day, "value_per_day")
        return self

    def ad_valorem_bound(self, which: str, spread: float) -> float:
        """:meth:`ad_valorem` with every figure at its ``low``/``central``/``high`` end, the
        share kept within 0-1 (see :meth:`Sourced.bound`)."""
        share = min(1.0, self.share_affected.bound(which, spread))
        saving = self.size.bound(which, spread)
        if self.effect == "clearance_days":
            assert self.value_per_day is not None  # checked on load
            saving *= self.value_per_day.bound(which, spread)
        return share * saving

    def ad_valorem(self) -> float:
        """Fraction of the partners' trade value saved per year once the initiative is done.

        >>> day = {"value": 0.006, "source": "Hummels & Schaur (2013)"}
        >>> benefit = Benefit(share_affected={"value": 0.5, "assumption": "half"},
        ...                   effect="clearance_days", size={"value": 2, "assumption": "2 days"},
        ...                   value_per_day=day)
        >>> round(benefit.ad_valorem(), 6)
        0.006
        """
        saving = self.size.value
        if self.effect == "clearance_days":
            assert self.value_per_day is not None  # checked on load
            saving *= self.value_per_day.value
        return self.share_affected.value * saving


def _check_partner(code: str) -> str:
    from haiquan.reference import country, country_group

    key = code.strip().upper()
    try:
        if len(key) == 3:
            return country(key).alpha_3
        return country_group(key).code
    except HaiquanError as error:
        raise ValueError(
            f"unknown partner {code!r}: use an ISO 3166 alpha-3 code (KOR) or a country group "
            f"of haiquan/reference/data/country_groups.yaml (ASEAN)"
        ) from error


class OnceSigned(BaseModel):
    """What is left of an arrangement initiative once the arrangement is signed: its
    implementation only (:mod:`haiquan.priorities.present` applies it)."""

    model_config = STRICT

    duration_years: Sourced
    staff_months_per_year: Sourced
    budget_usd_per_year: Sourced

    @field_validator("duration_years")
    @classmethod
    def _duration(cls, value: Sourced) -> Sourced:
        if value.value < 1 or value.value != int(value.value):
            raise ValueError(f"duration_years is a whole number of years ≥ 1, got {value.value}")
        return value

    @field_validator("staff_months_per_year", "budget_usd_per_year")
    @classmethod
    def _costs(cls, value: Sourced, info: pydantic.ValidationInfo) -> Sourced:
        non_negative(value, str(info.field_name))
        return value


class Initiative(BaseModel):
    """One candidate cooperation action."""

    model_config = STRICT

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str = Field(min_length=3)
    kind: InitiativeKind
    partners: list[str] = Field(min_length=1)
    commodities: list[str] = Field(default_factory=lambda: ["TOTAL"])
    duration_years: Sourced
    staff_months_per_year: Sourced
    budget_usd_per_year: Sourced
    running_staff_months_per_year: Sourced | None = None
    running_budget_usd_per_year: Sourced | None = None
    prerequisites: list[str] = Field(default_factory=list)
    excludes: list[str] = Field(default_factory=list)
    earliest_start: int | None = Field(default=None, ge=1900, le=2200)
    start_by: int | None = Field(
        default=None, ge=1900, le=2200,
        description="Latest start year (an overdue commitment starts in the first plan year).")
    required: bool = False
    benefit: Benefit
    once_signed: OnceSigned | None = Field(
        default=None, description="Duration and costs of implementation alone, used when the "
        "agreements catalogue records the arrangement as signed but not applied.")
    notes: str | None = None

    @field_validator("partners")
    @classmethod
    def _partners(cls, codes: list[str]) -> list[str]:
        return [_check_partner(code) for code in codes]

    @field_validator("commodities")
    @classmethod
    def _commodities(cls, codes: list[str]) -> list[str]:
        for code in codes:
            if code != "TOTAL" and not (code.isdigit() and len(code) in (2, 4, 6)):
                raise ValueError(f"commodity {code!r} is not TOTAL or an HS code of 2, 4 or 6 "
                                 "digits written as text (quote it: '03')")
        return codes

    @field_validator("duration_years")
    @classmethod
    def _duration(cls, value: Sourced) -> Sourced:
        if value.value < 1 or value.value != int(value.value):
            raise ValueError(f"duration_years is a whole number of years ≥ 1, got {value.value}")
        return value

    @field_validator(
        "staff_months_per_year", "budget_usd_per_year", "running_staff_months_per_year",
        "running_budget_usd_per_year",
    )
    @classmethod
    def _costs(cls, value: Sourced | None, info: pydantic.ValidationInfo) -> Sourced | None:
        return non_negative(value, str(info.field_name))

    @property
    def duration(self) -> int:
        """Years from start to completion."""
        return int(self.duration_years.value)

    def staff_in_year(self, offset: int) -> float:
        """Staff-months used ``offset`` years after the start (running cost once complete)."""
        if offset < 0:
            return 0.0
        if offset < self.duration:
            return self.staff_months_per_year.value
        running = self.running_staff_months_per_year
        return running.value if running is not None else 0.0

    def budget_in_year(self, offset: int) -> float:
        """Budget (USD) used ``offset`` years after the start (running cost once complete)."""
        if offset < 0:
            return 0.0
        if offset < self.duration:
            return self.budget_usd_per_year.value
        running = self.running_budget_usd_per_year
        return running.value if running is not None else 0.0

    def partner_countries(self, on: dt.date | None = None) -> list[str]:
        """The partners with groups (ASEAN ...) expanded to their member countries."""
        from haiquan.reference import group_members

        out: list[str] = []
        for code in self.partners:
            members = [code] if len(code) == 3 else group_members(code, on)
            out.extend(m for m in members if m not in out)
        return out


class Resources(BaseModel):
    """Yearly limits the administration can commit to cooperation initiatives."""

    model_config = STRICT

    staff_months_per_year: Sourced
    budget_usd_per_year: Sourced


class Catalogue(BaseModel):
    """A validated initiatives catalogue."""

    model_config = STRICT

    version: Literal[1]
    title: str
    home: str = Field(pattern=r"^[A-Z]{3}$")
    currency: Literal["USD"] = "USD"
    discount_rate: Sourced
    resources: Resources | None = None
    assumption_range: Sourced | None = Field(
        default=None, description="How far an assumed benefit figure without its own low/high "
        "may be off, as a fraction (0.5: from half to one and a half times the value).")
    initiatives: list[Initiative] = Field(min_length=1)

    @field_validator("discount_rate")
    @classmethod
    def _rate(cls, value: Sourced) -> Sourced:
        return fraction(value, "discount_rate")

    @field_validator("home")
    @classmethod
    def _home(cls, code: str) -> str:
        from haiquan.reference import country

        try:
            return country(code).alpha_3
        except HaiquanError as error:
            raise ValueError(f"unknown home country {code!r}: use the ISO 3166 alpha-3 code "
                             "of the administration that makes the plan (VNM)") from error

    @model_validator(mode="after")
    def _cross_references(self) -> Catalogue:
        ids = [item.id for item in self.initiatives]
        for item_id in dict.fromkeys(ids):
            places = [f"initiatives[{i}]" for i, other in enumerate(ids) if other == item_id]
            if len(places) > 1:
                raise ValueError(
                    f"initiative id {item_id!r} is used by {' and '.join(places)}; "
                    "ids are unique, so rename all but one"
                )
        by_id = {item.id: item for item in self.initiatives}
        for item in self.initiatives:
            # A group holding home (ASEAN for VNM) is fine: home is left out of its members.
            if self.home in item.partners:
                raise ValueError(
                    f"initiative {item.id!r} lists the home country {self.home} among its "
                    "partners; an administration does not cooperate with itself, and home's "
                    "trade with itself is nothing, so name the partner countries instead"
                )
            for field, others in (("prerequisites", item.prerequisites),
                                  ("excludes", item.excludes)):
                for other in others:
                    if other == item.id:
                        raise ValueError(f"initiative {item.id!r} lists itself in its {field}")
                    if other not in by_id:
                        raise ValueError(
                            f"initiative {item.id!r} names {other!r} in its {field}, but no "
                            f"initiative has that id (known: {', '.join(sorted(by_id)[:8])} ...)"
                        )
            clash = _closure(by_id, item.id) & (
                set(item.excludes) | {o.id for o in self.initiatives if item.id in o.excludes}
            )
            if clash:
                raise ValueError(
                    f"initiative {item.id!r} needs {sorted(clash)} (directly or through "
                    f"prerequisites) but also excludes it, so it could never be chosen"
                )
        cycle = _find_cycle(by_id)
        if cycle:
            raise ValueError("prerequisites form a cycle: " + " → ".join(cycle))
        return self

    def by_id(self) -> dict[str, Initiative]:
        """Initiatives keyed by id."""
        return {item.id: item for item in self.initiatives}

    def exclusion_pairs(self) -> list[tuple[str, str]]:
        """Each mutually exclusive pair once (exclusion is symmetric whoever declares it)."""
        pairs = {tuple(sorted((i.id, other))) for i in self.initiatives for other in i.excludes}
        return sorted((a, b) for a, b in pairs)

    def assumptions(self) -> list[str]:
        """Dotted paths of every figure marked as an assumption, to review before use."""
        found: list[str] = []

        def walk(prefix: str, value: Any) -> None:
            if isinstance(value, Sourced):
                if value.is_assumption:
                    found.append(prefix)
            elif isinstance(value, BaseModel):
                for name in type(value).model_fields:
                    walk(f"{prefix}.{name}" if prefix else name, getattr(value, name))
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    label = getattr(item, "id", index)
                    walk(f"{prefix}[{label}]", item)

        walk("", self)
        return found


def _closure(by_id: Mapping[str, Initiative], start: str) -> set[str]:
    """Every initiative ``start`` needs, directly or through prerequisites."""
    needed: set[str] = set()
    stack = list(by_id[start].prerequisites)
    while stack:
        current = stack.pop()
        if current in needed or current not in by_id or current == start:
            continue
        needed.add(current)
        stack.extend(by_id[current].prerequisites)
    return needed


def _find_cycle(by_id: Mapping[str, Initiative]) -> list[str]:
    """A prerequisite cycle as a list of ids (first id repeated at the end), or []."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in by_id[node].prerequisites:
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = 2
        path.pop()
        return []

    for node in by_id:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def parse_catalogue(data: Mapping[str, Any], *, path: str | Path | None = None) -> Catalogue:
    """Validate a catalogue already read into Python data.

    Figures written as ``{from_baci: ...}`` are computed first
    (:func:`~haiquan.priorities.computed.resolve_computed_figures`).

    Raises:
        CatalogueError: naming each bad entry (by id) and what is wrong with it.
    """
    from haiquan.priorities.computed import resolve_computed_figures

    data = resolve_computed_figures(data)
    try:
        return Catalogue.model_validate(data)
    except pydantic.ValidationError as error:
        raise raise_for_validation(
            error, path=path, data=data, what="initiatives catalogue", list_key="initiatives",
            model=Catalogue,
        ) from error


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and validate an initiatives catalogue (the Vietnam example when ``path`` is None).

    Raises:
        CatalogueError: the file is missing, not YAML, or breaks a rule (see docs/priorities.md).
    """
    file = Path(path) if path is not None else example_catalogue_path()
    return parse_catalogue(read_yaml_mapping(file, "initiatives catalogue"), path=file)


def example_catalogue_path() -> Path:
    """The shipped Vietnam example catalogue."""
    return packaged_file("vietnam_initiatives.yaml")


