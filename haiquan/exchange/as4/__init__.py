"""The AS4 binding of the gateway (eDelivery AS4 1.15 common profile, One-Way/Push).

A partner whose entry in ``trust.yaml`` says ``protocol: as4`` is reached over AS4 instead of
``haiquan-c2c/1``: the same outbox, retries, partner circuit, inbox and duplicate store, with
SOAP 1.2 + MIME messages signed and encrypted under X.509 certificates and signed
non-repudiation receipts. The XML security is the ``as4`` library's; this subpackage is the
eDelivery profile on top of it (:mod:`~haiquan.exchange.as4.codec`), the per-partner
agreements (:mod:`~haiquan.exchange.as4.pmode`), the certificates
(:mod:`~haiquan.exchange.as4.certificates`) and the ebMS vocabulary
(:mod:`~haiquan.exchange.as4.ebms`). The wire format is in ``docs/exchange-protocol.md``.
"""

from haiquan.exchange.as4.certificates import (
    CertificateStatus,
    NodeCredentials,
    certificate_status,
    create_key_and_request,
    install_certificate,
    self_sign,
)
from haiquan.exchange.as4.ebms import EBMS_ERRORS, EbmsProblem, delivery_outcome, inspect_messaging
from haiquan.exchange.as4.party import NodeParty, node_party, set_node_party
from haiquan.exchange.as4.pmode import As4Agreement, DocumentLeg, default_leg

__all__ = [
    "EBMS_ERRORS",
    "As4Agreement",
    "CertificateStatus",
    "DocumentLeg",
    "EbmsProblem",
    "NodeCredentials",
    "NodeParty",
    "certificate_status",
    "create_key_and_request",
    "default_leg",
    "delivery_outcome",
    "inspect_messaging",
    "install_certificate",
    "node_party",
    "self_sign",
    "set_node_party",
]
