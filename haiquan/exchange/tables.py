"""The gateway's tables, on SQLite or PostgreSQL (the same definitions for both).

* ``gw_outbox`` — one row per message this node sends. A row is ``pending`` until the node holds
  the receiver's signed receipt (``delivered``) or the receiver refused it for good (``failed``).
  Workers *claim* due rows with a lease; on PostgreSQL the claim uses
  ``SELECT … FOR UPDATE SKIP LOCKED`` so several workers share one outbox without sending a row
  twice at the same time. A worker that dies leaves its lease to expire; another worker then
  resends — harmless, since the receiver removes duplicates.
* ``gw_receipts`` — the partners' signed batch receipts, each the proof of delivery of the
  outbox messages that point to it.
* ``gw_inbox`` — one row per message received, unique on ``(sender, message_id)``: that unique key
  *is* the persistent duplicate store. The back office reads it by ``seq`` cursor and acknowledges.
* ``gw_partner_state`` — one row per partner a worker has found unreachable: ``down`` since when
  and why, or ``up`` again since when, and when a worker last checked. The dispatcher writes it
  when a partner's state changes (and at each failed probe), so ``gateway status`` and the
  dashboard, in other processes, show which partners are down. A partner never found down has no
  row. Created on open like the other tables, so an older database gains it by itself.

Times are stored as Unix seconds (a double) so both databases compare them the same way.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Double,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = ["inbox", "metadata", "outbox", "partner_states", "receipts"]

metadata = MetaData()

_ID = BigInteger().with_variant(Integer, "sqlite")

outbox = Table(
    "gw_outbox",
    metadata,
    Column("seq", _ID, primary_key=True, autoincrement=True),
    Column("message_id", String(100), nullable=False, unique=True),
    Column("conversation_id", String(100), nullable=False),
    Column("receiver", String(3), nullable=False),
    Column("document_type", String(64), nullable=False),
    Column("document_version", String(16), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("envelope", Text, nullable=False),
    Column("state", String(12), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Double, nullable=False),
    Column("claimed_by", String(64)),
    Column("claimed_until", Double),
    Column("last_error", Text),
    Column("delivered_at", Double),
    Column("delivered_by", String(64)),
    Column("receipt_id", _ID),
    Index("ix_gw_outbox_due", "state", "next_attempt_at"),
)

#: Signed batch receipts received from partners: the proof of delivery of each outbox message
#: that points to one (a receipt covers every message of one request).
receipts = Table(
    "gw_receipts",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("partner", String(3), nullable=False),
    Column("stored_at", Double, nullable=False),
    Column("jws", Text, nullable=False),
)

inbox = Table(
    "gw_inbox",
    metadata,
    Column("seq", _ID, primary_key=True, autoincrement=True),
    Column("sender", String(3), nullable=False),
    Column("message_id", String(100), nullable=False),
    Column("conversation_id", String(100), nullable=False),
    Column("document_type", String(64), nullable=False),
    Column("document_version", String(16), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("received_at", Double, nullable=False),
    Column("payload_digest", String(80), nullable=False),
    Column("envelope", Text, nullable=False),
    Column("jws", Text, nullable=False),
    Column("duplicates", Integer, nullable=False, default=0),
    Column("acknowledged_at", Double),
    UniqueConstraint("sender", "message_id", name="uq_gw_inbox_sender_message"),
    Index("ix_gw_inbox_unacknowledged", "acknowledged_at", "seq"),
)

#: Each partner's reachability as the dispatchers last found it (see the module docstring).
partner_states = Table(
    "gw_partner_state",
    metadata,
    Column("partner", String(3), primary_key=True),
    Column("state", String(4), nullable=False),  # up | down
    Column("since", Double, nullable=False),
    Column("last_error", Text),
    Column("checked_at", Double, nullable=False),
)
