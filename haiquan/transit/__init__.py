"""ACTS transit: declarations, MRNs, guarantees, the movement's state machine, enquiries.

A transit declaration is accepted at the office of departure (:meth:`TransitService.declare`
allocates the MRN and engages the guarantee), released for transit (the anticipated records go to
the offices of transit and destination as gateway documents), and followed across borders by the
messages of :mod:`haiquan.exchange.documents.transit` until it is written off or recovered.
See docs/transit.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from haiquan.transit.gateway import (
        InboxReport,
        OutgoingMessage,
        apply_inbox,
        exchange_locally,
        hand_over,
        pending_messages,
    )
    from haiquan.transit.lifecycle import TRANSITIONS, next_state
    from haiquan.transit.models import (
        ConsignmentItem,
        GuaranteeCreate,
        GuaranteePublic,
        MovementEvent,
        MovementPublic,
        Party,
        Role,
        State,
        TransitDeclaration,
    )
    from haiquan.transit.mrn import allocate_mrn, check_digit, check_mrn
    from haiquan.transit.ncts import NctsCheck, check_ncts_message
    from haiquan.transit.reference import ActsReference, acts_reference, load_reference
    from haiquan.transit.service import TransitService
    from haiquan.transit.store import TransitStore

#: Where each public name lives. Each is imported on first use (PEP 562), so reading movements
#: (the web server) does not load the NCTS XML schemas (xmlschema) until a message is checked.
_EXPORTS: dict[str, str] = {
    "InboxReport": "haiquan.transit.gateway",
    "OutgoingMessage": "haiquan.transit.gateway",
    "apply_inbox": "haiquan.transit.gateway",
    "exchange_locally": "haiquan.transit.gateway",
    "hand_over": "haiquan.transit.gateway",
    "pending_messages": "haiquan.transit.gateway",
    "TRANSITIONS": "haiquan.transit.lifecycle",
    "next_state": "haiquan.transit.lifecycle",
    "ConsignmentItem": "haiquan.transit.models",
    "GuaranteeCreate": "haiquan.transit.models",
    "GuaranteePublic": "haiquan.transit.models",
    "MovementEvent": "haiquan.transit.models",
    "MovementPublic": "haiquan.transit.models",
    "Party": "haiquan.transit.models",
    "Role": "haiquan.transit.models",
    "State": "haiquan.transit.models",
    "TransitDeclaration": "haiquan.transit.models",
    "allocate_mrn": "haiquan.transit.mrn",
    "check_digit": "haiquan.transit.mrn",
    "check_mrn": "haiquan.transit.mrn",
    "NctsCheck": "haiquan.transit.ncts",
    "check_ncts_message": "haiquan.transit.ncts",
    "ActsReference": "haiquan.transit.reference",
    "acts_reference": "haiquan.transit.reference",
    "load_reference": "haiquan.transit.reference",
    "TransitService": "haiquan.transit.service",
    "TransitStore": "haiquan.transit.store",
}

__all__ = [
    "TRANSITIONS",
    "ActsReference",
    "ConsignmentItem",
    "GuaranteeCreate",
    "GuaranteePublic",
    "InboxReport",
    "MovementEvent",
    "MovementPublic",
    "NctsCheck",
    "OutgoingMessage",
    "Party",
    "Role",
    "State",
    "TransitDeclaration",
    "TransitService",
    "TransitStore",
    "acts_reference",
    "allocate_mrn",
    "apply_inbox",
    "check_digit",
    "check_mrn",
    "check_ncts_message",
    "exchange_locally",
    "hand_over",
    "load_reference",
    "next_state",
    "pending_messages",
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
