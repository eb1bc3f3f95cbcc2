"""High-risk shipment alerts: one administration warns another about a shipment heading its way."""

from __future__ import annotations

import datetime as dt
from typing import Any

from haiquan.exchange.documents._base import DocumentContext, JsonDocumentType, problem

__all__ = ["RISK_ALERT"]


def _issued_at(document: dict[str, Any], context: DocumentContext) -> list[str]:
    """The schema checks the shape of ``issued_at``; here it must be a real instant."""
    try:
        issued = dt.datetime.fromisoformat(document["issued_at"])
    except ValueError as error:
        return [problem(
            "/issued_at", f"{document['issued_at']} is not a real date and time ({error}); "
            "write e.g. 2026-11-25T08:00:00Z",
        )]
    until = document.get("valid_until")
    if until is not None and until < issued.date().isoformat():
        return [problem(
            "/valid_until", f"{until} is before the alert was issued ({document['issued_at']})",
        )]
    return []


def _actionable(document: dict[str, Any], context: DocumentContext) -> list[str]:
    shipment = document["shipment"]
    if document.get("requested_action") in {"hold", "controlled_delivery"} and not (
        shipment.get("container_ids") or shipment.get("conveyance")
    ):
        return [problem(
            "/shipment",
            "a hold or controlled delivery needs container_ids or the conveyance to act on",
        )]
    return []


RISK_ALERT = JsonDocumentType(
    name="risk-alert",
    version="1",
    schema_file="risk-alert.schema.json",
    description="High-risk shipment alert",
    rules=[_issued_at, _actionable],
)
