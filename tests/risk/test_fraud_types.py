"""Fraud types are dated, sourced data (rules/fraud_types.yaml), not constants in code."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from haiquan.errors import CatalogueError
from haiquan.risk.fraud_types import load_fraud_types
from haiquan.risk.outcomes import InspectionOutcome
from haiquan.risk.policy import own_rules_file
from haiquan.settings import Settings


def test_the_packaged_types_have_a_source_and_name_the_critical_ones() -> None:
    types = load_fraud_types(on=dt.date(2021, 3, 1))
    assert "arXiv:2208.02484" in types.source
    assert {"drugs", "intellectual property"} <= types.critical
    assert "undervaluation" in types.names and "undervaluation" not in types.critical


def test_an_outcome_is_critical_as_the_rules_say(isolated_settings: Settings) -> None:
    assert InspectionOutcome(declaration_id="D", found=True, fraud_type="drugs").critical
    assert not InspectionOutcome(declaration_id="D", found=True, fraud_type="quantity").critical


def test_an_unknown_type_is_refused_naming_the_types_in_force(
    isolated_settings: Settings,
) -> None:
    with pytest.raises(ValueError, match="'smuggling' is not a fraud type of rule set") as error:
        InspectionOutcome(declaration_id="D", found=True, fraud_type="smuggling")
    assert "undervaluation" in str(error.value)


_OWN = """kind: fraud_types
rule_sets:
  - name: old-categories
    valid_from: 2000-01-01
    valid_to: 2020-12-31
    source: an administration's earlier circular on fraud categories
    types:
      - {name: undervaluation}
  - name: with-smuggling
    valid_from: 2021-01-01
    source: an administration's circular on fraud categories, 2021
    types:
      - {name: undervaluation}
      - {name: smuggling, critical: true}
"""


def test_own_types_replace_the_packaged_ones_by_date(isolated_settings: Settings) -> None:
    path = own_rules_file("fraud_types")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_OWN, encoding="utf-8")
    later = InspectionOutcome(
        declaration_id="D", found=True, fraud_type="smuggling", inspected_on=dt.date(2021, 5, 1)
    )
    assert later.critical
    with pytest.raises(ValueError, match="old-categories"):
        InspectionOutcome(
            declaration_id="D", found=True, fraud_type="smuggling", inspected_on=dt.date(2020, 5, 1)
        )


def test_a_type_named_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fraud_types.yaml"
    path.write_text(
        _OWN.replace("{name: smuggling, critical: true}", "{name: undervaluation}"),
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match="named twice: undervaluation"):
        load_fraud_types(path, on=dt.date(2021, 5, 1))
