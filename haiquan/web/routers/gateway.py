"""``/api/gateway``: read-only monitoring of the local customs-to-customs gateway node."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Path, Query

from haiquan.errors import NotFoundError
from haiquan.exchange.home import default_gateway_home
from haiquan.exchange.monitoring import MessageDetail, MessageSummary, MessageView
from haiquan.reference.countries import country
from haiquan.web.dashboard.gateway import gateway_node
from haiquan.web.deps import CurrentUser
from haiquan.web.pagination import Page, PageRequest, paging_up_to
from haiquan.web.responses import error_responses

if TYPE_CHECKING:
    from haiquan.exchange.node import GatewayNode

router = APIRouter(prefix="/api/gateway", tags=["gateway"])

_NOT_FOUND = error_responses(404)
#: Messages are listed newest first from the store; an older page reads every newer one first.
_MAX_MESSAGE_OFFSET = 100_000


def _node() -> GatewayNode:
    node = gateway_node()
    if node is None:
        raise NotFoundError(
            "no gateway node on this server",
            expected=f"a node.yaml in {default_gateway_home()}",
            got="no node configured",
            fix="create one with `haiquan gateway init`",
        )
    return node


@router.get("/summary", response_model=MessageSummary, responses=_NOT_FOUND)
def get_gateway_summary(_: CurrentUser) -> MessageSummary:
    """Counts of outbox and inbox messages by state, and the oldest pending message's age."""
    return _node().summary()


@router.get("/messages", response_model=Page[MessageView], responses=_NOT_FOUND)
def list_gateway_messages(
    _: CurrentUser,
    paging: Annotated[PageRequest, Depends(paging_up_to(_MAX_MESSAGE_OFFSET))],
    direction: Annotated[str | None, Query(pattern="^(in|out)$")] = None,
    state: Annotated[
        str | None, Query(pattern="^(pending|delivered|failed|received|acknowledged)$")
    ] = None,
    partner: Annotated[str | None, Query(
        pattern="^([A-Za-z]{2,3}|[0-9]{3})$", title="Partner country",
        description="ISO 3166-1 alpha-2, alpha-3 or numeric code of the partner, in any case "
        "(THA, th, 764); an unknown code is a 404")] = None,
) -> Page[MessageView]:
    """The newest messages, filtered by direction, state and partner (``total`` is null: the
    store is not counted; ``next`` is null on the last page)."""
    node = _node()
    alpha3 = country(partner).alpha_3 if partner else None
    # One more than the page, to know whether a next page exists without counting the store.
    wanted = paging.offset + paging.limit + 1
    found = node.messages(direction=direction, state=state, partner=alpha3, limit=wanted)
    items = found[paging.offset : paging.offset + paging.limit]
    more = len(found) == wanted
    # Counted only when this page reaches the end of the list (an offset past it says nothing).
    counted = not more and (bool(items) or paging.offset == 0)
    return paging.page(items, paging.offset + len(items) if counted else None, more=more)


@router.get("/messages/{message_id}", response_model=MessageDetail, responses=_NOT_FOUND)
def get_gateway_message(
    message_id: Annotated[str, Path(min_length=1, max_length=200)], _: CurrentUser
) -> MessageDetail:
    """One message in full: envelope, receipts and delivery state."""
    return _node().message(message_id)
