"""A partner's high-risk alert travels through two real gateway nodes and routes a matching
declaration to red."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np

from haiquan.declarations import generate_synthetic_declarations
from haiquan.risk.partner_alerts import alerts_from_document, pull_gateway_alerts
from haiquan.risk.policy import load_selectivity_rules
from haiquan.risk.selectivity import route_declarations
from haiquan.risk.service import read_partner_alerts
from tests.exchange.conftest import link, make_node, serve  # noqa: F401 - fixtures
from tests.exchange.helpers import wait_delivered

ALERT = {
    "alert_id": "KR-ALERT-0007",
    "risk_category": "undervaluation",
    "severity": "high",
    "issued_at": "2025-03-01T08:00:00Z",
    "shipment": {"transport_document": "BL-KR-778899", "port_of_loading": "KRPUS",
                 "hs_codes": ["854231", "8517"]},
    "indicators": ["invoice value 40 % below market"],
}


def test_alert_document_becomes_one_rule_per_hs_code() -> None:
    rules = alerts_from_document("KOR", ALERT)
    assert [r.hs_prefix for r in rules] == ["854231", "8517"]
    assert {r.departure_country for r in rules} == {"KOR"}
    assert rules[0].valid_to == dt.date(2025, 4, 30)  # 60 days by default policy
    assert alerts_from_document("KOR", ALERT | {"severity": "low"}) == []


def test_alert_through_the_gateway_sends_the_matching_declaration_to_red(
    make_node: Callable[..., object], serve: Callable[..., object], tmp_path: Path,  # noqa: F811
) -> None:
    korea, vietnam = make_node("KOR"), make_node("VNM")
    link(korea, vietnam)  # type: ignore[arg-type]
    serve(vietnam)
    message_id = korea.send("risk-alert", ALERT, receiver="VNM")  # type: ignore[attr-defined]
    korea.dispatch_until_idle()  # type: ignore[attr-defined]
    wait_delivered(korea, [message_id])  # type: ignore[arg-type]

    store = tmp_path / "alerts.yaml"
    added = pull_gateway_alerts(vietnam, store)  # type: ignore[arg-type]
    assert len(added) == 2
    assert pull_gateway_alerts(vietnam, store) == []  # acknowledged; nothing twice
    alerts = read_partner_alerts(store)
    assert len(alerts) == 2

    declarations = generate_synthetic_declarations(3, seed=5)
    declarations["date"] = np.datetime64("2025-03-10")
    declarations["hs_code"] = ["85423190", "85171300", "61091000"]
    declarations["departure_country"] = ["KOR", "CHN", "KOR"]
    routed = route_declarations(
        declarations, np.array([0.01, 0.01, 0.01]), load_selectivity_rules(on=dt.date(2025, 3, 10)),
        reference=np.linspace(0, 1, 101), alerts=alerts, mode="stream")
    assert list(routed["channel"])[0] == "red"
    assert "KR-ALERT-0007" in routed["notes"].iloc[0]
    # another departure country, and other goods, do not match the alert
    assert routed["selection"].iloc[1] != "alert" and routed["selection"].iloc[2] != "alert"
