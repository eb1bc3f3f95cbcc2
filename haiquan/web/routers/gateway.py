"""``/api/gateway``: read-only monitoring of the local customs-to-customs gateway node."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from haiquan.errors import NotFoundError
from haiquan.exchange import GatewayNode, MessageDetail, MessageSummary, MessageView
from haiquan.exchange.node import default_gateway_home
from haiquan.reference.countries import country
from haiquan.web.dashboard.gateway import gateway_node
from haiquan.web.deps import CurrentUser
from haiquan.web.responses import error_responses

router = APIRouter(prefix="/api/gateway", tags=["gateway"])

_NOT_FOUND = error_responses(404)


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
def summary(_: CurrentUser) -> MessageSummary:
    """Counts of outbox and inbox messages by state, and the oldest pending message's age."""
    return _node().summary()


@router.get("/messages", response_model=list[MessageView], responses=_NOT_FOUND)
def messages(
    _: CurrentUser,
    direction: Annotated[str | None, Query(pattern="^(in|out)$")] = None,
    state: Annotated[
        str | None, Query(pattern="^(pending|delivered|failed|received|acknowledged)$")
    ] = None,
    partner: Annotated[str | None, Query(
        pattern="^([A-Za-z]{2,3}|[0-9]{3})$", title="Partner country",
        description="ISO 3166-1 alpha-2, alpha-3 or numeric code of the partner, in any case "
        "(THA, th, 764); an unknown code is a 404")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[MessageView]:
    """The newest messages, filtered by direction, state and partner."""
    node = _node()
    alpha3 = country(partner).alpha_3 if partner else None
    return node.messages(direction=direction, state=state, partner=alpha3, limit=limit)


@router.get("/messages/{message_id}", response_model=MessageDetail, responses=_NOT_FOUND)
def message(
    message_id: Annotated[str, Path(min_length=1, max_length=200)], _: CurrentUser
) -> MessageDetail:
    """One message in full: envelope, receipts and delivery state."""
    return _node().message(message_id)
