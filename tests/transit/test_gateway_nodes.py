"""Three gateway nodes (VNM, LAO, THA) on loopback, each a real ``serve`` process, and three
transit node processes (``python -m haiquan.transit run``) carrying movements between them.

Officers act in this process on the same stores; every message between administrations goes
through the gateways (signed, validated as its ``transit-*`` document type, receipted).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from haiquan.exchange import GatewayNode
from haiquan.transit import GuaranteeCreate, Role, State, TransitService, TransitStore

from ..exchange.conftest import NodeProcess, free_port, link
from .conftest import Clock, declaration

pytestmark = pytest.mark.slow

COUNTRIES = ("VNM", "LAO", "THA")


class TransitProcess:
    """``python -m haiquan.transit run`` for one administration."""

    def __init__(self, country: str, gateway_home: Path, url: str, log: Path) -> None:
        self.args = [sys.executable, "-m", "haiquan.transit", "run", "--country", country,
                     "--gateway-home", str(gateway_home), "--database-url", url,
                     "--interval", "0.1"]
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> TransitProcess:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(self.args, stdout=out, stderr=subprocess.STDOUT,
                                            env=dict(os.environ))
        return self

    def kill(self) -> None:
        """SIGKILL: no clean-up, as a crash."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def network(tmp_path: Path, clock: Clock) -> Iterator[dict[str, object]]:
    nodes = {c: GatewayNode.init(tmp_path / f"gw-{c}-{uuid.uuid4().hex[:4]}", country=c,
                                 endpoint=f"http://127.0.0.1:{free_port()}",
                                 retry_base_seconds=0.2, retry_max_seconds=1.0,
                                 request_timeout_seconds=5.0) for c in COUNTRIES}
    link(*nodes.values())
    servers = [NodeProcess(n.home, int(n.config.endpoint.rsplit(":", 1)[1])).start(wait=False)
               for n in nodes.values()]
    for server in servers:
        server.wait_ready(timeout=120)  # three starting at once on a loaded machine
    urls = {c: f"sqlite:///{tmp_path}/transit-{c}.sqlite" for c in COUNTRIES}
    services = {c: TransitService(TransitStore(urls[c]), c, clock=clock) for c in COUNTRIES}
    workers = {c: TransitProcess(c, nodes[c].home, urls[c], tmp_path / f"transit-{c}.log")
               .start() for c in COUNTRIES}
    yield {"services": services, "workers": workers, "tmp": tmp_path}
    for worker in workers.values():
        worker.kill()
    for server in servers:
        server.kill()
    for service in services.values():
        service.store.close()
    for node in nodes.values():
        node.close()


def wait_for(what: Callable[[], bool], message: str, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting: {message}")
        time.sleep(0.1)


def state(service: TransitService, mrn: str, role: Role) -> State | None:
    try:
        return service.movement(mrn, role).state
    except Exception:
        return None


def test_a_movement_across_three_gateways_survives_a_killed_transit_node(
        network: dict[str, object]) -> None:
    services: dict[str, TransitService] = network["services"]  # type: ignore[assignment]
    workers: dict[str, TransitProcess] = network["workers"]  # type: ignore[assignment]
    vnm, lao, tha = services["VNM"], services["LAO"], services["THA"]
    vnm.register_guarantee(GuaranteeCreate(reference="GRN-VN-1", holder="VN0101",
                                           reference_amount_usd=60_000))
    mrn = vnm.declare(declaration()).mrn
    vnm.release(mrn)
    wait_for(lambda: state(tha, mrn, Role.DESTINATION) is State.ANTICIPATED
             and state(lao, mrn, Role.TRANSIT) is State.ANTICIPATED, "anticipated records")
    # the guarantee is exhausted while the movement is open
    with pytest.raises(Exception, match="cannot cover"):
        vnm.declare(declaration(lrn="LRN-2"))
    # the VNM transit node dies while the crossing notifications are on their way
    workers["VNM"].kill()
    lao.record_crossing(mrn, "LADSH001")
    tha.record_crossing(mrn, "THMDH001")
    time.sleep(1.0)
    assert state(vnm, mrn, Role.DEPARTURE) is State.RELEASED  # nobody applied them yet
    workers["VNM"].start()
    wait_for(lambda: vnm.movement(mrn).last_crossing == "THMDH001"
             and state(vnm, mrn, Role.DEPARTURE) is State.IN_TRANSIT, "both crossings")
    # and the THA node dies with the arrival advice and control results in its outbox
    workers["THA"].kill()
    tha.record_arrival(mrn, "THBKK001")
    tha.record_control(mrn, satisfactory=True)
    workers["THA"].start()
    wait_for(lambda: state(vnm, mrn, Role.DEPARTURE) is State.DISCHARGED, "discharge")
    wait_for(lambda: state(lao, mrn, Role.TRANSIT) is State.DISCHARGED
             and state(tha, mrn, Role.DESTINATION) is State.DISCHARGED, "write-off notices")
    history = [e.kind for e in vnm.movement(mrn).events]
    assert history == ["accept", "release", "crossing", "crossing", "arrival_advice",
                       "control_satisfactory"]
    # released: the guarantee covers the next one
    assert vnm.declare(declaration(lrn="LRN-2")).state is State.ACCEPTED


def test_an_overdue_movement_through_enquiry_and_recovery(
        network: dict[str, object], clock: Clock) -> None:
    services: dict[str, TransitService] = network["services"]  # type: ignore[assignment]
    vnm, lao, tha = services["VNM"], services["LAO"], services["THA"]
    vnm.register_guarantee(GuaranteeCreate(reference="GRN-VN-1", holder="VN0101",
                                           reference_amount_usd=100_000))
    mrn = vnm.declare(declaration()).mrn
    vnm.release(mrn)
    wait_for(lambda: state(tha, mrn, Role.DESTINATION) is State.ANTICIPATED, "record")
    clock.advance(days=9)
    assert vnm.check_deadlines()["overdue"] == [mrn]
    clock.advance(days=7)
    assert vnm.check_deadlines()["enquiry"] == [mrn]
    wait_for(lambda: state(vnm, mrn, Role.DEPARTURE) is State.RECOVERY, "enquiry reply")
    wait_for(lambda: state(lao, mrn, Role.TRANSIT) is State.RECOVERED
             and state(tha, mrn, Role.DESTINATION) is State.RECOVERED, "recovery notices")
    assert vnm.guarantee("GRN-VN-1").engaged_usd == 60_000
    assert vnm.record_recovered(mrn, "duties paid").state is State.RECOVERED
    assert vnm.guarantee("GRN-VN-1").engaged_usd == 0
