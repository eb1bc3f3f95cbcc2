"""Factories for the web tests: users with each role, a real uvicorn server on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from haiquan.settings import Settings
from haiquan.web import ServerHandle, start_server
from haiquan.web.auth import Role, User, UserStore, open_user_store

PASSWORD = "a-long-test-passphrase"


@dataclass(frozen=True)
class Account:
    """A user made for a test, with the secrets needed to act as it."""

    user: User
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(autouse=True)
def results_in_request(monkeypatch: pytest.MonkeyPatch, isolated_settings: Settings) -> None:
    """Pages compute a missing heavy result in the request (no background process outliving
    the test); tests of the background refresh set HAIQUAN_BACKGROUND_RESULTS back to true."""
    from haiquan.settings import reset_settings

    monkeypatch.setenv("HAIQUAN_BACKGROUND_RESULTS", "false")
    reset_settings()


@pytest.fixture
def store(isolated_settings: Settings) -> UserStore:
    """The users store under this test's own HAIQUAN_HOME."""
    return open_user_store(isolated_settings)


@pytest.fixture
def make_account(store: UserStore) -> Callable[..., Account]:
    """Create a user with a role and an API token: ``make_account("analyst")``."""

    def make(role: str | Role = Role.VIEWER, username: str | None = None) -> Account:
        role = Role.parse(role)
        name = username or f"{role.value.replace('_', '-')}-user"
        user = store.add_user(name, PASSWORD, role)
        secret, _ = store.create_token(name, "test")
        return Account(user=user, password=PASSWORD, token=secret)

    return make


@pytest.fixture
def live_server(isolated_settings: Settings) -> Iterator[ServerHandle]:
    """The real application served by uvicorn on a free 127.0.0.1 port."""
    handle = start_server("127.0.0.1", 0)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def http(live_server: ServerHandle) -> Iterator[httpx.Client]:
    """An HTTP client for the live server (no redirects followed, loopback only)."""
    with httpx.Client(base_url=live_server.url, timeout=20, trust_env=False) as client:
        yield client


def login(client: httpx.Client, account: Account) -> str:
    """Log ``client`` in through the form; returns the session's CSRF token."""
    answer = client.post(
        "/login", data={"username": account.user.username, "password": account.password}
    )
    assert answer.status_code == 303, answer.text
    page = client.get("/")
    assert page.status_code == 200
    marker = 'name="csrf-token" content="'
    start = page.text.index(marker) + len(marker)
    return page.text[start : page.text.index('"', start)]


@pytest.fixture
def synthetic_warehouse(isolated_settings: Settings) -> Settings:
    """This test's warehouse, holding the generated demo trade (labelled synthetic)."""
    from haiquan.warehouse.loading import load_trade_frame
    from haiquan.warehouse.synthetic import generate_synthetic_trade

    rows = generate_synthetic_trade(first_year=2008, last_year=2020, seed=7)
    load_trade_frame(rows, label="synthetic demo", sha256="0" * 64, synthetic=True)
    return isolated_settings


@pytest.fixture(scope="session")
def _trained_risk_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A risk model trained once per run on synthetic labelled declarations."""
    from haiquan.declarations import generate_synthetic_declarations
    from haiquan.risk.model import train_model
    from haiquan.risk.store import save_model

    model_dir = tmp_path_factory.mktemp("risk-model")
    training = generate_synthetic_declarations(1500, seed=11, start="2023-01-01")
    save_model(train_model(training), model_dir, training)
    return model_dir


@pytest.fixture
def risk_warehouse(
    synthetic_warehouse: Settings, _trained_risk_model: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """The synthetic warehouse plus newer synthetic declarations and a trained risk model."""
    from haiquan.declarations import generate_synthetic_declarations
    from haiquan.settings import get_settings, reset_settings
    from haiquan.warehouse.loading import store_declarations_frame

    monkeypatch.setenv("HAIQUAN_RISK_MODEL_DIR", str(_trained_risk_model))
    reset_settings()
    recent = generate_synthetic_declarations(400, seed=12, start="2024-06-01", days=60)
    store_declarations_frame(
        recent, label="synthetic declarations", sha256="1" * 64, synthetic=True
    )
    return get_settings()


@pytest.fixture
def gateway_traffic(isolated_settings: Settings, tmp_path: Path) -> Iterator[list[str]]:
    """This HOME's gateway node (VNM) with messages to THA, whose node is down: they stay
    pending with the delivery error. Yields the message ids."""
    import socket

    from haiquan.exchange import GatewayNode
    from haiquan.exchange.node import default_gateway_home
    from tests.exchange import samples

    def endpoint() -> str:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return f"http://127.0.0.1:{sock.getsockname()[1]}"

    vnm = GatewayNode.init(default_gateway_home(), country="VNM", endpoint=endpoint())
    tha = GatewayNode.init(tmp_path / "tha-node", country="THA", endpoint=endpoint())
    vnm.add_partner("THA", tha.config.endpoint, jwks=tha.jwks())
    ids = [
        vnm.send("risk-alert", samples.risk_alert(), receiver="THA"),
        vnm.send("atiga-form-d", samples.form_d(), receiver="THA"),
    ]
    vnm.dispatch_once()
    try:
        yield ids
    finally:
        vnm.close()
        tha.close()
