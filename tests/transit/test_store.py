"""The transit store: tables created race-free by processes starting together, on SQLite and on
PostgreSQL; a guarantee never over-engaged by two officers at once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from haiquan.errors import ConflictError
from haiquan.transit import GuaranteeCreate, TransitService, TransitStore

from .conftest import Clock, declaration

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def pg_url() -> Iterator[str]:
    import psycopg

    try:
        conn = psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True)
    except psycopg.OperationalError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL on 127.0.0.1:5432 is needed in CI: {error}")
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 is not running: {error}")
    schema = f"transit_{uuid.uuid4().hex[:10]}"
    conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG}?options=-csearch_path%3D{schema}"
    finally:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
        conn.close()


def _open_together(url: str, processes: int = 4) -> None:
    code = "import sys; from haiquan.transit import TransitStore; TransitStore(sys.argv[1])"
    started = [subprocess.Popen([sys.executable, "-c", code, url], stderr=subprocess.PIPE)
               for _ in range(processes)]
    for process in started:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()


def test_processes_creating_the_sqlite_tables_together(tmp_path: Path) -> None:
    _open_together(f"sqlite:///{tmp_path}/transit.sqlite")
    TransitStore(f"sqlite:///{tmp_path}/transit.sqlite").close()


def _engage_concurrently(url: str, clock: Clock) -> None:
    stores = [TransitStore(url) for _ in range(4)]
    services = [TransitService(s, "VNM", clock=clock) for s in stores]
    services[0].register_guarantee(GuaranteeCreate(reference="GRN-VN-1", holder="VN0101",
                                                   reference_amount_usd=100_000))
    outcomes: list[str] = []

    def officer(index: int) -> None:
        try:
            services[index].declare(declaration(lrn=f"LRN-{index}"))
            outcomes.append("accepted")
        except ConflictError:
            outcomes.append("refused")

    threads = [threading.Thread(target=officer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # USD 60,000 each against USD 100,000: exactly one fits
    assert sorted(outcomes) == ["accepted", "refused", "refused", "refused"]
    assert services[0].guarantee("GRN-VN-1").engaged_usd == 60_000
    for store in stores:
        store.close()


def test_one_guarantee_two_officers_sqlite(tmp_path: Path, clock: Clock) -> None:
    _engage_concurrently(f"sqlite:///{tmp_path}/transit.sqlite", clock)


@pytest.mark.postgres
def test_postgresql_tables_race_free_and_guarantee_locked(pg_url: str, clock: Clock) -> None:
    _open_together(pg_url)
    _engage_concurrently(pg_url, clock)


@pytest.mark.postgres
def test_a_movement_lives_on_postgresql(pg_url: str, clock: Clock, tmp_path: Path) -> None:
    from haiquan.transit import State, exchange_locally

    offices = {"VNM": TransitService(TransitStore(pg_url), "VNM", clock=clock),
               "LAO": TransitService(TransitStore(f"sqlite:///{tmp_path}/l.sqlite"), "LAO",
                                     clock=clock),
               "THA": TransitService(TransitStore(f"sqlite:///{tmp_path}/t.sqlite"), "THA",
                                     clock=clock)}
    offices["VNM"].register_guarantee(GuaranteeCreate(reference="GRN-VN-1", holder="VN0101",
                                                      reference_amount_usd=100_000))
    mrn = offices["VNM"].declare(declaration()).mrn
    offices["VNM"].release(mrn)
    exchange_locally(offices)
    offices["THA"].record_arrival(mrn, "THBKK001")
    offices["THA"].record_control(mrn, satisfactory=True)
    exchange_locally(offices)
    assert offices["VNM"].movement(mrn).state is State.DISCHARGED
    for service in offices.values():
        service.store.close()
