"""What an operator is shown of the AS4 side: a partner's complete agreement and the state of
every certificate (this node's and its AS4 partners'), near expiry flagged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from haiquan.exchange.as4.certificates import (
    CertificateStatus,
    NodeCredentials,
    certificate_status,
)
from haiquan.exchange.as4.pmode import (
    AS4_PROFILE,
    DocumentLeg,
    Reliability,
    Security,
    load_certificate,
)

if TYPE_CHECKING:
    from haiquan.exchange.node import GatewayNode

__all__ = ["CertificateReport", "PartnerAgreement", "certificate_report", "partner_agreement"]


@dataclass(frozen=True)
class PartnerAgreement:
    """One partner as ``haiquan gateway partner show`` prints it."""

    country: str
    name: str
    protocol: str
    endpoint: str
    #: the JWS keys (haiquan-c2c/1): ``(kid, expires_at)``.
    keys: list[tuple[str, str]]
    profile: str | None = None
    party_id: str | None = None
    party_type: str | None = None
    agreement_ref: str | None = None
    trust: str | None = None
    certificate: CertificateStatus | None = None
    ca_certificates: list[CertificateStatus] | None = None
    crl_file: str | None = None
    security: Security | None = None
    reliability: Reliability | None = None
    documents: dict[str, DocumentLeg] | None = None


def partner_agreement(node: GatewayNode, country: str) -> PartnerAgreement:
    """The partner's entry in ``trust.yaml`` with its P-Modes filled in (as validated).

    Raises:
        PermissionDeniedError: ``country`` is not a trusted partner.
    """
    partner = node.trust.partner(country)
    keys = [(k.kid, f"{k.expires_at:%Y-%m-%d}") for k in partner.keys]
    base = PartnerAgreement(country, partner.name, partner.protocol, partner.endpoint, keys)
    agreement = partner.as4
    if agreement is None:
        return base
    cert = certificate_status(load_certificate(agreement.certificate, "certificate"))
    cas = [certificate_status(load_certificate(p, "CA certificate"))
           for p in agreement.ca_certificates]
    return PartnerAgreement(
        **{**base.__dict__, "profile": AS4_PROFILE, "party_id": agreement.party_id,
           "party_type": agreement.party_type, "agreement_ref": agreement.agreement_ref,
           "trust": "certificates issued by the CA(s) below" if cas else "pinned certificate",
           "certificate": cert, "ca_certificates": cas, "crl_file": agreement.crl_file,
           "security": agreement.security, "reliability": agreement.reliability,
           "documents": dict(agreement.documents)})


@dataclass(frozen=True)
class CertificateReport:
    """Every AS4 certificate of a node: ``own`` is None when it has none installed yet."""

    own: CertificateStatus | None
    own_problem: str | None
    partners: dict[str, CertificateStatus]

    @property
    def attention(self) -> list[str]:
        """What needs renewing: certificates near expiry or no longer usable."""
        found = []
        if self.own is None and self.partners:
            found.append(f"this node has no AS4 certificate ({self.own_problem}) but has AS4 "
                         "partners")
        if self.own is not None and self.own.state != "valid":
            found.append(f"this node's certificate is {self.own.state} "
                         f"({self.own.not_after:%Y-%m-%d})")
        for country, status in sorted(self.partners.items()):
            if status.state != "valid":
                found.append(f"{country}'s certificate is {status.state} "
                             f"({status.not_after:%Y-%m-%d})")
        return found


def certificate_report(node: GatewayNode) -> CertificateReport:
    from haiquan.errors import HaiquanError

    own, problem = None, None
    try:
        own = NodeCredentials.load(node.home).status()
    except HaiquanError as error:
        problem = error.summary
    partners = {code: certificate_status(load_certificate(p.as4.certificate, code))
                for code, p in node.trust.partners.items() if p.as4 is not None}
    if own is None and not partners:
        problem = None  # a node that does not use AS4: nothing to report
    return CertificateReport(own, problem, partners)
