"""Shared helpers for the priorities YAML files: reading them and explaining what is wrong."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, get_args

import pydantic

from haiquan import yaml_text
from haiquan.errors import CatalogueError

__all__ = ["read_yaml_mapping", "raise_for_validation", "packaged_file"]


def packaged_file(name: str) -> Path:
    """Path of a YAML file shipped in ``haiquan/priorities/data``."""
    return Path(str(resources.files("haiquan.priorities.data").joinpath(name)))


def read_yaml_mapping(path: str | Path, what: str) -> dict[str, Any]:
    """Read a YAML file whose top level must be a mapping.

    Raises:
        CatalogueError: the file is missing, is not YAML, or is not a mapping.
    """
    file = Path(path)
    if not file.is_file():
        raise CatalogueError(
            f"no {what} file at {file}",
            expected=f"the path of a YAML file holding the {what}",
            got=str(file),
            fix="check the path, or start from the example in haiquan/priorities/data/",
        )
    data = yaml_text.read(file, what=f"the {what}")
    if not isinstance(data, Mapping):
        raise CatalogueError(
            f"{file}: the {what} must be a YAML mapping at its top level",
            expected="keys such as version, title, ...",
            got="an empty file (or comments only)" if data is None else type(data).__name__,
            fix=f"start from the example {what} in haiquan/priorities/data/",
        )
    return dict(data)


def _describe_location(loc: tuple[Any, ...], data: Mapping[str, Any], list_key: str) -> str:
    """Turn a pydantic error location into ``initiatives[3] (id 'aeo-kor').benefit.share``."""
    parts: list[str] = []
    for index, item in enumerate(loc):
        if isinstance(item, int):
            label = f"[{item}]"
            if index > 0 and loc[index - 1] == list_key:
                entries = data.get(list_key)
                if isinstance(entries, list) and item < len(entries):
                    entry = entries[item]
                    if isinstance(entry, Mapping) and "id" in entry:
                        label += f" (id {entry['id']!r})"
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "top level"


#: Problems named in the message; the JSON error's ``details`` holds the same list.
MAX_PROBLEMS = 10


def _value_text(value: Any) -> str | None:
    """What came, short: a value as written, never a dump of a whole entry or file."""
    if isinstance(value, (Mapping, list)):
        return None  # the problem names the entry; a dump of it says nothing more
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _field_names(model: type[pydantic.BaseModel], seen: set[type] | None = None) -> set[str]:
    """Every field name of a model and of the models inside it (for spelling suggestions)."""
    seen = set() if seen is None else seen
    if model in seen:
        return set()
    seen.add(model)
    names = set(model.model_fields)
    pending = [f.annotation for f in model.model_fields.values()]
    while pending:
        annotation = pending.pop()
        if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
            names |= _field_names(annotation, seen)
        pending.extend(get_args(annotation))
    return names


def _unknown_field(loc: tuple[Any, ...], model: type[pydantic.BaseModel] | None) -> str:
    """The message for a field the format does not have, with the closest known name."""
    name = str(loc[-1]) if loc else ""
    close = difflib.get_close_matches(name, sorted(_field_names(model)), n=1) if model else []
    hint = f"; did you mean {close[0]!r}?" if close else " (see docs/priorities.md)"
    return f"unknown field {name!r}{hint}"


def raise_for_validation(
    error: pydantic.ValidationError,
    *,
    path: str | Path | None,
    data: Mapping[str, Any],
    what: str,
    list_key: str = "",
    model: type[pydantic.BaseModel] | None = None,
) -> CatalogueError:
    """Build a :class:`CatalogueError` naming every bad entry of a YAML file.

    The message itself lists the problems (up to :data:`MAX_PROBLEMS`), because the CLI prints
    only the message; ``details["problems"]`` holds the same list for the JSON error shape. With
    ``model``, a misspelt field name comes with the closest name the format has.
    """
    errors = error.errors()
    problems: list[dict[str, str | None]] = []
    lines: list[str] = []
    for number, item in enumerate(errors[:MAX_PROBLEMS], 1):
        where = _describe_location(tuple(item["loc"]), data, list_key)
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = _unknown_field(tuple(item["loc"]), model)
        value = _value_text(item.get("input"))
        problems.append({"where": where, "problem": message, "value": value})
        written = f" (written {value})" if value and value not in message else ""
        lines.append(f"({number}) {where}: {message}{written}")
    listed = "; ".join(lines)
    more = f"; and {len(errors) - len(problems)} more" if len(errors) > len(problems) else ""
    prefix = f"{path}: " if path else ""
    return CatalogueError(
        f"{prefix}{len(errors)} problem(s) in the {what}",
        expected=f"the {what} format described in docs/priorities.md",
        got=listed + more,
        fix="correct each entry named above and load again",
        details={"problems": problems, "total": len(errors)},
    )
