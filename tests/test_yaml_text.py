"""One YAML reader for every file: impossible dates are YAML errors with a place, not crashes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from haiquan import yaml_text
from haiquan.errors import CatalogueError, DataFileError, ValidationError
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
    offenders = [str(p.relative_to(package)) for p in package.rglob("*.py")
                 if p.name != "yaml_text.py"
                 and ("yaml.safe_load(" in p.read_text() or "yaml.load(" in p.read_text())]
    assert offenders == []


def test_the_loaders_turn_it_into_their_own_clear_errors(tmp_path: Path) -> None:
    from haiquan.commitments.records import read_status_file
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
