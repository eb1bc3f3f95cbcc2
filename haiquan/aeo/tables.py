"""The AEO registry's tables (``aeo_*``): home operators, their status events and consents, the
lists sent to each partner and received from it, and the partners' list entries.

Every table but ``aeo_operators`` only grows: a change is a new row with its date, so the
registry can say what held on any past date. The schema's revisions are in
:mod:`haiquan.migrations` (store ``aeo``).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "consents",
    "metadata",
    "operators",
    "partner_events",
    "received_lists",
    "sent_lists",
    "status_events",
]

metadata = MetaData()

operators = Table(
    "aeo_operators",
    metadata,
    Column("aeo_id", String(35), primary_key=True),
    Column("name", String(140), nullable=False),
    Column("tin", String(35)),
    Column("address", String(512)),
    Column("sector", String(80)),
    Column("roles", Text, nullable=False),
    Column("granted_on", Date, nullable=False),
    Column("valid_until", Date),
    Column("created_at", DateTime, nullable=False),
)
status_events = Table(
    "aeo_status_events",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("aeo_id", String(35), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("effective", Date, nullable=False),
    Column("reason", String(500), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
)
consents = Table(
    "aeo_consents",
    metadata,
    Column("consent_id", Integer, primary_key=True, autoincrement=True),
    Column("aeo_id", String(35), nullable=False, index=True),
    Column("mra_id", String(40), nullable=False),
    Column("consent", Boolean, nullable=False),
    Column("effective", Date, nullable=False),
    Column("recorded_at", DateTime, nullable=False),
)
sent_lists = Table(
    "aeo_sent_lists",
    metadata,
    Column("mra_id", String(40), primary_key=True),
    Column("partner", String(3), primary_key=True),
    Column("sequence", Integer, primary_key=True),
    Column("list_type", String(8), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("snapshot", Text, nullable=False),
    Column("message_id", String(80)),
    Column("sent_at", DateTime, nullable=False),
)
received_lists = Table(
    "aeo_received_lists",
    metadata,
    Column("country", String(3), primary_key=True),
    Column("mra_id", String(40), primary_key=True),
    Column("sequence", Integer, primary_key=True),
    Column("list_type", String(8), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("message_id", String(80)),
    Column("operators", Integer, nullable=False),
    Column("applied_at", DateTime, nullable=False),
)
partner_events = Table(
    "aeo_partner_events",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("country", String(3), nullable=False),
    Column("mra_id", String(40), nullable=False),
    Column("aeo_id", String(35), nullable=False),
    Column("name", String(140), nullable=False),
    Column("status", String(16), nullable=False),
    Column("valid_from", Date),
    Column("valid_until", Date),
    Column("as_of", Date, nullable=False),
    Column("sequence", Integer, nullable=False),
    UniqueConstraint("country", "mra_id", "aeo_id", "sequence"),
)
