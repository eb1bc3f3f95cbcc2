"""``/gateway``: customs-to-customs gateway traffic and failures.

Reads the local gateway node's store through :mod:`haiquan.exchange`'s monitoring functions
(the gateway itself never imports the web app). Without a node (``haiquan gateway init``) the
page says so.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from haiquan.exchange.home import default_gateway_home
from haiquan.exchange.monitoring import MessageSummary, MessageView
from haiquan.web.dashboard._render import chart_json, render
from haiquan.web.dashboard.charts import grouped_bars, stacked_bars
from haiquan.web.deps import PageUser

__all__ = ["gateway_node", "gateway_traffic", "router"]

router = APIRouter(include_in_schema=False)

RECENT = 1000

if TYPE_CHECKING:
    # The node (AS4, signing keys) loads with the first gateway page, not at start-up.
    from haiquan.exchange.node import GatewayNode

_NODES: dict[Path, GatewayNode] = {}
_LOCK = threading.Lock()


def gateway_node() -> GatewayNode | None:
    """The local gateway node, opened once per home; ``None`` when there is none."""
    home = default_gateway_home()
    if not (home / "node.yaml").exists():
        return None
    with _LOCK:
        node = _NODES.get(home)
        if node is None:
            # The dashboard and API only read the store: a broken trust.yaml (which stops
            # sending) must not hide the traffic an operator needs to see.
            from haiquan.exchange.node import GatewayNode

            node = _NODES[home] = GatewayNode.from_home(home, trust_required=False)
        return node


def gateway_traffic(limit: int = RECENT) -> tuple[MessageSummary, list[MessageView]] | None:
    """The store's counts and its newest messages, or ``None`` without a gateway node."""
    node = gateway_node()
    if node is None:
        return None
    return node.summary(), node.messages(limit=limit)


def page_context() -> dict[str, Any]:
    """What the gateway page shows."""
    traffic = gateway_traffic()
    if traffic is None:
        return {"title": "Gateway", "node": None, "home": str(default_gateway_home())}
    summary, messages = traffic
    if not messages:
        # Two charts of nothing (axes from -1 to 4, "newest 0") told an operator less than words.
        return {"title": "Gateway", "node": gateway_node(), "summary": summary, "failed": [],
                "recent": [], "charts": {}}
    days = sorted({m.created_at.date().isoformat() for m in messages})
    per_day: dict[str, Counter[str]] = {}
    for m in messages:
        day = m.created_at.date().isoformat()
        per_day.setdefault(f"{m.direction} · {m.state}", Counter())[day] += 1
    daily = grouped_bars(
        days,
        {name: [counts.get(d, 0) for d in days] for name, counts in sorted(per_day.items())},
        title=f"Messages per day (newest {len(messages)})",
        value_label="messages",
    )
    daily["layout"]["barmode"] = "stack"
    partners = sorted({m.partner for m in messages})
    by_partner = stacked_bars(
        partners,
        {
            state: [
                sum(1 for m in messages if m.partner == p and m.state == state) for p in partners
            ]
            for state in ("delivered", "pending", "failed", "received", "acknowledged")
        },
        title="Messages by partner and state",
        value_label="messages",
    )
    failed = [m for m in messages if m.state == "failed" or (m.state == "pending" and m.last_error)]
    return {
        "title": "Gateway",
        "node": gateway_node(),
        "summary": summary,
        "failed": failed[:50],
        "recent": messages[:30],
        "charts": {"daily": chart_json(daily), "partners": chart_json(by_partner)},
    }


@router.get("/gateway", response_class=HTMLResponse)
def gateway_page(request: Request, user: PageUser) -> HTMLResponse:
    """Gateway traffic and failures."""
    return render(request, "gateway.html", page_context(), user)
