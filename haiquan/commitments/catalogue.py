"""Catalogues of international commitments, as validated YAML data.

A catalogue lists what an administration is tracked against — the TFA's articles and measures,
the RKC General Annex's standards, the SAFE pillars, ASEAN milestones — each item with its source
and what about it is verified. Catalogues are data, not code, because the owners revise them
(new editions, new milestones) and people who know the domain must be able to correct them
without reading Python. Every file is validated on load; a bad file raises
:class:`~haiquan.errors.CatalogueError` saying where and how to fix it.

The packaged catalogues live in ``haiquan/commitments/catalogues/``. An administration can install
its own copy of a catalogue (for example the SAFE standards it tracks) into
``HAIQUAN_HOME/commitments/catalogues/``; a file there replaces the packaged one with the same id.

>>> tfa = load_catalogue("wto_tfa")
>>> len(tfa.groups), len(tfa.items())
(12, 36)
"""

from __future__ import annotations

import calendar
import datetime as dt
import shutil
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from haiquan import yaml_text
from haiquan.commitments._shared_items import expand_items_from
from haiquan.errors import CatalogueError, NotFoundError, UnknownCodeError
from haiquan.reference.countries import country
from haiquan.settings import get_settings

__all__ = [
    "AcceptedAnnex",
    "Catalogue",
    "CatalogueGroup",
    "CatalogueItem",
    "ImplementationPeriods",
    "Party",
    "Source",
    "TfaRules",
    "catalogue_ids",
    "catalogue_items",
    "catalogue_summary",
    "install_catalogue",
    "install_item_list",
    "list_catalogues",
    "load_catalogue",
    "parts_of",
    "read_catalogue_file",
    "user_catalogue_dir",
    "user_item_list",
    "with_item_list",
]

_PACKAGED = Path(__file__).resolve().parent / "catalogues"

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


def user_catalogue_dir() -> Path:
    """Where an administration's own catalogues live: ``HAIQUAN_HOME/commitments/catalogues``."""
    return get_settings().home / "commitments" / "catalogues"


def read_catalogue_file(path: Path | str) -> Catalogue:
    """Read and validate one catalogue file.

    Raises:
        CatalogueError: the file is not YAML, not a mapping, or breaks the catalogue rules; the
            message names the file, the place in it and the fix.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CatalogueError(
            f"cannot read catalogue file {path}",
            expected="a readable YAML file",
            got=str(error),
            fix="check the path",
        ) from error
    try:
        data = yaml_text.safe_load(text)
    except yaml.YAMLError as error:
        raise CatalogueError(
            f"{path} is not valid YAML",
            expected="a YAML mapping",
            got=str(error).replace("\n", " "),
            fix="fix the syntax at the line shown (indentation, quotes around titles with ': ')",
            details={"path": str(path)},
        ) from error
    if not isinstance(data, dict):
        raise CatalogueError(
            f"{path} is not a catalogue",
            expected="a YAML mapping with schema_version, id, title, sources and groups",
            got=type(data).__name__,
            fix="start from a packaged catalogue in haiquan/commitments/catalogues/",
            details={"path": str(path)},
        )
    data = expand_items_from(data, path)
    try:
        return Catalogue.model_validate(data)
    except PydanticValidationError as error:
        errors = error.errors()
        places = [
            (_location(data, item["loc"]), item["msg"].removeprefix("Value error, "), item)
            for item in errors[:_MAX_PROBLEMS]
        ]
        where, message, first = places[0]
        more = "; ".join(f"{w}: {m}" for w, m, _ in places[1:])
        rest = len(errors) - len(places)
        raise CatalogueError(
            f"{path}: {where}: {message}"
            + (f" (also {more}" + (f"; and {rest} more" if rest else "") + ")" if more else ""),
            expected="a catalogue as described in docs/commitments.md",
            got=_input_text(first.get("input")) if first["loc"] else "the catalogue as written",
            fix=f"correct {where} in {path.name}" + (" and the others named" if more else ""),
            details={"path": str(path), "location": where, "errors": error.error_count()},
        ) from error


#: Problems of a catalogue named in one error message.
_MAX_PROBLEMS = 10


def _input_text(value: Any) -> str:
    """The value that came, short: a whole group or item is named by its id, not dumped."""
    if isinstance(value, dict):
        return f"the entry with id {value['id']!r}" if "id" in value else "that entry"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _location(data: Any, loc: tuple[Any, ...]) -> str:
    """Turn a pydantic location into words a YAML author can find (``groups[2] (id 3)``)."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            node = node[key]
            label = f"[{key}]"
            if isinstance(node, dict) and "id" in node:
                label += f" (id {node['id']})"
            parts.append(label)
        else:
            node = node.get(key) if isinstance(node, dict) else None
            parts.append(("." if parts else "") + str(key))
    return "".join(parts) or "top level"


def _catalogue_files() -> dict[str, Path]:
    files = {p.stem: p for p in sorted(_PACKAGED.glob("*.yaml"))}
    user = user_catalogue_dir()
    if user.is_dir():
        files.update({p.stem: p for p in sorted(user.glob("*.yaml"))})
    return files


def catalogue_ids() -> list[str]:
    """The ids of every catalogue there is, packaged and installed, without reading them."""
    return sorted(_catalogue_files())


def user_item_list(catalogue_id: str) -> Path:
    """Where an administration's item list for a catalogue is installed (CSV item,part)."""
    return get_settings().home / "commitments" / "item_lists" / f"{catalogue_id}.csv"


def parts_of(catalogue: Catalogue) -> dict[str, list[str]]:
    """Item id -> its listed parts (empty when the item is not itemised)."""
    return {item.id: list(item.parts) for item in catalogue.items()}


