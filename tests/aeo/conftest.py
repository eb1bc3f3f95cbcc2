"""AEO test factories; gateway node fixtures come from the exchange tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from haiquan.aeo import AeoRegistry, OperatorCreate
from haiquan.aeo.arrangements import _load
from haiquan.settings import reset_settings
from tests.exchange.conftest import make_node, serve  # noqa: F401 - fixtures used by tests

ARRANGEMENTS = """
arrangements:
  - mra_id: VN_KOR_AEO_MRA
    partners: [{partner}]
    fields: [aeo_id, name, address, status, valid_from, valid_until]
    frequency: daily
    benefits_from: 2025-01-01
    source: "test arrangement"
"""


@pytest.fixture
def registry_factory(tmp_path: Path) -> Callable[[str], AeoRegistry]:
    """``registry_factory("VNM")``: a registry in its own SQLite file."""

    def factory(name: str) -> AeoRegistry:
        return AeoRegistry(f"sqlite:///{tmp_path / f'aeo-{name}.sqlite'}")

    return factory


@pytest.fixture
def arrangements_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """Point HAIQUAN_AEO_ARRANGEMENTS_FILE at an arrangement whose partner is ``partner``."""

    def use(partner: str) -> Path:
        path = tmp_path / f"arrangements-{partner}.yaml"
        path.write_text(ARRANGEMENTS.format(partner=partner))
        monkeypatch.setenv("HAIQUAN_AEO_ARRANGEMENTS_FILE", str(path))
        reset_settings()
        _load.cache_clear()
        return path

    return use


def operator(aeo_id: str, granted: str = "2024-01-15", **extra: object) -> OperatorCreate:
    values: dict[str, object] = {"aeo_id": aeo_id, "name": f"Company {aeo_id}",
                                 "address": "1 Harbour Road, Hai Phong",
                                 "granted_on": dt.date.fromisoformat(granted)}
    values.update(extra)
    return OperatorCreate.model_validate(values)
