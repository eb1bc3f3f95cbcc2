"""The bridge from gateway ``risk-alert`` documents to selectivity's :class:`PartnerAlert`.

A partner's alert names a shipment (transport document, HS codes, port of loading, parties); at
the border the declaration is what gets routed, so each alert becomes one :class:`PartnerAlert`
per HS code, matching declarations of that HS prefix leaving the alert's country of loading (or
the issuing country), within the alert's validity. Alerts are kept in a YAML file,
:func:`default_alerts_file` (``HOME/risk/partner_alerts.yaml``), which scoring reads unless told
otherwise (``haiquan risk score``, ``POST /api/risk/score`` and the dashboard's risk queue);
pulling is safe to repeat: an alert already kept (same issuer and id) is not added twice, and a
gateway message is acknowledged only after the file is written, so nothing is lost if the process
stops in between. A damaged file raises :class:`~haiquan.errors.ValidationError` naming the file,
and pulling then changes nothing (the messages stay in the inbox).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from haiquan import yaml_text
from haiquan._files import write_text_atomically
from haiquan.errors import CatalogueError, ValidationError
from haiquan.reference.countries import country
from haiquan.risk.alerts import PartnerAlert
from haiquan.settings import get_settings

__all__ = [
    "RISK_ALERT_DOCUMENT",
    "AlertPolicy",
    "active_alerts",
    "alerts_from_document",
    "default_alerts_file",
    "kept_alerts",
    "pull_gateway_alerts",
    "read_partner_alerts",
]

RISK_ALERT_DOCUMENT = "risk-alert"
_SEVERITY = {"low": 0, "medium": 1, "high": 2, "critical": 3}


class AlertPolicy(BaseModel):
    """``rules/partner_alerts.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["partner_alerts"]
    default_validity_days: int
    minimum_severity: Literal["low", "medium", "high", "critical"]
    source: str


@cache
def load_alert_policy() -> AlertPolicy:
    text = resources.files("haiquan.risk").joinpath("rules/partner_alerts.yaml").read_text("utf-8")
    data = yaml_text.parse(text, source="haiquan/risk/rules/partner_alerts.yaml",
                           expected="kind, default_validity_days, minimum_severity, source")
    try:
        return AlertPolicy.model_validate(data)
    except PydanticValidationError as error:
        raise CatalogueError("haiquan/risk/rules/partner_alerts.yaml is malformed",
                             expected="kind, default_validity_days, minimum_severity, source",
                             got=str(error)[:300], fix="correct the file") from error


def default_alerts_file() -> Path:
    """Where pulled partner alerts are kept: ``HOME/risk/partner_alerts.yaml``."""
    return get_settings().home / "risk" / "partner_alerts.yaml"


def alerts_from_document(sender: str, document: dict[str, Any],
                         policy: AlertPolicy | None = None) -> list[PartnerAlert]:
    """Selectivity alerts for one partner alert (none below the policy's minimum severity)."""
    rules = policy or load_alert_policy()
    if _SEVERITY[document["severity"]] < _SEVERITY[rules.minimum_severity]:
        return []
    issued = dt.datetime.fromisoformat(document["issued_at"].replace("Z", "+00:00")).date()
    until = (dt.date.fromisoformat(document["valid_until"]) if document.get("valid_until")
             else issued + dt.timedelta(days=rules.default_validity_days))
    shipment = document["shipment"]
    loading = shipment.get("port_of_loading")
    departure = country(loading[:2]).alpha_3 if loading else sender
    reason = (f"{document['risk_category']} ({document['severity']}), "
              f"{shipment['transport_document']}: " + "; ".join(document["indicators"]))[:500]
    codes = shipment.get("hs_codes") or [None]
    return [
        PartnerAlert(alert_id=document["alert_id"] + (f"/{code}" if code else ""),
                     issuing_country=sender, valid_from=issued, valid_to=until,
                     hs_prefix=code, departure_country=departure, reason=reason)
        for code in codes
    ]


class _Inbox(Protocol):
    def inbox(self, *, after: int = 0, limit: int = 100,
              include_acknowledged: bool = False) -> list[Any]: ...

    def waiting(self) -> Iterator[Any]: ...

    def acknowledge(self, message_ids: list[str]) -> int: ...


_FIELDS = ", ".join(PartnerAlert.model_fields)


