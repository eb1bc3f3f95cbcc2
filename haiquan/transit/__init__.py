"""ACTS transit: declarations, MRNs, guarantees, the movement's state machine, enquiries.

A transit declaration is accepted at the office of departure (:meth:`TransitService.declare`
allocates the MRN and engages the guarantee), released for transit (the anticipated records go to
the offices of transit and destination as gateway documents), and followed across borders by the
messages of :mod:`haiquan.exchange.documents.transit` until it is written off or recovered.
See docs/transit.md.
"""

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
