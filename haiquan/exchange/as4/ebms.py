"""ebMS 3.0 vocabulary for the AS4 binding: namespaces, the error signals and what each means
for a haiquan delivery, hardened XML parsing and validation of the ``eb:Messaging`` header
against the OASIS schema.

The error table is the one of ebMS 3.0 Core section 6.7 (EBMS:0001 to EBMS:0011, the security
errors EBMS:0101 to 0103, the reliability errors EBMS:0201/0202) and of the AS4 profile
(EBMS:0301 to 0303). A sender reads an error signal as haiquan reads a signed refusal: a fault
of the message (it will never be accepted as it is) makes it ``failed`` for an operator to look
at; a fault of delivery (the receiving MSH could not hand it on, a receipt went missing) keeps it
``pending`` and it is retried, as a 5xx refusal is in the JWS binding.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from lxml import etree

__all__ = [
    "EB",
    "EBMS_ERRORS",
    "S11",
    "S12",
    "EbmsErrorCode",
    "EbmsProblem",
    "MessagingInspection",
    "delivery_outcome",
    "inspect_messaging",
    "parse_xml",
]

EB = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/"
S12 = "http://www.w3.org/2003/05/soap-envelope"
S11 = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"


@dataclass(frozen=True)
class EbmsErrorCode:
    """One ebMS error: its code, short description, category and what it does to a message
    this node sent (``failed`` for good, or ``retry``)."""

    code: str
    short: str
    category: Literal["Content", "Communication", "Unpackaging", "Processing"]
    outcome: Literal["failed", "retry"]
    meaning: str


EBMS_ERRORS: dict[str, EbmsErrorCode] = {e.code: e for e in (
    EbmsErrorCode("EBMS:0001", "ValueNotRecognized", "Content", "failed",
                  "an element content or attribute value is not recognised"),
    EbmsErrorCode("EBMS:0002", "FeatureNotSupported", "Content", "failed",
                  "the receiving MSH does not support a feature the message uses"),
    EbmsErrorCode("EBMS:0003", "ValueInconsistent", "Content", "failed",
                  "a value is inconsistent with the rest of the message or the P-Mode"),
    EbmsErrorCode("EBMS:0004", "Other", "Content", "failed",
                  "another error (here: the document itself was refused, or its id reused)"),
    EbmsErrorCode("EBMS:0005", "ConnectionFailure", "Communication", "retry",
                  "the MSH could not connect to the next MSH"),
    EbmsErrorCode("EBMS:0006", "EmptyMessagePartitionChannel", "Communication", "failed",
                  "no message to pull (this node pushes; it never holds messages for pulling)"),
    EbmsErrorCode("EBMS:0007", "MimeInconsistency", "Unpackaging", "failed",
                  "the MIME packaging does not match the ebMS header"),
    EbmsErrorCode("EBMS:0008", "FeatureNotSupportedInconsistency", "Unpackaging", "failed",
                  "a feature is used inconsistently"),
    EbmsErrorCode("EBMS:0009", "InvalidHeader", "Unpackaging", "failed",
                  "the ebMS header is missing, not well formed or not schema valid"),
    EbmsErrorCode("EBMS:0010", "ProcessingModeMismatch", "Processing", "failed",
                  "the message does not match any P-Mode agreed with the sender"),
    EbmsErrorCode("EBMS:0011", "ExternalPayloadError", "Content", "failed",
                  "an external payload could not be retrieved"),
    EbmsErrorCode("EBMS:0101", "FailedAuthentication", "Processing", "failed",
                  "the signature does not verify, or the signer is not trusted"),
    EbmsErrorCode("EBMS:0102", "FailedDecryption", "Processing", "failed",
                  "the payload could not be decrypted"),
    EbmsErrorCode("EBMS:0103", "PolicyNoncompliance", "Processing", "failed",
                  "the message is not secured as the agreement requires"),
    EbmsErrorCode("EBMS:0201", "DysfunctionalReliability", "Processing", "retry",
                  "the reliability function of the receiving MSH failed"),
    EbmsErrorCode("EBMS:0202", "DeliveryFailure", "Communication", "retry",
                  "the receiving MSH could not deliver the message to its application"),
    EbmsErrorCode("EBMS:0301", "MissingReceipt", "Communication", "retry",
                  "no receipt came back for a message"),
    EbmsErrorCode("EBMS:0302", "InvalidReceipt", "Communication", "retry",
                  "the receipt is not valid"),
    EbmsErrorCode("EBMS:0303", "DecompressionFailure", "Communication", "failed",
                  "a compressed payload could not be decompressed (or was too large)"),
)}


def delivery_outcome(code: str) -> Literal["failed", "retry"]:
    """What an error signal with ``code`` does to the message it answers.

    An unknown code is a refusal of the message by a foreign MSH: failed, for an operator to
    read and requeue, rather than retried for ever.

    >>> delivery_outcome("EBMS:0101"), delivery_outcome("EBMS:0202")
    ('failed', 'retry')
    """
    known = EBMS_ERRORS.get(code)
    return known.outcome if known else "failed"


class EbmsProblem(Exception):
    """A fault found in an incoming message, answered with the ebMS error ``code``."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code} {EBMS_ERRORS[code].short}: {detail}")
        self.code = code
        self.detail = detail


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, remove_comments=False)


