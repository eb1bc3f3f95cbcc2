"""Soak: a receiving node under 1,000 stalled and 2,000 idle connections while honest traffic
flows (issue 18, point 4). Prints the receiver's peak memory (target < 300 MB) and the honest
requests' latency (p50, p99) and errors.

The receiver (THA) is a ``python -m haiquan.exchange serve`` process on 127.0.0.1 with its
default limits. This process plays everyone else, on loopback only:

* **stalled** clients send a request's headers (``Content-Length`` 1,000,000) and the first
  ``--stalled-body`` bytes of its body, then nothing; when the node closes one (its body timeout)
  another takes its place, so ``--stalled`` connections are held all along;
* **idle** clients connect and send nothing; replaced likewise when closed (header timeout);
* one **honest** sender posts a batch of ``--batch`` signed SYNTHETIC risk alerts every
  ``--interval`` seconds and times each request (signing is done before, so only the node's
  answer is timed).

The honest sender starts once the hostile connections are in place (after a quarter of the
run, at most 10 s) and sends until the end. Memory is the receiver's resident set (``VmRSS``)
sampled every 0.2 s, and its high-water mark (``VmHWM``) at the end. The run is bounded:
``--seconds`` of load.

    .venv/bin/python benchmarks/bench_gateway_soak.py [--seconds 60] [--stalled 1000]
        [--idle 2000] [--stalled-body 16384] [--batch 20] [--interval 0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from haiquan.exchange import Envelope, GatewayNode
from haiquan.exchange.envelope import ENVELOPE_TYP


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _alert(i: int) -> str:
    return json.dumps({
        "alert_id": f"SYN-RA-{i:08d}",
        "risk_category": "undervaluation",
        "severity": "medium",
        "issued_at": "2026-11-25T08:00:00Z",
        "shipment": {"transport_document": f"SYNBL{i:08d}", "container_ids": ["MSCU1234566"],
                     "port_of_loading": "VNSGN", "port_of_discharge": "THLCH",
                     "hs_codes": ["610910"]},
        "indicators": ["SYNTHETIC soak benchmark alert"],
        "requested_action": "inform",
    })


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Memory(threading.Thread):
    """The receiver's resident set, sampled every 0.2 s."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.stop = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            try:
                self.peak_kb = max(self.peak_kb, _status_kb(self.pid, "VmRSS"))
            except OSError:
                return


