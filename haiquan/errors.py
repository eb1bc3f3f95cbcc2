"""One exception tree for the whole of haiquan.

Every error carries the HTTP status the web edge answers with and a message built from three
parts — what was expected, what came, and how to fix it — because the reader is often a partner
administration's operator or an analyst who cannot read our code.

::

    HaiquanError (500)
    ├── InputError (400)                  bad input from a user, a file or a partner
    │   ├── DataFileError (422)           a file that cannot be loaded; carries the bad rows
    │   ├── UnknownCodeError (404)        a country, HS, document-type ... code we do not know
    │   ├── ValidationError (422)         a value or document that breaks its rules or schema
    │   │   └── CatalogueError (422)      a YAML catalogue (agreements, commitments ...)
    │   │       └── NotValidYamlError (422)  a YAML file that does not parse: file, line, column
    │   └── PayloadTooLargeError (413)
    ├── NotFoundError (404)               a stored thing (message, model, user ...) is absent
    ├── ConflictError (409)               the request clashes with stored state (e.g. replay)
    ├── AuthenticationError (401)         who are you? (no token, bad password, bad signature)
    │   └── SignatureError (401)          a JWS that does not verify
    ├── PermissionDeniedError (403)       known, but not allowed (role, untrusted partner)
    ├── InfeasibleError (422)             an optimisation with no feasible answer
    ├── ConfigurationError (500)          settings or installation are wrong
    ├── NotReadyError (503)               a result still being computed in the background
    ├── StorageError (507)                a store's disk is full or read-only
    └── DeliveryError (502)               a partner node could not be reached or refused

The edges (``cli``, ``web``) translate these into exit codes and one JSON error shape; nothing else
catches them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

__all__ = [
    "AuthenticationError",
    "CatalogueError",
    "ConfigurationError",
    "ConflictError",
    "DataFileError",
    "DeliveryError",
    "HaiquanError",
    "InfeasibleError",
    "InputError",
    "NotFoundError",
    "NotValidYamlError",
    "NotReadyError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RowProblem",
    "SignatureError",
    "StorageError",
    "UnknownCodeError",
    "ValidationError",
]


class HaiquanError(Exception):
    """Base of every haiquan error.

    Args:
        message: a one-line summary; when ``expected``/``got``/``fix`` are given they are appended.
        expected: what the code expected to receive.
        got: what it received instead.
        fix: what the user can do about it.
        details: structured extra information (shown in the JSON error shape).

    >>> str(HaiquanError("bad period", expected="YYYY-MM", got="2023/13", fix="write 2023-12"))
    'bad period: expected YYYY-MM, got 2023/13; to fix: write 2023-12'
    """

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        expected: str | None = None,
        got: str | None = None,
        fix: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        self.summary = message
        self.expected = expected
        self.got = got
        self.fix = fix
        self.details: dict[str, Any] = dict(details or {})
        super().__init__(self._compose())

    def _compose(self) -> str:
        text = self.summary
        parts = []
        if self.expected is not None:
            parts.append(f"expected {self.expected}")
        if self.got is not None:
            parts.append(f"got {self.got}")
        if parts:
            text += ": " + ", ".join(parts)
        if self.fix is not None:
            text += f"; to fix: {self.fix}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """The one JSON error shape every HTTP answer and partner node uses."""
        return {
            "error": {
                "code": self.code,
                "status": self.status,
                "message": str(self),
                "expected": self.expected,
                "got": self.got,
                "fix": self.fix,
                "details": self.details,
            }
        }


class InputError(HaiquanError):
    """Input from a user, a file or a partner is wrong; nothing was changed."""

    status = 400
    code = "bad_input"


class RowProblem(dict[str, Any]):
    """One bad row of a file, e.g. ``{"row": 12, "column": "hs_code", "value": "8471.3"}``.

    Row numbers count the header as row 1, as a spreadsheet shows them.
    """


class DataFileError(InputError):
    """A data file cannot be loaded. Nothing from it was stored.

    ``problems`` lists up to the first few bad rows so the user can find them in the file.
    """

    status = 422
    code = "bad_data_file"

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        problems: Sequence[Mapping[str, Any]] = (),
        total_bad_rows: int | None = None,
        expected: str | None = None,
        got: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.path = path
        self.problems = [RowProblem(p) for p in problems]
        self.total_bad_rows = total_bad_rows if total_bad_rows is not None else len(self.problems)
        details: dict[str, Any] = {"path": path, "bad_rows": self.total_bad_rows}
        if self.problems:
            details["first_problems"] = [dict(p) for p in self.problems[:20]]
        super().__init__(message, expected=expected, got=got, fix=fix, details=details)

    def _compose(self) -> str:
        text = super()._compose()
        if self.path:
            text = f"{self.path}: {text}"
        for problem in self.problems[:5]:
            row = problem.get("row")
            where = f"row {row}" if row is not None else "file"
            column = problem.get("column")
            if column:
                where += f", column {column!r}"
            text += f"\n  - {where}: {problem.get('problem', '')}"
            if "value" in problem:
                text += f" (value {problem['value']!r})"
        if self.total_bad_rows > 5:
            text += f"\n  ... and {self.total_bad_rows - 5} more bad rows"
        return text


class UnknownCodeError(InputError):
    """A code (country, HS, document type, partner ...) that is not in our reference data."""

    status = 404
    code = "unknown_code"


class ValidationError(InputError):
    """A value or document breaks its rules or schema."""

    status = 422
    code = "validation_failed"


class CatalogueError(ValidationError):
    """A YAML catalogue of dated facts or rules is malformed."""

    code = "bad_catalogue"


class NotValidYamlError(CatalogueError):
    """A YAML file (catalogue, rules, node settings, status records) that does not parse.

    Raised only by :mod:`haiquan.yaml_text`, so every file reads the same way: the file, the line
    and column a text editor shows (both from 1; the message ends with :attr:`place`), what the
    parser met, and the fix. A reader whose files are settings (the gateway's ``node.yaml``) or
    data (status records) keeps its own class by building it from :attr:`summary`,
    :attr:`expected`, :attr:`got` and :attr:`fix`.
    """

    code = "not_valid_yaml"

    def __init__(
        self,
        message: str,
        *,
        path: str,
        line: int | None,
        column: int | None,
        expected: str | None = None,
        got: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.column = column
        details = {"path": path, "line": line, "column": column}
        super().__init__(message + self.place, expected=expected, got=got, fix=fix, details=details)

    @property
    def place(self) -> str:
        """Where in the file, as a text editor counts: ``" at line 3, column 7"`` (or ``""``)."""
        if self.line is None:
            return ""
        return f" at line {self.line}" + (f", column {self.column}" if self.column else "")


class PayloadTooLargeError(InputError):
    status = 413
    code = "payload_too_large"


class NotFoundError(HaiquanError):
    status = 404
    code = "not_found"


class ConflictError(HaiquanError):
    status = 409
    code = "conflict"


class AuthenticationError(HaiquanError):
    status = 401
    code = "not_authenticated"


class SignatureError(AuthenticationError):
    code = "bad_signature"


class PermissionDeniedError(HaiquanError):
    status = 403
    code = "permission_denied"


class InfeasibleError(HaiquanError):
    status = 422
    code = "infeasible"


class ConfigurationError(HaiquanError):
    status = 500
    code = "bad_configuration"


class NotReadyError(HaiquanError):
    """A result (forecasts, partner scores, the plan) that the background refresh is still
    computing for the current data; ``details`` say how far it has got. Ask again shortly."""

    status = 503
    code = "not_ready"


class StorageError(HaiquanError):
    """A store cannot be written: its disk is full or it is read-only. Nothing was changed; the
    operator frees space or makes the store writable, and a sender retries (5xx)."""

    status = 507
    code = "storage_unavailable"


class DeliveryError(HaiquanError):
    status = 502
    code = "delivery_failed"
