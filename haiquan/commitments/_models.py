"""The catalogue models: what a catalogue file holds, validated on load.

See :mod:`haiquan.commitments.catalogue` for reading, installing and listing catalogues.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from haiquan.errors import NotFoundError, UnknownCodeError
from haiquan.reference.countries import country

__all__ = [
    "AcceptedAnnex",
    "Catalogue",
    "CatalogueGroup",
    "CatalogueItem",
    "ImplementationPeriods",
    "MemberType",
    "Party",
    "Source",
    "TfaRules",
]

MemberType = Literal["developed", "developing", "ldc"]


class _Strict(BaseModel):
    # Unknown keys are refused: a misspelt ``untis:`` must not silently drop an item count.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """Where a fact comes from. Items refer to a source by its ``id``."""

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    url: str | None = None
    note: str | None = None


class CatalogueItem(_Strict):
    """One trackable commitment: a TFA measure, an RKC standard, a SAFE standard, a milestone.

    ``units`` is how many counting units the item holds (the TFA Database counts notifiable items,
    e.g. 7.7 holds 6). ``None`` means the count is not known from a source we read.
    ``event`` marks a ``due`` that is the day a region-wide event happened (a signing, a launch)
    rather than a date the country must meet: it is upcoming before that day and history after,
    never overdue.
    """

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    type: str = Field(min_length=1)
    source: str = Field(min_length=1)
    ref: str | None = None
    units: int | None = Field(default=None, ge=1)
    units_verified: bool = False
    units_source: str | None = None
    parts: list[str] = Field(default_factory=list)
    due: dt.date | None = None
    date_precision: Literal["day", "month", "year"] = "day"
    event: bool = False
    verified: bool = True
    note: str | None = None

    @property
    def counting_units(self) -> int | None:
        """Units the item holds: its ``units``, else the number of its listed ``parts``."""
        if self.units is not None:
            return self.units
        return len(self.parts) or None

    @model_validator(mode="after")
    def _check(self) -> CatalogueItem:
        if self.units_verified and self.units is None:
            raise ValueError(
                "units_verified is true but units is missing; give the count or drop it"
            )
        if self.parts and self.units is not None and len(self.parts) != self.units:
            raise ValueError(f"lists {len(self.parts)} parts but says units: {self.units}")
        if self.due is not None and self.date_precision != "day":
            last_day = calendar.monthrange(self.due.year, self.due.month)[1]
            ok = self.due.day == last_day and (
                self.date_precision == "month" or self.due.month == 12
            )
            if not ok:
                raise ValueError(
                    f"due {self.due} with date_precision {self.date_precision} must be the "
                    f"last day of that {self.date_precision}"
                )
        return self


class CatalogueGroup(_Strict):
    """An article, chapter, pillar or commitment grouping items."""

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    source: str | None = None
    note: str | None = None
    items: list[CatalogueItem] = Field(default_factory=list)


class TfaRules(_Strict):
    """How the TFA Database counts an item as implemented (its published methodology)."""

    entry_into_force: dt.date
    category_a_counts_from: dict[MemberType, dt.date]
    snapshot_month_day: str = Field(default="02-22", pattern=r"^\d{2}-\d{2}$")
    source: str


class ImplementationPeriods(_Strict):
    """Months a party has, from entry into force for it, to implement each type of item."""

    source: str
    months_by_type: dict[str, int]


class AcceptedAnnex(_Strict):
    """A Specific Annex (or one of its chapters) a Contracting Party accepted, with reservations.

    The RKC binds a party to its General Annex and only to the Specific Annexes or chapters it
    accepts; a reservation names a Recommended Practice (or Standard, where allowed) it does not
    apply.
    """

    annex: str = Field(min_length=1)
    chapter: str | None = None
    accepted: dt.date | None = None
    reservations: list[str] = Field(default_factory=list)
    source: str


class Party(_Strict):
    """What a catalogue knows about one country's participation.

    ``in_force`` may be unknown; ``in_force_note`` then says why (no source in hand), so a list
    that depends on it (RKC implementation periods) can say why it is empty.
    """

    member_type: MemberType = "developing"
    in_force: dt.date | None = None
    in_force_note: str | None = None
    source: str
    verified: bool = False
    note: str | None = None
    specific_annexes: list[AcceptedAnnex] = Field(default_factory=list)


class Catalogue(_Strict):
    """A whole catalogue file. See docs/commitments.md for the format."""

    schema_version: Literal[1]
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    edition: str | None = None
    method: Literal["tfa", "status_share"]
    group_label: str = "Group"
    item_label: str = "item"
    unit_label: str = "item"
    total_units: int | None = Field(default=None, ge=1)
    total_units_source: str | None = None
    valid_from: dt.date
    valid_to: dt.date | None = None
    sources: list[Source] = Field(min_length=1)
    tfa_rules: TfaRules | None = None
    implementation_periods: ImplementationPeriods | None = None
    parties: dict[str, Party] = Field(default_factory=dict)
    groups: list[CatalogueGroup] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Catalogue:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(f"valid_to {self.valid_to} is before valid_from {self.valid_from}")
        if self.method == "tfa" and self.tfa_rules is None:
            raise ValueError("method 'tfa' needs a tfa_rules block (entry_into_force ...)")
        if self.method != "tfa" and self.tfa_rules is not None:
            raise ValueError(f"tfa_rules given but method is {self.method!r}; use method: tfa")
        source_ids = [s.id for s in self.sources]
        _no_duplicates(source_ids, "source id")
        _no_duplicates([g.id for g in self.groups], "group id")
        _no_duplicates([i.id for g in self.groups for i in g.items], "item id")
        _no_duplicates(
            [i.id for i in self.items()] + [p for i in self.items() for p in i.parts],
            "item or part id",
        )
        known = set(source_ids)
        refs: list[tuple[str, str | None]] = [("total_units_source", self.total_units_source)]
        if self.tfa_rules:
            refs.append(("tfa_rules.source", self.tfa_rules.source))
        if self.implementation_periods:
            refs.append(("implementation_periods.source", self.implementation_periods.source))
        refs += [(f"parties.{code}.source", p.source) for code, p in self.parties.items()]
        refs += [
            (f"parties.{code}.specific_annexes {a.annex} source", a.source)
            for code, p in self.parties.items()
            for a in p.specific_annexes
        ]
        for group in self.groups:
            refs.append((f"group {group.id} source", group.source))
            for item in group.items:
                refs.append((f"item {item.id} source", item.source))
                refs.append((f"item {item.id} units_source", item.units_source))
        for where, ref in refs:
            if ref is not None and ref not in known:
                raise ValueError(
                    f"{where} refers to unknown source {ref!r}; known: {sorted(known)}"
                )
        for code in self.parties:
            try:
                is_alpha_3 = len(code) == 3 and country(code).alpha_3 == code
            except UnknownCodeError:
                is_alpha_3 = False
            if not is_alpha_3:
                raise ValueError(f"party {code!r} is not an ISO 3166 alpha-3 code such as VNM")
        counts = [i.counting_units for i in self.items()]
        known_units = sum(c for c in counts if c is not None)
        if self.total_units is not None:
            if None not in counts and counts and known_units != self.total_units:
                raise ValueError(
                    f"items hold {known_units} units in all but total_units is {self.total_units}"
                )
            if all(c is None for c in counts) and len(counts) > self.total_units:
                raise ValueError(
                    f"{len(counts)} items but total_units is {self.total_units}; give each item "
                    "its units or correct total_units"
                )
            if known_units > self.total_units:
                raise ValueError(
                    f"items already hold {known_units} units, more than total_units "
                    f"{self.total_units}"
                )
        return self

    def items(self) -> list[CatalogueItem]:
        """Every item, in catalogue order."""
        return [item for group in self.groups for item in group.items]

    def item(self, item_id: str) -> CatalogueItem:
        """One item by id; :class:`NotFoundError` names a few valid ids when absent."""
        for candidate in self.items():
            if candidate.id == item_id:
                return candidate
        sample = ", ".join(i.id for i in self.items()[:8])
        raise NotFoundError(
            f"no item {item_id!r} in catalogue {self.id}",
            expected=f"an item id of {self.id} such as {sample}",
            got=repr(item_id),
            fix=f"list the items with `haiquan commitments show {self.id}`",
        )

    def group_of(self) -> dict[str, CatalogueGroup]:
        """Item id -> the group holding it."""
        return {item.id: group for group in self.groups for item in group.items}

    def source(self, source_id: str) -> Source:
        """A source by id."""
        return next(s for s in self.sources if s.id == source_id)

    def unit_weights(self) -> dict[str, int] | None:
        """Counting units per item when known for every item, else ``None``.

        Items without ``units`` count one unit each when none declares a count and their number
        equals ``total_units`` (the RKC: 121 standards, one unit each).
        """
        items = self.items()
        if not items:
            return None
        counts = {i.id: i.counting_units for i in items}
        if all(c is not None for c in counts.values()):
            return {k: int(v or 0) for k, v in counts.items()}
        if all(c is None for c in counts.values()) and self.total_units == len(items):
            return {i.id: 1 for i in items}
        return None

    def itemised(self) -> list[str]:
        """Ids of the items whose parts (notifiable items, SAFE contents) are listed."""
        return [i.id for i in self.items() if i.parts]

    @property
    def units_complete(self) -> bool:
        """True when rates can be counted in the owner's units (see :meth:`unit_weights`)."""
        return self.unit_weights() is not None


def _no_duplicates(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate {what} {value!r}; each must appear once")
        seen.add(value)
