"""``GatewayNode``: one administration's gateway — config, keys, trust store, store, and verbs.

This is the library API other subpackages (the AEO registry, the back office) call::

    node = GatewayNode.from_home("/srv/haiquan/gateway")
    mid = node.send("atiga-form-d", form_d, receiver="THA")
    node.dispatch_once()                       # or run `haiquan gateway serve`
    for message in node.inbox(after=cursor):   # received, not yet acknowledged
        ...
    node.acknowledge([m.message_id for m in batch])

A node home holds ``node.yaml`` (:class:`~haiquan.exchange.config.NodeConfig`), ``trust.yaml``
(:class:`~haiquan.exchange.trust.TrustStore`), ``keys/keyring.json`` and, by default, the SQLite
store ``gateway.db``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from joserfc.errors import JoseError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from haiquan.errors import (
    ConfigurationError,
    ConflictError,
    InputError,
    PayloadTooLargeError,
    ValidationError,
)
from haiquan.exchange.circuit import PartnerCircuit, PartnerOutage
from haiquan.exchange.client import GatewayClient
from haiquan.exchange.config import NodeConfig
from haiquan.exchange.database import check_sqlite_folder, parse_database_url
from haiquan.exchange.dispatcher import DispatchReport, dispatch_once, probe_partner
from haiquan.exchange.documents import DocumentContext, document_type
from haiquan.exchange.envelope import Envelope
from haiquan.exchange.home import (
    database_choice,
    database_url,
    default_gateway_home,
    init_paths,
    is_node_folder,
    remove_path,
)
from haiquan.exchange.keys import KeyAlgorithm, NodeKey, NodeKeyring, import_public_jwk
from haiquan.exchange.monitoring import (
    InboxMessage,
    MessageDetail,
    MessageSummary,
    MessageView,
    get_message,
    list_messages,
    message_summary,
    pull_inbox,
)
from haiquan.exchange.receiver import Receiver
from haiquan.exchange.store import GatewayStore
from haiquan.exchange.tables import outbox
from haiquan.exchange.trust import PartnerConfig, TrustedKey, TrustStore, plain_http_problem

# default_gateway_home is re-exported: the gateway CLI and API import it from here.
__all__ = ["GatewayNode", "default_gateway_home"]


class GatewayNode:
    """A gateway node opened from its home folder. Use :meth:`init` or :meth:`from_home`."""

    def __init__(
        self, home: Path, config: NodeConfig, *, trust_required: bool = True,
        at_init: bool = False,
    ) -> None:
        self.home = home
        self.config = config
        self.keyring = NodeKeyring.load(home / "keys" / "keyring.json", config.country)
        try:
            self.trust = TrustStore.load(home / "trust.yaml")
        except ConfigurationError as problem:
            if trust_required:
                raise
            self.trust = TrustStore.unusable(home / "trust.yaml", problem)
        # ``at_init``: a database error names --database-url, not the node.yaml init removes.
        url, source = database_choice(home, config, at_init=at_init)
        # Only the default gateway.db in the node home may have its folder made for it.
        self.store = GatewayStore(url, create_folder=source is None,
                                  source=source or "the node folder (--home)")
        self.receiver = Receiver(config, self.keyring, self.trust, self.store)
        self.client = GatewayClient(timeout=config.request_timeout_seconds)
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.wakeup = threading.Event()
        self.log = logging.getLogger(f"haiquan.exchange.{config.country}")
        #: this worker's circuit breaker: the partners its dispatcher found unreachable; those
        #: the store records down are taken up on the first dispatcher pass.
        self.circuit = PartnerCircuit(
            store=self.store, trust=self.trust, config=config, worker_id=self.worker_id,
            log=self.log, probe=lambda country: probe_partner(self, country),
        )

    @property
    def partners_down(self) -> dict[str, PartnerOutage]:
        """The partners this worker's circuit holds messages for (open or half-open)."""
        return self.circuit.outages

    @property
    def partner_states_trust(self) -> int | None:
        """The ``trust.generation`` the circuit last read the recorded states against."""
        return self.circuit.trust_generation

    @partner_states_trust.setter
    def partner_states_trust(self, generation: int | None) -> None:
        self.circuit.trust_generation = generation

    # --- opening -----------------------------------------------------------------------------
    @classmethod
    def init(
        cls,
        home: Path | str | None = None,
        *,
        country: str,
        endpoint: str,
        name: str = "",
        database_url: str | None = None,
        algorithm: KeyAlgorithm = "Ed25519",
        **options: Any,
    ) -> GatewayNode:
        """Create a node home: ``node.yaml`` and a first signing key. Refuses to overwrite."""
        from haiquan.reference.countries import country as lookup_country
        from haiquan.settings import get_settings

        home = Path(home) if home is not None else default_gateway_home()
        if (home / "node.yaml").exists():
            raise ConflictError(
                f"a gateway node already exists in {home}",
                expected="an empty or new folder",
                got=f"{home / 'node.yaml'}",
                fix=f"use the node that is there (e.g. `haiquan gateway status --home {home}`; "
                "GatewayNode.from_home in Python), or give another folder with --home",
            )
        settings = get_settings()
        code = lookup_country(country).alpha_3
        options.setdefault("max_payload_bytes", settings.gateway_max_payload_bytes)
        options.setdefault("replay_window_seconds", settings.gateway_replay_window_seconds)
        config = NodeConfig(
            country=code, endpoint=endpoint, name=name, database_url=database_url, **options
        )
        # Everything that can be checked is checked before a file is written; what fails
        # later (the database refusing the connection) removes what was written, so the folder
        # can be used again.
        url, source = database_choice(home, config, at_init=True)
        parse_database_url(url)
        if source is not None and not is_node_folder(url, home):
            # A SQLite path of one's own must be in an existing folder (or in the node folder,
            # which init creates): a typo must not start an empty store somewhere else.
            check_sqlite_folder(url, source)
        created = [p for p in init_paths(home) if not p.exists()]
        try:
            config.save(home / "node.yaml")
            NodeKeyring.create(home / "keys" / "keyring.json", code, alg=algorithm)
            return cls(home, config, at_init=True)
        except BaseException:
            for path in reversed(created):
                remove_path(path)
            raise

    @classmethod
    def from_home(
        cls, home: Path | str | None = None, *, trust_required: bool = True
    ) -> GatewayNode:
        """Open the node whose files are in ``home`` (default: the gateway home setting).

        ``trust_required=False`` is for reading the message store only (status, messages,
        inbox): a broken ``trust.yaml`` is then kept in ``node.trust.problem`` instead of
        refused, and everything that needs trust (sending, receiving, dispatching, partners)
        still raises it.
        """
        home = Path(home) if home is not None else default_gateway_home()
        return cls(home, NodeConfig.load(home / "node.yaml"), trust_required=trust_required)

    @property
    def database_url(self) -> str:
        """node.yaml's ``database_url``, else the setting, else SQLite in the home."""
        return database_url(self.home, self.config)

    @property
    def country(self) -> str:
        return self.config.country

    def close(self) -> None:
        self.client.close()
        self.store.close()

    def __enter__(self) -> GatewayNode:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- keys and partners ---------------------------------------------------------------------
    def home_country_mismatch(self) -> ConfigurationError | None:
        """Why this node disagrees with the ``home_country`` setting, or None.

        A node speaks for one administration; the rest of haiquan (the AEO arrangements
        applied to partner lists, risk, priorities) reads ``HAIQUAN_HOME_COUNTRY``. A THA node
        with the setting left at VNM would apply partner AEO lists as if it were Vietnam.
        """
        from haiquan.settings import get_settings

        settings = get_settings()
        if settings.home_country == self.country:
            return None
        default = "" if "home_country" in settings.model_fields_set else ", the default"
        return ConfigurationError(
            f"this gateway node speaks for {self.country} but HAIQUAN_HOME_COUNTRY is "
            f"{settings.home_country}",
            expected=f"HAIQUAN_HOME_COUNTRY={self.country}, the administration of the node in "
            f"{self.home}",
            got=f"HAIQUAN_HOME_COUNTRY={settings.home_country}{default}",
            fix=f"set HAIQUAN_HOME_COUNTRY={self.country} for every haiquan process of this "
            f"administration (docs/settings.md), or, if {settings.home_country} is right, use "
            "that administration's node (--home / --gateway-home)",
        )

    def jwks(self) -> dict[str, Any]:
        """This node's public JWKS (what partners put in their trust store)."""
        return self.keyring.jwks()

    def rotate_key(self, algorithm: KeyAlgorithm | None = None, *,
                   revoke: bool = False) -> NodeKey:
        """Start signing with a new key; the old one stays published until it expires, or is
        withdrawn at once with ``revoke`` (it may have leaked)."""
        return self.keyring.rotate(alg=algorithm, revoke=revoke)

    def add_partner(
        self, country: str, endpoint: str, *, jwks: dict[str, Any] | None = None, name: str = "",
        plain_http: bool = False,
    ) -> PartnerConfig:
        """Trust a partner node: its endpoint and its public keys (fetched when not given).

        Args:
            plain_http: the operator states that a plain ``http://`` endpoint on another
                machine is on a closed network encrypted otherwise (VPN, leased line); without
                it such an endpoint is refused, before anything is fetched from it.

        Raises:
            InputError: a plain-HTTP endpoint on another machine without ``plain_http``.
        """
        from haiquan.reference.countries import country as lookup_country

        code = lookup_country(country).alpha_3
        endpoint = endpoint.rstrip("/")
        problem = plain_http_problem(endpoint, plain_http)
        if problem:
            raise InputError(
                f"the endpoint of {code} is not encrypted", expected="an https:// endpoint",
                got=endpoint, fix=problem.split("; ", 1)[1],
            )
        if jwks is None:
            jwks = self.client.fetch_jwks(endpoint)
        partner = PartnerConfig(name=name, endpoint=endpoint, keys=_trusted_keys(jwks, code),
                                plain_http=plain_http)
        self.trust.set_partner(code, partner)
        return partner

    def refresh_partner(self, country: str) -> PartnerConfig:
        """Re-read a partner's JWKS from its endpoint (after it rotated its key)."""
        current = self.trust.partner(country)
        if current.protocol == "as4":  # no JWKS: its certificate is replaced instead
            raise InputError(
                f"{country} is an AS4 partner: it publishes no JWKS to re-read",
                expected="a haiquan-c2c/1 partner",
                got=f"protocol as4 at {current.endpoint}",
                fix=f"install its new certificate: haiquan gateway partner add-as4 {country} "
                "--endpoint URL --certificate FILE",
            )
        return self.add_partner(country, current.endpoint, name=current.name,
                                plain_http=current.plain_http)

    # --- sending -------------------------------------------------------------------------------
    def send(
        self,
        document_type_name: str,
        document: Any,
        *,
        receiver: str,
        conversation_id: str | None = None,
        message_id: str | None = None,
        document_version: str | None = None,
    ) -> str:
        """Validate a document and put it in the outbox for ``receiver``; return its message id.

        Sending again with the same ``message_id`` and the same document returns that id and
        changes nothing (a back office may retry safely); the same id with another document is
        refused.
        """
        envelope, row = self._prepare(
            document_type_name, document, receiver, conversation_id, message_id, document_version
        )
        try:
            self.store.enqueue([row])
        except IntegrityError as error:
            return self._same_message(envelope, error)
        self.wakeup.set()
        return envelope.message_id

    def send_many(
        self, document_type_name: str, documents: list[Any], *, receiver: str
    ) -> list[str]:
        """Validate and queue several documents of one type in one transaction (a back office
        sending in bulk); all are queued or, if one is invalid, none. Returns the message ids."""
        prepared = [
            self._prepare(document_type_name, document, receiver, None, None, None)
            for document in documents
        ]
        self.store.enqueue([row for _, row in prepared])
        self.wakeup.set()
        return [envelope.message_id for envelope, _ in prepared]

    def _prepare(
        self,
        document_type_name: str,
        document: Any,
        receiver: str,
        conversation_id: str | None,
        message_id: str | None,
        document_version: str | None,
    ) -> tuple[Envelope, dict[str, Any]]:
        doc = document_type(document_type_name, document_version)
        self.trust.partner(receiver)
        payload = doc.serialise(document)
        size = len(payload.encode("utf-8"))
        if size > self.config.max_payload_bytes:
            raise PayloadTooLargeError(
                f"the {doc.name} document is too large to send",
                expected=f"at most {self.config.max_payload_bytes} bytes",
                got=f"{size} bytes",
                fix="split the document or raise max_payload_bytes with the partner's agreement",
            )
        doc.validate(payload, DocumentContext(self.country, receiver))
        envelope = Envelope.build(
            sender=self.country,
            receiver=receiver,
            document_type=doc.name,
            document_version=doc.version,
            payload_format=doc.format,
            payload=payload,
            message_id=message_id,
            conversation_id=conversation_id,
        )
        row = {
            "message_id": envelope.message_id,
            "conversation_id": envelope.conversation_id,
            "receiver": receiver,
            "document_type": doc.name,
            "document_version": doc.version,
            "created_at": envelope.created_at.timestamp(),
            "envelope": envelope.to_json(),
        }
        return envelope, row

    def _same_message(self, envelope: Envelope, error: Exception) -> str:
        with self.store.read() as conn:
            held = conn.execute(
                select(outbox.c.envelope).where(outbox.c.message_id == envelope.message_id)
            ).scalar()
        if held is not None:
            previous = Envelope.model_validate_json(held)
            if (previous.payload_digest, previous.receiver, previous.document_type) == (
                envelope.payload_digest, envelope.receiver, envelope.document_type
            ):
                return previous.message_id
        raise ConflictError(
            f"message id {envelope.message_id} is already used for another document",
            expected="a new message id, or the very same document to retry",
            got="a different document under the same id",
            fix="leave message_id out to get a fresh one",
        ) from error

    def dispatch_once(self, *, limit: int | None = None) -> DispatchReport:
        """Deliver what is due now, once (tests and cron-style operation)."""
        return dispatch_once(self, limit=limit)

    def dispatch_until_idle(self, *, max_passes: int = 100) -> DispatchReport:
        """Dispatch until nothing due is left (or ``max_passes``); retries wait for their time."""
        total = DispatchReport()
        for _ in range(max_passes):
            report = self.dispatch_once()
            total.add(report)
            if report.claimed == 0:
                break
        return total

    def requeue(self, message_ids: list[str]) -> int:
        """Put failed messages back in the queue (after the partner fixed its side).

        Raises:
            NotFoundError: an id is not in the outbox (nothing is requeued).
            ConflictError: an id names a message that has not failed (nothing is requeued).
        """
        count = self.store.requeue(message_ids)
        self.wakeup.set()
        return count

    # --- receiving and monitoring ------------------------------------------------------------
    def receive_body(self, body: bytes) -> dict[str, Any]:
        """Handle an incoming HTTP body: ``{"results": [...], "receipt": jws}``; see
        :class:`~haiquan.exchange.receiver.Receiver`."""
        return self.receiver.receive_body(body).to_dict()

    def inbox(
        self, *, after: int = 0, limit: int = 100, include_acknowledged: bool = False
    ) -> list[InboxMessage]:
        """Received messages after cursor ``after`` (their ``seq``), oldest first."""
        return pull_inbox(
            self.store, after=after, limit=limit, include_acknowledged=include_acknowledged
        )

    def waiting(self, *, page: int = 1000) -> Iterator[InboxMessage]:
        """Every message not yet acknowledged, oldest first, read page by page by its ``seq``
        cursor: a reader looking for one kind of document (partner alerts, AEO lists) must not
        have it hidden behind a backlog of others the back office has not taken yet."""
        after = 0
        while True:
            batch = self.inbox(after=after, limit=page)
            yield from batch
            if len(batch) < page:
                return
            after = batch[-1].seq

    def acknowledge(self, message_ids: list[str]) -> int:
        """The back office has taken these messages; returns how many were newly acknowledged.

        Raises:
            NotFoundError: an id is not in the inbox (nothing is acknowledged).
        """
        return self.store.acknowledge(message_ids)

    def summary(self) -> MessageSummary:
        """Message counts and partner reachability; a partner down and unchecked for twice the
        longest wait between probes (and at least a minute, so a busy worker is not suspected)
        is marked stale: no worker seems to be running."""
        return message_summary(self.store, stale_after_seconds=self.stale_after_seconds)

    @property
    def stale_after_seconds(self) -> float:
        """How long a down partner may go unchecked before its state is called stale."""
        return max(60.0, 2 * self.config.retry_max_seconds)

    def messages(self, **filters: Any) -> list[MessageView]:
        return list_messages(self.store, **filters)

    def message(self, message_id: str) -> MessageDetail:
        return get_message(self.store, message_id)


