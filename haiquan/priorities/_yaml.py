"""Shared helpers for the priorities YAML files: reading them and explaining what is wrong."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import pydantic

from haiquan import yaml_text
from haiquan.errors import CatalogueError
from haiquan.rules import validation_error

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


def raise_for_validation(
    error: pydantic.ValidationError,
    *,
    path: str | Path | None,
    data: Mapping[str, Any],
    what: str,
    list_key: str = "",
    model: type[pydantic.BaseModel] | None = None,
) -> CatalogueError:
    """Build a :class:`CatalogueError` naming every bad entry of a YAML file: the one error of
    :func:`haiquan.rules.validation_error`, pointing at docs/priorities.md. ``list_key`` is
    accepted for the callers; every list entry is named by its id whichever list it is in."""
    del list_key
    return validation_error(error, source=path, data=data, what=what, docs="docs/priorities.md",
                            model=model)
