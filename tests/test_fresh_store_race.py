"""Many concurrent first opens of every store on a fresh HAIQUAN_HOME (issue 18, point 5): on a
new home, eight concurrent first dashboard requests gave HTTP 500s ("table aeo_operators already
exists"). Each store must be created once, whoever comes first, and opened by all."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

THREADS = 12


def _all_at_once(open_store: Callable[[], Any], count: int = THREADS) -> list[BaseException]:
    """Run ``open_store`` in ``count`` threads released together; the errors they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            opened = open_store()
            close = getattr(opened, "close", None)
            if callable(close):
                close()
        except BaseException as error:  # noqa: BLE001 - collected and reported
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_the_gateway_store_on_sqlite(tmp_path: Path) -> None:
    from haiquan.exchange.store import GatewayStore

    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    assert _all_at_once(lambda: GatewayStore(url)) == []


def test_the_gateway_store_on_postgresql() -> None:
    import uuid

    import psycopg

    from haiquan.exchange.store import GatewayStore

    try:
        admin = psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True)
    except psycopg.OperationalError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL on 127.0.0.1:5432 is needed in CI: {error}")
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 is not running: {error}")
    schema = f"race_{uuid.uuid4().hex[:10]}"
    admin.execute(f"CREATE SCHEMA {schema}")
    try:
        url = ("postgresql+psycopg://postgres@127.0.0.1:5432/test"
               f"?options=-csearch_path%3D{schema}")
        assert _all_at_once(lambda: GatewayStore(url)) == []
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


def test_the_aeo_registry() -> None:
    from haiquan.aeo.registry import AeoRegistry

    assert _all_at_once(AeoRegistry) == []


def test_the_users_store(tmp_path: Path) -> None:
    from haiquan.web.auth.store import UserStore

    urls = iter(f"sqlite:///{tmp_path / 'web.sqlite'}" for _ in range(THREADS))
    assert _all_at_once(lambda: UserStore(next(urls))) == []


def test_the_warehouse(tmp_path: Path) -> None:
    from haiquan.warehouse.store import Warehouse

    def open_once() -> None:
        with Warehouse.open(tmp_path / "warehouse.duckdb") as warehouse:
            warehouse.count("trade_flows")

    assert _all_at_once(open_once) == []


def test_the_commitments_store() -> None:
    from haiquan.commitments import _store

    def open_once() -> None:
        with _store._connect() as connection:
            connection.execute("SELECT count(*) FROM commitment_status").fetchall()

    assert _all_at_once(open_once) == []


def test_the_risk_model_store() -> None:
    """No model yet: every request is told so (404 with the command to train), none crashes."""
    from haiquan.errors import NotFoundError
    from haiquan.risk.store import default_model_dir, list_versions, loaded_model

    def open_once() -> None:
        assert loaded_model() is None
        list_versions(default_model_dir())

    errors = _all_at_once(open_once)
    assert len(errors) == THREADS and all(isinstance(e, NotFoundError) for e in errors), errors


@pytest.mark.slow
def test_separate_processes_opening_one_fresh_home(tmp_path: Path) -> None:
    """Processes, not threads: each opens the AEO registry, the users store and a gateway store
    on the same fresh home at the same moment."""
    home = tmp_path / "fresh-home"
    start = time.time() + 3
    script = (
        "import time, sys\n"
        f"time.sleep(max(0, {start} - time.time()))\n"
        "from haiquan.aeo.registry import AeoRegistry\n"
        "from haiquan.web.auth import open_user_store\n"
        "from haiquan.exchange.store import GatewayStore\n"
        "AeoRegistry().close()\n"
        "open_user_store().count_users()\n"
        f"GatewayStore('sqlite:///{home / 'gateway.db'}', create_folder=True).close()\n"
    )
    env = dict(os.environ, HAIQUAN_HOME=str(home))
    processes = [subprocess.Popen([sys.executable, "-c", script], env=env,
                                  stderr=subprocess.PIPE) for _ in range(6)]
    failures = []
    for process in processes:
        _, err = process.communicate(timeout=120)
        if process.returncode:
            failures.append(err.decode()[-800:])
    assert failures == []
