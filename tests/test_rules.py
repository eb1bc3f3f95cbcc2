"""The one dated-rules loader: periods, overlaps, repeated ids and each error placed in the file."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import Field

from haiquan.errors import CatalogueError, NotValidYamlError
from haiquan.rules import DatedRule, RuleSet, entry_error, load_rules


class Rate(DatedRule):
    """A made-up dated rule: a rate with a name and a source, as the domains' rules are."""

    name: str
    rate: float = Field(ge=0, le=1)
    source: str = Field(min_length=3)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rates.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _load(path: Path) -> RuleSet[Rate]:
    return load_rules(
        path,
        Rate,
        key="rates",
        what="rates",
        docs="docs/rates.md",
        header={"kind": "rates"},
        ident="name",
    )


TWO = """kind: rates
rates:
  - {name: later, rate: 0.2, valid_from: 2021-01-01, source: decree 2}
  - {name: first, rate: 0.1, valid_from: 2020-01-01, valid_to: 2020-12-31, source: decree 1}
"""


def test_valid_on_holds_from_the_first_to_the_last_day_included(tmp_path: Path) -> None:
    rules = _load(_write(tmp_path, TWO))
    assert [r.name for r in rules] == ["first", "later"]  # sorted by start
    assert rules.header == {"kind": "rates"} and rules.source.endswith("rates.yaml")
    on = {
        day: [r.name for r in rules.valid_on(day)]
        for day in (
            dt.date(2019, 12, 31),
            dt.date(2020, 1, 1),
            dt.date(2020, 12, 31),
            dt.date(2021, 1, 1),
            dt.date(2099, 1, 1),
        )
    }
    assert on == {
        dt.date(2019, 12, 31): [],
        dt.date(2020, 1, 1): ["first"],
        dt.date(2020, 12, 31): ["first"],
        dt.date(2021, 1, 1): ["later"],
        dt.date(2099, 1, 1): ["later"],
    }
    assert rules.entries[0].period == "2020-01-01..2020-12-31"


@pytest.mark.parametrize(("first_ends", "refused"), [("2020-12-31", False), ("2021-01-01", True)])
def test_periods_that_share_a_day_are_refused(
    tmp_path: Path, first_ends: str, refused: bool
) -> None:
    path = _write(tmp_path, TWO.replace("valid_to: 2020-12-31", f"valid_to: {first_ends}"))
    if not refused:
        assert len(_load(path)) == 2
        return
    with pytest.raises(CatalogueError) as caught:
        _load(path)
    message = str(caught.value)
    assert "rates[0] (name 'later'): its validity period overlaps 'first'" in message
    assert "2020-01-01..2021-01-01 and 2021-01-01.." in message
    assert caught.value.fix == "end 'first' on 2020-12-31, the day before 2021-01-01"


def test_an_open_ended_rule_overlaps_every_later_one(tmp_path: Path) -> None:
    path = _write(tmp_path, TWO.replace(", valid_to: 2020-12-31", ""))
    with pytest.raises(CatalogueError, match="overlaps 'first'"):
        _load(path)


def test_rules_of_different_groups_may_overlap(tmp_path: Path) -> None:
    path = _write(tmp_path, TWO.replace(", valid_to: 2020-12-31", ""))
    rules = load_rules(
        path,
        Rate,
        key="rates",
        what="rates",
        docs="docs/rates.md",
        ident="name",
        overlap_group=lambda rule: rule.source,
    )
    assert [r.name for r in rules.valid_on(dt.date(2022, 1, 1))] == ["first", "later"]


def test_bad_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "kind: rates\nrates:\n  - name: a\n    rate: 0.1: x\n")
    with pytest.raises(NotValidYamlError) as caught:
        _load(path)
    assert str(caught.value).startswith(f"the rates {path} is not valid YAML at line 4")
    assert caught.value.line == 4 and caught.value.expected == "kind: rates, a list 'rates:'"


def test_an_impossible_date_is_bad_yaml_at_its_line(tmp_path: Path) -> None:
    with pytest.raises(NotValidYamlError, match="line 3, column 42") as caught:
        _load(_write(tmp_path, TWO.replace("2021-01-01", "2021-02-30")))
    assert "not a real date" in (caught.value.got or "")


def test_an_unknown_field_is_named_with_the_closest_known_one(tmp_path: Path) -> None:
    path = _write(tmp_path, TWO.replace("rate: 0.2", "rat: 0.2"))
    with pytest.raises(CatalogueError) as caught:
        _load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: 2 problem(s) in the rates")
    assert "(1) rates[0] (name 'later').rate: the field 'rate' is missing" in message
    assert "(2) rates[0] (name 'later').rat: unknown field 'rat'; did you mean 'rate'?" in message
    assert caught.value.details["total"] == 2
    assert caught.value.details["problems"][1]["where"] == "rates[0] (name 'later').rat"


def test_every_bad_entry_is_named_in_one_message(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        TWO.replace("rate: 0.2", "rate: 2").replace("valid_to: 2020-12-31", "valid_to: 2019-12-31"),
    )
    with pytest.raises(CatalogueError) as caught:
        _load(path)
    message = str(caught.value)
    assert "2 problem(s)" in message
    assert (
        "rates[0] (name 'later').rate: Input should be less than or equal to 1 (written 2)"
        in message
    )
    assert "rates[1] (name 'first'): valid_to 2019-12-31 is before valid_from 2020-01-01" in message


def test_a_repeated_name_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, TWO.replace("name: first", "name: later"))
    with pytest.raises(
        CatalogueError, match=r"rates\[1\] \(name 'later'\): the name is used twice"
    ):
        _load(path)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("kind: drift\nrates: []\n", "is not a rates file"),
        ("", "is not a rates file"),
        ("kind: rates\nrate: []\n", "has no list of rates"),
        ("kind: rates\nrates: {a: 1}\n", "has no list of rates"),
    ],
)
def test_a_file_of_the_wrong_shape_says_what_it_should_hold(
    tmp_path: Path, text: str, says: str
) -> None:
    with pytest.raises(CatalogueError, match=says) as caught:
        _load(_write(tmp_path, text))
    assert caught.value.fix and "docs/rates.md" in caught.value.fix


def test_an_unreadable_file_is_a_catalogue_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot read the rates file"):
        _load(tmp_path / "absent.yaml")


def test_text_already_read_is_parsed_under_the_name_given() -> None:
    rules = load_rules(
        "haiquan/x/rates.yaml", Rate, key="rates", what="rates", docs="d", text=TWO, ident="name"
    )
    assert rules.source == "haiquan/x/rates.yaml" and len(rules) == 2


def test_an_entry_error_places_the_entry_as_validation_does() -> None:
    error = entry_error(
        "a.yaml",
        "agreements",
        3,
        "RCEP",
        "the sides do not split the parties",
        expected="two sides",
        got="one",
        fix="list both",
    )
    assert str(error) == (
        "a.yaml: agreements[3] (id 'RCEP'): the sides do not split the parties: "
        "expected two sides, got one; to fix: list both"
    )
    assert error.status == 422


def test_the_loader_does_not_import_the_numerical_stack() -> None:
    """The gateway (exchange/) may read its rules here without pandas or numpy installed."""
    code = (
        "import sys, haiquan.rules, haiquan.yaml_text; "
        "print(sorted(m for m in ('pandas', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
