"""The customs-to-customs exchange gateway (WCO SAFE Pillar I C2C network arrangement).

Each administration runs a node; nodes send each other signed, validated documents directly
(federated, like the ASEAN Single Window) with receipts and nothing lost or duplicated. The
protocol is written down in ``docs/exchange-protocol.md``.

This subpackage is deployable on its own: it imports only ``haiquan.errors``,
``haiquan.settings`` and ``haiquan.reference`` from the rest of haiquan.
"""

from haiquan.exchange.config import NodeConfig
from haiquan.exchange.dispatcher import DispatchReport, backoff_delay, dispatch_once
from haiquan.exchange.documents import DOCUMENT_TYPES, DocumentType, document_type
from haiquan.exchange.envelope import Envelope, Receipt, SignedError, new_message_id
from haiquan.exchange.home import default_gateway_home
from haiquan.exchange.keys import NodeKeyring
from haiquan.exchange.monitoring import (
    InboxMessage,
    MessageDetail,
    MessageSummary,
    MessageView,
    PartnerReachability,
    get_message,
    list_messages,
    message_summary,
    partner_reachability,
    pull_inbox,
)
from haiquan.exchange.node import GatewayNode
from haiquan.exchange.store import GatewayStore
from haiquan.exchange.trust import PartnerConfig, TrustStore

__all__ = [
    "DOCUMENT_TYPES",
    "DispatchReport",
    "DocumentType",
    "Envelope",
    "GatewayNode",
    "GatewayStore",
    "InboxMessage",
    "MessageDetail",
    "MessageSummary",
    "MessageView",
    "NodeConfig",
    "NodeKeyring",
    "PartnerConfig",
    "PartnerReachability",
    "Receipt",
    "SignedError",
    "TrustStore",
    "backoff_delay",
    "default_gateway_home",
    "dispatch_once",
    "document_type",
    "get_message",
    "list_messages",
    "message_summary",
    "new_message_id",
    "partner_reachability",
    "pull_inbox",
]
