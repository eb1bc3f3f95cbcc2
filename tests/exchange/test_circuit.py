"""The partner circuit on its own: open, held, probed, half-open, closed, resumed, forgotten.

The circuit works on a real node's store and trust; only the network probe is a function the
test scripts (which answers, which does not), so no partner process is needed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from haiquan.exchange import GatewayNode
from haiquan.exchange.circuit import PartnerCircuit
from haiquan.exchange.monitoring import partner_reachability

from . import samples
from .conftest import NodeFactory, link


class ScriptedProbe:
    """Answers each probe with the next scripted result (None: the partner answers)."""

    def __init__(self, *answers: str | None) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    def __call__(self, country: str) -> str | None:
        self.asked.append(country)
        return self.answers.pop(0)


def _circuit(node: GatewayNode, probe: Callable[[str], str | None]) -> PartnerCircuit:
    return PartnerCircuit(
        store=node.store,
        trust=node.trust,
        config=node.config,
        worker_id=node.worker_id,
        log=node.log,
        probe=probe,
    )


def _states(node: GatewayNode) -> dict[str, tuple[str, str | None]]:
    return {p.partner: (p.state, p.last_error) for p in partner_reachability(node.store)}


def _wait_for_probe(circuit: PartnerCircuit, partner: str) -> None:
    time.sleep(max(circuit.outages[partner].until - time.time(), 0) + 0.01)


def test_an_open_circuit_holds_its_messages_until_the_probe(make_node: NodeFactory) -> None:
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    mid = vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    probe = ScriptedProbe()
    circuit = _circuit(vnm, probe)
    assert circuit.check() == [] and not circuit.is_open("THA")
    circuit.open("THA", "connection refused")
    assert circuit.is_open("THA") and circuit.outages["THA"].failures == 1
    assert _states(vnm) == {"THA": ("down", "connection refused")}
    # Before its probe is due the partner is left alone: not probed, its messages not claimed.
    assert circuit.check() == ["THA"] and probe.asked == []
    view = vnm.message(mid)
    assert view.next_attempt_at is not None
    assert view.next_attempt_at.timestamp() == pytest.approx(circuit.outages["THA"].until)
    assert view.last_error and "THA unreachable since" in view.last_error


def test_a_failed_probe_keeps_it_open_further_off(make_node: NodeFactory) -> None:
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    probe = ScriptedProbe("still refused")
    circuit = _circuit(vnm, probe)
    circuit.open("THA", "connection refused")
    since = circuit.outages["THA"].since
    _wait_for_probe(circuit, "THA")
    assert circuit.check() == ["THA"]
    outage = circuit.outages["THA"]
    assert probe.asked == ["THA"]
    assert (outage.failures, outage.reason, outage.since) == (2, "still refused", since)
    assert _states(vnm) == {"THA": ("down", "still refused")}


def test_an_answering_partner_is_half_open_until_a_message_reaches_it(
    make_node: NodeFactory,
) -> None:
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    circuit = _circuit(vnm, ScriptedProbe(None))
    circuit.open("THA", "connection refused")
    _wait_for_probe(circuit, "THA")
    # Its probe answered and a message waits: it goes out, but the partner is not yet back.
    assert circuit.check() == []
    assert circuit.outages["THA"].answering
    assert _states(vnm)["THA"][0] == "down"
    circuit.close("THA", "its messages are delivered")
    assert not circuit.is_open("THA") and _states(vnm)["THA"][0] == "up"


def test_a_half_open_partner_failing_again_is_open_again(make_node: NodeFactory) -> None:
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    circuit = _circuit(vnm, ScriptedProbe(None))
    circuit.open("THA", "connection refused")
    _wait_for_probe(circuit, "THA")
    circuit.check()
    circuit.open("THA", "answered HTTP 503")
    outage = circuit.outages["THA"]
    assert not outage.answering and outage.failures == 2
    assert circuit.check() == ["THA"]


def test_an_answering_partner_with_nothing_waiting_is_closed(make_node: NodeFactory) -> None:
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    circuit = _circuit(vnm, ScriptedProbe(None))
    circuit.open("THA", "connection refused")
    _wait_for_probe(circuit, "THA")
    assert circuit.check() == []
    assert not circuit.is_open("THA") and _states(vnm)["THA"][0] == "up"


def test_a_new_worker_takes_up_a_partner_recorded_down_and_probes_it_first(
    make_node: NodeFactory,
) -> None:
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    _circuit(vnm, ScriptedProbe()).open("THA", "connection refused")
    probe = ScriptedProbe("still refused")
    restarted = _circuit(vnm, probe)
    assert restarted.check() == ["THA"]
    assert probe.asked == ["THA"]  # probed at once, before anything is signed for it
    assert restarted.trust_generation == vnm.trust.generation


def test_a_partner_gone_from_trust_is_forgotten_and_its_messages_fail(
    make_node: NodeFactory,
) -> None:
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    mid = vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    circuit = _circuit(vnm, ScriptedProbe())
    circuit.open("THA", "connection refused")
    del vnm.trust.partners["THA"]
    assert circuit.check() == []
    assert not circuit.is_open("THA") and _states(vnm) == {}
    view = vnm.message(mid)
    assert view.state == "failed" and view.last_error and "THA" in view.last_error
