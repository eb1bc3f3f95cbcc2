"""Factories for the commitments tests: hand-made catalogues installed in the test's own home."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from haiquan.commitments import Catalogue, StatusRecord, install_catalogue

HERE = Path(__file__).resolve().parent

#: A hand-made TFA-style catalogue whose unit counts are all known (12 units), so rates can be
#: checked by hand against the TFA Database method.
HAND_TFA: dict[str, Any] = {
    "schema_version": 1,
    "id": "hand_tfa",
    "title": "Hand-made TFA-style catalogue (test data)",
    "owner": "Test",
    "method": "tfa",
    "group_label": "Article",
    "item_label": "measure",
    "unit_label": "notifiable item",
    "total_units": 12,
    "total_units_source": "src",
    "valid_from": "2017-02-22",
    "sources": [{"id": "src", "title": "test source"}],
    "tfa_rules": {
        "entry_into_force": "2017-02-22",
        "category_a_counts_from": {
            "developed": "2017-02-22",
            "developing": "2017-02-22",
            "ldc": "2018-02-22",
        },
        "source": "src",
    },
    "groups": [
        {
            "id": "1",
            "title": "Article one",
            "items": [
                {"id": "1.1", "title": "One one", "type": "measure", "source": "src", "units": 2},
                {"id": "1.2", "title": "One two", "type": "measure", "source": "src", "units": 3},
            ],
        },
        {
            "id": "2",
            "title": "Article two",
            "items": [
                {"id": "2.1", "title": "Two one", "type": "measure", "source": "src", "units": 1},
                {"id": "2.2", "title": "Two two", "type": "measure", "source": "src", "units": 4},
            ],
        },
        {
            "id": "3",
            "title": "Article three",
            "items": [
                {"id": "3.1", "title": "Three one", "type": "measure", "source": "src", "units": 2},
            ],
        },
    ],
}

#: A hand-made SAFE-style catalogue counted by reported status.
HAND_SAFE: dict[str, Any] = {
    "schema_version": 1,
    "id": "hand_safe",
    "title": "Hand-made SAFE-style catalogue (test data)",
    "owner": "Test",
    "method": "status_share",
    "group_label": "Pillar",
    "item_label": "standard",
    "unit_label": "standard",
    "valid_from": "2021-06-01",
    "sources": [{"id": "src", "title": "test source"}],
    "groups": [
        {
            "id": "P1",
            "title": "Pillar one",
            "items": [
                {
                    "id": f"1.{n}",
                    "title": f"Standard 1.{n} (test)",
                    "type": "standard",
                    "source": "src",
                }
                for n in (1, 2, 3)
            ],
        },
        {
            "id": "P2",
            "title": "Pillar two",
            "items": [
                {
                    "id": f"2.{n}",
                    "title": f"Standard 2.{n} (test)",
                    "type": "standard",
                    "source": "src",
                }
                for n in (1, 2)
            ],
        },
        {
            "id": "P3",
            "title": "Pillar three",
            "items": [
                {"id": "3.1", "title": "Standard 3.1 (test)", "type": "standard", "source": "src"},
            ],
        },
    ],
}


@pytest.fixture
def install_yaml(tmp_path: Path) -> Callable[[dict[str, Any]], Catalogue]:
    """Write a catalogue dict to YAML and install it through the real installer."""

    def install(data: dict[str, Any]) -> Catalogue:
        path = tmp_path / f"{data['id']}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return install_catalogue(path)

    return install


@pytest.fixture
def hand_tfa(install_yaml: Callable[[dict[str, Any]], Catalogue]) -> Catalogue:
    return install_yaml(HAND_TFA)


@pytest.fixture
def empty_catalogue(install_yaml: Callable[[dict[str, Any]], Catalogue]) -> Catalogue:
    """A SAFE-style catalogue with pillars and no standards (as an administration may start)."""
    data = {**HAND_SAFE, "id": "empty_safe",
            "groups": [{**g, "items": []} for g in HAND_SAFE["groups"]]}
    return install_yaml(data)


@pytest.fixture
def hand_safe(install_yaml: Callable[[dict[str, Any]], Catalogue]) -> Catalogue:
    return install_yaml(HAND_SAFE)


@pytest.fixture
def make_record() -> Callable[..., StatusRecord]:
    """A record factory with the defaults most tests share (Viet Nam, hand_tfa, 22 Feb 2017)."""

    def make(item: str, **fields: Any) -> StatusRecord:
        values: dict[str, Any] = {
            "catalogue": "hand_tfa",
            "item": item,
            "country": "VNM",
            "effective_date": dt.date(2017, 2, 22),
        }
        values.update(fields)
        return StatusRecord(**values)

    return make
