"""Factories for gateway tests: nodes in temp folders, real node processes on loopback, and a
private PostgreSQL schema per test."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from haiquan.exchange import GatewayNode

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def link(*nodes: GatewayNode) -> None:
    """Make every node trust every other (JWKS handed over directly, as out-of-band)."""
    for a in nodes:
        for b in nodes:
            if a is not b:
                a.add_partner(b.country, b.config.endpoint, jwks=b.jwks())


NodeFactory = Callable[..., GatewayNode]


@pytest.fixture
def make_node(tmp_path: Path) -> Iterator[NodeFactory]:
    """``make_node("VNM", **options)``: a fresh node with its own folder and a free port."""
    made: list[GatewayNode] = []

    def factory(country: str, *, home: Path | None = None, **options: Any) -> GatewayNode:
        options.setdefault("retry_base_seconds", 0.2)
        options.setdefault("retry_max_seconds", 1.0)
        options.setdefault("request_timeout_seconds", 5.0)
        node = GatewayNode.init(
            home or tmp_path / f"{country}-{uuid.uuid4().hex[:6]}",
            country=country,
            endpoint=f"http://127.0.0.1:{free_port()}",
            **options,
        )
        made.append(node)
        return node

    yield factory
    for node in made:
        node.close()


class NodeProcess:
    """A node served by a real separate process (``python -m haiquan.exchange serve``)."""

    def __init__(self, home: Path, port: int, *, receive: bool = True, dispatchers: int = 1):
        self.home, self.port, self.receive, self.dispatchers = home, port, receive, dispatchers
        self.process: subprocess.Popen[bytes] | None = None
        self.log = home / f"serve-{port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, wait: bool = True) -> NodeProcess:
        args = [sys.executable, "-m", "haiquan.exchange", "serve", "--home", str(self.home),
                "--port", str(self.port), "--dispatchers", str(self.dispatchers)]
        if not self.receive:
            args.append("--no-receive")
        env = dict(os.environ)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
        if self.receive and wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"node process died:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/exchange/v1/node", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"node on port {self.port} did not start")

    def kill(self) -> None:
        """SIGKILL: no clean-up, as a crash."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def serve() -> Iterator[Callable[..., NodeProcess]]:
    """``serve(node)`` starts a real process serving ``node`` on its endpoint's port and waits
    until it answers; ``serve(node, wait=False)`` returns at once (call ``wait_ready()``), so
    several nodes can start in parallel."""
    started: list[NodeProcess] = []

    def start(node: GatewayNode, *, wait: bool = True, **options: Any) -> NodeProcess:
        port = int(node.config.endpoint.rsplit(":", 1)[1])
        if options.get("receive") is False:
            port = free_port()
        proc = NodeProcess(node.home, port, **options).start(wait=wait)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.kill()


@pytest.fixture
def pg_schema() -> Iterator[Callable[[], str]]:
    """``pg_schema()`` makes a PostgreSQL schema for this test and returns a URL using it;
    every schema made is dropped after the test."""
    import psycopg

    try:
        conn = psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True)
    except psycopg.OperationalError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL on 127.0.0.1:5432 is needed in CI: {error}")
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 is not running: {error}")
    made: list[str] = []

    def factory() -> str:
        schema = f"gw_{uuid.uuid4().hex[:10]}"
        conn.execute(f"CREATE SCHEMA {schema}")
        made.append(schema)
        return f"{PG_SERVER}?options=-csearch_path%3D{schema}"

    try:
        yield factory
    finally:
        for schema in made:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
        conn.close()


_HERE = Path(__file__).resolve().parent
#: Tests here that drive another part with the gateway, or a PostgreSQL URL (the psycopg driver
#: is the [postgres] extra): not run on a gateway-only install.
_NOT_GATEWAY_ONLY = (
    "test_cli_home.py::test_alerts_pull_",  # haiquan alerts, aeo: other parts
    "test_home_country.py::test_applying_the_inbox_of_another_countrys_node_is_refused",
    "test_config.py::test_init_with_a_bad_database_leaves_no_file_behind[database-down]",
    "test_config.py::test_init_names_the_option_when_the_database_cannot_be_opened",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every gateway test is a ``gateway`` test: it runs with ``pip install haiquan[gateway]``
    alone (scripts/check-gateway-install runs them in such a virtualenv, where a test reaching
    for the numerical stack fails), but for :data:`_NOT_GATEWAY_ONLY`."""
    for item in items:
        if not item.path.is_relative_to(_HERE):
            continue
        where = item.path.relative_to(_HERE).as_posix() + "::" + item.name
        if not where.startswith(_NOT_GATEWAY_ONLY):
            item.add_marker(pytest.mark.gateway)