def parse_xml(data: bytes) -> etree._Element:
    """Parse XML that came from outside: no DTD (a DOCTYPE is refused outright, so neither
    internal nor external entities can be declared), no network, no huge trees.

    Raises:
        EbmsProblem: EBMS:0009 for a DOCTYPE or XML that is not well formed.
    """
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as error:
        raise EbmsProblem("EBMS:0009",
                          f"the SOAP envelope is not well-formed XML: {error}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise EbmsProblem("EBMS:0009", "the SOAP envelope has a DOCTYPE; AS4 messages never "
                          "declare one, and entities are not expanded here")
    return root


@lru_cache(maxsize=2)
def _schema(folder: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(Path(folder) / "ebms3-bundle.xsd")))


@dataclass(frozen=True)
class MessagingInspection:
    """What the ``eb:Messaging`` header of an envelope holds: the SOAP version, the kind of
    message (``user``, ``receipt``, ``error``, ``pull``), its ``eb:MessageId``."""

    soap: Literal["1.1", "1.2"]
    kind: Literal["user", "receipt", "error", "pull"]
    message_id: str


def inspect_messaging(data: bytes | etree._Element, xsd_folder: Path | None = None
                      ) -> MessagingInspection:
    """Check an envelope's ``eb:Messaging`` header the way this node's receiver does, and say
    what it is. With ``xsd_folder`` (the OASIS ebMS 3.0 header schema, ``ebms3-bundle.xsd``
    in it) the header is validated against the schema too.

    Raises:
        EbmsProblem: EBMS:0009 (no SOAP envelope, no or empty or schema-invalid
            ``eb:Messaging``), EBMS:0002 (a bundle of several messages: not supported by the
            AS4 profile).
    """
    root = parse_xml(data) if isinstance(data, bytes) else data
    versions = {f"{{{S12}}}Envelope": "1.2", f"{{{S11}}}Envelope": "1.1"}
    soap = versions.get(root.tag)
    if soap is None:
        raise EbmsProblem("EBMS:0009", f"the message is not a SOAP envelope but {root.tag}")
    ns = S12 if soap == "1.2" else S11
    messaging = root.findall(f"{{{ns}}}Header/{{{EB}}}Messaging")
    if len(messaging) != 1:
        raise EbmsProblem("EBMS:0009", f"{len(messaging)} eb:Messaging headers; AS4 needs one")
    header = messaging[0]
    units = [child for child in header if isinstance(child.tag, str)]
    if not units:
        raise EbmsProblem("EBMS:0009", "eb:Messaging is empty")
    if xsd_folder is not None:
        schema = _schema(str(xsd_folder))
        if not schema.validate(header):
            first = schema.error_log.filter_from_errors()[0]
            raise EbmsProblem("EBMS:0009", f"eb:Messaging is not valid against the ebMS 3.0 "
                              f"schema: {first.message}")
    if len(units) > 1:
        raise EbmsProblem("EBMS:0002", f"a bundle of {len(units)} messages; the AS4 profile "
                          "carries one user message or signal per envelope")
    unit = units[0]
    message_id = (unit.findtext(f"{{{EB}}}MessageInfo/{{{EB}}}MessageId") or "").strip()
    if not message_id:
        raise EbmsProblem("EBMS:0009", "no eb:MessageInfo/eb:MessageId")
    if unit.tag == f"{{{EB}}}UserMessage":
        return MessagingInspection(soap, "user", message_id)  # type: ignore[arg-type]
    if unit.find(f"{{{EB}}}PullRequest") is not None:
        return MessagingInspection(soap, "pull", message_id)  # type: ignore[arg-type]
    if unit.find(f"{{{EB}}}Receipt") is not None:
        return MessagingInspection(soap, "receipt", message_id)  # type: ignore[arg-type]
    if unit.find(f"{{{EB}}}Error") is not None:
        return MessagingInspection(soap, "error", message_id)  # type: ignore[arg-type]
    raise EbmsProblem("EBMS:0009", "a signal message with no receipt, error or pull request")
