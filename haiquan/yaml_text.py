"""Reading YAML the one way every haiquan file is read: safe, and with impossible dates refused.

PyYAML's safe loader turns ``2017-02-30`` into a Python date and so raises a bare ``ValueError``
that no caller expects. Here an impossible date is a :class:`yaml.YAMLError` that names the line
and column, so every loader's existing "not valid YAML" message covers it too.
"""

from __future__ import annotations

from typing import IO, Any

import yaml
from yaml.constructor import ConstructorError

__all__ = ["safe_load"]


class _Loader(yaml.SafeLoader):
    """The safe loader, with impossible dates reported as YAML errors."""

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:  # type: ignore[override]
        try:
            return super().construct_yaml_timestamp(node)  # type: ignore[arg-type]
        except ValueError as error:
            raise ConstructorError(
                None, None,
                f"{node.value!r} is not a real date ({error}); write a date that exists, "
                "as YYYY-MM-DD",
                node.start_mark,
            ) from error


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def safe_load(stream: str | bytes | IO[str] | IO[bytes]) -> Any:
    """Parse one YAML document safely (like :func:`yaml.safe_load`).

    Raises:
        yaml.YAMLError: not YAML, or a date that does not exist (e.g. 2017-02-30).
    """
    return yaml.load(stream, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
