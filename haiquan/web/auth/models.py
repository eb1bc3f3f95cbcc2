"""Users and API tokens as the rest of haiquan sees them (never a password hash or a token's
secret), built from the store's rows."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from haiquan.web.auth._tables import TokenRow, UserRow
from haiquan.web.auth.roles import Role

__all__ = ["ApiToken", "User", "aware", "digest", "now", "token_from_row", "user_from_row"]


@dataclass(frozen=True)
class User:
    """A user as the rest of haiquan sees it (never the password hash)."""

    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    session_epoch: int
    created_at: datetime

    def allows(self, needed: Role) -> bool:
        """Whether this user may act with the ``needed`` role."""
        return self.active and self.role.allows(needed)


@dataclass(frozen=True)
class ApiToken:
    """An API token's public facts (the secret itself is only ever returned by ``create_token``)."""

    id: int
    username: str
    label: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked: bool


def now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes even for timezone=True columns; all ours are UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def user_from_row(row: UserRow) -> User:
    """A stored user as the rest of haiquan sees it."""
    return User(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        active=row.active,
        session_epoch=row.session_epoch,
        created_at=aware(row.created_at) or now(),
    )


def token_from_row(row: TokenRow, username: str) -> ApiToken:
    """A stored token's public facts."""
    return ApiToken(
        id=row.id,
        username=username,
        label=row.label,
        prefix=row.prefix,
        created_at=aware(row.created_at) or now(),
        expires_at=aware(row.expires_at),
        last_used_at=aware(row.last_used_at),
        revoked=row.revoked,
    )


def digest(token: str) -> str:
    """What is stored of a token: its SHA-256, never the secret."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