class Hostile:
    """Holds ``stalled`` and ``idle`` connections open, replacing those the node closes."""

    def __init__(self, port: int, stalled: int, idle: int, body: int) -> None:
        self.port, self.stalled, self.idle, self.body = port, stalled, idle, body
        self.open = {"stalled": 0, "idle": 0}
        self.closed_by_node = {"stalled": 0, "idle": 0}
        self.refused = 0
        self.stopping = False

    async def _hold(self, kind: str) -> None:
        head = (f"POST /exchange/v1/messages HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                "Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n").encode()
        while not self.stopping:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                self.refused += 1
                await asyncio.sleep(0.5)
                continue
            self.open[kind] += 1
            try:
                if kind == "stalled":
                    writer.write(head + b" " * self.body)
                    await writer.drain()
                while await reader.read(65536):  # until the node closes it (cancelled at
                    pass                             # the end of the run)
                self.closed_by_node[kind] += 1
            except OSError:
                self.closed_by_node[kind] += 1
            finally:
                self.open[kind] -= 1
                writer.close()

    async def run(self, seconds: float) -> None:
        tasks = [asyncio.create_task(self._hold("stalled")) for _ in range(self.stalled)]
        tasks += [asyncio.create_task(self._hold("idle")) for _ in range(self.idle)]
        await asyncio.sleep(seconds)
        self.stopping = True
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _honest(url: str, tokens: list[list[str]], interval: float, until: float,
            latencies: list[float], errors: list[str]) -> None:
    with httpx.Client(timeout=30) as client:
        for batch in tokens:
            if time.monotonic() >= until:
                return
            started = time.perf_counter()
            try:
                answer = client.post(url, json={"messages": batch})
                if answer.status_code != 200:
                    errors.append(f"HTTP {answer.status_code}")
                else:
                    statuses = {r["status"] for r in answer.json()["results"]}
                    if statuses != {"accepted"}:
                        errors.append(f"statuses {sorted(statuses)}")
            except httpx.HTTPError as error:
                errors.append(type(error).__name__)
            latencies.append(time.perf_counter() - started)
            time.sleep(max(0.0, interval - (time.perf_counter() - started)))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--stalled", type=int, default=1000)
    parser.add_argument("--idle", type=int, default=2000)
    parser.add_argument("--stalled-body", type=int, default=16384)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--interval", type=float, default=0.1)
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = args.stalled + args.idle + 512
    if soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            sys.exit(f"the open-file limit ({hard}) is below {wanted}: raise it (ulimit -n)")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))

    with tempfile.TemporaryDirectory(prefix="hq-soak-") as tmp:
        port = _port()
        vnm = GatewayNode.init(Path(tmp) / "vnm", country="VNM", endpoint=f"http://127.0.0.1:{_port()}")
        tha = GatewayNode.init(Path(tmp) / "tha", country="THA", endpoint=f"http://127.0.0.1:{port}")
        tha.add_partner("VNM", vnm.config.endpoint, jwks=vnm.jwks())
        tha.close()
        requests = int(args.seconds / args.interval) + 10
        now = int(time.time()) + 30  # signed for the middle of the run (replay window 300 s)
        tokens = [
            vnm.keyring.sign_many(
                [Envelope.build(sender="VNM", receiver="THA", document_type="risk-alert",
                                document_version="1", payload_format="json",
                                payload=_alert(r * args.batch + i)).to_json().encode()
                 for i in range(args.batch)],
                {"typ": ENVELOPE_TYP, "iat": now})
            for r in range(requests)
        ]
        log = Path(tmp) / "tha.log"
        with log.open("wb") as out:
            receiver = subprocess.Popen(
                [sys.executable, "-m", "haiquan.exchange", "serve", "--home", str(tha.home),
                 "--port", str(port)], stdout=out, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    if httpx.get(url + "/exchange/v1/node", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            else:
                sys.exit(f"the receiver did not start:\n{log.read_text()[-2000:]}")
            baseline = _status_kb(receiver.pid, "VmRSS")
            memory = Memory(receiver.pid)
            memory.start()
            hostile = Hostile(port, args.stalled, args.idle, args.stalled_body)
            latencies: list[float] = []
            errors: list[str] = []
            until = time.monotonic() + args.seconds
            honest = threading.Thread(
                target=_honest,
                args=(url + "/exchange/v1/messages", tokens, args.interval, until, latencies,
                      errors))
            started = time.monotonic()
            loop_thread = threading.Thread(
                target=lambda: asyncio.run(hostile.run(args.seconds)), daemon=True)
            loop_thread.start()
            time.sleep(min(10.0, args.seconds / 4))  # let the hostile connections pile up
            held = dict(hostile.open)
            honest.start()
            honest.join()
            loop_thread.join(timeout=60)
            memory.stop.set()
            memory.join()
            high_water = _status_kb(receiver.pid, "VmHWM")
        finally:
            receiver.terminate()
            try:
                receiver.wait(timeout=10)
            except subprocess.TimeoutExpired:
                receiver.kill()
        log_lines = len(log.read_text(errors="replace").splitlines())

    print(f"soak: {args.seconds:g} s, {args.stalled} stalled + {args.idle} idle connections "
          f"(open when honest traffic began: {held['stalled']} stalled, {held['idle']} idle; "
          f"closed by the node: {hostile.closed_by_node['stalled']} stalled, "
          f"{hostile.closed_by_node['idle']} idle; connects refused: {hostile.refused}), "
          f"load lasted {time.monotonic() - started:.0f} s")
    print(f"receiver memory: {baseline / 1024:.0f} MB at start, peak {memory.peak_kb / 1024:.0f} "
          f"MB sampled, high-water {high_water / 1024:.0f} MB (target < 300 MB)")
    print(f"honest: {len(latencies)} requests of {args.batch} envelopes, "
          f"p50 {_percentile(latencies, 0.5) * 1000:.1f} ms, "
          f"p99 {_percentile(latencies, 0.99) * 1000:.1f} ms, "
          f"errors {len(errors)}", f"({', '.join(sorted(set(errors))[:5])})" if errors else "")
    print(f"receiver log: {log_lines} lines")


if __name__ == "__main__":
    main()
