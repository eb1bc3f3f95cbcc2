"""High-risk shipment alerts: one administration warns another about a shipment heading its way."""

from __future__ import annotations

from typing import Any

from haiquan.exchange.documents._base import DocumentContext, JsonDocumentType, problem

__all__ = ["RISK_ALERT"]


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
    rules=[_actionable],
)
