"""Benchmark: sustained signed, persisted, receipted messages per second between two nodes.

Target (issue 5): at least 1,000 messages/s with p99 latency under 100 ms, and zero lost or
duplicated across a crash. Three processes, as deployed: this one is the
back office queueing documents at the offered rate with ``node.send_many`` every 10 ms
(validate, envelope, outbox rows in one transaction); the
sending node's worker (``python -m haiquan.exchange serve --no-receive``) delivers the outbox;
the receiving node (THA) is another ``serve`` process on 127.0.0.1. Latency is from
``send`` (the envelope's creation) to the moment the sender has stored the receiver's verified
signed receipt. A second, shorter run kills the receiver with SIGKILL half-way and restarts
it; afterwards the receiver's inbox is compared with what was sent. A third run offers far more
than the nodes can carry (``--capacity-rate``) and reports what they delivered: the capacity, to
compare with the offered rate of the steady run (the headroom). Documents are SYNTHETIC
risk alerts.

Each row gives the machine's load average when it ended and the CPU time of each process per
message: other jobs on a shared machine slow the nodes down, and the CPU figures say how much of
the wall-clock result is the gateway's own cost.

    .venv/bin/python benchmarks/bench_gateway.py [--rate 1000] [--seconds 10]
        [--crash-seconds 6] [--capacity-rate 4000] [--capacity-seconds 5]
        [--backends sqlite,postgresql] [--dispatchers 1] [--batch 200] [--tick 0.01]
        [--binding jws,as4]

``--binding`` chooses the wire binding of the two nodes: ``jws`` (haiquan-c2c/1, the default),
``as4`` (eDelivery AS4: every message signed RSA-SHA256, gzip-compressed, AES-128-GCM
encrypted, one HTTP request and one signed receipt each) or both, row by row in one run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import func, select

from haiquan.exchange import GatewayNode
from haiquan.exchange.tables import inbox, outbox

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _alert(i: int) -> dict[str, object]:
    return {
        "alert_id": f"SYN-RA-{i:08d}",
        "risk_category": "undervaluation",
        "severity": "medium",
        "issued_at": "2026-11-25T08:00:00Z",
        "shipment": {"transport_document": f"SYNBL{i:08d}", "container_ids": ["MSCU1234566"],
                     "port_of_loading": "VNSGN", "port_of_discharge": "THLCH",
                     "hs_codes": ["610910"]},
        "indicators": ["SYNTHETIC benchmark alert"],
        "requested_action": "inform",
    }


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ServerCpu:
    """CPU used by the PostgreSQL server's processes (every ``postgres`` process on the
    machine) while a run lasts, sampled every 0.2 s so backends that exit are counted too."""

    def __init__(self) -> None:
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stop = threading.Event()
        self._sample(initial=True)
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _sample(self, initial: bool = False) -> None:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if (entry / "comm").read_text().strip() != "postgres":
                    continue
                cpu = _cpu_seconds(int(entry.name))
            except OSError:
                continue
            pid = int(entry.name)
            # A process present at the start counts from then; one started later from its
            # start (a backend of one of the nodes' connections).
            self.first.setdefault(pid, cpu if initial else 0.0)
            self.last[pid] = cpu

    def _loop(self) -> None:
        while not self.stop.wait(0.2):
            self._sample()

    def seconds(self) -> float:
        self.stop.set()
        self.thread.join()
        self._sample()
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


class Node:
    """A node served by its own process."""

    def __init__(self, home: Path, port: int, *extra: str) -> None:
        self.home, self.port, self.extra = home, port, extra
        self.proc: subprocess.Popen[bytes] | None = None
        self.cpu_before = 0.0  # CPU of earlier incarnations (before a kill), after start-up
        self.cpu_at_start = 0.0  # CPU the current incarnation spent starting (imports)

    def start(self) -> None:
        self.log = self.home / f"serve-{self.port}.log"
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "haiquan.exchange", "serve", "--home", str(self.home),
                 "--port", str(self.port), *self.extra],
                stdout=log, stderr=subprocess.STDOUT,
            )
        if "--no-receive" in self.extra:
            time.sleep(3.0)  # no HTTP to poll: give the worker time to import and connect
            self.cpu_at_start = _cpu_seconds(self.proc.pid)
            return
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/exchange/v1/node", timeout=1)
                self.cpu_at_start = _cpu_seconds(self.proc.pid)
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError(f"receiver did not start:\n{self.log.read_text()[-2000:]}")

    def cpu(self) -> float:
        """CPU seconds used by this node, across restarts."""
        alive = self.proc is not None and self.proc.poll() is None
        now = _cpu_seconds(self.proc.pid) - self.cpu_at_start if alive and self.proc else 0.0
        return self.cpu_before + now

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.cpu_before += _cpu_seconds(self.proc.pid) - self.cpu_at_start
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()


def _link(sender: GatewayNode, receiver: GatewayNode, binding: str) -> None:
    """Make the two nodes trust each other over ``binding``."""
    if binding == "jws":
        sender.add_partner("THA", receiver.config.endpoint, jwks=receiver.jwks())
        receiver.add_partner("VNM", sender.config.endpoint, jwks=sender.jwks())
        return
    from haiquan.exchange.as4 import self_sign
    from haiquan.exchange.as4.binding import AS4_PATH, add_as4_partner

    for node in (sender, receiver):
        self_sign(node.home, node.country)
    for a, b in ((sender, receiver), (receiver, sender)):
        pem = (b.home / "as4" / "certificate.pem").read_text()
        add_as4_partner(a, b.country, b.config.endpoint + AS4_PATH, pem)


def run(backend: str, rate: float, seconds: float, dispatchers: int, batch: int,
        crash: bool, tick: float, linger: float, binding: str = "jws") -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    schemas: list[str] = []
    admin = None
    urls: list[str | None] = [None, None]
    if backend == "postgresql":
        import psycopg

        admin = psycopg.connect(PG_ADMIN, autocommit=True)
        for i in range(2):
            schemas.append(f"bench_{uuid.uuid4().hex[:8]}")
            admin.execute(f"CREATE SCHEMA {schemas[-1]}")
            urls[i] = PG_URL.format(schema=schemas[-1])
    nodes: list[Node] = []  # killed and cleaned up even when the run fails
    opened: list[GatewayNode] = []
    try:
        port = _port()
        sender = GatewayNode.init(work / "vnm", country="VNM", endpoint=f"http://127.0.0.1:{_port()}",
                                  database_url=urls[0], max_batch=batch, retry_base_seconds=0.05,
                                  retry_max_seconds=0.5, batch_linger_seconds=linger)
        receiver_node = GatewayNode.init(work / "tha", country="THA",
                                         endpoint=f"http://127.0.0.1:{port}", database_url=urls[1],
                                         max_batch=batch)
        opened.extend([sender, receiver_node])
        _link(sender, receiver_node, binding)
        receiver = Node(work / "tha", port)
        nodes.append(receiver)
        receiver.start()
        worker = Node(work / "vnm", _port(), "--no-receive", "--dispatchers", str(dispatchers))
        nodes.append(worker)
        worker.start()
        base_cpu = (worker.cpu(), receiver.cpu())
        server = ServerCpu() if backend == "postgresql" else None
        producer_cpu = time.process_time()
        total = int(rate * seconds)
        per_tick = max(1, round(rate * tick))
        sent: list[str] = []
        start = time.perf_counter()
        crashed_at = None
        i = 0
        while i < total:
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            # Everything due by now, at least one tick's worth: a back office that fell behind
            # (a slow commit) catches up in a larger send_many, as a real one would.
            behind = int((time.perf_counter() - start) * rate) - i
            count = min(max(per_tick, behind), batch, total - i)
            sent.extend(sender.send_many("risk-alert", [_alert(i + k) for k in range(count)],
                                         receiver="THA"))
            i += count
            if crash and crashed_at is None and i >= total // 2:
                receiver.kill()  # SIGKILL; the back office goes on queueing during the outage
                crashed_at = time.perf_counter() - start
                restart = threading.Thread(target=receiver.start)
                restart.start()
        offered_for = time.perf_counter() - start
        if crashed_at is not None:
            restart.join()
        producer_cpu = time.process_time() - producer_cpu
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with sender.store.read() as conn:
                left = conn.execute(
                    select(func.count()).where(outbox.c.state != "delivered")
                ).scalar()
            if not left:
                break
            time.sleep(0.05)
        worker_cpu, receiver_cpu = worker.cpu() - base_cpu[0], receiver.cpu() - base_cpu[1]
        server_cpu = server.seconds() if server is not None else 0.0
        worker.kill()
        with sender.store.read() as conn:
            rows = conn.execute(select(outbox.c.created_at, outbox.c.delivered_at, outbox.c.state)
                                .order_by(outbox.c.seq)).all()
        with receiver_node.store.read() as conn:
            received = [r[0] for r in conn.execute(select(inbox.c.message_id))]
        receiver.kill()
        created = np.array([r[0] for r in rows])
        done = np.array([r[1] if r[1] is not None else np.nan for r in rows])
        latency = (done - created) * 1000
        lost = len(set(sent) - set(received))
        duplicated = len(received) - len(set(received))
        result = {
            "sent": float(len(sent)),
            "offered_per_s": len(sent) / offered_for,
            "delivered_per_s": float(np.sum(~np.isnan(done)) / (np.nanmax(done) - created.min())),
            "p50_ms": float(np.nanpercentile(latency, 50)),
            "p95_ms": float(np.nanpercentile(latency, 95)),
            "p99_ms": float(np.nanpercentile(latency, 99)),
            "lost": float(lost),
            "duplicated": float(duplicated),
            "undelivered": float(np.sum(np.isnan(done))),
            "cpu_producer_s": producer_cpu,
            "cpu_worker_s": worker_cpu,
            "cpu_receiver_s": receiver_cpu,
            "cpu_server_s": server_cpu,
            "load": os.getloadavg()[0],
        }
    finally:
        for node in nodes:
            node.kill()
        for gateway in opened:
            gateway.close()
        if admin is not None:
            for schema in schemas:
                admin.execute(f"DROP SCHEMA {schema} CASCADE")
            admin.close()
        shutil.rmtree(work, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=1000.0, help="offered messages per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the steady run")
    parser.add_argument("--crash-seconds", type=float, default=6.0,
                        help="length of the crash run (0: skip it)")
    parser.add_argument("--capacity-rate", type=float, default=4000.0,
                        help="offered rate of the capacity run, above what the nodes carry")
    parser.add_argument("--capacity-seconds", type=float, default=5.0,
                        help="length of the capacity run (0: skip it)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--dispatchers", type=int, default=1)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--linger", type=float, default=0.02,
                        help="the sending node's batch_linger_seconds")
    parser.add_argument("--tick", type=float, default=0.01,
                        help="the back office queues what is due every TICK seconds (send_many)")
    parser.add_argument("--binding", default="jws",
                        help="wire binding(s), comma-separated: jws (haiquan-c2c/1), as4")
    args = parser.parse_args()
    print(f"gateway benchmark: VNM -> THA on 127.0.0.1, {args.dispatchers} dispatcher "
          f"thread(s), batch <= {args.batch}, linger {args.linger * 1000:.0f} ms; machine: "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    print(f"{'binding':<8} {'backend':<11} {'run':<8} {'sent':>6} {'offered/s':>10} "
          f"{'delivered/s':>12} "
          f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'lost':>5} {'dup':>4}  "
          f"CPU s (back office, sender worker, receiver) = CPU us/msg; load")
    plan = [(b, backend) for b in args.binding.split(",") for backend in args.backends.split(",")]
    for binding, backend in plan:
        runs = [("steady", args.rate, args.seconds, False)]
        if args.crash_seconds > 0:
            runs.append(("crash", args.rate, args.crash_seconds, True))
        if args.capacity_seconds > 0:
            runs.append(("capacity", args.capacity_rate, args.capacity_seconds, False))
        for label, rate, seconds, crash in runs:
            r = run(backend, rate, seconds, args.dispatchers, args.batch, crash, args.tick,
                    args.linger, binding)
            cpu = (r["cpu_producer_s"], r["cpu_worker_s"], r["cpu_receiver_s"])
            per = [c / r["sent"] * 1e6 for c in cpu]
            print(f"{binding:<8} {backend:<11} {label:<8} {r['sent']:>6.0f} "
                  f"{r['offered_per_s']:>10.0f} "
                  f"{r['delivered_per_s']:>12.0f} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} "
                  f"{r['p99_ms']:>8.1f} {r['lost']:>5.0f} {r['duplicated']:>4.0f}  "
                  f"{cpu[0]:.2f}, {cpu[1]:.2f}, {cpu[2]:.2f} s = {per[0]:.0f} + {per[1]:.0f} "
                  f"+ {per[2]:.0f} = {sum(per):.0f} us/msg"
                  + (f"; PostgreSQL server {r['cpu_server_s']:.2f} s = "
                     f"{r['cpu_server_s'] / r['sent'] * 1e6:.0f} us/msg"
                     if backend == "postgresql" else "")
                  + f"; load {r['load']:.1f}", flush=True)
    print("Latency: from send to the sender holding the receiver's verified signed receipt. "
          "In the crash run the receiver is SIGKILLed half-way and restarted (it takes seconds "
          "to start); its delivered/s and latency include that outage, and lost/dup compare "
          "the receiver's inbox with what was sent. The capacity run offers more than the "
          "nodes carry: its delivered/s is the most they sustain (its latency is queueing). "
          "CPU excludes process start-up; the PostgreSQL server's CPU is that of every postgres "
          "process on the machine during the run (other users of the server count too); load "
          "is the 1-minute load average at the row's end.")


if __name__ == "__main__":
    main()
