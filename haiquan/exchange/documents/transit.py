"""ACTS transit messages between the customs administrations on a movement's route.

Named after the NCTS common-domain messages ACTS was modelled on (anticipated transit record
IE050, anticipated arrival record IE001, notification of crossing frontier IE118, arrival advice
IE006, destination control results IE018), plus the enquiry, write-off and recovery notices. The
NCTS common-domain XSDs are not public, so each travels as lean JSON whose fields reuse the trader
messages' data (docs/transit.md). Kept free of haiquan.transit: a gateway node validates these
without the transit store, PDF or reference data.

Business rules beyond the schemas: the MRN's check digit is right, the office speaking for the
sender is in the sender's country, and the message goes to the country that must act on it
(the MRN names the state of departure in its characters 3-4).
"""

from __future__ import annotations

from typing import Any

import pycountry

from haiquan.exchange.documents._base import DocumentContext, JsonDocumentType, problem

__all__ = ["TRANSIT_DOCUMENTS", "mrn_check_digit"]


def _values() -> dict[str, int]:
    values = {str(d): d for d in range(10)}
    value = 10
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if value % 11 == 0:  # ISO 6346 skips 11, 22 and 33
            value += 1
        values[letter] = value
        value += 1
    return values


_VALUES = _values()


def mrn_check_digit(first17: str) -> str:
    """The check digit of an MRN's first 17 characters (EU DG XXI/0879/99, ISO 6346 based).

    >>> mrn_check_digit("06DE586600006143E")
    '1'
    """
    total = sum(_VALUES[c] * 2**i for i, c in enumerate(first17))
    return str(total % 11 % 10)


def _alpha2(alpha3: str) -> str:
    found = pycountry.countries.get(alpha_3=alpha3)
    return found.alpha_2 if found else "??"


def _mrn(document: dict[str, Any], context: DocumentContext) -> list[str]:
    mrn = document["mrn"]
    want = mrn_check_digit(mrn[:17])
    if mrn[17] != want:
        return [problem("/mrn", f"{mrn}: the check digit is {mrn[17]}, {want} expected")]
    return []


def _rules(speaker: str, addressee: str | None) -> list[Any]:
    """Rules: the office in ``speaker`` is the sender's; ``addressee`` names the receiver's
    office (None: the receiver is the state of departure, read from the MRN; "": any state on
    the route, which the notice does not carry)."""

    def offices(document: dict[str, Any], context: DocumentContext) -> list[str]:
        found = []
        sender = _alpha2(context.sender)
        if document[speaker][:2] != sender:
            found.append(problem(f"/{speaker}", f"{document[speaker]} is not an office of "
                                 f"{context.sender}, the sender"))
        receiver = _alpha2(context.receiver)
        if addressee is None:
            if document["mrn"][2:4] != receiver:
                found.append(problem("/mrn", f"{document['mrn']} was allocated in "
                                     f"{document['mrn'][2:4]}, not by {context.receiver}, the "
                                     "receiver: send it to the state of departure"))
        elif addressee and document[addressee][:2] != receiver:
            found.append(problem(f"/{addressee}", f"{document[addressee]} is not an office of "
                                 f"{context.receiver}, the receiver"))
        return found

    return [_mrn, offices]


def _route_rule(document: dict[str, Any], context: DocumentContext) -> list[str]:
    """The office of transit an anticipated transit record is for must be on its route."""
    if document["office_of_transit"] not in document["offices_of_transit"]:
        return [problem("/office_of_transit",
                        f"{document['office_of_transit']} is not among offices_of_transit")]
    return []


def _doc(name: str, description: str, speaker: str, addressee: str | None,
         extra: list[Any] | None = None) -> JsonDocumentType:
    return JsonDocumentType(name=name, version="1", schema_file=f"{name}.schema.json",
                            description=description,
                            rules=_rules(speaker, addressee) + (extra or []))


#: The transit document types, in the order of a movement's life.
TRANSIT_DOCUMENTS: tuple[JsonDocumentType, ...] = (
    _doc("transit-anticipated-transit-record", "ACTS anticipated transit record (IE050)",
         "office_of_departure", "office_of_transit", [_route_rule]),
    _doc("transit-anticipated-arrival-record", "ACTS anticipated arrival record (IE001)",
         "office_of_departure", "office_of_destination"),
    _doc("transit-crossing-frontier", "ACTS notification of crossing frontier (IE118)",
         "office_of_transit", None),
    _doc("transit-arrival-advice", "ACTS arrival advice (IE006)", "office_of_destination", None),
    _doc("transit-control-results", "ACTS destination control results (IE018)",
         "office_of_destination", None),
    _doc("transit-write-off", "ACTS write-off (discharge) notice to the route",
         "office_of_departure", ""),
    _doc("transit-enquiry-request", "ACTS enquiry on a movement not arrived in time",
         "office_of_departure", "office_of_destination"),
    _doc("transit-enquiry-reply", "ACTS reply to an enquiry", "office_of_destination", None),
    _doc("transit-recovery", "ACTS recovery started at departure, notice to the route",
         "office_of_departure", ""),
)
