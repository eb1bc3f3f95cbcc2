"""The customs-to-customs exchange gateway (WCO SAFE Pillar I C2C network arrangement).

Each administration runs a node; nodes send each other signed, validated documents directly
(federated, like the ASEAN Single Window) with receipts and nothing lost or duplicated. The
protocol is written down in ``docs/exchange-protocol.md``.

This subpackage is deployable on its own: it imports only ``haiquan.errors``,
``haiquan.settings`` and ``haiquan.reference`` from the rest of haiquan.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

#: Where each public name lives. Each is imported on first use (PEP 562), so a part of haiquan
#: that reads only the gateway's store (the web server's monitoring pages) or one document
#: type (transit's MRN check digit) does not load the AS4 and signing machinery with it.
_EXPORTS: dict[str, str] = {
    "NodeConfig": "haiquan.exchange.config",
    "DispatchReport": "haiquan.exchange.dispatcher",
    "backoff_delay": "haiquan.exchange.dispatcher",
    "dispatch_once": "haiquan.exchange.dispatcher",
    "DOCUMENT_TYPES": "haiquan.exchange.documents",
    "DocumentType": "haiquan.exchange.documents",
    "document_type": "haiquan.exchange.documents",
    "Envelope": "haiquan.exchange.envelope",
    "Receipt": "haiquan.exchange.envelope",
    "SignedError": "haiquan.exchange.envelope",
    "new_message_id": "haiquan.exchange.envelope",
    "default_gateway_home": "haiquan.exchange.home",
    "NodeKeyring": "haiquan.exchange.keys",
    "InboxMessage": "haiquan.exchange.monitoring",
    "MessageDetail": "haiquan.exchange.monitoring",
    "MessageSummary": "haiquan.exchange.monitoring",
    "MessageView": "haiquan.exchange.monitoring",
    "PartnerReachability": "haiquan.exchange.monitoring",
    "get_message": "haiquan.exchange.monitoring",
    "list_messages": "haiquan.exchange.monitoring",
    "message_summary": "haiquan.exchange.monitoring",
    "partner_reachability": "haiquan.exchange.monitoring",
    "pull_inbox": "haiquan.exchange.monitoring",
    "GatewayNode": "haiquan.exchange.node",
    "GatewayStore": "haiquan.exchange.store",
    "PartnerConfig": "haiquan.exchange.trust",
    "TrustStore": "haiquan.exchange.trust",
}

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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
