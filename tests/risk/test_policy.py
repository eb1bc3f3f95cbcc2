"""Selectivity and drift rules: the bundled files load, and each kind of bad file is refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from haiquan.errors import CatalogueError, InputError
from haiquan.risk.policy import load_drift_rules, load_selectivity_rules

GOOD = yaml.safe_load(
    Path(__file__).resolve().parents[2].joinpath("haiquan/risk/rules/selectivity.yaml").read_text()
)


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "selectivity.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def _set(**changes: object) -> dict[str, object]:
    rule_set = dict(GOOD["rule_sets"][0])
    rule_set.update(changes)
    return {"kind": "selectivity", "rule_sets": [rule_set]}


def test_bundled_rules_load_with_source_and_dates() -> None:
    rules = load_selectivity_rules(on=dt.date(2021, 3, 1))
    assert rules.channels.red + rules.channels.yellow + rules.channels.blue < 1
    assert rules.source and rules.valid_from <= dt.date(2021, 3, 1)
    drift = load_drift_rules()
    assert drift.moderate < drift.significant


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        ("kind: [unclosed", "not valid YAML at line 1"),
        ({"kind": "drift", "rule_sets": []}, "not a selectivity rules file"),
        (_set(channels={"red": 0.6, "yellow": 0.3, "blue": 0.2}), "channels"),
        (_set(channels={"red": -0.1, "yellow": 0.1, "blue": 0.1}), "channels.red"),
        (_set(levels={"very_high": 0.9, "high": 0.95, "medium": 0.8}), "levels"),
        (_set(valid_to="2019-01-01"), "valid_to"),
        (_set(source=""), "source"),
        (_set(surprise=1), "surprise"),
        (_set(exploration={"share_of_red": 0.1}), "exploration.seed"),
    ],
)
def test_each_kind_of_bad_file_is_refused(tmp_path: Path, data: object, phrase: str) -> None:
    with pytest.raises(CatalogueError) as caught:
        load_selectivity_rules(_write(tmp_path, data), on=dt.date(2021, 1, 1))
    assert phrase in str(caught.value)
    assert caught.value.fix


def test_overlapping_periods_are_refused(tmp_path: Path) -> None:
    first = dict(GOOD["rule_sets"][0], name="a", valid_from="2020-01-01", valid_to="2021-06-30")
    second = dict(GOOD["rule_sets"][0], name="b", valid_from="2021-01-01", valid_to=None)
    path = _write(tmp_path, {"kind": "selectivity", "rule_sets": [first, second]})
    with pytest.raises(CatalogueError, match="overlap"):
        load_selectivity_rules(path, on=dt.date(2021, 1, 1))


def test_the_set_valid_on_the_date_is_chosen_and_gaps_are_errors(tmp_path: Path) -> None:
    first = dict(GOOD["rule_sets"][0], name="a", valid_from="2020-01-01", valid_to="2020-12-31")
    second = dict(GOOD["rule_sets"][0], name="b", valid_from="2022-01-01", valid_to=None)
    path = _write(tmp_path, {"kind": "selectivity", "rule_sets": [first, second]})
    assert load_selectivity_rules(path, on=dt.date(2020, 5, 1)).name == "a"
    assert load_selectivity_rules(path, on=dt.date(2023, 5, 1)).name == "b"
    with pytest.raises(CatalogueError, match="no selectivity rule set is valid"):
        load_selectivity_rules(path, on=dt.date(2021, 5, 1))
    # before every rule set the declarations' date is at fault, not the rules
    with pytest.raises(InputError, match="older than every selectivity rule set") as caught:
        load_selectivity_rules(path, on=dt.date(1800, 1, 1))
    assert not isinstance(caught.value, CatalogueError)
    assert "check the declarations' dates" in str(caught.value.fix)


def test_bad_drift_bands_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "drift.yaml"
    path.write_text(
        "kind: drift\nrule_sets:\n  - name: x\n    valid_from: 2000-01-01\n"
        "    source: a long enough source text\n    bins: 10\n    moderate: 0.3\n"
        "    significant: 0.2\n    min_declarations: 200\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match="moderate must be below significant"):
        load_drift_rules(path)
