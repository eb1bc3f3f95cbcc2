"""A dashboard page's address or form that does not fit, in words an officer reads.

FastAPI reports a value that breaks its rules as pydantic does: a location such as
``("path", "code")`` and a sentence for programmers ("String should match pattern
'^[A-Za-z0-9]{2,3}$'"). A browser gets this instead: the field named as the page labels it (the
parameter's ``title``, else its name in words), what it expects (its ``description``, with the rule
that failed in words), what came, and how to fix it (with the parameter's first ``examples``
entry when it has one). The JSON API keeps its machine-readable shape; only the HTML page
uses these words.

Declare what a reader needs on the page's parameters::

    code: Annotated[str, Path(max_length=3, title="Country code",
                              description="a 2- or 3-letter ISO 3166 country code",
                              examples=["KOR"])]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request

__all__ = ["FieldProblem", "field_problems", "label_of"]

_KINDS = {"path": "path_params", "query": "query_params", "body": "body_params",
          "header": "header_params", "cookie": "cookie_params"}
_DATE = "a date written YYYY-MM-DD, e.g. 2025-06-30"
_DATETIME = "a date and time written YYYY-MM-DDTHH:MM, e.g. 2025-06-30T14:00"
#: What each pydantic error type expects, in words (``{...}`` filled from the error's context).
_RULES: dict[str, str] = {
    "missing": "a value",
    "string_too_short": "at least {min_length} character(s)",
    "string_too_long": "at most {max_length} characters",
    "string_type": "text",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "greater_than": "a number above {gt}",
    "greater_than_equal": "a number of at least {ge}",
    "less_than": "a number below {lt}",
    "less_than_equal": "a number of at most {le}",
    "bool_parsing": "yes or no (true or false)",
    "date_parsing": _DATE,
    "date_type": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "datetime_parsing": _DATETIME,
    "datetime_type": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "enum": "one of {expected}",
    "literal_error": "one of {expected}",
    "too_short": "at least {min_length} entries",
    "too_long": "at most {max_length} entries",
}
_ACRONYMS = {"aeo", "hs", "mra", "iso", "tin", "csv", "url", "jws", "usd"}
#: Rules that say something a field's own description does not (a limit), so both are shown.
_LIMITS = {"string_too_short", "string_too_long", "greater_than", "greater_than_equal",
           "less_than", "less_than_equal", "too_short", "too_long"}


@dataclass(frozen=True)
class FieldProblem:
    """One field that does not fit: its label, what it expects, what came and the fix."""

    label: str
    in_address: bool
    in_form: bool
    missing: bool
    expected: str
    got: str
    fix: str

    @property
    def heading(self) -> str:
        """``Country code in the page's address is not valid``, ``Password is missing``."""
        if self.missing:
            return f"{self.label} is missing"
        where = " in the page's address" if self.in_address else ""
        return f"{self.label}{where} is not valid"

    @property
    def sentence(self) -> str:
        """``Country code: expected …, got 'WORLD'; to fix: …``."""
        return f"{self.label}: expected {self.expected}, got {self.got}; to fix: {self.fix}"


def label_of(name: str) -> str:
    """A parameter's name as words, for one declared without a ``title``.

    >>> label_of("valid_until"), label_of("aeo_id"), label_of("hs_code")
    ('Valid until', 'AEO id', 'HS code')
    """
    words = [w.upper() if w.lower() in _ACRONYMS else w.lower()
             for w in name.replace("-", "_").split("_") if w]
    text = " ".join(words) or name
    return text[:1].upper() + text[1:]


def _fields(dependant: Any) -> Iterator[tuple[str, Any]]:
    """(location kind, ModelField) of a route's parameters and its dependencies' parameters."""
    for kind, attribute in _KINDS.items():
        for field in getattr(dependant, attribute, ()) or ():
            yield kind, field
    for sub in getattr(dependant, "dependencies", ()) or ():
        yield from _fields(sub)


def _field_info(request: Request, kind: str, name: str) -> Any:
    route = request.scope.get("route")
    for found_kind, field in _fields(getattr(route, "dependant", None)):
        if found_kind == kind and name in (getattr(field, "alias", None), field.name):
            return field.field_info
    return None


