"""Versioned schemas of the SQL stores (issue 18, point 6): a fresh store is created at the newest
revision; a store as release 0.1.0 left it (its tables, no version table) is refused at start-up
until ``haiquan db upgrade`` brings it to the newest revision with its data kept, on SQLite and
PostgreSQL; a newer schema is refused."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from typer.testing import CliRunner

from haiquan.cli import app
from haiquan.errors import ConfigurationError
from haiquan.exchange.store import GatewayStore
from haiquan.exchange.tables import inbox
from haiquan.migrations import STORES, schema_status, upgrade_schema
from haiquan.migrations._run import _head

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def pg_url() -> Iterator[Callable[[], str]]:
    """``pg_url()``: a URL on a new PostgreSQL schema of its own (dropped afterwards)."""
    import psycopg

    try:
        conn = psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True)
    except psycopg.OperationalError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL on 127.0.0.1:5432 is needed in CI: {error}")
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 is not running: {error}")
    made: list[str] = []

    def factory() -> str:
        schema = f"mig_{uuid.uuid4().hex[:10]}"
        conn.execute(f"CREATE SCHEMA {schema}")
        made.append(schema)
        return f"{PG}?options=-csearch_path%3D{schema}"

    yield factory
    for schema in made:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
    conn.close()


def _release_0_1_0_gateway(url: str) -> None:
    """A gateway store as release 0.1.0 made it: ``create_all`` of its tables (unchanged since
    0.1.0: revision 0001 is that schema), no version table, and a message received."""
    engine = create_engine(url)
    STORES["gateway"].metadata().create_all(engine)
    with engine.begin() as conn:
        conn.execute(inbox.insert().values(
            sender="VNM", message_id="kept-from-0.1.0", conversation_id="kept-from-0.1.0",
            document_type="risk-alert", document_version="1", created_at=1.0, received_at=2.0,
            payload_digest="sha-256:x", envelope="{}", jws="a.b.c", duplicates=0))
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_release_0_1_0_gateway_store_is_refused_then_upgraded_with_its_data(
    backend: str, tmp_path: Path, pg_url
) -> None:
    url = f"sqlite:///{tmp_path / 'gateway.db'}" if backend == "sqlite" else pg_url()
    _release_0_1_0_gateway(url)
    with pytest.raises(ConfigurationError, match="older than this haiquan") as refused:
        GatewayStore(url)
    assert "haiquan db upgrade --store gateway" in str(refused.value)
    engine = create_engine(url)
    assert schema_status(engine, STORES["gateway"]).state == "release-0.1.0"
    before, after = upgrade_schema(engine, STORES["gateway"])
    assert (before.state, after.state, after.revision) == ("release-0.1.0", "current", "0001")
    assert upgrade_schema(engine, STORES["gateway"])[0].state == "current"  # again: no-op
    engine.dispose()
    store = GatewayStore(url)
    with store.read() as conn:
        assert conn.execute(select(inbox.c.message_id)).scalars().all() == ["kept-from-0.1.0"]
    store.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_fresh_store_is_created_at_the_newest_revision(backend: str, tmp_path: Path,
                                                         pg_url) -> None:
    url = f"sqlite:///{tmp_path / 'gateway.db'}" if backend == "sqlite" else pg_url()
    GatewayStore(url).close()
    engine = create_engine(url)
    status = schema_status(engine, STORES["gateway"])
    assert (status.state, status.revision) == ("current", status.head)
    engine.dispose()


def test_a_schema_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    GatewayStore(url).close()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE haiquan_gateway_version SET version_num = '9999'"))
    with pytest.raises(ConfigurationError, match="newer than this haiquan"):
        GatewayStore(url)
    with pytest.raises(ConfigurationError, match="newer"):
        upgrade_schema(engine, STORES["gateway"])
    engine.dispose()


def test_haiquan_db_status_and_upgrade_on_the_users_and_aeo_stores() -> None:
    from haiquan.settings import get_settings

    home = get_settings().home
    home.mkdir(parents=True)
    from haiquan.aeo.tables import metadata as aeo_tables
    from haiquan.web.auth._tables import Base

    for name, tables in (("web.sqlite", Base.metadata), ("aeo.sqlite", aeo_tables)):
        engine = create_engine(f"sqlite:///{home / name}")
        tables.create_all(engine)  # as release 0.1.0 did
        engine.dispose()
    engine = create_engine(f"sqlite:///{home / 'web.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO web_users (username, display_name, password_hash, role, "
                          "created_at, active, session_epoch) VALUES ('kept', 'Kept', 'x', "
                          "'analyst', '2026-01-01 00:00:00', 1, 0)"))
    runner = CliRunner()
    shown = runner.invoke(app, ["db", "status"], env={"COLUMNS": "300"})
    assert shown.exit_code == 1, shown.output  # a deploy script stops here
    assert shown.output.count("as release 0.1.0 (or earlier) left it") == 2
    assert "no gateway node" in shown.output
    from haiquan.web.auth import open_user_store

    with pytest.raises(ConfigurationError, match="older than this haiquan"):
        open_user_store()
    done = runner.invoke(app, ["db", "upgrade"], env={"COLUMNS": "300"})
    assert done.exit_code == 0, done.output
    assert done.output.count("as this haiquan expects") == 2
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(text("web_users"))).scalar() == 1
    engine.dispose()
    assert [u.username for u in open_user_store().list_users()] == ["kept"]
    assert runner.invoke(app, ["db", "status"], env={"COLUMNS": "300"}).exit_code == 0


def test_each_store_names_its_newest_revision() -> None:
    """Opening a store at its head needs no Alembic (``StoreSchema.head``); it must be what
    Alembic reads from ``versions/``."""
    for store in STORES.values():
        assert store.head == _head(store)[0], store.name


def test_the_gateway_module_db_status_exits_1_for_a_store_to_upgrade(tmp_path: Path) -> None:
    """``python -m haiquan.exchange db status`` on a gateway-only machine stops a deploy script
    as ``haiquan db status`` does."""
    import subprocess
    import sys

    from haiquan.exchange import GatewayNode

    home = tmp_path / "node"
    node = GatewayNode.init(home, country="VNM", endpoint="http://127.0.0.1:9")
    url = node.database_url
    node.close()
    command = [sys.executable, "-m", "haiquan.exchange", "db", "status", "--home", str(home)]
    assert subprocess.run(command, capture_output=True, text=True).returncode == 0
    engine = create_engine(url)
    with engine.begin() as conn:  # as release 0.1.0 left it: the tables, no revision
        conn.execute(text(f"DROP TABLE {STORES['gateway'].version_table}"))
    engine.dispose()
    shown = subprocess.run(command, capture_output=True, text=True)
    assert shown.returncode == 1, shown.stdout + shown.stderr
    assert "0.1.0" in shown.stdout
