"""Reading YAML the one way every haiquan file is read: safe, impossible dates refused, and one
error for a file that does not parse.

PyYAML's safe loader turns ``2017-02-30`` into a Python date and so raises a bare ``ValueError``
that no caller expects. Here an impossible date is a :class:`yaml.YAMLError` that names the line
and column. :func:`parse` and :func:`read` turn any such error (and bytes that are not UTF-8) into
one :class:`~haiquan.errors.NotValidYamlError` naming the file, the line and column, what the
parser met and the fix — the same words for a catalogue, a rule set or a node's settings.

Only PyYAML and :mod:`haiquan.errors` are imported: the gateway (``exchange/``) reads its files
here without the numerical stack.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import yaml
from yaml.constructor import ConstructorError

from haiquan.errors import NotValidYamlError

__all__ = ["parse", "read", "safe_load"]

_SYNTAX_FIX = "indentation, a colon after each key, quotes around text that holds ': ' or '#'"


class _Loader(yaml.SafeLoader):
    """The safe loader, with impossible dates reported as YAML errors."""

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:  # type: ignore[override]
        try:
            return super().construct_yaml_timestamp(node)  # type: ignore[arg-type]
        except ValueError as error:
            raise ConstructorError(
                None,
                None,
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


def parse(
    text: str | bytes,
    *,
    source: str | Path,
    what: str = "",
    expected: str = "YAML text",
    fix: str = "",
) -> Any:
    """Parse one YAML document read from ``source``, or raise the one error that says where.

    Args:
        text: the file's content; bytes are decoded as UTF-8.
        source: the file's path or packaged name, for the message.
        what: what the file is, e.g. ``"the trust store file"``; it starts the message.
        expected: what the file should hold, e.g. ``"a YAML list of alerts"``.
        fix: the caller's own hint, added after the syntax fix (e.g. where the format is described).

    Raises:
        NotValidYamlError: not UTF-8, not YAML, or a date that does not exist.

    >>> parse("a: [1, 2]", source="x.yaml")
    {'a': [1, 2]}
    >>> parse("a: [1, 2", source="x.yaml", what="the example")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    haiquan.errors.NotValidYamlError: the example x.yaml is not valid YAML at line 1, column 9: ...
    """
    line: int | None
    column: int | None
    if isinstance(text, bytes):
        raw = text
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line, column = raw[: error.start].count(b"\n") + 1, None
            raise _not_valid(
                source,
                what,
                line,
                column,
                expected,
                fix,
                f"bytes that are not UTF-8 ({raw[error.start : error.start + 4]!r})",
                "save the file as UTF-8 text",
            ) from error
    try:
        return safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        got = str(getattr(error, "problem", None) or str(error).splitlines()[0])
        where = f"at line {line} " if line is not None else ""
        syntax_fix = (
            f"correct the value {where}".rstrip()
            if isinstance(error, ConstructorError)
            else f"correct the YAML {where}({_SYNTAX_FIX})"
        )
        raise _not_valid(source, what, line, column, expected, fix, got, syntax_fix) from error


def read(path: str | Path, *, what: str = "", expected: str = "YAML text", fix: str = "") -> Any:
    """Read and parse one YAML file (see :func:`parse`); an unreadable file raises ``OSError``
    for the caller, who knows whether a missing file means "nothing yet" or a mistake."""
    file = Path(path)
    return parse(file.read_bytes(), source=file, what=what, expected=expected, fix=fix)


def _not_valid(
    source: str | Path,
    what: str,
    line: int | None,
    column: int | None,
    expected: str,
    fix: str,
    got: str,
    syntax_fix: str,
) -> NotValidYamlError:
    start = f"{what} " if what else ""
    return NotValidYamlError(
        f"{start}{source} is not valid YAML",
        path=str(source),
        line=line,
        column=column,
        expected=expected,
        got=got,
        fix=f"{syntax_fix}; {fix}" if fix else syntax_fix,
    )
