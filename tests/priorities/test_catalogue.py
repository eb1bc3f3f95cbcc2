"""The initiatives catalogue: the example loads, and each kind of bad catalogue is explained."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from haiquan.errors import CatalogueError
from haiquan.priorities import load_catalogue, parse_catalogue
from tests.conftest import require_shared
from tests.priorities.conftest import BACI, assumed, catalogue_dict, initiative


def test_example_catalogue_loads_and_lists_its_assumptions() -> None:
    require_shared(BACI)  # two of its shares are computed from BACI when it loads
    catalogue = load_catalogue()
    assert catalogue.home == "VNM"
    assert len(catalogue.initiatives) >= 10
    kinds = {item.kind for item in catalogue.initiatives}
    assert {"aeo_mra", "eco_exchange", "port_pair_pilot", "anti_smuggling",
            "capacity_building"} <= kinds
    assumptions = catalogue.assumptions()
    assert "discount_rate" in assumptions
    assert any(path.endswith("staff_months_per_year") for path in assumptions)
    # Figures with a source are not listed as assumptions.
    assert not any("value_per_day" in path for path in assumptions)


def test_group_partners_expand_to_members_without_duplicates() -> None:
    catalogue = parse_catalogue(catalogue_dict(initiative("a", partners=["ASEAN", "THA"])))
    members = catalogue.initiatives[0].partner_countries()
    assert "THA" in members and "SGP" in members
    assert len(members) == len(set(members))


def test_exclusions_are_symmetric_whoever_declares_them() -> None:
    catalogue = parse_catalogue(catalogue_dict(initiative("a", excludes=["b"]), initiative("b")))
    assert catalogue.exclusion_pairs() == [("a", "b")]


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


def _drop(path: list[Any]) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return change


BAD_CATALOGUES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "missing field": (_drop(["initiatives", 0, "benefit"]), "benefit"),
    "bare number": (_set(["initiatives", 0, "staff_months_per_year"], 5), "has no source"),
    "source and assumption": (
        _set(["initiatives", 0, "budget_usd_per_year"],
             {"value": 1, "source": "x", "assumption": "y"}), "exactly one"),
    "neither source nor assumption": (
        _set(["initiatives", 0, "budget_usd_per_year"], {"value": 1}), "exactly one"),
    "negative cost": (_set(["initiatives", 0, "budget_usd_per_year"], assumed(-5)),
                      "cannot be negative"),
    "share above one": (_set(["initiatives", 0, "benefit", "share_affected"], assumed(1.5)),
                        "between 0 and 1"),
    "fractional duration": (_set(["initiatives", 0, "duration_years"], assumed(1.5)),
                            "whole number"),
    "unknown kind": (_set(["initiatives", 0, "kind"], "lobbying"), "kind"),
    "unknown partner": (_set(["initiatives", 0, "partners"], ["XYZ"]), "unknown partner"),
    "bad commodity": (_set(["initiatives", 0, "commodities"], ["8471.3"]), "HS code"),
    "clearance days without value of a day": (
        _set(["initiatives", 0, "benefit", "effect"], "clearance_days"), "value_per_day"),
    "duplicate id": (_set(["initiatives", 1, "id"], "a"),
                     "'a' is used by initiatives[0] and initiatives[1]"),
    "unknown prerequisite": (_set(["initiatives", 0, "prerequisites"], ["zzz"]),
                             "no initiative has that id"),
    "self exclusion": (_set(["initiatives", 0, "excludes"], ["a"]), "itself"),
    "prerequisite cycle": (
        lambda d: (_set(["initiatives", 0, "prerequisites"], ["b"])(d),
                   _set(["initiatives", 1, "prerequisites"], ["a"])(d)), "cycle"),
    "needs what it excludes": (
        lambda d: (_set(["initiatives", 0, "prerequisites"], ["b"])(d),
                   _set(["initiatives", 1, "excludes"], ["a"])(d)), "never be chosen"),
    "unknown top-level key": (_set(["budget"], 5), "unknown field 'budget'"),
    "misspelt field": (
        lambda d: d["initiatives"][0].update(runing_budget_usd_per_year=assumed(5)),
        "did you mean 'running_budget_usd_per_year'?"),
    "nan cost": (_set(["initiatives", 0, "budget_usd_per_year"], assumed(float("nan"))),
                 "finite number"),
    "infinite effect": (_set(["initiatives", 0, "benefit", "size"], assumed(float("inf"))),
                        "finite number"),
    "unknown home": (_set(["home"], "XXX"), "unknown home country 'XXX'"),
    "home as its own partner": (_set(["initiatives", 0, "partners"], ["VNM"]),
                                "lists the home country VNM among its partners"),
    "no initiatives": (_set(["initiatives"], []), "initiatives"),
    "bad version": (_set(["version"], 2), "version"),
    "discount rate above one": (_set(["discount_rate"], assumed(3)), "between 0 and 1"),
}


@pytest.mark.parametrize("case", sorted(BAD_CATALOGUES))
def test_each_kind_of_bad_catalogue_is_explained(case: str) -> None:
    change, words = BAD_CATALOGUES[case]
    data = catalogue_dict()
    change(data)
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(data)
    message = str(caught.value)
    # The CLI prints only the message, so every problem must be in it, not only in details.
    assert words in message
    assert caught.value.fix and "details" not in caught.value.fix
    # Grammar, and no dump of the whole catalogue (a dict's repr) as what came.
    assert "a initiatives" not in message and "{'version'" not in message


def test_every_problem_is_in_the_message_capped() -> None:
    items = [initiative(f"i{n}", partners=["XYZ"]) for n in range(12)]
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(catalogue_dict(*items))
    message = str(caught.value)
    assert message.count("unknown partner") == 10 and "and 2 more" in message
    assert "12 problem(s) in the initiatives catalogue" in message
    assert caught.value.details["total"] == 12 and len(caught.value.details["problems"]) == 10


def test_an_error_names_the_entry_by_id() -> None:
    data = catalogue_dict(initiative("first"), initiative("second", partners=["XYZ"]))
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(data)
    assert "initiatives[1] (id 'second').partners" in str(caught.value)


def test_not_yaml_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("initiatives: [a, b\n  title: x", encoding="utf-8")
    with pytest.raises(CatalogueError, match="not valid YAML at line"):
        load_catalogue(path)


def test_an_empty_file_is_called_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="got an empty file"):
        load_catalogue(path)


def test_a_group_holding_home_is_still_a_partner() -> None:
    # ASEAN holds VNM: the plan leaves home out of the members; the group is not refused.
    catalogue = parse_catalogue(catalogue_dict(initiative("a", partners=["ASEAN"])))
    assert catalogue.initiatives[0].partners == ["ASEAN"]


def test_a_list_at_top_level_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="mapping at its top level"):
        load_catalogue(path)


def test_a_missing_file_is_explained(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="no initiatives catalogue file"):
        load_catalogue(tmp_path / "absent.yaml")
