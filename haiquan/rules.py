"""One way to read a file of dated, sourced rules, and one way to say what is wrong with it.

Rates, thresholds, agreements, arrangements, catalogues and weights change by decision, so they
are YAML data with a validity period and a source, never constants in code. Each domain describes
its entries with a pydantic model; :func:`load_rules` reads the file (through
:mod:`haiquan.yaml_text`), checks the top-level keys, validates every entry, refuses a repeated id
and overlapping validity periods, and returns a typed :class:`RuleSet` that answers "which rules
hold on this day" (:meth:`RuleSet.valid_on`). The same idea as openfisca-core's one ``Parameter``
for every dated value of a tax and benefit system.

Every problem is a :class:`~haiquan.errors.CatalogueError` built by :func:`validation_error` (what
pydantic refused) or :func:`entry_error` (a rule between fields or entries that a type cannot say),
so a YAML author reads the same words whichever file it is: the file, the entry as
``rule_sets[1] (name 'b')``, the field, what was expected, what was written, and the fix.

Only pydantic, PyYAML and :mod:`haiquan.errors` are imported: the gateway may read rules here.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar, get_args

import pydantic
from pydantic import BaseModel, ConfigDict, model_validator

from haiquan import yaml_text
from haiquan.errors import CatalogueError, InputError

__all__ = [
    "MAX_PROBLEMS",
    "DatedRule",
    "RuleSet",
    "describe_location",
    "entry_error",
    "load_rules",
    "validation_error",
]

#: Problems named in one message; the JSON error's ``details["problems"]`` holds the same list.
MAX_PROBLEMS = 10


class DatedRule(BaseModel):
    """An entry that holds from ``valid_from`` to ``valid_to``, both days included (no end:
    still in force). Subclass it for a domain's rules; the loader refuses overlapping periods."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    valid_from: dt.date
    valid_to: dt.date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Any:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(f"valid_to {self.valid_to} is before valid_from {self.valid_from}")
        return self

    def valid_on(self, day: dt.date) -> bool:
        """True when the rule holds on ``day``."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @property
    def period(self) -> str:
        """The validity as written, ``2021-01-01..2021-12-31`` (``2022-01-01..`` when open)."""
        return f"{self.valid_from}..{self.valid_to or ''}"


M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class RuleSet(Generic[M]):
    """The validated entries of one rules file, in file order (dated ones sorted by start)."""

    #: the file read, or the packaged file's name
    source: str
    entries: tuple[M, ...]
    #: top-level values besides the entries (``kind``, ``schema_version`` ...)
    header: Mapping[str, Any]

    def __iter__(self) -> Iterator[M]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def valid_on(self, day: dt.date) -> tuple[M, ...]:
        """The entries that hold on ``day``; an entry without dates always holds."""
        return tuple(e for e in self.entries if not isinstance(e, DatedRule) or e.valid_on(day))


def load_rules(
    path: str | Path,
    model: type[M],
    *,
    key: str,
    what: str,
    docs: str,
    text: str | None = None,
    header: Mapping[str, Any] | None = None,
    ident: str = "id",
    unique: bool = True,
    prepare: Callable[[Any], Any] | None = None,
    overlap_group: Callable[[M], object] | None = None,
) -> RuleSet[M]:
    """Read, validate and return the rules of one YAML file.

    Args:
        path: the file, or the name shown for ``text`` (e.g. ``haiquan/risk/rules/drift.yaml``).
        model: the pydantic model of one entry; a :class:`DatedRule` gets the overlap check.
        key: the top-level key holding the list of entries (``rule_sets``, ``agreements`` ...).
        what: what the file is, for messages (``"drift rules"``).
        docs: where the format is described (``"docs/risk.md"``), for the fix.
        text: the file's content when already read (packaged files); else ``path`` is read.
        header: top-level values the file must hold, e.g. ``{"kind": "drift"}``.
        ident: the field naming an entry in messages.
        unique: two entries may not share their ``ident``.
        prepare: turns one raw entry into the model's input (e.g. a bare code into a mapping).
        overlap_group: dated entries of different groups may overlap (default: one group).

    Raises:
        NotValidYamlError: the file does not parse.
        CatalogueError: not a mapping, a wrong header, no list of entries, an entry that breaks
            the model, a repeated ``ident``, or two validity periods that overlap.
    """
    source = str(path)
    if text is None:
        try:
            raw_text: str | bytes = Path(path).read_bytes()
        except OSError as error:
            raise CatalogueError(
                f"cannot read the {what} file {source}",
                expected="a readable YAML file",
                got=f"{type(error).__name__}: {error.strerror or error}",
                fix="check the path",
            ) from error
    else:
        raw_text = text
    shape = ", ".join([*(f"{k}: {v}" for k, v in (header or {}).items()), f"a list '{key}:'"])
    data = yaml_text.parse(raw_text, source=source, what=f"the {what}", expected=shape)
    if header and (not isinstance(data, dict) or any(data.get(k) != v for k, v in header.items())):
        raise CatalogueError(
            f"{source} is not a {what} file",
            expected=f"a mapping with {shape}",
            got=repr(data)[:120] if data is not None else "an empty file",
            fix=f"start the file with the keys {shape} ({docs})",
        )
    raw_entries = data.get(key) if isinstance(data, dict) else None
    if not isinstance(raw_entries, list):
        raise CatalogueError(
            f"{source} has no list of {key}",
            expected=f"a top-level key {key!r} holding a list",
            got=f"a {type(data).__name__}"
            if not isinstance(data, dict)
            else type(raw_entries).__name__
            if key in data
            else f"no key {key!r}",
            fix=f"list the entries under '{key}:' ({docs})",
        )
    if prepare is not None:
        raw_entries = [prepare(raw) for raw in raw_entries]
    entries: list[M] = []
    problems: list[dict[str, Any]] = []
    for index, raw in enumerate(raw_entries):
        try:
            entries.append(model.model_validate(raw))
        except pydantic.ValidationError as error:
            problems += [{**p, "loc": (key, index, *p["loc"])} for p in error.errors()]
        except InputError as error:  # a validator that looks a code up (countries ...)
            problems.append(
                {
                    "loc": (key, index),
                    "msg": error.summary,
                    "type": "value_error",
                    "input": error.got,
                }
            )
    shown = {key: raw_entries}
    if problems:
        raise validation_error(
            problems,
            source=source,
            data=shown,
            what=what,
            docs=docs,
            model=model,
            ident=ident,
        )
    if unique:
        _refuse_repeats(entries, source, key, ident)
    if entries and isinstance(entries[0], DatedRule):
        entries = _refuse_overlaps(entries, source, key, ident, overlap_group)
    top = data if isinstance(data, dict) else {}
    return RuleSet(source, tuple(entries), {k: v for k, v in top.items() if k != key})


def _refuse_repeats(entries: Sequence[BaseModel], source: str, key: str, ident: str) -> None:
    seen: dict[object, int] = {}
    for index, entry in enumerate(entries):
        name = getattr(entry, ident, None)
        if name is None:
            continue
        if name in seen:
            raise entry_error(
                source,
                key,
                index,
                name,
                f"the {ident} is used twice",
                expected=f"a unique {ident}",
                got=f"{name!r}, also at {key}[{seen[name]}]",
                fix="rename one of the entries, or merge them",
                ident=ident,
            )
        seen[name] = index


def _refuse_overlaps(
    entries: list[M], source: str, key: str, ident: str, group: Callable[[M], object] | None
) -> list[M]:
    """Dated entries sorted by start; two of one group whose periods share a day refused."""
    position = {id(e): i for i, e in enumerate(entries)}
    ordered = sorted(entries, key=lambda e: e.valid_from)  # type: ignore[attr-defined]
    last: dict[object, Any] = {}
    for entry in ordered:
        rule: Any = entry
        bucket = group(entry) if group is not None else None
        before = last.get(bucket)
        if before is not None and (before.valid_to is None or before.valid_to >= rule.valid_from):
            name = getattr(before, ident, None)
            raise entry_error(
                source,
                key,
                position[id(entry)],
                getattr(entry, ident, None),
                f"its validity period overlaps {name!r}" if name else "its validity overlaps",
                expected="validity periods that do not overlap (valid_to is the last day)",
                got=f"{before.period} and {rule.period}",
                fix=(f"end {name!r}" if name else "end the earlier entry")
                + f" on {rule.valid_from - dt.timedelta(days=1)}, the day before {rule.valid_from}",
                ident=ident,
            )
        last[bucket] = rule
    return ordered


def describe_location(loc: Sequence[Any], data: Any, ident: str = "id") -> str:
    """A pydantic location in words a YAML author can find: ``rule_sets[1] (name 'b').levels``.

    Each list index is followed by the entry's ``ident`` (or ``id``) when it has one.
    """
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            node = node[item] if isinstance(node, list) and item < len(node) else None
            if isinstance(node, Mapping):
                name_key = ident if ident in node else "id" if "id" in node else None
                if name_key is not None:
                    label += f" ({name_key} {node[name_key]!r})"
            parts.append(label)
        else:
            node = node.get(item) if isinstance(node, Mapping) else None
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "top level"


def _value_text(value: Any) -> str | None:
    """What came, short: a value as written, never a dump of a whole entry or file."""
    if isinstance(value, (Mapping, list)):
        return None
    text = value.isoformat() if isinstance(value, dt.date) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _field_names(model: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    """Every field name of a model and of the models inside it (for spelling suggestions)."""
    seen = set() if seen is None else seen
    if model in seen:
        return set()
    seen.add(model)
    names = set(model.model_fields)
    pending = [f.annotation for f in model.model_fields.values()]
    while pending:
        annotation = pending.pop()
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names |= _field_names(annotation, seen)
        pending.extend(get_args(annotation))
    return names


def _unknown_field(loc: Sequence[Any], model: type[BaseModel] | None, docs: str) -> str:
    name = str(loc[-1]) if loc else ""
    close = difflib.get_close_matches(name, sorted(_field_names(model)), n=1) if model else []
    hint = f"; did you mean {close[0]!r}?" if close else f" (see {docs})"
    return f"unknown field {name!r}{hint}"


def validation_error(
    error: pydantic.ValidationError | Sequence[Mapping[str, Any]],
    *,
    source: str | Path | None,
    data: Any,
    what: str,
    docs: str,
    model: type[BaseModel] | None = None,
    ident: str = "id",
) -> CatalogueError:
    """The one error for a rules file that breaks its model: every problem named.

    The message lists the problems (up to :data:`MAX_PROBLEMS`) because the CLI prints only the
    message; ``details["problems"]`` holds the same list for the JSON error shape. A misspelt
    field comes with the closest name the format has.
    """
    errors = error.errors() if isinstance(error, pydantic.ValidationError) else list(error)
    problems: list[dict[str, str | None]] = []
    lines: list[str] = []
    for number, item in enumerate(errors[:MAX_PROBLEMS], 1):
        where = describe_location(tuple(item["loc"]), data, ident)
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = _unknown_field(tuple(item["loc"]), model, docs)
        elif item["type"] == "missing":
            message = f"the field {str(item['loc'][-1])!r} is missing"
        value = _value_text(item.get("input"))
        problems.append({"where": where, "problem": message, "value": value})
        written = f" (written {value})" if value and value not in message else ""
        lines.append(f"({number}) {where}: {message}{written}")
    more = f"; and {len(errors) - len(problems)} more" if len(errors) > len(problems) else ""
    prefix = f"{source}: " if source else ""
    return CatalogueError(
        f"{prefix}{len(errors)} problem(s) in the {what}",
        expected=f"the {what} format described in {docs}",
        got="; ".join(lines) + more,
        fix="correct each entry named above and load again",
        details={
            "path": str(source) if source else None,
            "problems": problems,
            "total": len(errors),
        },
    )


def entry_error(
    source: str | Path,
    key: str,
    index: int,
    name: object,
    problem: str,
    *,
    expected: str,
    got: str,
    fix: str,
    ident: str = "id",
) -> CatalogueError:
    """The one error for an entry that breaks a rule its type cannot say (dates in order, a
    repeated id, a reference to an entry that is not there), placed as :func:`validation_error`
    places a field: ``agreements[3] (id 'RCEP')``."""
    where = f"{key}[{index}]" + (f" ({ident} {name!r})" if name is not None else "")
    return CatalogueError(
        f"{source}: {where}: {problem}",
        expected=expected,
        got=got,
        fix=fix,
        details={
            "path": str(source),
            "problems": [{"where": where, "problem": problem}],
            "total": 1,
        },
    )
