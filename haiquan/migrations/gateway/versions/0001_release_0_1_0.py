"""The gateway store as release 0.1.0 created it (tables only, no version table then).

Revision ID: 0001
Revises: (none: the first revision)
Create Date: 2026-12-07 17:27:29.972275

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
    if "gw_inbox" not in existing:
        op.create_table(
            "gw_inbox",
            sa.Column(
                "seq",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                autoincrement=True,
                nullable=False,
            ),
            sa.Column("sender", sa.String(length=3), nullable=False),
            sa.Column("message_id", sa.String(length=100), nullable=False),
            sa.Column("conversation_id", sa.String(length=100), nullable=False),
            sa.Column("document_type", sa.String(length=64), nullable=False),
            sa.Column("document_version", sa.String(length=16), nullable=False),
            sa.Column("created_at", sa.Double(), nullable=False),
            sa.Column("received_at", sa.Double(), nullable=False),
            sa.Column("payload_digest", sa.String(length=80), nullable=False),
            sa.Column("envelope", sa.Text(), nullable=False),
            sa.Column("jws", sa.Text(), nullable=False),
            sa.Column("duplicates", sa.Integer(), nullable=False),
            sa.Column("acknowledged_at", sa.Double(), nullable=True),
            sa.PrimaryKeyConstraint("seq"),
            sa.UniqueConstraint("sender", "message_id", name="uq_gw_inbox_sender_message"),
        )
        with op.batch_alter_table("gw_inbox", schema=None) as batch_op:
            batch_op.create_index(
                "ix_gw_inbox_unacknowledged", ["acknowledged_at", "seq"], unique=False
            )

    if "gw_outbox" not in existing:
        op.create_table(
            "gw_outbox",
            sa.Column(
                "seq",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                autoincrement=True,
                nullable=False,
            ),
            sa.Column("message_id", sa.String(length=100), nullable=False),
            sa.Column("conversation_id", sa.String(length=100), nullable=False),
            sa.Column("receiver", sa.String(length=3), nullable=False),
            sa.Column("document_type", sa.String(length=64), nullable=False),
            sa.Column("document_version", sa.String(length=16), nullable=False),
            sa.Column("created_at", sa.Double(), nullable=False),
            sa.Column("envelope", sa.Text(), nullable=False),
            sa.Column("state", sa.String(length=12), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("next_attempt_at", sa.Double(), nullable=False),
            sa.Column("claimed_by", sa.String(length=64), nullable=True),
            sa.Column("claimed_until", sa.Double(), nullable=True),
            sa.Column("last_error", sa.Text(), nullable=True),
            sa.Column("delivered_at", sa.Double(), nullable=True),
            sa.Column("delivered_by", sa.String(length=64), nullable=True),
            sa.Column(
                "receipt_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            ),
            sa.PrimaryKeyConstraint("seq"),
            sa.UniqueConstraint("message_id"),
        )
        with op.batch_alter_table("gw_outbox", schema=None) as batch_op:
            batch_op.create_index("ix_gw_outbox_due", ["state", "next_attempt_at"], unique=False)

    if "gw_partner_state" not in existing:
        op.create_table(
            "gw_partner_state",
            sa.Column("partner", sa.String(length=3), nullable=False),
            sa.Column("state", sa.String(length=4), nullable=False),
            sa.Column("since", sa.Double(), nullable=False),
            sa.Column("last_error", sa.Text(), nullable=True),
            sa.Column("checked_at", sa.Double(), nullable=False),
            sa.PrimaryKeyConstraint("partner"),
        )

    if "gw_receipts" not in existing:
        op.create_table(
            "gw_receipts",
            sa.Column(
                "id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                autoincrement=True,
                nullable=False,
            ),
            sa.Column("partner", sa.String(length=3), nullable=False),
            sa.Column("stored_at", sa.Double(), nullable=False),
            sa.Column("jws", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )


def downgrade() -> None:
    """Drop the tables (and their data)."""
    op.drop_table("gw_receipts")
    op.drop_table("gw_partner_state")
    with op.batch_alter_table("gw_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_gw_outbox_due")

    op.drop_table("gw_outbox")
    with op.batch_alter_table("gw_inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_gw_inbox_unacknowledged")

    op.drop_table("gw_inbox")
