"""The eDelivery AS4 profile, written on top of the ``as4`` library.

The ``as4`` package (PyPI, Apache-2.0) does the XML security: WS-Security signing with
RSA-SHA256 and exclusive C14N over ``eb:Messaging``, the SOAP body and each payload (the SwA
Attachment-Content-Signature-Transform), AES-128-GCM payload encryption with the key sent
under RSA-OAEP, verification of all of it on receipt, gzip within a size cap, and signed
non-repudiation receipts and ebMS error signals. Its built-in profile is Peppol's (an SBDH
around every payload, Peppol party types); this module is the eDelivery AS4 1.15 common
profile instead: the document itself is the payload, the parties, Service and Action come
from the partner's P-Mode (:mod:`haiquan.exchange.as4.pmode`), and ``originalSender`` /
``finalRecipient`` name the administrations (four-corner properties).

:func:`build_user_message` makes what is posted; :func:`read_user_message` checks what came
in and returns the document or the ebMS error to answer; :func:`read_signal` checks the answer
against the digests that were signed (a receipt proves delivery only when it acknowledges
every reference sent).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import compat32
from typing import Any

import pydantic_core
from as4 import (
    AS4BaseCredentials,
    AS4ExternalParty,
    AS4InternalCredentials,
    AS4InternalParty,
    AS4LocalPrivateKey,
    AS4PartyIdentity,
    AS4References,
    SecurityPolicy,
)
from as4 import const as as4_const
from as4.core.common import index_elements_by_id
from as4.core.context import AS4ParseContext
from as4.core.message import AS4Message
from as4.core.receipt import AS4Receipt
from as4.errors import (
    BaseAS4ReceiptableError,
    ReceiptVerificationError,
    UntrustedSignerError,
)
from as4.models.dsig.reference import ComparableReferenceFields
from as4.utils.mime_handler import MIMEHandler
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from haiquan.exchange.as4._edelivery import (
    SOAP,
    EDeliveryMessage,
    MessageArgs,
    check_signed_in_place,
)
from haiquan.exchange.as4.ebms import EB, EBMS_ERRORS, EbmsProblem, inspect_messaging, parse_xml
from haiquan.exchange.as4.pmode import DocumentLeg

__all__ = [
    "IncomingDocument",
    "OutgoingMessage",
    "SignalReading",
    "build_error_signal",
    "build_receipt",
    "build_user_message",
    "peek_parties",
    "read_signal",
    "read_user_message",
]

def _party(party_id: str, party_type: str) -> AS4PartyIdentity:
    return AS4PartyIdentity(party_id=party_id, party_type=party_type)


def local_party(party_id: str, party_type: str, key: rsa.RSAPrivateKey,
                certificate: x509.Certificate) -> AS4InternalParty:
    credentials = AS4InternalCredentials(certificate=certificate,
                                         private_key=AS4LocalPrivateKey(key))
    return AS4InternalParty(identity=_party(party_id, party_type), credentials=credentials)


def remote_party(party_id: str, party_type: str, certificate: x509.Certificate
                 ) -> AS4ExternalParty:
    return AS4ExternalParty(identity=_party(party_id, party_type),
                            credentials=AS4BaseCredentials(certificate=certificate))


@dataclass(frozen=True)
class OutgoingMessage:
    """A user message ready to post, and the references its receipt must acknowledge."""

    message_id: str
    headers: dict[str, str]
    body: bytes
    signed_references: list[ComparableReferenceFields]


def build_user_message(payload: bytes, *, me: AS4InternalParty, partner: AS4ExternalParty,
                       leg: DocumentLeg, message_id: str, conversation_id: str,
                       original_sender: str, final_recipient: str, party_type: str,
                       agreement_ref: str | None = None, timestamp: datetime | None = None,
                       encrypt: bool = True) -> OutgoingMessage:
    """Sign, compress and (normally) encrypt one document as an eDelivery AS4 user message."""
    args = MessageArgs(namespace_map=dict(_NAMESPACES), leg=leg, agreement_ref=agreement_ref,
                 original_sender=original_sender, final_recipient=final_recipient,
                 party_type=party_type, timestamp=timestamp or datetime.now(UTC),
                 encrypt=encrypt)
    references = AS4References(message_id=message_id, conversation_id=conversation_id)
    message = EDeliveryMessage.build_message(payload, local_party=me, remote_party=partner,
                                             builder_args=args, references=references)
    body, boundary = message.get_request_data()
    headers = MIMEHandler.build_request_headers(boundary=boundary, user_agent="haiquan-as4")
    return OutgoingMessage(message_id, headers, body, message.signed_references)


from as4.models.common import NAMESPACES as _NAMESPACES  # noqa: E402


@dataclass(frozen=True)
class IncomingDocument:
    """A user message that passed every check of the profile."""

    message_id: str
    conversation_id: str
    timestamp: datetime
    from_party: tuple[str, str | None]
    to_party: tuple[str, str | None]
    service: str
    action: str
    properties: dict[str, str]
    mime_type: str | None
    payload: bytes
    soap_xml: bytes
    message: AS4Message


def peek_parties(soap: etree._Element) -> tuple[tuple[str, str | None], tuple[str, str | None]]:
    """The From and To parties an (unverified) user message names, to choose its P-Mode."""
    def party(which: str) -> tuple[str, str | None]:
        node = soap.find(f"{{{SOAP}}}Header/{{{EB}}}Messaging/{{{EB}}}UserMessage/"
                         f"{{{EB}}}PartyInfo/{{{EB}}}{which}/{{{EB}}}PartyId")
        if node is None:
            raise EbmsProblem("EBMS:0009", f"no eb:PartyInfo/eb:{which}/eb:PartyId")
        return (node.text or "").strip(), node.get("type")
    return party("From"), party("To")


def unpack(headers: dict[str, str], body: bytes) -> tuple[bytes, dict[str, bytes]]:
    """The SOAP part and the attachments (by Content-ID) of a multipart/related request."""
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    # The compat32 policy: the default policy's header objects cost more than all the
    # cryptography of a message; the MIME structure read is the same.
    message = BytesParser(policy=compat32).parsebytes(
        f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1",
                                                                           "replace") + body)
    parts = list(message.walk())
    soap_part = next((p for p in parts if p.get_content_type() == "application/soap+xml"),
                     None)
    if soap_part is None:
        raise EbmsProblem("EBMS:0009", "no application/soap+xml part: not a SOAP 1.2 "
                          "with attachments message")
    attachment = next((p for p in parts
                       if p.get_content_type() == "application/octet-stream"), None)
    if attachment is None:
        raise EbmsProblem("EBMS:0007", "no payload part (application/octet-stream)")
    soap = soap_part.get_payload(decode=True)
    data = attachment.get_payload(decode=True)
    cid = str(attachment.get("Content-ID", "")).strip().strip("<>")
    if not isinstance(soap, bytes) or not isinstance(data, bytes) or not cid:
        raise EbmsProblem("EBMS:0007", "the MIME parts carry no SOAP envelope or no payload "
                          "with a Content-ID")
    return soap, {cid: data}


Party = tuple[str, str | None]
Signer = Callable[[x509.Certificate | None], x509.Certificate]


def read_user_message(headers: dict[str, str], body: bytes, *, me: AS4InternalParty,
                      signer: Signer | None = None, encrypt_required: bool = True,
                      max_payload_bytes: int,
                      policy: Callable[[Party, Party], tuple[Signer, bool]] | None = None,
                      ) -> IncomingDocument:
    """Check an incoming user message completely (signature by a trusted certificate over the
    header, body and payload, decryption, decompression within ``max_payload_bytes``).

    ``policy(from_party, to_party)`` chooses the signer check and whether encryption is
    required from the parties the message names (raising EbmsProblem for an unknown one);
    without it ``signer`` and ``encrypt_required`` are used.

    Raises:
        EbmsProblem: the first fault, with the ebMS error code to answer.
    """
    soap_bytes, attachments = unpack(headers, body)
    root = parse_xml(soap_bytes)
    found = inspect_messaging(root)
    if found.soap != "1.2":
        raise EbmsProblem("EBMS:0002", "SOAP 1.1; the eDelivery AS4 profile uses SOAP 1.2")
    if found.kind == "pull":
        raise EbmsProblem("EBMS:0006", "this node pushes its messages; it holds none to pull")
    if found.kind != "user":
        raise EbmsProblem("EBMS:0002", f"a {found.kind} signal sent on its own; receipts and "
                          "errors travel in the HTTP answer (One-Way/Push)")
    if policy is not None:
        signer, encrypt_required = policy(*peek_parties(root))
    if signer is None:
        raise ValueError("read_user_message needs a signer or a policy")
    check = signer

    def resolve(party_from: Any, embedded: x509.Certificate | None) -> x509.Certificate:
        return check(embedded)

    policy = SecurityPolicy(sign_required=True, encrypt_required=encrypt_required,
                            signer_resolver=resolve, maximum_decompressed_size=max_payload_bytes)
    context = AS4ParseContext(local_party=me, security_policy=policy)
    message = EDeliveryMessage.parse(context, soap_bytes, attachments)
    if message.parse_error is not None:
        error = message.parse_error
        raise EbmsProblem(error.error_code if error.error_code in EBMS_ERRORS else "EBMS:0004",
                          error.detail or error.short_description)
    envelope = message.require_soap_envelope()
    user = envelope.header.messaging.user_message
    assert user is not None  # process() refuses a message without one
    info = user.collaboration_info
    properties = {p.name: p.value for p in (user.message_properties.properties
                                            if user.message_properties else [])}
    part = user.payload_info.part_info[0] if user.payload_info else None
    mime = None
    if part is not None:
        mime = next((p.value for p in part.part_properties.properties if p.name == "MimeType"),
                    None) if part.part_properties else None
    payload = next(iter(message.decrypted_data.values()), None)
    if payload is None:
        raise EbmsProblem("EBMS:0007", "no payload part")
    stamp = user.message_info.timestamp.value
    return IncomingDocument(
        message_id=message.message_id, conversation_id=info.conversation_id.value.strip(),
        timestamp=stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC),
        from_party=(user.party_info.party_from.party_id.value.strip(),
                    user.party_info.party_from.party_id.type_value),
        to_party=(user.party_info.party_to.party_id.value.strip(),
                  user.party_info.party_to.party_id.type_value),
        service=info.service.value.strip(), action=info.action.value.strip(),
        properties=properties, mime_type=mime, payload=payload, soap_xml=soap_bytes,
        message=message)


def build_receipt(incoming: IncomingDocument, me: AS4InternalParty) -> tuple[dict[str, str], bytes]:
    """The signed non-repudiation receipt for a message accepted (or held already)."""
    receipt = AS4Receipt.for_message(incoming.message, me)
    return receipt.get_request_data()


def build_error_signal(problem: EbmsProblem, me: AS4InternalParty, ref_message_id: str = ""
                       ) -> tuple[dict[str, str], bytes]:
    """A signed ebMS error signal answering a refused message."""
    known = EBMS_ERRORS[problem.code]
    signal = AS4Receipt.create_error_signal(
        error_code=problem.code, short_description=known.short, description=known.meaning,
        severity="failure", detail=problem.detail[:1000], category=known.category,
        referenced_message_id=ref_message_id, referenced_messaging_id="", local_party=me)
    return signal.get_request_data()


@dataclass(frozen=True)
class SignalReading:
    """A verified answer: a receipt (``error_code`` None) or an ebMS error, and the signal's
    XML kept as the proof of delivery."""

    error_code: str | None
    error_detail: str
    proof: str


def read_signal(body: bytes, *, partner_certificate: x509.Certificate, message_id: str,
                signed_references: list[ComparableReferenceFields]) -> SignalReading:
    """Verify the partner's answer to ``message_id``: signed by its certificate, naming the
    message, and — for a receipt — acknowledging exactly the digests that were signed.

    Raises:
        ReceiptVerificationError: the answer proves nothing (the message is retried).
    """
    try:
        root = parse_xml(body)
        inspect_messaging(root)
    except EbmsProblem as problem:
        raise ReceiptVerificationError(str(problem)) from None
    try:
        receipt = AS4Receipt.parse(body, partner_certificate)
        signature = receipt.require_soap_envelope().header.security.signature
        assert signature is not None  # AS4Receipt.parse refuses an unsigned signal
        check_signed_in_place(root, signature.signed_info.references,
                               index_elements_by_id(root), body=False)
    except (pydantic_core.ValidationError, UntrustedSignerError, ValueError,
            BaseAS4ReceiptableError) as error:
        raise ReceiptVerificationError(f"the signal cannot be read: {error}") from None
    if receipt.original_message_id not in (message_id, None):
        raise ReceiptVerificationError(f"the signal answers {receipt.original_message_id!r}, "
                                       f"not {message_id!r}")
    text = body.decode("utf-8", "replace")
    if receipt.error is not None:
        signalled = receipt.error
        detail = (signalled.error_detail.value if signalled.error_detail else "") or (
            signalled.short_description or "")
        return SignalReading(signalled.error_code, detail, text)
    if receipt.original_message_id is None:
        raise ReceiptVerificationError("the receipt names no message")
    receipt.verify_non_repudiation(signed_references)
    return SignalReading(None, "", text)


_ = as4_const  # the library's constants are the profile's algorithm URIs (see pmode.Security)
