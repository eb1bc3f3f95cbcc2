"""A partner's high-risk alert travels through two real gateway nodes and routes a matching
declaration to red."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from haiquan.declarations import generate_synthetic_declarations
from haiquan.errors import ValidationError
from haiquan.risk.partner_alerts import (
    active_alerts,
    alerts_from_document,
    default_alerts_file,
    kept_alerts,
    pull_gateway_alerts,
    read_partner_alerts,
)
from haiquan.risk.policy import load_selectivity_rules
from haiquan.risk.selectivity import route_declarations
from haiquan.settings import Settings
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


GOOD_ALERT = (
    "- alert_id: KR-1\n  issuing_country: KOR\n  valid_from: 2025-03-01\n"
    "  valid_to: 2025-04-30\n  hs_prefix: '8517'\n  reason: undervaluation\n"
)


class _FakeInbox:
    """An inbox holding one risk-alert message; records what was acknowledged."""

    def __init__(self) -> None:
        self.acknowledged: list[str] = []

    def inbox(self, *, after: int = 0, limit: int = 100,
              include_acknowledged: bool = False) -> list[Any]:
        return [SimpleNamespace(document_type="risk-alert", sender="KOR", message_id="m-1",
                                payload=json.dumps(ALERT))]

    def waiting(self) -> Iterator[Any]:
        return iter(self.inbox())

    def acknowledge(self, message_ids: list[str]) -> int:
        self.acknowledged.extend(message_ids)
        return len(message_ids)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (b"- alert_id: KR-1\n  valid_from: [2025\n", "line"),  # broken YAML syntax
        (GOOD_ALERT.replace("2025-04-30", "2025-02-30").encode(), "not a real date"),
        (b"alert_id: KR-1\n", "not a list"),  # one mapping, not a list
        (b"- just a word\n", "item 1"),  # an item that is not a mapping
        (GOOD_ALERT.replace("KOR", "KOREA").encode(), "item 1, issuing_country"),
        ((GOOD_ALERT + "  colour: red\n").encode(), "item 1, colour"),  # unknown field
        (b"\xff\xfe- alert", "not UTF-8"),  # not UTF-8
    ],
)
def test_a_damaged_alerts_file_is_refused_clearly_and_pull_changes_nothing(
    tmp_path: Path, text: bytes, says: str
) -> None:
    path = tmp_path / "partner_alerts.yaml"
    path.write_bytes(text)
    before = path.read_bytes()
    with pytest.raises(ValidationError) as caught:
        read_partner_alerts(path)
    message = str(caught.value)
    assert str(path) in message and says in message
    assert caught.value.fix and "Traceback" not in message
    node = _FakeInbox()
    with pytest.raises(ValidationError):
        pull_gateway_alerts(node, path)
    assert path.read_bytes() == before  # nothing written
    assert node.acknowledged == []  # the alert stays in the inbox for the next pull


def test_pull_keeps_earlier_alerts_and_acknowledges_after_writing(tmp_path: Path) -> None:
    path = tmp_path / "partner_alerts.yaml"
    path.write_text(GOOD_ALERT, encoding="utf-8")
    node = _FakeInbox()
    added = pull_gateway_alerts(node, path)
    assert [a.alert_id for a in added] == ["KR-ALERT-0007/854231", "KR-ALERT-0007/8517"]
    assert [a.alert_id for a in read_partner_alerts(path)][0] == "KR-1"
    assert node.acknowledged == ["m-1"]


def test_kept_alerts_default_file_and_rereading(
    isolated_settings: Settings, tmp_path: Path
) -> None:
    default = default_alerts_file()
    assert default == isolated_settings.home / "risk" / "partner_alerts.yaml"
    assert kept_alerts() == ()  # nothing pulled yet: no alerts, no error
    with pytest.raises(ValidationError, match="cannot read"):
        kept_alerts(tmp_path / "missing.yaml")  # a file named explicitly must exist
    default.parent.mkdir(parents=True)
    default.write_text(GOOD_ALERT, encoding="utf-8")
    assert [a.alert_id for a in kept_alerts()] == ["KR-1"]
    settled = time.time_ns() - 5_000_000_000
    os.utime(default, ns=(settled, settled))
    assert kept_alerts() is kept_alerts()  # unchanged, settled file: not read again
    default.write_text(GOOD_ALERT + GOOD_ALERT.replace("KR-1", "KR-2"), encoding="utf-8")
    assert [a.alert_id for a in kept_alerts()] == ["KR-1", "KR-2"]


def test_active_alerts_overlap_the_dates() -> None:
    alert = alerts_from_document("KOR", ALERT)[0]  # 2025-03-01 .. 2025-04-30
    assert active_alerts([alert], dt.date(2025, 4, 30), dt.date(2025, 5, 3)) == [alert]
    assert active_alerts([alert], dt.date(2025, 2, 1), dt.date(2025, 3, 1)) == [alert]
    assert active_alerts([alert], dt.date(2025, 5, 1), dt.date(2025, 5, 3)) == []
    assert active_alerts([alert], dt.date(2025, 1, 1), dt.date(2025, 2, 28)) == []


def test_pull_finds_an_alert_behind_a_full_page_of_other_documents(
    make_node: Callable[..., Any], serve: Callable[..., object], tmp_path: Path,  # noqa: F811
) -> None:
    from tests.exchange import samples

    vietnam, thailand = make_node("VNM"), make_node("THA")
    link(vietnam, thailand)
    serve(thailand)
    # Form Ds the back office has not acknowledged yet come first in the inbox.
    vietnam.send_many("atiga-form-d", [samples.form_d() for _ in range(1000)], receiver="THA")
    alert_id = vietnam.send("risk-alert", ALERT, receiver="THA")
    vietnam.dispatch_until_idle()
    wait_delivered(vietnam, [alert_id])
    added = pull_gateway_alerts(thailand, tmp_path / "alerts.yaml")
    assert [a.alert_id for a in added] == ["KR-ALERT-0007/854231", "KR-ALERT-0007/8517"]
    assert len(thailand.inbox(limit=2000)) == 1000  # the Form Ds stay for the back office
