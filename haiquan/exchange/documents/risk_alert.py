"""High-risk shipment alerts: one administration warns another about a shipment heading its way."""

from __future__ import annotations

import datetime as dt
from typing import Any

from haiquan.exchange.documents._base import DocumentContext, JsonDocumentType, problem

__all__ = ["RISK_ALERT", "container_check_digit"]


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


def _letter_values() -> dict[str, int]:
    """ISO 6346 letter values: A = 10 upwards, skipping 11, 22, 33 (multiples of 11)."""
    values, value = {}, 10
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if value % 11 == 0:
            value += 1
        values[letter] = value
        value += 1
    return values


_LETTER_VALUES = _letter_values()


def container_check_digit(container_id: str) -> int:
    """The ISO 6346 check digit of a container number's first ten characters.

    >>> container_check_digit("CSQU305438")
    3
    """
    total = sum(
        (_LETTER_VALUES[c] if c.isalpha() else int(c)) * 2**position
        for position, c in enumerate(container_id[:10])
    )
    return total % 11 % 10


def _containers(document: dict[str, Any], context: DocumentContext) -> list[str]:
    """Container numbers are ISO 6346: owner code, category U/J/Z, serial and check digit.

    The schema checks the shape (four letters, seven digits); a mistyped digit still has that
    shape, and an alert on the wrong container sends the partner's officers to the wrong box.
    """
    found = []
    for index, number in enumerate(document["shipment"].get("container_ids") or []):
        if number[3] not in "UJZ":
            found.append(problem(
                f"/shipment/container_ids/{index}",
                f"{number}: the fourth letter is the equipment category, U (freight container),"
                " J (detachable equipment) or Z (trailer or chassis)",
            ))
        elif int(number[10]) != container_check_digit(number):
            found.append(problem(
                f"/shipment/container_ids/{index}",
                f"{number}: the check digit is {number[10]}, but ISO 6346 gives "
                f"{container_check_digit(number)} for {number[:10]}: a digit is mistyped",
            ))
    return found


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
    rules=[_issued_at, _containers, _actionable],
)
