"""Origin verification reply: the issuer's answer, matched to the request by ``request_id``."""

from __future__ import annotations

from typing import Any

from haiquan.exchange.documents._base import DocumentContext, JsonDocumentType, problem

__all__ = ["ORIGIN_VERIFICATION_REPLY"]


def _complete(document: dict[str, Any], context: DocumentContext) -> list[str]:
    problems = []
    if document["outcome"] == "more_time_needed" and "new_reply_due" not in document:
        problems.append(problem("/new_reply_due", "asking for more time must give a new date"))
    due = document.get("new_reply_due")
    if due is not None and due <= document["replied_on"]:
        problems.append(problem(
            "/new_reply_due", f"{due} is not after replied_on {document['replied_on']}; more "
            "time means a later date",
        ))
    if document["outcome"] == "partially_confirmed" and not document.get("confirmed_items"):
        problems.append(problem("/confirmed_items", "a partial confirmation must list the items"))
    return problems


ORIGIN_VERIFICATION_REPLY = JsonDocumentType(
    name="origin-verification-reply",
    version="1",
    schema_file="origin-verification-reply.schema.json",
    description="Reply to an origin verification request",
    rules=[_complete],
)
