"""Partner reachability in the store (``gw_partner_state``): written by the worker that finds a
partner down or back, read by ``gateway status``, the API and the dashboard in other processes,
and taken up again by a worker that starts."""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

import pytest
import typer
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from haiquan.cli.gateway import register
from haiquan.errors import ConfigurationError
from haiquan.exchange import GatewayNode, GatewayStore, partner_reachability
from haiquan.exchange.trust import TrustStore
from haiquan.migrations import database_upgrade

from . import samples
from .conftest import NodeFactory, link

app = typer.Typer()
register(app)

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def status(home: Path, *options: str) -> str:
    result = CliRunner().invoke(app, ["gateway", "status", "--home", str(home), *options],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def wait_for_state(home: Path, partner: str, state: str, timeout: float = 60.0) -> dict:
    """``gateway status --json``'s entry for ``partner`` once it is in ``state``."""
    deadline = time.monotonic() + timeout
    while True:
        found = {p["partner"]: p for p in json.loads(status(home, "--json"))["partners"]}
        if found.get(partner, {}).get("state") == state:
            return found[partner]
        assert time.monotonic() < deadline, f"{partner} never {state}: {found}"
        time.sleep(0.2)


def test_status_lists_a_partner_a_serving_worker_found_down_then_back(
    make_node: NodeFactory, serve
) -> None:
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    assert json.loads(status(vnm.home, "--json"))["partners"] == []
    mid = vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    # A real worker in its own process; THA's port is closed, so THA is really down.
    serve(vnm, receive=False)
    down = wait_for_state(vnm.home, "THA", "down")
    assert "cannot be reached" in down["last_error"]
    assert down["since"] <= down["last_checked"]
    table = status(vnm.home)
    assert "Partners found down" in table and "THA" in table and "down" in table
    # Each failed probe is a check; the outage keeps the time it began.
    deadline = time.monotonic() + 30
    while (again := wait_for_state(vnm.home, "THA", "down"))["last_checked"] == \
            down["last_checked"]:
        assert time.monotonic() < deadline, "no probe was recorded"
        time.sleep(0.2)
    assert again["since"] == down["since"]

    serve(tha)
    up = wait_for_state(vnm.home, "THA", "up")
    assert up["since"] > down["since"] and up["last_checked"] >= up["since"]
    assert "cannot be reached" in up["last_error"]  # what the outage was, kept for the record
    assert vnm.message(mid).state == "delivered"


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_outage_keeps_its_start_and_a_change_restarts_since(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (request.getfixturevalue("pg_schema")() if backend == "postgresql"
           else f"sqlite:///{tmp_path / 'gw.db'}")
    store = GatewayStore(url)
    store.record_partner_state("THA", "down", since=100.0, error="refused", checked_at=100.0)
    store.record_partner_state("THA", "down", since=150.0, error="timeout", checked_at=160.0)
    (tha,) = partner_reachability(store)
    assert (tha.state, tha.since.timestamp(), tha.last_error, tha.last_checked.timestamp()) == (
        "down", 100.0, "timeout", 160.0)
    store.record_partner_state("THA", "up", since=200.0, checked_at=200.0)
    store.record_partner_state("MYS", "down", since=210.0, error="refused", checked_at=210.0)
    mys, tha = partner_reachability(store)  # down first
    assert (mys.partner, mys.state) == ("MYS", "down")
    assert (tha.state, tha.since.timestamp(), tha.last_error) == ("up", 200.0, "timeout")
    with pytest.raises(ValueError, match="up or down"):
        store.record_partner_state("THA", "sideways", since=0.0)
    store.close()


def test_an_old_database_without_the_table_gains_it_on_upgrade(make_node: NodeFactory) -> None:
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    home, url = vnm.home, vnm.database_url
    vnm.close()
    old = GatewayStore(url)
    with old.engine.begin() as conn:  # as a node made before the table (and versions) existed
        conn.execute(text("DROP TABLE gw_partner_state"))
        conn.execute(text("DROP TABLE haiquan_gateway_version"))
    assert "gw_partner_state" not in inspect(old.engine).get_table_names()
    old.close()
    with pytest.raises(ConfigurationError, match="older than this haiquan"):
        GatewayNode.from_home(home)
    (report,) = database_upgrade(["gateway"], gateway_home=home)
    assert report.after is not None and report.after.state == "current"
    with GatewayNode.from_home(home) as reopened:
        assert reopened.summary().partners == []
        assert reopened.summary().outbox["pending"] == 1
        reopened.dispatch_once()  # THA's port is closed
        assert [(p.partner, p.state) for p in reopened.summary().partners] == [("THA", "down")]


def test_a_starting_worker_takes_up_a_recorded_outage(
    make_node: NodeFactory, serve, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="haiquan.exchange")
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    assert vnm.dispatch_once().unreachable == {"THA"}
    vnm.close()  # the worker stops while THA is down
    with GatewayNode.from_home(vnm.home) as restarted:
        assert restarted.dispatch_once().claimed == 0  # probed first: still down, nothing signed
        assert "THA" in restarted.partners_down
        assert "partner THA was found down at" in caplog.text
        serve(tha)
        time.sleep(max(restarted.partners_down["THA"].until - time.time(), 0) + 0.01)
        assert restarted.dispatch_once().delivered == 1
        (found,) = restarted.summary().partners
        assert found.state == "up" and "THA" not in restarted.partners_down


def test_a_partner_answering_with_nothing_waiting_is_recorded_back(
    make_node: NodeFactory, serve
) -> None:
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    assert vnm.dispatch_once().unreachable == {"THA"}
    serve(tha)
    # Another worker delivers THA's message meanwhile; this one only probes.
    with GatewayNode.from_home(vnm.home) as other:
        # it started before the outage and never saw it
        other.partner_states_trust = other.trust.generation
        assert other.dispatch_once().delivered == 1
    time.sleep(max(vnm.partners_down["THA"].until - time.time(), 0) + 0.01)
    assert vnm.dispatch_once().claimed == 0
    assert "THA" not in vnm.partners_down
    assert [(p.partner, p.state) for p in vnm.summary().partners] == [("THA", "up")]


def _untrust(node: GatewayNode, partner: str) -> None:
    """Remove ``partner`` from ``node``'s trust.yaml, as an operator editing it would."""
    path = node.home / "trust.yaml"
    trust = TrustStore.load(path)
    del trust.partners[partner]
    trust.save()
    stamp = path.stat().st_mtime + 1  # a change the running node sees, whatever the clock
    os.utime(path, (stamp, stamp))


def test_a_partner_removed_from_trust_while_down_is_forgotten_and_its_messages_fail(
    make_node: NodeFactory,
) -> None:
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    mid = vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    assert vnm.dispatch_once().unreachable == {"THA"}  # THA's port is closed
    _untrust(vnm, "THA")
    vnm.dispatch_once()
    # Not "down, held until it answers" for ever: it is no partner any more.
    assert vnm.summary().partners == [] and "THA" not in vnm.partners_down
    failed = vnm.message(mid)
    assert failed.state == "failed" and "not a trusted partner" in (failed.last_error or "")
    assert failed.attempts == 1  # the one real attempt; forgetting sends nothing


def test_a_partner_removed_from_trust_after_coming_back_up_is_forgotten_by_the_running_worker(
    make_node: NodeFactory,
) -> None:
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    vnm.store.record_partner_state("THA", "up", since=time.time())  # found down, then back
    vnm.dispatch_once()
    assert [(p.partner, p.state) for p in vnm.summary().partners] == [("THA", "up")]
    _untrust(vnm, "THA")
    vnm.dispatch_once()  # the same worker, no restart
    assert vnm.summary().partners == []


def test_a_partner_removed_from_trust_is_forgotten_when_the_receiver_read_the_change_first(
    make_node: NodeFactory,
) -> None:
    # In `serve` the receiver and the dispatcher share one trust store: a request arriving
    # between the edit and the dispatcher's next pass takes the change of trust.yaml first.
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    vnm.store.record_partner_state("THA", "up", since=time.time())  # found down, then back
    vnm.dispatch_once()
    _untrust(vnm, "THA")
    vnm.receive_body(json.dumps({"messages": ["not-a-jws"]}).encode())  # any incoming request
    assert "THA" not in vnm.trust.partners
    vnm.dispatch_once()  # the same worker, no restart
    assert vnm.summary().partners == []


def test_a_starting_worker_forgets_a_recorded_partner_no_longer_trusted(
    make_node: NodeFactory,
) -> None:
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    mid = vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    assert vnm.dispatch_once().unreachable == {"THA"}
    vnm.close()  # the worker stops while THA is down, and THA is removed meanwhile
    _untrust(vnm, "THA")
    with GatewayNode.from_home(vnm.home) as restarted:
        restarted.dispatch_once()
        assert restarted.summary().partners == [] and restarted.partners_down == {}
        assert restarted.message(mid).state == "failed"


def test_a_down_partner_no_worker_checked_lately_is_marked_stale(make_node: NodeFactory) -> None:
    # A worker probes a down partner at least every retry_max_seconds; a longer silence means no
    # worker is running, and "down" is only what was last seen.
    vnm = make_node("VNM")
    limit = vnm.stale_after_seconds
    assert limit == max(60.0, 2 * vnm.config.retry_max_seconds)
    now = time.time()
    vnm.store.record_partner_state("THA", "down", since=now - 3 * limit, error="refused",
                                   checked_at=now - limit - 60)
    vnm.store.record_partner_state("MYS", "down", since=now - 3 * limit, error="refused",
                                   checked_at=now - 5)
    vnm.store.record_partner_state("SGP", "up", since=now - limit - 60,
                                   checked_at=now - limit - 60)
    stale = {p.partner: p.stale for p in vnm.summary().partners}
    assert stale == {"THA": True, "MYS": False, "SGP": False}  # an old "up" is not a worry
    home = vnm.home
    vnm.close()
    shown = " ".join(status(home).split())
    assert "down (stale)" in shown and "no worker has checked THA" in shown
    assert "gateway serve" in shown and "MYS" not in shown.split("no worker")[1]
    assert json.loads(status(home, "--json"))["partners"][1]["stale"] is True  # THA after MYS