def _trusted_keys(jwks: dict[str, Any], country: str) -> list[TrustedKey]:
    """The keys of a partner's JWKS, each checked: a bad JWKS is the partner's input (422)."""
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not keys:
        raise ValidationError(
            f"the JWKS of {country} has no keys",
            expected='{"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": ..., "exp": ...}]}',
            got=str(jwks)[:80],
            fix="ask the partner for its gateway JWKS (GET /.well-known/jwks.json, or "
            "`haiquan gateway jwks` on its node)",
        )
    trusted = []
    for jwk in keys:
        kid, exp = (jwk.get("kid"), jwk.get("exp")) if isinstance(jwk, dict) else (None, None)
        if not isinstance(kid, str) or not isinstance(exp, int):
            raise ValidationError(
                f"a key in the JWKS of {country} lacks kid or exp",
                expected="every key with a kid and exp (Unix seconds when it stops verifying)",
                got=f"kid={kid!r} exp={exp!r}" if isinstance(jwk, dict) else repr(jwk)[:80],
                fix="publish keys with exp, or edit trust.yaml with the agreed expiry",
            )
        public = {k: v for k, v in jwk.items() if k not in {"d", "exp"}}
        try:
            import_public_jwk(public)
        except (ConfigurationError, JoseError, ValueError, TypeError, KeyError) as error:
            raise ValidationError(
                f"key {kid} in the JWKS of {country} cannot be used",
                expected="an Ed25519 (kty OKP) or P-256 (kty EC) public JWK",
                got=f"{type(error).__name__}: {error}"[:200],
                fix="ask the partner for the JWKS its gateway publishes",
            ) from error
        trusted.append(
            TrustedKey(kid=kid, expires_at=datetime.fromtimestamp(exp, UTC), jwk=public)
        )
    return trusted
