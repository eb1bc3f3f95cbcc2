"""Scoring weights YAML: the defaults load, and each kind of bad weights file is explained."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from haiquan.errors import CatalogueError
from haiquan.priorities import (
    CRITERIA,
    criterion_label,
    default_weights_path,
    load_weights,
    parse_weights,
)


def _defaults() -> dict[str, Any]:
    return dict(yaml.safe_load(default_weights_path().read_text(encoding="utf-8")))


def test_default_weights_cover_every_criterion_with_a_reason() -> None:
    weights = load_weights()
    assert set(weights.criteria) == set(CRITERIA)
    assert all(len(c.reason) > 40 for c in weights.criteria.values())
    assert sum(weights.weights().values()) == pytest.approx(1.0)


def test_with_weight_changes_one_criterion_only() -> None:
    weights = load_weights()
    changed = weights.with_weight("enforcement", 0.5)
    assert changed.weights()["enforcement"] == 0.5
    assert {k: v for k, v in changed.weights().items() if k != "enforcement"} == {
        k: v for k, v in weights.weights().items() if k != "enforcement"}


BAD = {
    "unknown criterion": (lambda d: d["criteria"].update(charm=d["criteria"]["enforcement"]),
                          "unknown criteria"),
    "negative weight": (lambda d: d["criteria"]["enforcement"].update(
        weight={"value": -1, "assumption": "x"}), "cannot be negative"),
    "bare weight": (lambda d: d["criteria"]["enforcement"].update(weight=0.2), "has no source"),
    "missing reason": (lambda d: d["criteria"]["enforcement"].pop("reason"), "reason"),
    "bad direction": (lambda d: d["criteria"]["enforcement"].update(direction="up"), "direction"),
    "bad transform": (lambda d: d["criteria"]["enforcement"].update(transform="linear_ratio"),
                      "transform"),
    "all zero": (lambda d: [c.update(weight={"value": 0, "assumption": "x"})
                            for c in d["criteria"].values()], "add up to 0"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_each_kind_of_bad_weights_file_is_explained(case: str, tmp_path: Path) -> None:
    change, words = BAD[case]
    data = copy.deepcopy(_defaults())
    change(data)
    path = tmp_path / "weights.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_weights(path)
    assert words in str(caught.value) + repr(caught.value.details)
    assert str(path) in str(caught.value)


def test_parse_weights_accepts_a_subset_of_criteria() -> None:
    data = _defaults()
    data["criteria"] = {"enforcement": data["criteria"]["enforcement"]}
    assert list(parse_weights(data).criteria) == ["enforcement"]


def test_priority_headers_name_the_instruments() -> None:
    assert criterion_label("eco_exchange") == "e-C/O exchange"
    assert criterion_label("enforcement") == "enforcement"
    assert criterion_label("standing") == "strategic standing"
