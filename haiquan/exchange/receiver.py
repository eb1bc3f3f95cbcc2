"""The receiving side: check each incoming envelope, store it once, answer with signed results.

Each envelope in a batch is checked in this order, and the first failure becomes a signed error
for that envelope alone (the others in the batch are still processed):

1. size (oversized payload → 413), 2. it is a JWS (unsigned → 401), 3. its key belongs to a
trusted partner (unknown sender → 403), 4. the key has not expired (401), 5. the signature
verifies (tampered → 401), 6. the signing time ``iat`` is within the replay window (409),
7. the envelope is well formed and its digest matches (422), 8. the signer is the envelope's
sender and this node its receiver (403), 9. the document type and version are known (404),
10. the payload is valid for its type (malformed JSON/XML or schema failure → 422).

Only then is the envelope stored, in one transaction for the batch; a message already held
(same sender and id, same digest) is acknowledged again as ``duplicate`` and not stored twice; the
same id with another digest is refused (409). A second copy of a message in the same batch is
answered the same way, after the first (``duplicate``, or 409 when its digest differs). Nothing is
stored for a refused envelope, and a signed object (JWS header, envelope) that names a JSON member
twice is refused (422 or 401) before anything is stored.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from haiquan import base64url
from haiquan.errors import (
    ConflictError,
    HaiquanError,
    InputError,
    PayloadTooLargeError,
    PermissionDeniedError,
    SignatureError,
    ValidationError,
)
from haiquan.exchange._limits import RateLimitedLog
from haiquan.exchange._util import dump_json, format_time, loads_strict, one_line
from haiquan.exchange.config import NodeConfig
from haiquan.exchange.documents import DocumentContext, document_type
from haiquan.exchange.envelope import (
    ENVELOPE_TYP,
    RESULT_TYP,
    Envelope,
    SignedError,
    parse_envelope,
)
from haiquan.exchange.keys import NodeKeyring
from haiquan.exchange.logs import log_fields
from haiquan.exchange.rows import InboxRow
from haiquan.exchange.store import GatewayStore
from haiquan.exchange.trust import TrustStore, read_jws_header

__all__ = ["BatchOutcome", "Receiver", "ResultItem"]


@dataclass(frozen=True)
class ResultItem:
    """The outcome for one envelope (the signed truth is the batch's receipt JWS).

    ``entry`` is the entry of the signed batch result, as JSON-ready data: a ``Receipt`` or a
    ``SignedError`` of :mod:`haiquan.exchange.envelope` (built as plain data, not as models,
    because this runs for every message).
    """

    message_id: str | None
    status: Literal["accepted", "duplicate", "refused"]
    entry: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        item: dict[str, Any] = {"message_id": self.message_id, "status": self.status}
        if self.status == "refused":
            item["error"] = self.entry["error"]
        return item


@dataclass(frozen=True)
class BatchOutcome:
    """The answer to a request: the items and the receiver's signature over all of them."""

    items: list[ResultItem]
    receipt: str

    def to_dict(self) -> dict[str, Any]:
        return {"results": [item.to_dict() for item in self.items], "receipt": self.receipt}

    def to_json(self) -> bytes:
        """The HTTP answer body."""
        return json.dumps(self.to_dict(), separators=(",", ":")).encode("utf-8")


class Receiver:
    """Checks and stores incoming envelopes for one node."""

    def __init__(
        self, config: NodeConfig, keyring: NodeKeyring, trust: TrustStore, store: GatewayStore
    ) -> None:
        self.config = config
        self.keyring = keyring
        self.trust = trust
        self.store = store
        self.log = logging.getLogger(f"haiquan.exchange.{config.country}")
        #: refusals of unauthenticated input, logged at a bounded rate
        self.refusals = RateLimitedLog(self.log, config.refusal_log_per_minute)

    @property
    def max_request_bytes(self) -> int:
        """The largest HTTP body accepted: a full batch of maximum-size envelopes."""
        return self.config.max_request_bytes

    # --- signing answers -----------------------------------------------------------------------
    def sign_result(self, model: SignedError | dict[str, Any]) -> str:
        """Sign a batch result (given as data) or a lone error with ``typ`` haiquan-result+jws."""
        text = dump_json(model) if isinstance(model, dict) else model.model_dump_json()
        return self.keyring.sign(text.encode("utf-8"), {"typ": RESULT_TYP})

    def signed_error(
        self, error: HaiquanError, message_id: str | None = None, sender: str | None = None
    ) -> dict[str, Any]:
        """The JSON error shape plus ``jws``: the same error signed by this node."""
        body = error.to_dict()
        body["jws"] = self.sign_result(
            SignedError.of(error, receiver=self.config.country, message_id=message_id,
                           sender=sender)
        )
        return body

    # --- receiving -----------------------------------------------------------------------------
    def receive_body(self, body: bytes) -> BatchOutcome:
        """Handle one HTTP body ``{"messages": [jws, ...]}``.

        Raises:
            PayloadTooLargeError, InputError: the body as a whole is unusable (nothing stored).
        """
        if len(body) > self.max_request_bytes:
            raise PayloadTooLargeError(
                "the request is too large",
                expected=f"at most {self.max_request_bytes} bytes",
                got=f"{len(body)} bytes",
                fix="send fewer envelopes per request",
            )
        try:
            data = loads_strict(body)
        except (ValueError, UnicodeDecodeError, RecursionError) as error:
            # RecursionError: nested deeper than Python's parser goes; the sender's fault (400),
            # not the node's (a 500 would be logged with its trace and retried for ever)
            raise InputError(
                "the request body is malformed JSON",
                expected='{"messages": ["<compact JWS>", ...]}',
                got=str(error),
                fix="send a JSON object with a messages list",
            ) from error
        messages = data.get("messages") if isinstance(data, dict) else None
        if not isinstance(messages, list) or not messages:
            raise InputError(
                "the request body has no messages",
                expected='{"messages": ["<compact JWS>", ...]} with at least one message',
                got=type(messages).__name__ if messages is not None else "no messages key",
                fix="put the signed envelopes in a messages list",
            )
        if len(messages) > self.config.max_batch:
            raise PayloadTooLargeError(
                "too many envelopes in one request",
                expected=f"at most {self.config.max_batch}",
                got=str(len(messages)),
                fix="split the batch",
            )
        return self.receive(messages)

    def receive(self, tokens: list[Any]) -> BatchOutcome:
        """Check, store and answer each token (a compact JWS) of a batch, signing the answer."""
        now = time.time()
        self.trust.reload_if_changed()
        self.keyring.reload_if_changed()
        results: list[ResultItem | None] = [None] * len(tokens)
        accepted_rows: list[InboxRow] = []
        waiting: list[tuple[int, Envelope]] = []
        #: the message keys already in this batch: a second copy is answered after the first
        #: (``duplicate``, or a conflict when its digest differs), never stored twice.
        in_batch: set[tuple[str, str]] = set()
        later_copies: list[tuple[int, Envelope]] = []
        for index, token in enumerate(tokens):
            try:
                envelope, text = self.check(token, now)
            except HaiquanError as error:
                mid, sender = _peek(token)
                self._log_refusal(error, token, mid, sender)
                results[index] = self._refusal(error, mid, sender)
                continue
            key = (envelope.sender, envelope.message_id)
            if key in in_batch:
                later_copies.append((index, envelope))
                continue
            in_batch.add(key)
            accepted_rows.append(
                InboxRow(
                    sender=envelope.sender,
                    message_id=envelope.message_id,
                    conversation_id=envelope.conversation_id,
                    document_type=envelope.document_type,
                    document_version=envelope.document_version,
                    created_at=envelope.created_at.timestamp(),
                    payload_digest=envelope.payload_digest,
                    envelope=text,
                    jws=token,
                )
            )
            waiting.append((index, envelope))
        accepted, duplicates = self.store.store_received(accepted_rows)
        for index, envelope in waiting:
            key = (envelope.sender, envelope.message_id)
            if key in accepted:
                results[index] = self._receipt(envelope, "accepted", accepted[key])
                # a later copy in this batch is a duplicate of this one
                duplicates[key] = (envelope.payload_digest, accepted[key])
        for index, envelope in [*waiting, *later_copies]:
            if results[index] is not None:
                continue
            key = (envelope.sender, envelope.message_id)
            digest, received_at = duplicates[key]
            if digest == envelope.payload_digest:
                results[index] = self._receipt(envelope, "duplicate", received_at)
            else:
                reused = ConflictError(
                    "this message id was already used for another document",
                    expected=f"message {envelope.message_id} with digest {digest}",
                    got=envelope.payload_digest,
                    fix="give every new document a new message id; reuse an id only to retry "
                    "the very same envelope",
                )
                self._log_refusal(reused, None, envelope.message_id, envelope.sender)
                results[index] = self._refusal(reused, envelope.message_id, envelope.sender)
        items = [r for r in results if r is not None]
        signed = {  # a BatchResult (haiquan.exchange.envelope), written as data
            "type": "batch-result",
            "receiver": self.config.country,
            "issued_at": format_time(now),
            "results": [item.entry for item in items],
        }
        return BatchOutcome(items, self.sign_result(signed))

    def check(self, token: Any, now: float) -> tuple[Envelope, str]:
        """Run every check on one token; return its envelope (and its JSON text) or raise the
        first failure."""
        if not isinstance(token, str):
            raise SignatureError(
                "the message is not signed",
                expected="a compact JWS string",
                got=type(token).__name__,
                fix="sign each envelope and send it as a JWS string",
            )
        limit = self.config.max_message_chars
        if len(token) > limit:
            raise PayloadTooLargeError(
                "the signed message is too large",
                expected=f"a payload of at most {self.config.max_payload_bytes} bytes",
                got=f"a JWS of {len(token)} characters",
                fix="split the document or agree a larger max_payload_bytes with the partner",
            )
        header = read_jws_header(token)
        if header.get("typ") != ENVELOPE_TYP:
            raise SignatureError(
                "the JWS is not a haiquan envelope",
                expected=f"typ {ENVELOPE_TYP!r} in the protected header",
                got=repr(header.get("typ")),
                fix="sign envelopes with typ haiquan-envelope+jws",
            )
        verified = self.trust.verify(token, at=datetime.fromtimestamp(now, UTC), header=header)
        iat = verified.header.get("iat")
        window = self.config.replay_window_seconds
        # NaN compares false with everything, so `abs(now - nan) > window` would let a message
        # through whatever its time; a bool is an int to Python but no time at all.
        if (not isinstance(iat, int | float) or isinstance(iat, bool) or not math.isfinite(iat)
                or abs(now - iat) > window):
            raise ConflictError(
                "the message was signed outside the replay window",
                expected=f"iat within {window} s of the receiver's clock "
                f"({int(now)})",
                got=f"iat={iat!r}",
                fix="re-sign the envelope when sending (every retry) and keep clocks in sync "
                "(NTP)",
                details={"reason": "replay"},
            )
        envelope = parse_envelope(verified.payload)
        if envelope.sender != verified.partner:
            raise PermissionDeniedError(
                "the envelope's sender is not the signer",
                expected=f"sender {verified.partner} (owner of key {verified.kid})",
                got=envelope.sender,
                fix="a node sends only in its own name",
            )
        if envelope.receiver != self.config.country:
            raise PermissionDeniedError(
                "the message is addressed to another administration",
                expected=f"receiver {self.config.country}",
                got=envelope.receiver,
                fix=f"send it to the gateway of {envelope.receiver}",
            )
        size = len(envelope.payload.encode("utf-8"))
        if size > self.config.max_payload_bytes:
            raise PayloadTooLargeError(
                "the payload is too large",
                expected=f"at most {self.config.max_payload_bytes} bytes",
                got=f"{size} bytes",
                fix="split the document or agree a larger max_payload_bytes with the partner",
            )
        doc = document_type(envelope.document_type, envelope.document_version)
        if doc.format != envelope.payload_format:
            raise ValidationError(
                f"{doc.name} travels as {doc.format}",
                expected=f"payload_format {doc.format}",
                got=envelope.payload_format,
            )
        doc.validate(envelope.payload, DocumentContext(envelope.sender, envelope.receiver))
        return envelope, verified.payload.decode("utf-8")

    def _receipt(
        self, envelope: Envelope, status: Literal["accepted", "duplicate"], received_at: float
    ) -> ResultItem:
        receipt = {  # a Receipt (haiquan.exchange.envelope), written as data
            "type": "receipt",
            "message_id": envelope.message_id,
            "sender": envelope.sender,
            "receiver": envelope.receiver,
            "payload_digest": envelope.payload_digest,
            "received_at": format_time(received_at),
            "status": status,
        }
        return ResultItem(envelope.message_id, status, receipt)

    def _log_refusal(
        self, error: HaiquanError, token: Any, message_id: str | None, sender: str | None
    ) -> None:
        """A WARNING per refused envelope: the receiving customs keeps a trace of possibly
        forged messages. The sender and id are what the envelope claims (unverified). At most
        ``refusal_log_per_minute`` a minute; the rest are counted."""
        kid = _peek_kid(token) if token is not None else None
        self.refusals.warning(
            "refused message %s claiming sender %s%s: %s [%s]",
            one_line(message_id or "(no readable id)"), one_line(sender or "(none readable)"),
            f" signed with key {one_line(kid)}" if kid else "", one_line(str(error)), error.code,
            extra=log_fields("message_refused", message_id=message_id, partner=sender,
                             code=error.code),
        )

    def _refusal(
        self, error: HaiquanError, message_id: str | None, sender: str | None
    ) -> ResultItem:
        signed = SignedError.of(
            error, receiver=self.config.country, message_id=message_id, sender=sender
        )
        return ResultItem(message_id, "refused", signed.model_dump(mode="json"))


def _peek_kid(token: Any) -> str | None:
    """The key id an unverified token names, to log a refusal (best effort)."""
    try:
        kid = read_jws_header(token).get("kid")
    except Exception:  # noqa: BLE001 - any garbage just means "unknown"
        return None
    return kid[:100] if isinstance(kid, str) else None


def _peek(token: Any) -> tuple[str | None, str | None]:
    """The message id and sender an unverified token claims, to label the error (best effort)."""
    try:
        part = token.split(".")[1]
        data = json.loads(base64url.decode(part))
        mid, sender = data.get("message_id"), data.get("sender")
        return (
            mid if isinstance(mid, str) and len(mid) <= 100 else None,
            sender if isinstance(sender, str) and len(sender) == 3 else None,
        )
    except Exception:  # noqa: BLE001 - any garbage just means "unknown"
        return None, None