def with_item_list(catalogue: Catalogue, path: Path | str) -> Catalogue:
    """The catalogue with the parts of an item list (see :func:`install_item_list`) applied.

    An item the list names gets those parts and counts one unit per part; the others are
    unchanged. The result is validated again, so a list whose parts do not add up to the
    catalogue's ``total_units`` (the TFAD's 238) is refused.
    """
    from haiquan.commitments._parts import read_item_list

    listed = read_item_list(path, parts_of(catalogue))
    data = catalogue.model_dump()
    source_id = "installed_item_list"
    data["sources"] = [s for s in data["sources"] if s["id"] != source_id] + [
        {"id": source_id, "title": f"item list installed by the administration ({Path(path).name})"}
    ]
    for group in data["groups"]:
        for item in group["items"]:
            if item["id"] in listed:
                item["parts"] = listed[item["id"]]
                item["units"] = len(listed[item["id"]])
                item["units_verified"] = True
                item["units_source"] = source_id
    try:
        return Catalogue.model_validate(data)
    except PydanticValidationError as error:
        raise CatalogueError(
            f"the item list {path} does not fit catalogue {catalogue.id}",
            expected=f"parts that add up to {catalogue.total_units} {catalogue.unit_label}s",
            got=error.errors()[0]["msg"].removeprefix("Value error, "),
            fix="correct the item list; nothing was installed",
        ) from error


def install_item_list(catalogue_id: str, path: Path | str) -> Catalogue:
    """Validate an item list (CSV ``item,part``) against a catalogue and install it.

    From then on :func:`load_catalogue` returns the catalogue with those parts, and rates count
    them one by one. Nothing is copied when the list is invalid.
    """
    catalogue = with_item_list(load_catalogue(catalogue_id), path)
    target = user_item_list(catalogue_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    return catalogue


@lru_cache(maxsize=32)
def _cached(
    path: str, mtime: float, shared_data: str, item_list: str, list_mtime: float
) -> Catalogue:
    # shared_data is part of the key: some catalogues read their items from that folder.
    catalogue = read_catalogue_file(path)
    return with_item_list(catalogue, item_list) if item_list else catalogue


def load_catalogue(catalogue_id: str) -> Catalogue:
    """The catalogue with this id: the user's copy if installed, else the packaged one.

    Raises:
        NotFoundError: no catalogue has this id.
        CatalogueError: the file is malformed.
    """
    files = _catalogue_files()
    path = files.get(catalogue_id)
    if path is None:
        raise NotFoundError(
            f"no catalogue {catalogue_id!r}",
            expected=f"one of {', '.join(sorted(files))}",
            got=repr(catalogue_id),
            fix="list them with `haiquan commitments catalogues`",
        )
    listed = user_item_list(catalogue_id)
    catalogue = _cached(
        str(path),
        path.stat().st_mtime,
        str(get_settings().shared_data),
        str(listed) if listed.is_file() else "",
        listed.stat().st_mtime if listed.is_file() else 0.0,
    )
    if catalogue.id != catalogue_id:
        raise CatalogueError(
            f"{path} declares id {catalogue.id!r}",
            expected=f"id: {catalogue_id} (the file name without .yaml)",
            got=catalogue.id,
            fix=f"rename the file to {catalogue.id}.yaml or change its id",
        )
    return catalogue


def list_catalogues() -> list[Catalogue]:
    """Every available catalogue, packaged and installed.

    A packaged catalogue whose items are read from the public data set is left out when that data
    set is absent (``load_catalogue`` on it says so); any other problem is raised.
    """
    found = []
    for name in _catalogue_files():
        try:
            found.append(load_catalogue(name))
        except CatalogueError as error:
            if "needs_shared_data" not in error.details:
                raise
    return found


def install_catalogue(path: Path | str) -> Catalogue:
    """Validate a catalogue file and install it for this HAIQUAN_HOME, replacing one with its id.

    Nothing is copied when the file is invalid.
    """
    catalogue = read_catalogue_file(path)
    target = user_catalogue_dir() / f"{catalogue.id}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    return catalogue


def catalogue_items(catalogue: Catalogue | str) -> pd.DataFrame:
    """One row per item: group, item, title, type, units, due date, source, verification."""
    cat = load_catalogue(catalogue) if isinstance(catalogue, str) else catalogue
    rows = []
    for group in cat.groups:
        for item in group.items:
            rows.append(
                {
                    "catalogue": cat.id,
                    "group": group.id,
                    "group_title": group.title,
                    "item": item.id,
                    "title": item.title,
                    "type": item.type,
                    "units": item.units,
                    "units_verified": item.units_verified,
                    "due": item.due,
                    "source": cat.source(item.source).title,
                    "verified": item.verified,
                }
            )
    frame = pd.DataFrame(
        rows,
        columns=[
            "catalogue",
            "group",
            "group_title",
            "item",
            "title",
            "type",
            "units",
            "units_verified",
            "due",
            "source",
            "verified",
        ],
    )
    frame["units"] = frame["units"].astype("Int64")
    return frame


def catalogue_summary(catalogue: Catalogue | str) -> pd.DataFrame:
    """Per group: how many items and how many units are known."""
    items = catalogue_items(catalogue)
    cat = load_catalogue(catalogue) if isinstance(catalogue, str) else catalogue
    rows = []
    for group in cat.groups:
        part = items[items["group"] == group.id]
        rows.append(
            {
                "group": group.id,
                "title": group.title,
                "items": len(part),
                "units_known": int(part["units"].sum()) if len(part) else 0,
            }
        )
    return pd.DataFrame(rows, columns=["group", "title", "items", "units_known"])
