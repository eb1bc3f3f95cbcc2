"""What every document type has: a name, a version, a format, and a validator.

JSON documents are checked against a JSON Schema (2020-12) shipped in
``haiquan/exchange/schemas/`` and then by the type's own business rules (those a schema cannot
say, such as "the issuing country is the sender"). The same validation runs on send and on
receipt, so a node never sends what its partner would refuse, and never accepts what it would not
send.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import Any, Literal

import fastjsonschema
import jsonschema
from jsonschema import Draft202012Validator, FormatChecker

from haiquan.dates import parse_day
from haiquan.errors import ValidationError

__all__ = ["DocumentContext", "DocumentType", "JsonDocumentType", "Rule", "problem"]


@dataclass(frozen=True)
class DocumentContext:
    """Who sends a document to whom: the business rules compare it with the envelope."""

    sender: str
    receiver: str


#: A business rule: returns a list of problems (empty when the document is fine).
Rule = Callable[[Any, DocumentContext], list[str]]


def problem(path: str, text: str) -> str:
    """One problem line, ``path: text``."""
    return f"{path}: {text}"


class DocumentType:
    """Base of the document types. Subclasses implement :meth:`validate`."""

    name: str
    version: str
    format: Literal["json", "xml"]
    description: str

    def validate(self, payload: str, context: DocumentContext) -> Any:
        """Check the payload text; return it parsed, or raise ValidationError."""
        raise NotImplementedError

    def serialise(self, document: Any) -> str:
        """Turn a document given to ``node.send`` into the payload text."""
        raise NotImplementedError

    def summary(self) -> dict[str, str]:
        return {
            "name": self.name,
            "version": self.version,
            "format": self.format,
            "description": self.description,
        }


@dataclass
class JsonDocumentType(DocumentType):
    """A JSON document validated by a packaged JSON Schema and business rules."""

    name: str
    version: str
    schema_file: str
    description: str
    rules: list[Rule] = field(default_factory=list)
    format: Literal["json", "xml"] = "json"

    @cached_property
    def schema(self) -> dict[str, Any]:
        text = resources.files("haiquan.exchange").joinpath("schemas").joinpath(self.schema_file)
        schema: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        return schema

    @cached_property
    def _validator(self) -> Draft202012Validator:
        return Draft202012Validator(self.schema, format_checker=FormatChecker())

    @cached_property
    def _fast(self) -> Callable[[Any], Any]:
        # Generated Python code, many times faster than jsonschema on a valid document — the
        # common case at the gateway's target rate. Formats are checked exactly as jsonschema does.
        return fastjsonschema.compile(self.schema, formats={"date": _is_date})  # type: ignore[no-any-return]

    def schema_problems(self, document: Any) -> list[str]:
        """The schema violations of ``document`` (empty when valid), each with its JSON path."""
        try:
            self._fast(document)
            return []
        except fastjsonschema.JsonSchemaException:
            errors = sorted(self._validator.iter_errors(document), key=lambda e: list(e.path))
            return [problem(_path(e), e.message) for e in errors[:20]]

    def serialise(self, document: Any) -> str:
        if isinstance(document, str | bytes):
            return document.decode("utf-8") if isinstance(document, bytes) else document
        try:
            # allow_nan=False: NaN and Infinity are not JSON (RFC 8259); a partner's parser
            # would refuse the payload, so refuse it here, before it is signed and queued.
            text = json.dumps(document, ensure_ascii=False, separators=(",", ":"),
                              allow_nan=False)
            text.encode("utf-8")
        except (TypeError, ValueError) as error:
            raise ValidationError(
                f"the {self.name} document cannot be written as JSON",
                expected="a dict of JSON values: text, finite numbers, true/false, null, "
                "lists and objects (dates as YYYY-MM-DD text)",
                got=str(error),
                fix="convert dates and decimals to text or numbers, and replace NaN/Infinity",
            ) from error
        return text

    def validate(self, payload: str, context: DocumentContext) -> Any:
        document = _parse_json(payload, self.name)
        problems = self.schema_problems(document)
        if not problems:
            for rule in self.rules:
                problems.extend(rule(document, context))
        if problems:
            raise ValidationError(
                f"the {self.name} document breaks its rules ({len(problems)} problem(s))",
                expected=f"a document valid against schemas/{self.schema_file} and the "
                f"{self.name} business rules",
                got="; ".join(problems[:5]),
                fix="correct the fields named and send again",
                details={"problems": problems, "document_type": self.name},
            )
        return document


class _NotJson(ValueError):
    """JSON text that Python's parser accepts but RFC 8259 / I-JSON (RFC 7493) does not."""


def _refuse_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            # Python keeps the last value, other parsers the first: the partner's officer and
            # ours would read different HS codes or amounts from one signed payload.
            raise _NotJson(f"the member {key!r} appears twice in one object")
        document[key] = value
    return document


def _parse_json(payload: str, name: str) -> Any:
    """Parse a payload strictly: no NaN/Infinity, no duplicated members, no lone surrogates."""
    try:
        document = json.loads(
            payload, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys
        )
        # A lone surrogate (\ud800) parses into text that cannot be written as UTF-8.
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except _NotJson as error:
        raise ValidationError(
            f"the {name} payload is not interoperable JSON",
            expected="JSON text (RFC 8259) with finite numbers and each member once per object",
            got=str(error),
            fix="write numbers as finite decimals and give each member once",
        ) from error
    except UnicodeEncodeError as error:
        raise ValidationError(
            f"the {name} payload holds text that is not Unicode",
            expected="text of Unicode characters (I-JSON, RFC 7493)",
            got="a string with an unpaired surrogate escape (\\ud800-\\udfff)",
            fix="send the text as UTF-8; do not split \\u escapes of one character",
        ) from error
    except RecursionError as error:
        raise ValidationError(
            f"the {name} payload is nested too deeply",
            expected="a JSON object nested a few levels deep",
            got="arrays or objects nested beyond the parser's limit",
            fix="send the document as its schema describes it",
        ) from error
    except ValueError as error:
        raise ValidationError(
            f"the {name} payload is malformed JSON",
            expected="a JSON object",
            got=str(error),
            fix="send well-formed JSON text (UTF-8)",
        ) from error
    return document




def _is_date(value: Any) -> bool:
    """The ``date`` format as jsonschema checks it (RFC 3339 full-date, a real calendar day)."""
    return not isinstance(value, str) or parse_day(value) is not None


def _path(error: jsonschema.ValidationError) -> str:
    return "/" + "/".join(str(p) for p in error.absolute_path)
