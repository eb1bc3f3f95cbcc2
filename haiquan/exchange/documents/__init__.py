"""The document types a gateway node exchanges, each validated on send and on receipt.

==============================  ======  ======  ============================================
name                            format  version  what
==============================  ======  ======  ============================================
atiga-form-d                    json    1       ATIGA e-Form D certificate of origin
atiga-form-d-notification       json    1       its receipt / utilisation notification
wco-declaration                 xml     3.6     WCO Data Model 3.6 goods declaration (DEC)
aeo-operator-list               json    1       AEO operators under an MRA (full / delta)
risk-alert                      json    1       high-risk shipment alert
origin-verification-request     json    1       request to verify a certificate of origin
origin-verification-reply       json    1       the issuer's reply
transit-*                       json    1       ACTS transit messages (documents/transit.py)
==============================  ======  ======  ============================================
"""

from __future__ import annotations

from haiquan.errors import UnknownCodeError
from haiquan.exchange.documents._base import DocumentContext, DocumentType, JsonDocumentType
from haiquan.exchange.documents.aeo_list import AEO_LIST
from haiquan.exchange.documents.declaration import DECLARATION, WcoDeclarationType
from haiquan.exchange.documents.form_d import FORM_D
from haiquan.exchange.documents.form_d_notification import FORM_D_NOTIFICATION
from haiquan.exchange.documents.origin_verification_reply import ORIGIN_VERIFICATION_REPLY
from haiquan.exchange.documents.origin_verification_request import ORIGIN_VERIFICATION_REQUEST
from haiquan.exchange.documents.risk_alert import RISK_ALERT
from haiquan.exchange.documents.transit import TRANSIT_DOCUMENTS

__all__ = [
    "DOCUMENT_TYPES",
    "DocumentContext",
    "DocumentType",
    "JsonDocumentType",
    "WcoDeclarationType",
    "document_type",
]

#: Every document type, by name.
DOCUMENT_TYPES: dict[str, DocumentType] = {
    doc.name: doc
    for doc in (
        FORM_D,
        FORM_D_NOTIFICATION,
        DECLARATION,
        AEO_LIST,
        RISK_ALERT,
        ORIGIN_VERIFICATION_REQUEST,
        ORIGIN_VERIFICATION_REPLY,
        *TRANSIT_DOCUMENTS,
    )
}


def document_type(name: str, version: str | None = None) -> DocumentType:
    """The document type called ``name`` (and of ``version`` when given), or a clear error."""
    doc = DOCUMENT_TYPES.get(name)
    if doc is None:
        raise UnknownCodeError(
            f"unknown document type {name!r}",
            expected="one of " + ", ".join(sorted(DOCUMENT_TYPES)),
            got=repr(name),
            fix="use a supported document type (haiquan gateway document-types)",
        )
    if version is not None and version != doc.version:
        raise UnknownCodeError(
            f"unsupported version of {name}",
            expected=f"version {doc.version}",
            got=repr(version),
            fix=f"send {name} version {doc.version}",
        )
    return doc
