"""Per-partner AS4 agreements (P-Modes), written in ``trust.yaml`` beside the partner.

A partner reached over AS4 (``protocol: as4``) has an ``as4`` block: who it is on the AS4
network (its ``eb:PartyId`` and type), how its signatures are trusted (a pinned certificate or
the CA certificates that issue its certificates, with an optional CRL), and the agreement for
each document type — the ``eb:Service``/``eb:Action`` values, the payload's MIME type and
schema, security and reliability. Every value is checked when ``trust.yaml`` is read, so a node
never starts with an agreement it cannot honour::

    partners:
      THA:
        protocol: as4
        endpoint: https://ap.customs.go.th/as4
        keys: []
        as4:
          party_id: THA
          party_type: urn:oasis:names:tc:ebcore:partyid-type:unregistered:haiquan-country
          certificate: "-----BEGIN CERTIFICATE-----..."   # encrypt to, receipts; pinned
          ca_certificates: []      # or the CAs whose certificates may sign its messages
          security: {encrypt: true}
          reliability: {duplicate_window_days: null}
          documents:
            atiga-form-d: {action: "urn:haiquan:c2c:action:atiga-form-d:1"}

Document types not listed get the defaults of :func:`default_leg`; the P-Mode shown by
``haiquan gateway partner show`` is the complete one.
"""

from __future__ import annotations

from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from haiquan.exchange.documents import DOCUMENT_TYPES

__all__ = [
    "AS4_PROFILE",
    "DEFAULT_PARTY_TYPE",
    "DEFAULT_SERVICE",
    "DEFAULT_SERVICE_TYPE",
    "As4Agreement",
    "DocumentLeg",
    "Reliability",
    "Security",
    "default_leg",
    "load_certificate",
]

AS4_PROFILE = "eDelivery AS4 1.15 common profile, One-Way/Push"
#: ebCore Party Id Type for a party named by its ISO 3166-1 alpha-3 code (no ISO 6523 scheme
#: covers customs administrations, so the ebCore ``unregistered`` branch is used).
DEFAULT_PARTY_TYPE = "urn:oasis:names:tc:ebcore:partyid-type:unregistered:haiquan-country"
DEFAULT_SERVICE = "urn:haiquan:c2c:service"
DEFAULT_SERVICE_TYPE = "urn:haiquan:c2c:service-type"
_MIME = {"json": "application/json", "xml": "application/xml"}
_XML_SCHEMAS = {"wco-declaration": "WCO_DEC_2_DMS.xsd (WCO Data Model 3.6, HMRC CDS)"}


