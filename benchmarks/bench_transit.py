"""Benchmark: ACTS movements through their whole life across three gateway nodes.

As deployed, six processes besides this one: a gateway node per administration (VNM, LAO, THA:
``python -m haiquan.exchange serve``) and a transit node beside each (``python -m
haiquan.transit run``: hands the transit outbox to its gateway, applies what the gateway
received). This process plays the officers: VNM declares and releases ``--movements``
movements (VNDAD001 > LADSH001 > THMDH001 > THBKK001), LAO records the crossing at Densavan,
THA the crossing at Mukdahan, the arrival and the control results; every message between the
administrations goes through the gateways (signed, validated, receipted), until VNM has
discharged every movement and LAO and THA have applied the write-off notices.

Figures printed:

* messages per second end to end: transit messages carried between administrations (eight per
  movement) divided by the wall time from the first declaration to the last write-off applied;
* p99 (and p50) from release at departure to the anticipated transit record stored at the next
  office (LAO), both read from the stores' timestamps (one machine, one clock);
* the open-movements page's queries (the first 100 open movements, oldest time limit first, with
  the total; and the overview by route and crossing) on a store holding ``--open`` open
  movements (default 100,000), median of 5 runs; target < 200 ms. Those rows are written in bulk
  for the measurement (SYNTHETIC), not carried through the gateways.

All movements are SYNTHETIC.

    .venv/bin/python benchmarks/bench_transit.py [--movements 2000] [--open 100000]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import func, insert, select

from haiquan.exchange import GatewayNode
from haiquan.transit import GuaranteeCreate, Role, State, TransitService, TransitStore
from haiquan.transit.generator import synthetic_declarations
from haiquan.transit.queries import open_movements, transit_overview
from haiquan.transit.store import events, movements, outbox

COUNTRIES = ("VNM", "LAO", "THA")
ROUTE = ("VNDAD001", ["LADSH001", "THMDH001"], "THBKK001")


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ))


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("a gateway process died at start-up")
        try:
            if httpx.get(url + "/exchange/v1/node", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


def _count(service: TransitService, role: Role, state: State) -> int:
    with service.store.read() as conn:
        return int(conn.execute(select(func.count()).where(
            movements.c.role == role.value, movements.c.state == state.value)).scalar() or 0)


def _wait(what: str, done: callable, timeout: float) -> None:  # type: ignore[valid-type]
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.2)


def lifecycle(count: int, folder: Path) -> None:
    nodes = {c: GatewayNode.init(folder / f"gw-{c}", country=c,
                                 endpoint=f"http://127.0.0.1:{_port()}") for c in COUNTRIES}
    for a in nodes.values():
        for b in nodes.values():
            if a is not b:
                a.add_partner(b.country, b.config.endpoint, jwks=b.jwks())
    processes = []
    try:
        for node in nodes.values():
            port = node.config.endpoint.rsplit(":", 1)[1]
            processes.append(_start([sys.executable, "-m", "haiquan.exchange", "serve",
                                     "--home", str(node.home), "--port", port],
                                    folder / f"serve-{node.country}.log"))
        for node, process in zip(nodes.values(), processes, strict=True):
            _wait_ready(node.config.endpoint, process)
        urls = {c: f"sqlite:///{folder}/transit-{c}.sqlite" for c in COUNTRIES}
        services = {c: TransitService(TransitStore(urls[c]), c) for c in COUNTRIES}
        for c in COUNTRIES:
            processes.append(_start([sys.executable, "-m", "haiquan.transit", "run",
                                     "--country", c, "--gateway-home", str(nodes[c].home),
                                     "--database-url", urls[c], "--interval", "0.05"],
                                    folder / f"transit-{c}.log"))
        vnm, lao, tha = services["VNM"], services["LAO"], services["THA"]
        declarations = list(synthetic_declarations("VNM", count, seed=11))
        holders = {d.holder.identification for d in declarations}
        for holder in holders:
            vnm.register_guarantee(GuaranteeCreate(reference=f"GRN-{holder}", holder=holder,
                                                   reference_amount_usd=1e10, synthetic=True))
        start = time.perf_counter()
        mrns = []
        for declaration in declarations:
            fixed = declaration.model_copy(update={
                "office_of_departure": ROUTE[0], "offices_of_transit": ROUTE[1],
                "office_of_destination": ROUTE[2]})
            mrn = vnm.declare(fixed).mrn
            vnm.release(mrn)
            mrns.append(mrn)
        officers = time.perf_counter() - start
        print(f"VNM officers: {count:,} declared and released in {officers:.1f} s")
        _wait("anticipated records", lambda: _count(lao, Role.TRANSIT, State.ANTICIPATED)
              == count and _count(tha, Role.DESTINATION, State.ANTICIPATED) == count,
              600 + count)
        for mrn in mrns:
            lao.record_crossing(mrn, "LADSH001")
            tha.record_crossing(mrn, "THMDH001")
            tha.record_arrival(mrn, "THBKK001")
            tha.record_control(mrn, satisfactory=True)
        _wait("discharge at VNM", lambda: _count(vnm, Role.DEPARTURE, State.DISCHARGED)
              == count, 600 + count)
        _wait("write-off at LAO and THA", lambda: _count(lao, Role.TRANSIT, State.DISCHARGED)
              == count and _count(tha, Role.DESTINATION, State.DISCHARGED) == count,
              600 + count)
        elapsed = time.perf_counter() - start
        carried = 0
        for service in services.values():
            with service.store.read() as conn:
                carried += int(conn.execute(select(func.count()).select_from(outbox))
                               .scalar() or 0)
        with vnm.store.read() as conn:
            released = dict(conn.execute(select(movements.c.mrn, movements.c.released_at)
                                         .where(movements.c.role == "departure")).all())
        with lao.store.read() as conn:
            stored = dict(conn.execute(select(events.c.mrn, events.c.at).where(
                events.c.kind == "anticipated", events.c.role == "transit")).all())
        delays = sorted((stored[m] - released[m]).total_seconds() * 1000 for m in mrns)
        p50 = statistics.median(delays)
        p99 = delays[min(len(delays) - 1, int(0.99 * len(delays)))]
        print(f"movements: {count:,} through their life across VNM > LAO > THA in "
              f"{elapsed:.1f} s ({count / elapsed:,.1f} movements/s)")
        print(f"messages carried between administrations: {carried:,} "
              f"({carried / count:.0f} per movement), {carried / elapsed:,.1f} msgs/s end to end")
        print(f"release -> anticipated transit record stored at LAO: p50 {p50:,.0f} ms, "
              f"p99 {p99:,.0f} ms")
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def page_query(open_count: int, folder: Path) -> None:
    store = TransitStore(f"sqlite:///{folder}/open-{uuid.uuid4().hex[:6]}.sqlite")
    declaration = next(synthetic_declarations("VNM", 1, seed=5)).model_dump_json()
    routes = [("VNDAD001", "LADSH001,THMDH001", "THBKK001"), ("VNSGN001", "LADSH001",
                                                               "LAVTE001")]
    import datetime as dt

    base = dt.date(2026, 12, 1)
    states = ["released", "in_transit", "arrived", "overdue", "enquiry", "accepted"]
    rows = []
    for i in range(open_count):
        departure, transit, destination = routes[i % 2]
        rows.append({"mrn": f"26VN{i:013d}0", "role": "departure", "state": states[i % 6],
                     "lrn": f"SYN-{i}", "office_of_departure": departure,
                     "offices_of_transit": transit, "office_of_destination": destination,
                     "holder": f"SYNVNM{i % 50:03d}", "guarantee_reference": f"GRN-{i % 50}",
                     "amount_engaged_usd": 1000.0 + i % 997,
                     "time_limit": base + dt.timedelta(days=i % 30),
                     "released_at": dt.datetime(2026, 11, 20), "declaration": declaration,
                     "synthetic": True})
    with store.write() as conn:
        for chunk in range(0, len(rows), 10_000):
            conn.execute(insert(movements), rows[chunk:chunk + 10_000])
    timings: dict[str, list[float]] = {"page": [], "overview": []}
    for _ in range(5):
        t0 = time.perf_counter()
        page = open_movements(store, limit=100)
        timings["page"].append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        view = transit_overview(store, on=base)
        timings["overview"].append((time.perf_counter() - t0) * 1000)
    assert page.total == open_count and view.open == open_count
    print(f"open-movements page with {open_count:,} open (SYNTHETIC): first 100 + total "
          f"{statistics.median(timings['page']):.0f} ms, overview by route and crossing "
          f"{statistics.median(timings['overview']):.0f} ms (median of 5; target < 200 ms)")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--movements", type=int, default=2000)
    parser.add_argument("--open", type=int, default=100_000)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-transit-") as tmp:
        folder = Path(tmp)
        if args.open:
            page_query(args.open, folder)
        if args.movements:
            lifecycle(args.movements, folder)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
