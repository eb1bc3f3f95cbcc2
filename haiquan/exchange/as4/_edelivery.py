"""The eDelivery AS4 user message on the ``as4`` library's Peppol message class: the document
itself is the payload (no SBDH), Service and Action come from the P-Mode leg, and the four-corner
properties name the administrations. Receiving checks that the signature covers the envelope's
own header and body, and decompresses each payload within the size cap.

Private to :mod:`haiquan.exchange.as4.codec`, which builds and reads messages with it.
"""

from __future__ import annotations

import gzip
import zlib
from datetime import datetime
from typing import Any, Self

from as4 import (
    AS4ExternalParty,
    AS4InternalParty,
    AS4References,
)
from as4.core.common import index_elements_by_id
from as4.core.context import AS4ParseContext
from as4.errors import (
    DecompressedPayloadTooLargeException,
    DecompressionFailedException,
    PartInfoWithoutMimePartException,
    PayloadInfoNotFoundException,
    SignatureCoverageException,
    UserMessageNotFoundException,
)
from as4.models.ebms.message_info import MessageId, MessageInfo, Timestamp
from as4.models.ebms.user_message import (
    Action,
    AgreementRef,
    CollaborationInfo,
    ConversationId,
    MessageProperties,
    PartInfo,
    PartProperties,
    PartyInfo,
    PayloadInfo,
    Property,
    Service,
    UserMessage,
)
from as4.models.soap.envelope import Body, Envelope
from as4.models.soap.header import Header
from as4.models.wsse.security import Security
from as4.profiles.peppol.message import PeppolAS4Message
from as4.utils.cipher_handler import CipherHandler
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree
from pydantic import BaseModel, ConfigDict

from haiquan.exchange.as4.ebms import EB
from haiquan.exchange.as4.pmode import DocumentLeg

__all__ = [
    "FINAL_RECIPIENT",
    "ORIGINAL_SENDER",
    "SOAP",
    "EDeliveryMessage",
    "MessageArgs",
    "check_signed_in_place",
    "gunzip",
]

#: The four-corner message properties naming the administrations.
ORIGINAL_SENDER, FINAL_RECIPIENT = "originalSender", "finalRecipient"
#: The SOAP 1.2 envelope namespace.
SOAP = "http://www.w3.org/2003/05/soap-envelope"


