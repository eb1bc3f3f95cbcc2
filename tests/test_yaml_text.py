"""One YAML reader for every file: impossible dates are YAML errors with a place, not crashes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from haiquan import yaml_text
from haiquan.errors import (
    CatalogueError,
    ConfigurationError,
    DataFileError,
    NotValidYamlError,
    ValidationError,
)
from haiquan.yaml_text import safe_load


def test_real_dates_and_plain_values_load_as_pyyaml_loads_them() -> None:
    text = "a: 2024-02-29\nb: [1, two, 3.5]\nc: 2024-01-15 10:30:00\n"
    assert safe_load(text) == yaml.safe_load(text)
    assert safe_load(text)["a"] == dt.date(2024, 2, 29)


@pytest.mark.parametrize("day", ["2017-02-30", "2021-31-01", "2023-02-29"])
def test_an_impossible_date_is_a_yaml_error_naming_line_and_column(day: str) -> None:
    with pytest.raises(yaml.YAMLError) as caught:
        safe_load(f"first: 1\nvalid_from: {day}\n")
    text = str(caught.value)
    assert day in text and "line 2, column 13" in text and "YYYY-MM-DD" in text


def test_python_tags_stay_refused() -> None:
    with pytest.raises(yaml.YAMLError):
        safe_load("!!python/object/apply:os.system ['true']")


def test_every_loader_in_the_package_uses_it() -> None:
    package = Path(yaml_text.__file__).parent
    offenders = [
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if p.name != "yaml_text.py"
        and ("yaml.safe_load(" in p.read_text() or "yaml.load(" in p.read_text())
    ]
    assert offenders == []


def test_the_loaders_turn_it_into_their_own_clear_errors(tmp_path: Path) -> None:
    from haiquan.commitments.status_file import read_status_file
    from haiquan.reference.agreements import load_agreements
    from haiquan.risk.service import read_partner_alerts

    bad = tmp_path / "bad.yaml"
    bad.write_text("- alert_id: A1\n  valid_from: 2017-02-30\n")
    with pytest.raises(ValidationError, match="partner alerts"):
        read_partner_alerts(bad)
    with pytest.raises(DataFileError, match="not valid YAML"):
        read_status_file(bad)
    agreements = tmp_path / "agreements.yaml"
    agreements.write_text("agreements:\n  - id: X\n    signed: 2021-31-01\n")
    with pytest.raises(CatalogueError, match="not valid YAML"):
        load_agreements(agreements)


def test_a_file_that_does_not_parse_names_the_file_line_and_column() -> None:
    with pytest.raises(NotValidYamlError) as caught:
        yaml_text.parse(
            "first: 1\nsecond: [2, 3\n",
            source="rules.yaml",
            what="the rules",
            expected="a mapping",
            fix="see docs/rules.md",
        )
    error = caught.value
    assert str(error).startswith("the rules rules.yaml is not valid YAML at line 3, column 1")
    assert (error.path, error.line, error.column) == ("rules.yaml", 3, 1)
    assert error.expected == "a mapping" and "']'" in (error.got or "")
    assert error.fix and "line 3" in error.fix and error.fix.endswith("see docs/rules.md")
    assert isinstance(error, CatalogueError) and error.status == 422


def test_bytes_that_are_not_utf8_name_their_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("a: 1\nb: caf\xe9\n".encode("latin-1"))
    with pytest.raises(NotValidYamlError, match="line 2") as caught:
        yaml_text.read(path)
    assert "UTF-8" in (caught.value.fix or "") and caught.value.path == str(path)


def test_no_module_but_the_reader_parses_yaml_or_catches_its_errors() -> None:
    package = Path(yaml_text.__file__).parent
    needles = (
        "yaml.safe_load(",
        "yaml.load(",
        "yaml_text.safe_load(",
        "import safe_load",
        "YAMLError",
    )
    offenders = [
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if p.name != "yaml_text.py" and any(n in p.read_text() for n in needles)
    ]
    assert offenders == []


def test_the_gateway_reads_the_same_error_as_a_configuration_error(tmp_path: Path) -> None:
    from haiquan.exchange._util import load_yaml_mapping

    path = tmp_path / "trust.yaml"
    path.write_text("partners: [broken\n")
    with pytest.raises(ConfigurationError) as caught:
        load_yaml_mapping(path, "trust store")
    assert str(caught.value).startswith(f"the trust store file {path} is not valid YAML at line 2")
    assert caught.value.status == 500 and caught.value.details["line"] == 2
