"""The bridge from gateway ``risk-alert`` documents to selectivity's :class:`PartnerAlert`.

A partner's alert names a shipment (transport document, HS codes, port of loading, parties); at
the border the declaration is what gets routed, so each alert becomes one :class:`PartnerAlert`
per HS code, matching declarations of that HS prefix leaving the alert's country of loading (or
the issuing country), within the alert's validity. Alerts are kept in a YAML file that
``haiquan risk score --alerts FILE`` reads; pulling is safe to repeat: an alert already kept (same
issuer and id) is not added twice, and a gateway message is acknowledged only after the file is
written, so nothing is lost if the process stops in between.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Protocol

import yaml
from pydantic import BaseModel, ConfigDict

from haiquan import yaml_text
from haiquan.errors import CatalogueError
from haiquan.reference.countries import country
from haiquan.risk.alerts import PartnerAlert
from haiquan.settings import get_settings

__all__ = [
    "RISK_ALERT_DOCUMENT",
    "AlertPolicy",
    "alerts_from_document",
    "default_alerts_file",
    "pull_gateway_alerts",
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
    try:
        return AlertPolicy.model_validate(yaml_text.safe_load(text))
    except Exception as error:  # pydantic or YAML: either way the shipped file is wrong
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

    def acknowledge(self, message_ids: list[str]) -> int: ...


def _read(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return list(yaml_text.safe_load(path.read_text(encoding="utf-8")) or [])


def pull_gateway_alerts(node: _Inbox, path: Path | None = None) -> list[PartnerAlert]:
    """Move partner alerts waiting in the gateway inbox into the alerts file; return new ones."""
    target = path or default_alerts_file()
    kept = _read(target)
    known = {(a["issuing_country"], a["alert_id"]) for a in kept}
    added: list[PartnerAlert] = []
    taken: list[str] = []
    for message in node.inbox(limit=1000):
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
        temporary = target.with_suffix(".tmp")
        temporary.write_text(yaml.safe_dump(rows, sort_keys=False), encoding="utf-8")
        os.replace(temporary, target)
    if taken:
        node.acknowledge(taken)
    return added
