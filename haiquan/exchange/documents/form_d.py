"""ATIGA e-Form D: the certificate of origin ASEAN member states exchange through the ASW.

The schema (``schemas/atiga-form-d.schema.json``) carries the boxes of Form D; the rules here are
those a schema cannot say: the certificate travels from the issuing member state to the importing
one, both are ASEAN members, an RVC criterion states its percentage, and item numbers are unique.
"""

from __future__ import annotations

from typing import Any

from haiquan.exchange.documents._base import DocumentContext, JsonDocumentType, problem
from haiquan.reference.countries import group_members

__all__ = ["FORM_D"]


def _route(document: dict[str, Any], context: DocumentContext) -> list[str]:
    problems = []
    if document["issuing_country"] != context.sender:
        problems.append(problem(
            "/issuing_country",
            f"the certificate is issued in {document['issuing_country']} but sent by "
            f"{context.sender}; only the issuing member state sends its e-Form D",
        ))
    if document["importing_country"] != context.receiver:
        problems.append(problem(
            "/importing_country",
            f"the importing member state is {document['importing_country']} but the message goes "
            f"to {context.receiver}",
        ))
    members = set(group_members("ASEAN"))
    for field in ("issuing_country", "importing_country"):
        if document[field] not in members:
            problems.append(problem(f"/{field}", f"{document[field]} is not an ASEAN member state"))
    return problems


def _items(document: dict[str, Any], context: DocumentContext) -> list[str]:
    problems = []
    seen: set[int] = set()
    for index, item in enumerate(document["items"]):
        number = item["item_number"]
        if number in seen:
            problems.append(problem(f"/items/{index}/item_number", f"item {number} appears twice"))
        seen.add(number)
        criterion = item["origin_criterion"]
        if criterion["code"] == "RVC" and "rvc_percent" not in criterion:
            problems.append(problem(
                f"/items/{index}/origin_criterion",
                "an RVC criterion must state rvc_percent (box 8 shows e.g. 'RVC 40%')",
            ))
    return problems


FORM_D = JsonDocumentType(
    name="atiga-form-d",
    version="1",
    schema_file="atiga-form-d.schema.json",
    description="ATIGA e-Form D certificate of origin (issuing to importing member state)",
    rules=[_route, _items],
)
