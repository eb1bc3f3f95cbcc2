"""The AS4 binding inside a node: the dispatcher delivers a partner's messages over AS4 when
its ``trust.yaml`` entry says ``protocol: as4``, and ``POST /exchange/as4`` receives them.

Both sides reuse the node's outbox, inbox and duplicate store unchanged, so the CLI, the API
and the dashboard see AS4 messages as they see the others:

* **sending** — each claimed message is rebuilt from its stored envelope (same
  ``eb:MessageId`` on every attempt, fresh signature and session key), posted, and judged by
  the signed answer: a receipt acknowledging the digests sent makes it ``delivered`` (the
  receipt's XML is its proof); an ebMS error makes it ``failed`` or keeps it ``pending`` as
  :func:`~haiquan.exchange.as4.ebms.delivery_outcome` says; no answer, or one that does not
  verify, is retried with the node's backoff (reception awareness) and an unreachable partner
  opens the same circuit as in the JWS binding.
* **receiving** — the message is checked completely before anything is stored: sender known
  by its ``eb:From`` party, signature by its pinned or CA-issued certificate, this node as
  ``eb:To``, encryption where the agreement requires it, a known Service/Action, a valid
  document. A message already held (same sender and ``eb:MessageId``, same document) is
  answered with a receipt again and not delivered twice; any refusal is a signed ebMS error.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from as4.errors import ReceiptVerificationError, UntrustedSignerError
from cryptography import x509

from haiquan.errors import HaiquanError
from haiquan.exchange._util import digest_text
from haiquan.exchange.as4 import codec
from haiquan.exchange.as4.certificates import NodeCredentials, partner_signer_check
from haiquan.exchange.as4.ebms import EbmsProblem, delivery_outcome
from haiquan.exchange.as4.message_ids import (
    ebms_message_id,
    haiquan_message_id,
    is_haiquan_id,
)
from haiquan.exchange.as4.party import node_party
from haiquan.exchange.as4.pmode import DEFAULT_PARTY_TYPE, As4Agreement, load_certificate
from haiquan.exchange.documents import DocumentContext, document_type
from haiquan.exchange.envelope import Envelope, parse_envelope
from haiquan.exchange.logs import log_fields
from haiquan.exchange.rows import InboxRow

if TYPE_CHECKING:
    from haiquan.exchange.dispatcher import DispatchReport
    from haiquan.exchange.node import GatewayNode
    from haiquan.exchange.rows import ClaimedMessage
    from haiquan.exchange.trust import PartnerConfig

__all__ = [
    "AS4_PATH",
    "As4Answer",
    "As4Gateway",
    "add_as4_partner",
    "as4_gateway",
    "ebms_message_id",
    "as4_request_limit",
    "haiquan_message_id",
]

AS4_PATH = "/exchange/as4"
_log = logging.getLogger(__name__)
#: Room for the SOAP header, base64 and MIME framing around the largest payload allowed.
_OVERHEAD = 65_536


def as4_request_limit(max_payload_bytes: int) -> int:
    """The largest AS4 request body a node reads for its ``max_payload_bytes`` (the gateway's
    HTTP app refuses a longer one, declared or not, before holding it)."""
    return max_payload_bytes * 2 + _OVERHEAD


@dataclass(frozen=True)
class As4Answer:
    """The HTTP answer to one AS4 request: a signed receipt or a signed ebMS error."""

    status: int
    headers: dict[str, str]
    body: bytes


def add_as4_partner(
    node: GatewayNode,
    country: str,
    endpoint: str,
    certificate_pem: str,
    *,
    party_id: str | None = None,
    party_type: str = DEFAULT_PARTY_TYPE,
    ca_pems: list[str] | None = None,
    name: str = "",
    plain_http: bool = False,
    agreement: dict[str, Any] | None = None,
) -> PartnerConfig:
    """Trust a partner reached over AS4 (its access point's URL and certificate); the P-Mode
    is validated before ``trust.yaml`` is written.

    Raises:
        pydantic.ValidationError: the agreement is not valid (nothing written).
    """
    from haiquan.exchange.trust import PartnerConfig

    block = dict(agreement or {})
    block.update(
        party_id=party_id or country,
        party_type=party_type,
        certificate=certificate_pem,
        ca_certificates=list(ca_pems or []),
    )
    partner = PartnerConfig(
        name=name,
        endpoint=endpoint,
        keys=[],
        plain_http=plain_http,
        protocol="as4",
        as4=As4Agreement.model_validate(block),
    )
    node.trust.set_partner(country, partner)
    return partner


class As4Gateway:
    """A node's AS4 side: its credentials, an HTTP client, and the per-partner checks."""

    def __init__(self, node: GatewayNode) -> None:
        self.node = node
        self._http = httpx.Client(
            timeout=node.config.request_timeout_seconds,
            limits=httpx.Limits(max_connections=32),
            trust_env=False,
        )
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="as4-send")
        self._lock = threading.Lock()
        self._credentials: tuple[tuple[float, ...], codec.AS4InternalParty] | None = None
        self._signers: dict[str, tuple[int, Any]] = {}

    def close(self) -> None:
        self._pool.shutdown(wait=False)
        self._http.close()

    # --- identity ---------------------------------------------------------------------------
    def me(self) -> codec.AS4InternalParty:
        """This node as an AS4 party (re-read when its certificate file changes)."""
        stamp = tuple(
            _mtime(self.node.home / "as4" / name) for name in ("certificate.pem", "party.yaml")
        )
        with self._lock:
            if self._credentials is None or self._credentials[0] != stamp:
                creds = NodeCredentials.load(self.node.home)
                status = creds.status()
                if status.state != "valid":
                    _log.warning(
                        "this node's AS4 certificate is %s (ends %s, %d days left): "
                        "renew it (haiquan gateway as4 create-key / install-"
                        "certificate)",
                        status.state,
                        f"{status.not_after:%Y-%m-%d}",
                        status.days_left,
                    )
                own = node_party(self.node.home, self.node.country)
                party = codec.local_party(
                    own.party_id, own.party_type, creds.key, creds.certificate
                )
                self._credentials = (stamp, party)
            return self._credentials[1]

    def _signer(self, country: str, agreement: As4Agreement) -> Any:
        """The partner's signer check, rebuilt when trust changed."""
        generation = self.node.trust.generation
        cached = self._signers.get(country)
        if cached is None or cached[0] != generation:
            cached = (generation, partner_signer_check(agreement))
            self._signers[country] = cached
        return cached[1]

    # --- sending ----------------------------------------------------------------------------
    def deliver(
        self, receiver: str, partner: PartnerConfig, messages: list[ClaimedMessage]
    ) -> DispatchReport:
        """Post each message to the partner's access point and record what it answered."""
        from haiquan.exchange.dispatcher import DispatchReport, backoff_delay, record_failed

        config, store, report = self.node.config, self.node.store, DispatchReport()
        agreement = partner.as4
        assert agreement is not None  # PartnerConfig refuses protocol as4 without it
        certificate = load_certificate(agreement.certificate, f"{receiver}'s certificate")
        me = self.me()
        them = codec.remote_party(agreement.party_id, agreement.party_type, certificate)
        unreachable: list[str] = []
        gone = threading.Event()  # the partner did not answer: send nothing more to it now
        codes: dict[str, str] = {}  # the partner's error code of each message it refused

        def attempt(message: ClaimedMessage) -> tuple[str, str, str]:
            """(outcome, reason or proof) for one message; never raises."""
            if gone.is_set():
                # Not sent: held until the partner's next probe by the dispatcher's circuit
                # (holding its messages releases this claim), as the JWS binding does.
                return "held", "", ""
            try:
                envelope = parse_envelope(message.envelope)
                out = codec.build_user_message(
                    envelope.payload.encode("utf-8"),
                    me=me,
                    partner=them,
                    leg=agreement.leg(envelope.document_type),
                    message_id=ebms_message_id(envelope.message_id, envelope.sender),
                    conversation_id=envelope.conversation_id,
                    original_sender=envelope.sender,
                    final_recipient=envelope.receiver,
                    party_type=DEFAULT_PARTY_TYPE,
                    agreement_ref=agreement.agreement_ref,
                    timestamp=envelope.created_at,
                    encrypt=True,
                )
            except (HaiquanError, KeyError, ValueError) as error:
                return "failed", f"cannot be sent over AS4: {error}", ""
            try:
                response = self._http.post(partner.endpoint, content=out.body, headers=out.headers)
            except httpx.HTTPError as error:
                gone.set()
                unreachable.append(f"{type(error).__name__}: {error}")
                return "unreachable", f"{receiver} cannot be reached: {error}", ""
            try:
                signal = codec.read_signal(
                    response.content,
                    partner_certificate=certificate,
                    message_id=out.message_id,
                    signed_references=out.signed_references,
                )
            except ReceiptVerificationError as error:
                if response.status_code >= 500 or response.status_code in (404, 405):
                    gone.set()
                    unreachable.append(f"answered HTTP {response.status_code}")
                    return "unreachable", f"{receiver} answered HTTP {response.status_code}", ""
                return "retry", f"the answer of {receiver} proves nothing: {error}", ""
            if signal.error_code is None:
                return "delivered", "", signal.proof
            reason = f"refused by {receiver}: {signal.error_code} {signal.error_detail}"
            codes[message.message_id] = signal.error_code
            return delivery_outcome(signal.error_code), reason, ""

        if len(messages) == 1:
            outcomes = [attempt(messages[0])]
        else:
            outcomes = list(self._pool.map(attempt, messages))
        now = time.time()
        retries: list[tuple[str, float, str]] = []
        failed: list[tuple[str, str, str | None]] = []
        for message, (outcome, reason, proof) in zip(messages, outcomes, strict=True):
            if outcome == "delivered":
                store.mark_delivered(self.node.worker_id, receiver, proof, [message.message_id])
                report.delivered += 1
            elif outcome == "failed":
                failed.append((message.message_id, reason, codes.get(message.message_id)))
            elif outcome == "held":
                report.retried += 1
            else:
                due = now + backoff_delay(
                    message.attempts, config.retry_base_seconds, config.retry_max_seconds
                )
                retries.append((message.message_id, due, reason))
                report.errors.append(reason)
        record_failed(self.node, receiver, failed)
        store.reschedule(retries)
        report.failed += len(failed)
        report.retried += len(retries)
        if unreachable:
            report.unreachable.add(receiver)
            report.unreachable_reasons[receiver] = unreachable[0]
        return report

    def probe(self, endpoint: str) -> str | None:
        """None when the partner's access point answers HTTP at all (any status below 500:
        an AS4 endpoint need not answer GET with 200), else why not."""
        try:
            status = self._http.get(endpoint, timeout=5.0).status_code
        except httpx.HTTPError as error:
            return f"{endpoint} cannot be reached: {type(error).__name__}: {error}"
        return None if status < 500 else f"{endpoint} answered HTTP {status}"

    # --- receiving --------------------------------------------------------------------------
    def receive(self, headers: dict[str, str], body: bytes) -> As4Answer:
        """Check, store and answer one AS4 request; never raises for a bad message."""
        node = self.node
        node.trust.reload_if_changed()
        me = self.me()
        limit = node.config.max_payload_bytes
        found: dict[str, Any] = {}
        try:
            if len(body) > as4_request_limit(limit):
                raise EbmsProblem(
                    "EBMS:0004",
                    f"the message is too large: {len(body)} bytes "
                    f"for a payload limit of {limit} bytes",
                )
            incoming = codec.read_user_message(
                headers,
                body,
                me=me,
                max_payload_bytes=limit,
                policy=lambda sender, to: self._policy(sender, to, found),
            )
            status = self._store(incoming, found["country"], found["agreement"])
        except EbmsProblem as problem:
            ref = _peek_message_id(body)
            claimed = found.get("country") or found.get("party")
            _log.warning(
                "refused AS4 message %s claiming party %s: %s",
                ref or "(no id)",
                claimed or "(unknown)",
                problem,
                extra=log_fields(
                    "as4_message_refused",
                    message_id=ref or None,
                    partner=claimed,
                    code=problem.code,
                ),
            )
            answer_headers, signal = codec.build_error_signal(problem, me, ref)
            return As4Answer(200, answer_headers, signal)
        answer_headers, receipt = codec.build_receipt(incoming, me)
        node.log.debug(
            "AS4 message %s from %s %s",
            incoming.message_id,
            found["country"],
            status,
            extra=log_fields(
                "as4_message_received", message_id=incoming.message_id, partner=found["country"]
            ),
        )
        return As4Answer(200, answer_headers, receipt)

    def _policy(
        self, sender: codec.Party, to: codec.Party, found: dict[str, Any]
    ) -> tuple[codec.Signer, bool]:
        found["party"] = sender[0]
        country = next(
            (
                code
                for code, partner in self.node.trust.partners.items()
                if partner.protocol == "as4"
                and partner.as4 is not None
                and (partner.as4.party_id, partner.as4.party_type) == sender
            ),
            None,
        )
        if country is None:
            raise EbmsProblem(
                "EBMS:0010",
                f"no agreement with party {sender[0]} of type "
                f"{sender[1]}: it is not a trusted AS4 partner of this node",
            )
        identity = self.me().identity
        if to != (identity.party_id, identity.party_type):
            raise EbmsProblem(
                "EBMS:0010",
                f"the message is for party {to[0]} ({to[1]}), not "
                f"for this node ({identity.party_id}, {identity.party_type})",
            )
        agreement = self.node.trust.partners[country].as4
        assert agreement is not None
        found.update(country=country, agreement=agreement)
        check = self._signer(country, agreement)

        def signer(embedded: x509.Certificate | None) -> x509.Certificate:
            try:
                return check(embedded, datetime.now(UTC))  # type: ignore[no-any-return]
            except UntrustedSignerError:
                raise
            except (ValueError, OSError) as error:
                raise UntrustedSignerError(f"the signer cannot be checked: {error}") from error

        return signer, agreement.security.encrypt

    def _store(self, incoming: codec.IncomingDocument, sender: str, agreement: As4Agreement) -> str:
        node = self.node
        name = agreement.document_for(incoming.service, incoming.action)
        if name is None:
            raise EbmsProblem(
                "EBMS:0010",
                f"service {incoming.service} with action "
                f"{incoming.action} is in no agreement with {sender}",
            )
        leg = agreement.leg(name)
        if incoming.mime_type not in (None, leg.mime_type):
            raise EbmsProblem(
                "EBMS:0003",
                f"{name} travels as {leg.mime_type}, the payload says {incoming.mime_type}",
            )
        try:
            text = incoming.payload.decode("utf-8")
        except UnicodeDecodeError:
            raise EbmsProblem("EBMS:0004", f"the {name} payload is not UTF-8 text") from None
        doc = document_type(name, leg.version)
        envelope_id = haiquan_message_id(incoming.message_id, sender)
        conversation = (
            incoming.conversation_id
            if is_haiquan_id(incoming.conversation_id)
            else haiquan_message_id(incoming.conversation_id, sender)
        )
        try:
            doc.validate(text, DocumentContext(sender, node.country))
            envelope = Envelope(
                message_id=envelope_id,
                conversation_id=conversation,
                sender=sender,
                receiver=node.country,
                document_type=name,
                document_version=leg.version,
                created_at=incoming.timestamp,
                payload_format=doc.format,
                payload=text,
                payload_digest=digest_text(text),
            )
        except HaiquanError as error:
            raise EbmsProblem("EBMS:0004", f"the {name} document is refused: {error}") from None
        except ValueError as error:
            raise EbmsProblem(
                "EBMS:0003", f"the message cannot be read as a {name}: {error}"
            ) from None
        row = InboxRow(
            sender=sender,
            message_id=envelope.message_id,
            conversation_id=envelope.conversation_id,
            document_type=name,
            document_version=leg.version,
            created_at=incoming.timestamp.timestamp(),
            payload_digest=envelope.payload_digest,
            envelope=envelope.to_json(),
            jws=incoming.soap_xml.decode("utf-8", "replace"),
        )
        accepted, duplicates = node.store.store_received([row])
        key = (sender, envelope.message_id)
        if key in accepted:
            return "accepted"
        digest, _ = duplicates[key]
        if digest != envelope.payload_digest:
            raise EbmsProblem(
                "EBMS:0004",
                f"message id {incoming.message_id} was already used "
                "for another document; a new document needs a new id",
            )
        return "duplicate"  # answered with a receipt again, not delivered twice


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return -1.0


def _peek_message_id(body: bytes) -> str:
    """The ``eb:MessageId`` a refused message claims (to correlate the error), if readable."""
    found = re.search(rb"<(?:\w+:)?MessageId>([^<]{1,200})</", body)
    return found.group(1).decode("utf-8", "replace").strip() if found else ""


_GATEWAYS: weakref.WeakKeyDictionary[Any, As4Gateway] = weakref.WeakKeyDictionary()
_GATEWAYS_LOCK = threading.Lock()


def as4_gateway(node: GatewayNode) -> As4Gateway:
    """The node's AS4 side, made on first use (a node without AS4 partners never makes it)."""
    with _GATEWAYS_LOCK:
        gateway = _GATEWAYS.get(node)
        if gateway is None:
            gateway = _GATEWAYS[node] = As4Gateway(node)
        return gateway
