"""One page of a list: every list endpoint of the API answers ``Page[T]``, never a bare array.

A bare array cannot say how many there are or where the rest is, and cannot grow a field later
without breaking its clients. Every list answers the same envelope::

    {"items": [...], "total": 240, "limit": 100, "offset": 0,
     "next": "/api/aeo/operators?limit=100&offset=100"}

and takes the same ``limit`` (1 to :data:`MAX_LIMIT`, default :data:`DEFAULT_LIMIT`) and
``offset`` query parameters, through the :data:`Paging` dependency::

    @router.get("/things", response_model=Page[Thing])
    def things(_: CurrentUser, paging: Paging) -> Page[Thing]:
        return paging.page_of(store.things())

``next`` is the path and query of the next page (the same filters, the offset moved on), or
``null`` on the last page; it is relative, so it stays right behind a proxy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from pydantic import BaseModel, Field

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MAX_OFFSET",
    "Page",
    "PageRequest",
    "Paging",
    "paging_up_to",
]

#: Items on a page when the caller does not say.
DEFAULT_LIMIT = 100
#: The most items one page may hold.
MAX_LIMIT = 1000
#: The largest offset accepted (a bound, so a generated number cannot overflow a database query).
MAX_OFFSET = 2**62

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list, with how many there are in all and where the next page is."""

    items: list[T] = Field(description="This page's items, in the list's order.")
    total: int | None = Field(
        description="How many items match in all (null only where counting them would mean "
        "reading every one: the gateway's messages)."
    )
    limit: int = Field(description="The most items this page could hold (the `limit` asked).")
    offset: int = Field(description="How many items of the list come before this page.")
    next: str | None = Field(
        description="Path and query of the next page, or null when this is the last one."
    )

    @classmethod
    def model_parametrized_name(cls, params: tuple[Any, ...]) -> str:
        """``Page[UserPublic]`` is named ``UserPublicPage`` in OpenAPI (and generated clients)."""
        return "".join(getattr(p, "__name__", str(p)) for p in params) + "Page"


@dataclass(frozen=True)
class PageRequest:
    """The page a request asks for (``limit``, ``offset``) and the request's path and query."""

    limit: int
    offset: int
    path: str
    query: tuple[tuple[str, str], ...] = ()

    def next_link(self, total: int | None, more: bool | None = None) -> str | None:
        """The path and query of the next page, or ``None`` on the last page.

        >>> PageRequest(10, 0, "/api/x", (("state", "open"),)).next_link(25)
        '/api/x?state=open&limit=10&offset=10'
        >>> PageRequest(10, 20, "/api/x").next_link(25) is None
        True
        """
        following = self.offset + self.limit
        if not (more if total is None else following < total):
            return None
        kept = [(k, v) for k, v in self.query if k not in ("limit", "offset")]
        return f"{self.path}?{urlencode([*kept, ('limit', self.limit), ('offset', following)])}"

    def page_of(self, items: Sequence[T]) -> Page[T]:
        """This page of a whole list held in memory.

        >>> page = PageRequest(2, 2, "/api/x").page_of(["a", "b", "c", "d", "e"])
        >>> page.items, page.total, page.next
        (['c', 'd'], 5, '/api/x?limit=2&offset=4')
        """
        total = len(items)
        return self.page(list(items[self.offset : self.offset + self.limit]), total)

    def page(self, items: Sequence[T], total: int | None, more: bool | None = None) -> Page[T]:
        """A page of ``items`` already cut to this page, with the list's ``total`` (or, where
        it is not counted, ``more``: whether items follow)."""
        return Page[T](
            items=list(items),
            total=total,
            limit=self.limit,
            offset=self.offset,
            next=self.next_link(total, more),
        )


def page_request(
    request: Request,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page (at most {MAX_LIMIT}).")
    ] = DEFAULT_LIMIT,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="Items to skip (the `next` link moves it).")
    ] = 0,
) -> PageRequest:
    """The ``limit`` and ``offset`` query parameters of a list endpoint."""
    return PageRequest(
        limit=limit,
        offset=offset,
        path=request.url.path,
        query=tuple(request.query_params.multi_items()),
    )


#: The dependency every list endpoint takes: ``paging: Paging``.
Paging = Annotated[PageRequest, Depends(page_request)]


def paging_up_to(max_offset: int) -> Any:
    """A :data:`Paging` dependency whose ``offset`` stops at ``max_offset``, for a list read
    from its start on every page (the bound is in the OpenAPI document, so clients see it)::

        paging: Annotated[PageRequest, Depends(paging_up_to(100_000))]
    """

    def bounded(
        request: Request,
        limit: int = Query(
            DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Items per page (at most {MAX_LIMIT})."
        ),
        offset: int = Query(
            0, ge=0, le=max_offset, description=f"Items to skip (at most {max_offset})."
        ),
    ) -> PageRequest:
        return page_request(request, limit, offset)

    return bounded
