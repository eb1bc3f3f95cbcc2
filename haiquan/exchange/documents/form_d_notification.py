"""The importing customs' notification back to the issuer: e-Form D received, accepted, rejected
or utilised. It goes the opposite way to the certificate, so it must be addressed to the issuer."""

from __future__ import annotations

from typing import Any

from haiquan.exchange.documents._base import DocumentContext, JsonDocumentType, problem

__all__ = ["FORM_D_NOTIFICATION"]


def _back_to_issuer(document: dict[str, Any], context: DocumentContext) -> list[str]:
    problems = []
    if document["issuing_country"] != context.receiver:
        problems.append(problem(
            "/issuing_country",
            f"the notification concerns a certificate issued by {document['issuing_country']} "
            f"but is sent to {context.receiver}; send it to the issuing member state",
        ))
    status = document["status"]
    if status == "rejected" and not document.get("rejection_reasons"):
        problems.append(problem("/rejection_reasons", "a rejection must give at least one reason"))
    if status in {"utilised", "partially_utilised"} and "import_declaration" not in document:
        problems.append(problem(
            "/import_declaration", f"status {status} must name the import declaration"
        ))
    seen: set[int] = set()
    for index, item in enumerate(document.get("utilised_items", [])):
        if item["item_number"] in seen:
            problems.append(problem(
                f"/utilised_items/{index}/item_number",
                f"item {item['item_number']} appears twice; give each certificate item once",
            ))
        seen.add(item["item_number"])
    return problems


FORM_D_NOTIFICATION = JsonDocumentType(
    name="atiga-form-d-notification",
    version="1",
    schema_file="atiga-form-d-notification.schema.json",
    description="Receipt / utilisation notification of an e-Form D, back to the issuer",
    rules=[_back_to_issuer],
)
