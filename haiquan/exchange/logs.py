"""The gateway's log as text lines or as JSON objects, one a line (``HAIQUAN_LOG_FORMAT``).

A node in its own security zone usually ships its log to a collector (journald, Loki,
Elasticsearch) that reads JSON without a parsing rule per kind of line. In ``json`` format each
record is one object with its time, level and event and, where the record knows them, the
message id and the partner, so an operator can follow one message or one partner across the
log of several nodes without reading the sentences.

A call site names its event and what it knows with :func:`log_fields`::

    log.warning("partner %s cannot take messages: %s", partner, reason,
                extra=log_fields("partner_unreachable", partner=partner))

A record without fields (from a library, or a line not yet given an event) gets its message
template as the event: the same text for every line of that kind.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, Literal

__all__ = [
    "LOG_FORMATS",
    "TEXT_FORMAT",
    "JsonFormatter",
    "LogFormat",
    "log_fields",
    "log_handler",
]

LogFormat = Literal["text", "json"]
#: The values of the ``log_format`` setting.
LOG_FORMATS: tuple[LogFormat, ...] = ("text", "json")
#: The text line: time, level, logger, message.
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

#: Record attributes :func:`log_fields` sets, written to the JSON object when present.
_FIELDS = ("message_id", "partner", "code")


def log_fields(
    event: str,
    *,
    message_id: str | None = None,
    partner: str | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    """The ``extra=`` of a log call: its ``event`` (a short name such as
    ``message_refused``), and the message id, partner and error code it concerns when known.

    A partner or message id taken from an unverified envelope is what the envelope *claims*;
    the text message says so.

    >>> log_fields("message_refused", message_id="m-1", partner="THA")
    {'event': 'message_refused', 'message_id': 'm-1', 'partner': 'THA'}
    """
    fields: dict[str, Any] = {"event": event}
    for name, value in (("message_id", message_id), ("partner", partner), ("code", code)):
        if value is not None:
            fields[name] = value
    return fields


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line: ``timestamp`` (UTC, ISO 8601 with
    milliseconds), ``level``, ``logger``, ``event``, ``message`` and, when the record has them,
    ``message_id``, ``partner``, ``code`` and ``exception`` (the traceback as text).

    Line breaks inside values are escaped by JSON, so a partner's text or a traceback never
    splits an object over lines.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "event": getattr(record, "event", None) or str(record.msg),
            "message": record.getMessage(),
        }
        for name in _FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_handler(log_format: LogFormat) -> logging.Handler:
    """A handler writing to standard error in ``log_format`` (``text`` or ``json``)."""
    handler = logging.StreamHandler()
    json_lines = log_format == "json"
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    return handler
