"""The aeo store as release 0.1.0 created it (tables only, no version table then).

Revision ID: 0001
Revises: (none: the first revision)
Create Date: 2026-12-07 17:27:30.268899

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the tables, those missing from a store of 0.1.0 or earlier (made without a
    version table; a gateway store before 0.1.0 lacked gw_partner_state) included."""
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "aeo_consents" not in existing:
        op.create_table(
            "aeo_consents",
            sa.Column("consent_id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("aeo_id", sa.String(length=35), nullable=False),
            sa.Column("mra_id", sa.String(length=40), nullable=False),
            sa.Column("consent", sa.Boolean(), nullable=False),
            sa.Column("effective", sa.Date(), nullable=False),
            sa.Column("recorded_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("consent_id"),
        )
        with op.batch_alter_table("aeo_consents", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_aeo_consents_aeo_id"), ["aeo_id"], unique=False)

    if "aeo_operators" not in existing:
        op.create_table(
            "aeo_operators",
            sa.Column("aeo_id", sa.String(length=35), nullable=False),
            sa.Column("name", sa.String(length=140), nullable=False),
            sa.Column("tin", sa.String(length=35), nullable=True),
            sa.Column("address", sa.String(length=512), nullable=True),
            sa.Column("sector", sa.String(length=80), nullable=True),
            sa.Column("roles", sa.Text(), nullable=False),
            sa.Column("granted_on", sa.Date(), nullable=False),
            sa.Column("valid_until", sa.Date(), nullable=True),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("aeo_id"),
        )

    if "aeo_partner_events" not in existing:
        op.create_table(
            "aeo_partner_events",
            sa.Column("event_id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("country", sa.String(length=3), nullable=False),
            sa.Column("mra_id", sa.String(length=40), nullable=False),
            sa.Column("aeo_id", sa.String(length=35), nullable=False),
            sa.Column("name", sa.String(length=140), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("valid_from", sa.Date(), nullable=True),
            sa.Column("valid_until", sa.Date(), nullable=True),
            sa.Column("as_of", sa.Date(), nullable=False),
            sa.Column("sequence", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("event_id"),
            sa.UniqueConstraint("country", "mra_id", "aeo_id", "sequence"),
        )

    if "aeo_received_lists" not in existing:
        op.create_table(
            "aeo_received_lists",
            sa.Column("country", sa.String(length=3), nullable=False),
            sa.Column("mra_id", sa.String(length=40), nullable=False),
            sa.Column("sequence", sa.Integer(), nullable=False),
            sa.Column("list_type", sa.String(length=8), nullable=False),
            sa.Column("as_of", sa.Date(), nullable=False),
            sa.Column("message_id", sa.String(length=80), nullable=True),
            sa.Column("operators", sa.Integer(), nullable=False),
            sa.Column("applied_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("country", "mra_id", "sequence"),
        )

    if "aeo_sent_lists" not in existing:
        op.create_table(
            "aeo_sent_lists",
            sa.Column("mra_id", sa.String(length=40), nullable=False),
            sa.Column("partner", sa.String(length=3), nullable=False),
            sa.Column("sequence", sa.Integer(), nullable=False),
            sa.Column("list_type", sa.String(length=8), nullable=False),
            sa.Column("as_of", sa.Date(), nullable=False),
            sa.Column("snapshot", sa.Text(), nullable=False),
            sa.Column("message_id", sa.String(length=80), nullable=True),
            sa.Column("sent_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("mra_id", "partner", "sequence"),
        )

    if "aeo_status_events" not in existing:
        op.create_table(
            "aeo_status_events",
            sa.Column("event_id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("aeo_id", sa.String(length=35), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("effective", sa.Date(), nullable=False),
            sa.Column("reason", sa.String(length=500), nullable=False),
            sa.Column("recorded_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("event_id"),
        )
        with op.batch_alter_table("aeo_status_events", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_aeo_status_events_aeo_id"), ["aeo_id"], unique=False
            )


def downgrade() -> None:
    """Drop the tables (and their data)."""
    with op.batch_alter_table("aeo_status_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aeo_status_events_aeo_id"))

    op.drop_table("aeo_status_events")
    op.drop_table("aeo_sent_lists")
    op.drop_table("aeo_received_lists")
    op.drop_table("aeo_partner_events")
    op.drop_table("aeo_operators")
    with op.batch_alter_table("aeo_consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aeo_consents_aeo_id"))

    op.drop_table("aeo_consents")
