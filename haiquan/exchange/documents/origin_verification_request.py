"""Origin verification request: the importing customs asks the issuer to check a certificate."""

from __future__ import annotations

import datetime as dt
from typing import Any

from haiquan.exchange.documents._base import DocumentContext, JsonDocumentType, problem

__all__ = ["ORIGIN_VERIFICATION_REQUEST"]


def _to_issuer(document: dict[str, Any], context: DocumentContext) -> list[str]:
    problems = []
    if document["issuing_country"] != context.receiver:
        problems.append(problem(
            "/issuing_country",
            f"the certificate was issued by {document['issuing_country']}; the request must go "
            f"there, not to {context.receiver}",
        ))
    if document["reply_due"] < document["requested_on"]:
        problems.append(problem("/reply_due", "is before requested_on"))
    # One day of tolerance for the time zones of the region.
    if document["requested_on"] > (dt.date.today() + dt.timedelta(days=1)).isoformat():
        problems.append(problem(
            "/requested_on", f"{document['requested_on']} is in the future; date the request "
            "the day it is sent",
        ))
    return problems


ORIGIN_VERIFICATION_REQUEST = JsonDocumentType(
    name="origin-verification-request",
    version="1",
    schema_file="origin-verification-request.schema.json",
    description="Request to verify a certificate of origin (retroactive check)",
    rules=[_to_issuer],
)
