"""``/api/users``: administrators manage users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from haiquan.web.deps import AdminUser, UserStoreDep
from haiquan.web.pagination import Page, Paging
from haiquan.web.responses import error_responses
from haiquan.web.schemas import UserCreate, UserPublic, UserUpdate

router = APIRouter(prefix="/api/users", tags=["users"])

Username = Annotated[
    str, Path(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9._@-]{1,63}$")
]


@router.get("", response_model=Page[UserPublic])
def list_users(_: AdminUser, store: UserStoreDep, paging: Paging) -> Page[UserPublic]:
    """Every user."""
    return paging.page_of([UserPublic.of(u) for u in store.list_users()])


@router.post(
    "",
    response_model=UserPublic,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(409),
)
def add_user(body: UserCreate, _: AdminUser, store: UserStoreDep) -> UserPublic:
    """Create a user."""
    return UserPublic.of(store.add_user(body.username, body.password, body.role, body.display_name))


@router.get("/{username}", response_model=UserPublic, responses=error_responses(404))
def get_user(username: Username, _: AdminUser, store: UserStoreDep) -> UserPublic:
    """One user."""
    return UserPublic.of(store.get_user(username))


@router.patch("/{username}", response_model=UserPublic, responses=error_responses(404, 409))
def update_user(
    username: Username, body: UserUpdate, _: AdminUser, store: UserStoreDep
) -> UserPublic:
    """Change a user's role, password, status or name; this ends their open sessions."""
    return UserPublic.of(
        store.update_user(
            username,
            role=body.role,
            password=body.password,
            active=body.active,
            display_name=body.display_name,
        )
    )


@router.delete(
    "/{username}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(404, 409),
)
def delete_user(username: Username, _: AdminUser, store: UserStoreDep) -> None:
    """Delete a user and their tokens (the last administrator cannot be deleted)."""
    store.delete_user(username)