def read_partner_alerts(path: Path) -> list[PartnerAlert]:
    """Partner alerts from a YAML list (``haiquan alerts pull`` writes the same fields).

    Each item is a mapping of :class:`~haiquan.risk.alerts.PartnerAlert` fields: ``alert_id``,
    ``issuing_country``, ``valid_from``, ``valid_to``, ``reason`` and at least one of
    ``hs_prefix``, ``origin_country``, ``departure_country``, ``seller``, ``importer``. An
    empty file holds no alerts.

    Raises:
        ValidationError: the file cannot be read, is not YAML, is not a list of alerts, or an
            alert breaks its rules; the message names the file and the item.
    """
    file = Path(path)
    try:
        data = yaml_text.read(
            file, what="the partner alerts file",
            expected="a UTF-8 YAML list of alerts, dates written YYYY-MM-DD",
            fix="format in docs/risk.md, 'Partner alerts file'; or move the file away and run "
            "`haiquan alerts pull` again")
    except OSError as error:
        raise ValidationError(
            f"cannot read the partner alerts file {file}",
            expected="a readable YAML file listing alerts",
            got=f"{type(error).__name__}: {error.strerror or error}",
            fix="check the path, or run `haiquan alerts pull` to create the file",
        ) from error
    if data is None:
        return []
    if not isinstance(data, list):
        raise ValidationError(
            f"the partner alerts file {file} is not a list",
            expected="a YAML list, one '- alert_id: ...' item per alert",
            got=f"a {type(data).__name__}",
            fix="write each alert as an item of a list (docs/risk.md, 'Partner alerts file')",
        )
    try:
        return TypeAdapter(list[PartnerAlert]).validate_python(data)
    except PydanticValidationError as error:
        first = error.errors()[0]
        loc = list(first["loc"])
        item = f"item {int(loc[0]) + 1}" if loc and isinstance(loc[0], int) else "an item"
        field = ".".join(str(p) for p in loc[1:]) or "the alert"
        raise ValidationError(
            f"{file}: {item}, {field} is invalid",
            expected=f"{first['msg'].removeprefix('Value error, ')} (fields: {_FIELDS})",
            got=repr(first.get("input"))[:100],
            fix="correct the alert (format in docs/risk.md, 'Partner alerts file')",
        ) from None


#: Alerts read per file, with the ``stat`` they were read at: the API asks on every request.
_KEPT: dict[str, tuple[tuple[int, int, int], tuple[PartnerAlert, ...]]] = {}
_KEPT_LOCK = threading.Lock()


def kept_alerts(path: Path | None = None) -> tuple[PartnerAlert, ...]:
    """The partner alerts scoring applies: ``path``, else :func:`default_alerts_file`.

    The default file may be absent (no alert pulled yet): then there are none. A file given
    explicitly must exist. The file is re-read only when its ``stat`` changes, so asking again
    costs one ``stat``.

    Raises:
        ValidationError: a file given by ``path`` is missing, or the file is damaged.
    """
    file = Path(path) if path is not None else default_alerts_file()
    key = os.path.abspath(file)
    try:
        info = os.stat(key)
    except OSError:
        if path is None:
            return ()
        return tuple(read_partner_alerts(file))  # raises, saying the file cannot be read
    stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
    with _KEPT_LOCK:
        known = _KEPT.get(key)
        # a file changed within the last 2 s is read again: two edits in one tick of the file
        # clock, of the same size, would otherwise look alike
        if known is not None and known[0] == stamp and time.time_ns() - info.st_mtime_ns > 2e9:
            return known[1]
    alerts = tuple(read_partner_alerts(file))
    with _KEPT_LOCK:
        _KEPT[key] = (stamp, alerts)
    return alerts


def active_alerts(
    alerts: Iterable[PartnerAlert], first: dt.date, last: dt.date
) -> list[PartnerAlert]:
    """The alerts in force on at least one day from ``first`` to ``last`` (both included).

    >>> a = PartnerAlert(alert_id="A1", issuing_country="KOR", valid_from=dt.date(2025, 3, 1),
    ...                  valid_to=dt.date(2025, 3, 31), hs_prefix="8517", reason="test")
    >>> len(active_alerts([a], dt.date(2025, 3, 30), dt.date(2025, 4, 2)))
    1
    >>> len(active_alerts([a], dt.date(2025, 4, 1), dt.date(2025, 4, 2)))
    0
    """
    return [a for a in alerts if a.valid_from <= last and first <= a.valid_to]


def _read(path: Path) -> list[dict[str, Any]]:
    """The alerts kept in ``path`` as mappings, validated (a damaged file raises)."""
    if not path.exists():
        return []
    alerts: Sequence[PartnerAlert] = read_partner_alerts(path)
    return [a.model_dump(mode="json", exclude_none=True) for a in alerts]


def pull_gateway_alerts(node: _Inbox, path: Path | None = None) -> list[PartnerAlert]:
    """Move partner alerts waiting in the gateway inbox into the alerts file; return new ones."""
    target = path or default_alerts_file()
    kept = _read(target)
    known = {(a["issuing_country"], a["alert_id"]) for a in kept}
    added: list[PartnerAlert] = []
    taken: list[str] = []
    for message in node.waiting():
        if message.document_type != RISK_ALERT_DOCUMENT:
            continue
        for alert in alerts_from_document(message.sender, json.loads(message.payload)):
            if (alert.issuing_country, alert.alert_id) not in known:
                known.add((alert.issuing_country, alert.alert_id))
                added.append(alert)
        taken.append(message.message_id)
    if added:
        target.parent.mkdir(parents=True, exist_ok=True)
        rows = kept + [a.model_dump(mode="json", exclude_none=True) for a in added]
        write_text_atomically(target, yaml.safe_dump(rows, sort_keys=False))
    if taken:
        node.acknowledge(taken)
    return added
