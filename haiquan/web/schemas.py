"""API schemas of the web edge's own entities (users, tokens), split Create / Update / Public.

Separate schemas keep secrets one-way: a password goes in through ``UserCreate``/``UserUpdate``
and never comes out; a token's secret comes out once, in ``TokenCreated``.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from haiquan.web.auth import ApiToken, Role, User
from haiquan.web.auth.store import MAX_TOKEN_DAYS

__all__ = [
    "Health",
    "TokenCreate",
    "TokenCreated",
    "TokenPublic",
    "UserCreate",
    "UserPublic",
    "UserUpdate",
]


class Health(BaseModel):
    """Liveness answer (no authentication needed)."""

    status: str = Field(examples=["ok"])
    version: str
    mode: str


class UserCreate(BaseModel):
    """A new user, as an administrator creates it."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9._@-]{1,63}$")
    password: str = Field(min_length=10, max_length=1024)
    role: Role = Role.VIEWER
    display_name: str | None = Field(default=None, max_length=200)


class UserUpdate(BaseModel):
    """Changes to a user; only the fields given are changed."""

    model_config = ConfigDict(extra="forbid")

    password: str | None = Field(default=None, min_length=10, max_length=1024)
    role: Role | None = None
    active: bool | None = None
    display_name: str | None = Field(default=None, max_length=200)


class UserPublic(BaseModel):
    """A user as the API shows it (never the password hash)."""

    username: str
    display_name: str
    role: Role
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserPublic:
        return cls(
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            active=user.active,
            created_at=user.created_at,
        )


class TokenCreate(BaseModel):
    """A new API token for the calling user."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(default="api", min_length=1, max_length=200)
    days: int | None = Field(
        default=None, ge=1, le=MAX_TOKEN_DAYS, description="Lifetime; none = no expiry."
    )


class TokenPublic(BaseModel):
    """An API token's facts, without its secret."""

    id: int
    username: str
    label: str
    prefix: str = Field(description="The first characters, to recognise the token.")
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked: bool

    @classmethod
    def of(cls, token: ApiToken) -> TokenPublic:
        return cls(
            id=token.id,
            username=token.username,
            label=token.label,
            prefix=token.prefix,
            created_at=token.created_at,
            expires_at=token.expires_at,
            last_used_at=token.last_used_at,
            revoked=token.revoked,
        )


class TokenCreated(TokenPublic):
    """A token just created: ``token`` is its secret, shown this once only."""

    token: str