class MessageArgs(BaseModel):
    """What the eDelivery profile needs to build one user message."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    namespace_map: dict[str, str]
    leg: DocumentLeg
    agreement_ref: str | None
    original_sender: str
    final_recipient: str
    party_type: str
    timestamp: datetime
    encrypt: bool


class EDeliveryMessage(PeppolAS4Message):
    """An eDelivery AS4 user message: the library's signing and encryption, no SBDH."""

    @classmethod
    def get_user_message(
        cls,
        local_party: AS4InternalParty,
        remote_party: AS4ExternalParty,
        builder_args: Any,
        references: AS4References,
    ) -> UserMessage:
        args: MessageArgs = builder_args
        leg = args.leg
        properties = [
            Property(name="MimeType", value=leg.mime_type),
            Property(name="CharacterSet", value="utf-8"),
            Property(name="CompressionType", value="application/gzip"),
        ]
        parts = [
            PartInfo(part_properties=PartProperties(properties=properties), href=f"cid:{cid}")
            for cid in references.attachment_id_encrypted_data_id_map
        ]
        return UserMessage(
            message_info=MessageInfo(
                timestamp=Timestamp(value=args.timestamp),
                message_id=MessageId(value=references.message_id),
            ),
            party_info=PartyInfo(
                party_from=local_party.identity.to_party_from(),
                party_to=remote_party.identity.to_party_to(),
            ),
            collaboration_info=CollaborationInfo(
                agreement_ref=(
                    AgreementRef(value=args.agreement_ref) if args.agreement_ref else None
                ),
                service=Service(value=leg.service, type_value=leg.service_type),
                action=Action(value=leg.action),
                conversation_id=ConversationId(value=references.conversation_id),
            ),
            message_properties=MessageProperties(
                properties=[
                    Property(
                        name=ORIGINAL_SENDER,
                        property_type=args.party_type,
                        value=args.original_sender,
                    ),
                    Property(
                        name=FINAL_RECIPIENT,
                        property_type=args.party_type,
                        value=args.final_recipient,
                    ),
                ]
            ),
            payload_info=PayloadInfo(part_info=parts),
        )

    @classmethod
    def build_message(
        cls,
        payload: bytes,
        *,
        local_party: AS4InternalParty,  # type: ignore[override]
        remote_party: AS4ExternalParty,
        builder_args: Any,
        references: AS4References,
    ) -> Self:
        args: MessageArgs = builder_args
        compressed = gzip.compress(payload, compresslevel=6)
        attachment_id, _ = references.encrypted_data_attachment_mapping()
        if args.encrypt:
            session_key, sent = CipherHandler.encrypt_payload(compressed)
            wrapped = remote_party.credentials.rsa_public_key.encrypt(
                session_key,
                padding.OAEP(
                    mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None
                ),
            )
            envelope = cls.get_soap_envelope(
                local_party,
                remote_party,
                builder_args,
                references,
                wrapped,
                {attachment_id: compressed},
            )
        else:
            sent = compressed
            envelope = cls._unencrypted_envelope(
                local_party, remote_party, args, references, {attachment_id: compressed}
            )
        return cls(
            soap_envelope=envelope,
            message_id=references.message_id,
            messaging_id=references.messaging_id,
            mime_attachments={attachment_id: sent},
            decrypted_data={attachment_id: payload},
        )

    @classmethod
    def _unencrypted_envelope(
        cls,
        local_party: AS4InternalParty,
        remote_party: AS4ExternalParty,
        args: MessageArgs,
        references: AS4References,
        compressed: dict[str, bytes],
    ) -> Envelope:
        """Signed but not encrypted: only where the P-Mode says so (a closed network)."""
        user_message = cls.get_user_message(local_party, remote_party, args, references)
        messaging = cls.get_messaging(references=references, user_message=user_message)
        body = Body(body_id=references.body_id)
        signed_info = cls.get_signed_info(
            references=references, messaging=messaging, body=body, compressed_payloads=compressed
        )
        signature = cls.get_signature(
            local_party=local_party,
            builder_args=args,  # type: ignore[arg-type]
            references=references,
            signed_info=signed_info,
        )
        return Envelope(
            header=Header(
                security=Security(
                    binary_security_tokens=[
                        cls.get_local_binary_security_token(local_party, references)
                    ],
                    signature=signature,
                ),
                messaging=messaging,
            ),
            body=body,
        )

    @classmethod
    def get_decrypted_data(
        cls, parse_context: AS4ParseContext, security: Security, mime_attachments: dict[str, bytes]
    ) -> dict[str, bytes]:
        if security.encrypted_key is None and not parse_context.security_policy.encrypt_required:
            return dict(mime_attachments)  # signed, sent in clear as the P-Mode allows
        return super().get_decrypted_data(parse_context, security, mime_attachments)

    @classmethod
    def process(
        cls,
        fields: dict[str, Any],
        parse_context: AS4ParseContext,
        soap_envelope_element: etree._Element,
        mime_attachments: dict[str, bytes],
    ) -> dict[str, Any]:
        # The library's core checks (signature, coverage, digests, decryption) in its order,
        # without the Peppol SBDH step; decompression is done here with zlib's output cap,
        # which stops a bomb as soon as it passes the limit (and costs far less per message
        # than GzipFile.read with a large size).
        fields["mime_attachments"] = mime_attachments
        envelope = Envelope.model_validate_etree(soap_envelope_element)
        fields["soap_envelope"] = envelope
        by_id = index_elements_by_id(soap_envelope_element)
        security = envelope.header.security
        signature, signer = cls.get_verified_signature(parse_context, security, envelope, by_id)
        if signature is not None:
            check_signed_in_place(
                soap_envelope_element, signature.signed_info.references, by_id, body=True
            )
        fields["signer_certificate"] = signer
        decrypted = cls.get_decrypted_data(parse_context, security, mime_attachments)
        fields["decrypted_data"] = decrypted
        if signature is not None:
            cls.verify_attachment_digests(signature, dict(decrypted))
        user = envelope.header.messaging.user_message
        if user is None:
            raise UserMessageNotFoundException()
        if user.payload_info is None:
            raise PayloadInfoNotFoundException()
        limit = parse_context.security_policy.maximum_decompressed_size
        for part in user.payload_info.part_info:
            if not part.href:
                continue
            cid = part.href.removeprefix("cid:")
            if cid not in mime_attachments:
                raise PartInfoWithoutMimePartException(part.href)
            content = decrypted.get(cid)
            if (
                content is not None
                and part.part_properties is not None
                and (part.part_properties.compression_type == "application/gzip")
            ):
                decrypted[cid] = gunzip(content, limit)
        return fields


def check_signed_in_place(
    root: etree._Element, references: list[Any], by_id: dict[str, etree._Element], *, body: bool
) -> None:
    """The elements the signature covers must be the envelope's own ``S12:Header/eb:Messaging``
    (and ``S12:Body``), not copies moved elsewhere: the library finds signed elements by their
    Id wherever they are, so a signed header wrapped in another element beside a forged one
    (XML signature wrapping) would otherwise verify — a replay under a new MessageId, for one.

    Raises:
        SignatureCoverageException: EBMS:0101.
    """
    signed = [
        by_id.get((ref.uri or "").removeprefix("#"))
        for ref in references
        if (ref.uri or "").startswith("#")
    ]
    wanted = {"the eb:Messaging header": root.find(f"{{{SOAP}}}Header/{{{EB}}}Messaging")}
    if body:
        wanted["the SOAP body"] = root.find(f"{{{SOAP}}}Body")
    missing = [
        name
        for name, element in wanted.items()
        if element is None or not any(target is element for target in signed)
    ]
    if missing:
        raise SignatureCoverageException(missing)


def gunzip(data: bytes, limit: int) -> bytes:
    """A gzip member decompressed to at most ``limit`` bytes (EBMS:0303 beyond, or broken)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as error:
        raise DecompressionFailedException() from error
    if len(out) > limit:
        raise DecompressedPayloadTooLargeException()
    if not inflater.eof:
        raise DecompressionFailedException(detail="the gzip payload is truncated")
    return out
