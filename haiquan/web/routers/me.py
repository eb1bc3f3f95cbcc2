"""``/api/me``: the calling user, their API tokens, and logging out everywhere."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from haiquan.web.auth import Role
from haiquan.web.deps import CurrentUser, UserStoreDep, require_role
from haiquan.web.pagination import Page, Paging
from haiquan.web.responses import error_responses
from haiquan.web.schemas import TokenCreate, TokenCreated, TokenPublic, UserPublic

router = APIRouter(prefix="/api/me", tags=["me"])

# Every user may manage their own tokens and sessions, whatever their role.
_ANY_ROLE = [Depends(require_role(Role.VIEWER))]


@router.get("", response_model=UserPublic)
def get_me(user: CurrentUser) -> UserPublic:
    """Who the caller is and which role they hold."""
    return UserPublic.of(user)


@router.get("/tokens", response_model=Page[TokenPublic])
def list_my_tokens(user: CurrentUser, store: UserStoreDep, paging: Paging) -> Page[TokenPublic]:
    """The caller's API tokens (without their secrets)."""
    return paging.page_of([TokenPublic.of(t) for t in store.list_tokens(user.username)])


@router.post(
    "/tokens",
    response_model=TokenCreated,
    status_code=status.HTTP_201_CREATED,
    dependencies=_ANY_ROLE,
)
def create_my_token(body: TokenCreate, user: CurrentUser, store: UserStoreDep) -> TokenCreated:
    """Create an API token acting as the caller; its secret is in this answer only."""
    secret, token = store.create_token(user.username, body.label, body.days)
    return TokenCreated(**TokenPublic.of(token).model_dump(), token=secret)


@router.delete(
    "/tokens/{token_id}",
    response_model=TokenPublic,
    dependencies=_ANY_ROLE,
    responses=error_responses(404),
)
def revoke_my_token(
    token_id: Annotated[int, Path(ge=1, le=2**62)], user: CurrentUser, store: UserStoreDep
) -> TokenPublic:
    """Revoke one of the caller's tokens."""
    return TokenPublic.of(store.revoke_token(token_id, username=user.username))


@router.post("/logout-everywhere", response_model=UserPublic, dependencies=_ANY_ROLE)
def logout_everywhere(user: CurrentUser, store: UserStoreDep) -> UserPublic:
    """End every session of the caller (API tokens stay valid; revoke them one by one)."""
    return UserPublic.of(store.end_sessions(user.username))
