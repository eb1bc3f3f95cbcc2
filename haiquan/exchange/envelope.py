"""The message envelope and the signed results (receipts and errors) nodes send back.

An envelope names the message (its id chosen by the sender, stable across retries), the
conversation it belongs to, sender and receiver countries, the document type and version, the
creation time, and the payload with its digest. The sender signs the envelope's JSON as a JWS per
delivery attempt, putting the attempt time in the protected header (``iat``), so the receiver can
refuse replays outside its time window while the envelope itself never changes.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, NoReturn

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from haiquan.errors import HaiquanError, ValidationError
from haiquan.exchange._util import (
    RepeatedMemberError,
    digest_text,
    dump_json,
    loads_strict,
    one_line,
    utcnow,
)

__all__ = [
    "ENVELOPE_TYP",
    "RESULT_TYP",
    "BatchResult",
    "Envelope",
    "Receipt",
    "SignedError",
    "new_message_id",
    "parse_batch_result",
    "parse_envelope",
]

#: ``typ`` of a signed envelope and of a signed result in the JWS protected header.
ENVELOPE_TYP = "haiquan-envelope+jws"
RESULT_TYP = "haiquan-result+jws"

_COUNTRY = r"^[A-Z]{3}$"
_ID = r"^[A-Za-z0-9._:-]{8,100}$"


def new_message_id() -> str:
    """A fresh message id (a UUID4 as text)."""
    return str(uuid.uuid4())


class Envelope(BaseModel):
    """What a node signs and sends. ``payload`` is the document text exactly as serialised."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    protocol: Literal["haiquan-c2c/1"] = "haiquan-c2c/1"
    message_id: str = Field(pattern=_ID)
    conversation_id: str = Field(pattern=_ID)
    sender: str = Field(pattern=_COUNTRY)
    receiver: str = Field(pattern=_COUNTRY)
    document_type: str = Field(min_length=1, max_length=64)
    document_version: str = Field(min_length=1, max_length=16)
    created_at: datetime
    payload_format: Literal["json", "xml"]
    payload: str
    payload_digest: str = Field(pattern=r"^sha-256:[A-Za-z0-9_-]{43}$")

    @classmethod
    def build(
        cls,
        *,
        sender: str,
        receiver: str,
        document_type: str,
        document_version: str,
        payload_format: Literal["json", "xml"],
        payload: str,
        message_id: str | None = None,
        conversation_id: str | None = None,
    ) -> Envelope:
        """A new envelope with a fresh id, the digest computed and the time set to now."""
        mid = message_id or new_message_id()
        return cls(
            message_id=mid,
            conversation_id=conversation_id or mid,
            sender=sender,
            receiver=receiver,
            document_type=document_type,
            document_version=document_version,
            created_at=utcnow(),
            payload_format=payload_format,
            payload=payload,
            payload_digest=digest_text(payload),
        )

    def to_json(self) -> str:
        """The envelope's canonical JSON text (sorted keys): what gets signed."""
        return dump_json(self.model_dump(mode="json"))


def _load_signed(data: bytes | str, what: str) -> Any:
    """The JSON of a signed object, refused when not JSON or when a member appears twice."""
    try:
        return loads_strict(data)
    except RepeatedMemberError as error:
        raise ValidationError(
            f"the signed {what} names a member twice",
            expected="each member once per JSON object (the signed text must read one way)",
            got=str(error),
            fix="sign JSON written by a JSON library from one object, never edited text",
        ) from error
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise ValidationError(
            f"the signed {what} is not JSON",
            expected="a JSON object as the JWS payload",
            got=one_line(str(error), 300),
            fix=f"sign the {what}'s JSON text, not another encoding",
        ) from error


def parse_envelope(data: bytes | str) -> Envelope:
    """Parse envelope JSON and check its digest, with a precise error when it is wrong.

    A member given twice is refused (see :func:`haiquan.exchange._util.loads_strict`).
    """
    raw = _load_signed(data, "envelope")
    try:
        envelope = Envelope.model_validate(raw)
    except PydanticValidationError as error:
        _raise_invalid(error)
    actual = digest_text(envelope.payload)
    if actual != envelope.payload_digest:
        raise ValidationError(
            "the payload does not match its digest",
            expected=envelope.payload_digest,
            got=actual,
            fix="compute payload_digest over the exact UTF-8 payload text",
        )
    return envelope


def _raise_invalid(error: PydanticValidationError) -> NoReturn:
    first = error.errors()[0]
    raise ValidationError(
        "the envelope is invalid at " + ".".join(str(p) for p in first["loc"]),
        expected="an envelope as in docs/exchange-protocol.md",
        got=first["msg"],
        fix="correct the envelope field and resend",
        details={"problems": [
            {"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]}
            for e in error.errors()[:10]
        ]},
    ) from error


def parse_batch_result(data: bytes | str) -> BatchResult:
    """Parse a partner's signed batch result (its receipts), refusing a member given twice.

    Raises:
        ValidationError: not JSON, a repeated member, or not a batch result.
    """
    raw = _load_signed(data, "batch result")
    try:
        return BatchResult.model_validate(raw)
    except PydanticValidationError as error:
        first = error.errors()[0]
        raise ValidationError(
            "the batch result is invalid at " + ".".join(str(p) for p in first["loc"]),
            expected="a batch result as in docs/exchange-protocol.md",
            got=first["msg"],
            fix="the receiving node must sign a well-formed batch result",
        ) from error


class Receipt(BaseModel):
    """The receiver's signed acknowledgement that it stored a message (or already had it)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["receipt"] = "receipt"
    message_id: str
    sender: str
    receiver: str
    payload_digest: str
    received_at: datetime
    status: Literal["accepted", "duplicate"]


class SignedError(BaseModel):
    """The receiver's signed refusal: the one JSON error shape plus the message it concerns."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["error"] = "error"
    message_id: str | None = None
    sender: str | None = None
    receiver: str
    error: dict[str, Any]
    issued_at: datetime

    @classmethod
    def of(
        cls,
        error: HaiquanError,
        *,
        receiver: str,
        message_id: str | None = None,
        sender: str | None = None,
    ) -> SignedError:
        return cls(
            message_id=message_id,
            sender=sender,
            receiver=receiver,
            error=error.to_dict()["error"],
            issued_at=utcnow(),
        )


class BatchResult(BaseModel):
    """What the receiver signs once per request: one entry per envelope, in request order.

    One signature per batch (instead of one per message) halves the signing and verifying work
    on both sides; each message's proof of delivery is this JWS, which names it and its digest.
    """

    model_config = ConfigDict(extra="forbid")

    type: Literal["batch-result"] = "batch-result"
    receiver: str
    issued_at: datetime
    results: list[Annotated[Receipt | SignedError, Field(discriminator="type")]]
