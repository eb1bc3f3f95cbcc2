"""Small helpers shared by the exchange modules: clocks, digests, YAML/JSON files."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from haiquan import base64url, yaml_text
from haiquan._files import write_text_atomically
from haiquan.errors import ConfigurationError, NotValidYamlError

__all__ = [
    "digest_text",
    "dump_json",
    "format_time",
    "RepeatedMemberError",
    "load_yaml_mapping",
    "loads_strict",
    "one_line",
    "parse_setting_yaml",
    "parse_time",
    "utcnow",
    "write_private_file",
]


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (every stored time is UTC)."""
    return datetime.now(UTC)


def format_time(timestamp: float) -> str:
    """A Unix time as ISO 8601 UTC the way pydantic writes it (``…T10:00:00.123456Z``).

    >>> format_time(0.5)
    '1970-01-01T00:00:00.500000Z'
    """
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


def parse_time(value: str) -> datetime:
    """Parse an ISO 8601 time; a naive time is taken as UTC."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def digest_text(text: str) -> str:
    """The payload digest written in envelopes: ``sha-256:`` + base64url of SHA-256 of UTF-8.

    >>> digest_text("")
    'sha-256:47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU'
    """
    return "sha-256:" + base64url.encode(hashlib.sha256(text.encode("utf-8")).digest())


def dump_json(value: Any) -> str:
    """Compact JSON with sorted keys, so the same value always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class RepeatedMemberError(ValueError):
    """A JSON object names the same member twice."""


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise RepeatedMemberError(
                f"the member {one_line(key, 64)!r} appears twice in one object"
            )
        document[key] = value
    return document


def loads_strict(data: bytes | str) -> Any:
    """Parse JSON, refusing an object that names a member twice.

    Signed evidence must read one way: Python keeps the last of two equal members, other parsers
    the first, so ``{"receiver":"SGP", …, "receiver":"THA"}`` would be two documents under one
    signature. Every signed object a node reads (JWS headers, envelopes, receipts) goes through
    this before anything is stored.

    Raises:
        RepeatedMemberError: a member appears twice in one object (a ``ValueError``).
        ValueError, UnicodeDecodeError, RecursionError: not JSON.

    >>> loads_strict('{"a": 1, "a": 2}')
    Traceback (most recent call last):
    ...
    haiquan.exchange._util.RepeatedMemberError: the member 'a' appears twice in one object
    """
    return json.loads(data, object_pairs_hook=_unique_members)


def one_line(text: str, limit: int = 1000) -> str:
    """``text`` fit for one log line: line breaks escaped (a partner's text cannot forge log
    lines), cut at ``limit`` characters.

    >>> one_line("a\\nb")
    'a\\\\nb'
    """
    flat = text.replace("\r", "\\r").replace("\n", "\\n")
    return flat if len(flat) <= limit else flat[:limit] + "…"


def load_yaml_mapping(path: Path, what: str) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping, or say clearly why it does not."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise ConfigurationError(
            f"the {what} file is missing",
            expected=f"a file at {path}",
            got="no such file",
            fix="create the node with `haiquan gateway init`, or point to the folder that "
            "holds it: --home for `haiquan gateway` commands, --gateway-home for `haiquan aeo` "
            "and `haiquan alerts`, or the HAIQUAN_GATEWAY_HOME setting",
        ) from error
    data = parse_setting_yaml(text, path, what)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigurationError(
            f"the {what} file {path} has the wrong shape",
            expected="a YAML mapping (key: value lines) at the top level",
            got=type(data).__name__,
            fix=f"rewrite {path} as a mapping; see docs/gateway-operations.md",
        )
    return data


def parse_setting_yaml(
    text: str, path: Path, what: str, expected: str = "YAML text", fix: str = ""
) -> Any:
    """Parse a node's settings file: the one YAML error (:mod:`haiquan.yaml_text`), raised as a
    :class:`ConfigurationError` because a node cannot run on a broken settings file (exit code 1,
    and a broken ``trust.yaml`` leaves the trust store unusable rather than empty)."""
    try:
        return yaml_text.parse(text, source=path, what=f"the {what} file", expected=expected,
                               fix=fix)
    except NotValidYamlError as error:
        raise ConfigurationError(error.summary, expected=error.expected, got=error.got,
                                 fix=error.fix, details=error.details) from error


def write_private_file(path: Path, text: str) -> None:
    """Write a file readable by its owner only, atomically (keys must never be half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomically(path, text, mode=0o600)