def _shown(value: Any, error_type: str) -> str:
    """What came, short: an overlong text by its length and its start."""
    if isinstance(value, str):
        if len(value) > 60:
            return f"{len(value)} characters ({value[:30]!r}…)"
        if error_type in ("string_too_long", "string_too_short"):
            return f"{value!r} ({len(value)} characters)"
        return repr(value) if value else "an empty value"
    if value is None:
        return "nothing"
    return repr(value)[:60]


#: Fields whose value is never shown back, even to the person who typed it (a shoulder, a
#: screenshot of the error page).
_SECRETS = frozenset({"password", "token", "secret"})


def _hidden(value: Any) -> str:
    return f"{len(value)} characters (hidden)" if isinstance(value, str) else "(hidden)"


def _expected(error: Mapping[str, Any], description: str | None) -> str:
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    rule = _RULES.get(kind)
    if rule is not None:
        try:
            rule = rule.format(**context)
        except (KeyError, IndexError):
            rule = None
    if rule is None:
        # An unlisted rule: pydantic's own sentence reads well once its subject is dropped.
        message = str(error.get("msg", "a value that fits"))
        rule = message.removeprefix("Input should be ").removeprefix("Value error, ")
        rule = rule[:1].lower() + rule[1:]
        if kind == "string_pattern_mismatch" and not description:
            rule = f"text of the form {context.get('pattern', '')}"
    if description and kind != "missing":
        return f"{description}, {rule}" if kind in _LIMITS else description
    return rule


def _example_address(request: Request, name: str, example: str) -> str | None:
    route = request.scope.get("route")
    template = getattr(route, "path_format", None)
    if not template or "{" + name + "}" not in template:
        return None
    address: str = template.replace("{" + name + "}", example)
    return address


def _fix(request: Request, error: Mapping[str, Any], kind: str, name: str, label: str,
         example: str | None) -> str:
    error_type = str(error.get("type", ""))
    quoted = f"“{label}”"
    if error_type == "missing":
        return f"fill in {quoted}" + (f", e.g. {example}" if example else "")
    if kind == "path":
        address = _example_address(request, name, example) if example else None
        if address:
            return f"use an address such as {address}, or follow a link from the dashboard"
        return "follow a link from the dashboard instead of typing the address"
    if error_type == "string_too_long":
        limit = (error.get("ctx") or {}).get("max_length")
        return f"shorten {quoted} to at most {limit} characters and try again"
    return f"correct {quoted}" + (f", e.g. {example}" if example else "") + " and try again"


def field_problems(request: Request, errors: Sequence[Mapping[str, Any]]) -> list[FieldProblem]:
    """Each validation error of ``request`` (FastAPI's ``errors()``, with their ``ctx``) in
    words, named and explained by the route's parameter declarations."""
    problems = []
    for error in errors:
        loc = [part for part in error.get("loc", ()) if part is not None]
        kind = str(loc[0]) if loc else "request"
        names = [str(p) for p in loc[1:] if isinstance(p, str)]
        name = names[0] if names else kind
        info = _field_info(request, kind, name) if kind in _KINDS else None
        title = getattr(info, "title", None)
        label = title or label_of(names[-1] if names else "request")
        if len(names) > 1 and title:
            label = f"{title}, {label_of(names[-1]).lower()}"
        rows = [p for p in loc[1:] if isinstance(p, int)]
        if rows:
            label += f" (entry {rows[0] + 1})"
        examples = getattr(info, "examples", None) or []
        example = str(examples[0]) if examples else None
        description = getattr(info, "description", None) if len(names) <= 1 else None
        error_type = str(error.get("type", ""))
        problems.append(FieldProblem(
            label=label,
            in_address=kind == "path",
            in_form=kind == "body",
            missing=error_type == "missing",
            expected=_expected(error, description),
            got="nothing" if error_type == "missing"
            else _hidden(error.get("input")) if name.lower() in _SECRETS
            else _shown(error.get("input"), error_type),
            fix=_fix(request, error, kind, name, label, example),
        ))
    return problems
