"""The users store as release 0.1.0 created it (tables only, no version table then).

Revision ID: 0001
Revises: (none: the first revision)
Create Date: 2026-12-07 17:27:31.742459

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
    if "web_ended_sessions" not in existing:
        op.create_table(
            "web_ended_sessions",
            sa.Column("session_id", sa.String(length=64), nullable=False),
            sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("session_id"),
        )
        with op.batch_alter_table("web_ended_sessions", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_web_ended_sessions_expires_at"), ["expires_at"], unique=False
            )

    if "web_users" not in existing:
        op.create_table(
            "web_users",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("username", sa.String(length=64), nullable=False),
            sa.Column("display_name", sa.String(length=200), nullable=False),
            sa.Column("role", sa.String(length=32), nullable=False),
            sa.Column("password_hash", sa.String(length=300), nullable=False),
            sa.Column("active", sa.Boolean(), nullable=False),
            sa.Column("session_epoch", sa.Integer(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        with op.batch_alter_table("web_users", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_web_users_username"), ["username"], unique=True)

    if "web_api_tokens" not in existing:
        op.create_table(
            "web_api_tokens",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("label", sa.String(length=200), nullable=False),
            sa.Column("token_hash", sa.String(length=64), nullable=False),
            sa.Column("prefix", sa.String(length=16), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("revoked", sa.Boolean(), nullable=False),
            sa.ForeignKeyConstraint(["user_id"], ["web_users.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
        )
        with op.batch_alter_table("web_api_tokens", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_web_api_tokens_token_hash"), ["token_hash"], unique=True
            )
            batch_op.create_index(
                batch_op.f("ix_web_api_tokens_user_id"), ["user_id"], unique=False
            )


def downgrade() -> None:
    """Drop the tables (and their data)."""
    with op.batch_alter_table("web_api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_api_tokens_user_id"))
        batch_op.drop_index(batch_op.f("ix_web_api_tokens_token_hash"))

    op.drop_table("web_api_tokens")
    with op.batch_alter_table("web_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_users_username"))

    op.drop_table("web_users")
    with op.batch_alter_table("web_ended_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_ended_sessions_expires_at"))

    op.drop_table("web_ended_sessions")