def load_certificate(pem: str, what: str) -> x509.Certificate:
    """A PEM certificate from the trust store or a file, or ValueError saying which one."""
    try:
        return x509.load_pem_x509_certificate(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as error:
        raise ValueError(f"{what} is not a PEM X.509 certificate ({error})") from None


class DocumentLeg(BaseModel):
    """How one document type travels to and from this partner (a P-Mode leg)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    service: str = Field(default=DEFAULT_SERVICE, min_length=1)
    service_type: str | None = DEFAULT_SERVICE_TYPE
    action: str = Field(min_length=1)
    mime_type: str
    schema_ref: str = Field(min_length=1)


def default_leg(name: str) -> DocumentLeg:
    """The leg haiquan nodes agree on when the partner's block says nothing of ``name``."""
    doc = DOCUMENT_TYPES[name]
    schema = getattr(doc, "schema_file", None)
    return DocumentLeg(
        version=doc.version,
        action=f"urn:haiquan:c2c:action:{name}:{doc.version}",
        mime_type=_MIME[doc.format],
        schema_ref=f"haiquan/exchange/schemas/{schema}" if schema else _XML_SCHEMAS[name],
    )


class Security(BaseModel):
    """PMode[1].Security: what the eDelivery profile fixes is stated, not chosen."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sign: Literal[True] = True
    signature_algorithm: Literal["http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"] = (
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")
    canonicalisation: Literal["http://www.w3.org/2001/10/xml-exc-c14n#"] = (
        "http://www.w3.org/2001/10/xml-exc-c14n#")
    #: whether payloads must be encrypted; the profile says yes, a partner behind a closed
    #: network may agree otherwise for its own messages (this node always encrypts).
    encrypt: bool = True
    encryption_algorithm: Literal["http://www.w3.org/2009/xmlenc11#aes128-gcm"] = (
        "http://www.w3.org/2009/xmlenc11#aes128-gcm")
    key_transport: Literal["http://www.w3.org/2009/xmlenc11#rsa-oaep"] = (
        "http://www.w3.org/2009/xmlenc11#rsa-oaep")
    compression: Literal["application/gzip"] = "application/gzip"
    receipt: Literal["signed non-repudiation"] = "signed non-repudiation"


class Reliability(BaseModel):
    """PMode[1].ReceptionAwareness: retries follow the node's ``retry_base_seconds`` and
    ``retry_max_seconds``; duplicates are eliminated on ``eb:MessageId`` for ever (``None``)
    or for the days given."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reception_awareness: Literal[True] = True
    retry: Literal["exponential backoff until a receipt"] = "exponential backoff until a receipt"
    duplicate_detection: Literal[True] = True
    duplicate_window_days: int | None = Field(default=None, gt=0)


class As4Agreement(BaseModel):
    """The AS4 block of one partner in ``trust.yaml``."""

    model_config = ConfigDict(extra="forbid")

    party_id: str = Field(min_length=1, max_length=255)
    party_type: str = Field(default=DEFAULT_PARTY_TYPE, min_length=1)
    agreement_ref: str | None = None
    #: the partner's current certificate: payloads are encrypted to it and its receipts are
    #: verified with it; without ``ca_certificates`` it is also the only one its messages may
    #: be signed with (pinned).
    certificate: str = Field(min_length=1)
    #: CAs that issue the partner's certificates: a message signed by any certificate they
    #: issued (valid, not revoked) is accepted, so the partner may renew without a change here.
    ca_certificates: list[str] = Field(default_factory=list)
    #: a CRL file (PEM or DER) of the partner's CA, re-read when it changes.
    crl_file: str | None = None
    security: Security = Field(default_factory=Security)
    reliability: Reliability = Field(default_factory=Reliability)
    documents: dict[str, DocumentLeg] = Field(default_factory=dict)

    @field_validator("documents", mode="before")
    @classmethod
    def _fill(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        filled: dict[str, object] = {}
        for name, leg in value.items():
            if name not in DOCUMENT_TYPES:
                raise ValueError(f"document type {name!r} is not one of "
                                 + ", ".join(sorted(DOCUMENT_TYPES)))
            base = default_leg(name).model_dump()
            if isinstance(leg, dict):
                base.update(leg)
            elif isinstance(leg, DocumentLeg):
                base = leg.model_dump()
            filled[name] = base
        return filled

    @model_validator(mode="after")
    def _consistent(self) -> As4Agreement:
        pems = [("certificate", self.certificate)] + [
            (f"ca_certificates[{i}]", pem) for i, pem in enumerate(self.ca_certificates)]
        for what, pem in pems:
            cert = load_certificate(pem, what)
            if not isinstance(cert.public_key(), rsa.RSAPublicKey):
                raise ValueError(f"{what} holds a {type(cert.public_key()).__name__}: the "
                                 "eDelivery AS4 1.15 profile signs and encrypts with RSA")
        for name in DOCUMENT_TYPES:
            if name not in self.documents:
                self.documents[name] = default_leg(name)
        seen: dict[tuple[str, str], str] = {}
        for name, leg in self.documents.items():
            doc = DOCUMENT_TYPES[name]
            if leg.version != doc.version:
                raise ValueError(f"{name}: version {leg.version} is not the version this node "
                                 f"implements ({doc.version})")
            if leg.mime_type != _MIME[doc.format]:
                raise ValueError(f"{name}: MIME type {leg.mime_type} does not carry a "
                                 f"{doc.format} document; use {_MIME[doc.format]}")
            key = (leg.service, leg.action)
            if key in seen:
                raise ValueError(f"{name} and {seen[key]} share service {leg.service} and "
                                 f"action {leg.action}; a receiver could not tell them apart")
            seen[key] = name
        return self

    def leg(self, document_type: str) -> DocumentLeg:
        return self.documents[document_type]

    def document_for(self, service: str, action: str) -> str | None:
        """The document type a received (Service, Action) pair stands for, if any."""
        for name, leg in self.documents.items():
            if leg.service == service and leg.action == action:
                return name
        return None
