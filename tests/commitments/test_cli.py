"""``haiquan commitments ...``: the thin CLI over the library, run for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haiquan.cli import app
from haiquan.commitments import Catalogue, status_history
from haiquan.errors import HaiquanError
from haiquan.settings import get_settings

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, ["commitments", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_record_then_rate_as_json() -> None:
    run(
        "record",
        "wto_tfa",
        "1.1",
        "--category",
        "A",
        "--effective",
        "2017-02-22",
        "--status",
        "implemented",
        "--unit",
        "Legal Department",
        "--evidence",
        "Customs Law 2014",
    )
    run(
        "record",
        "wto_tfa",
        "7.1",
        "-c",
        "VN",
        "--category",
        "B",
        "--effective",
        "2022-05-06",
        "--definitive",
        "2022-03-31",
    )
    rate = json.loads(run("rate", "wto_tfa", "--on", "2022-06-01", "--json"))
    assert (rate["implemented"], rate["total"], rate["basis"]) == (2, 36, "items")
    groups = json.loads(run("rate", "wto_tfa", "--on", "2022-06-01", "--by-group", "--json"))
    assert [g["implemented"] for g in groups if g["implemented"]] == [1, 1]
    assert "Legal Department" in run("history", "--item", "1.1")
    compared = run("compare", "wto_tfa", "--countries", "VNM,THA", "--on", "2022-06-01")
    assert "VNM" in compared and "THA" in compared


def test_load_status_deadlines_timeline_report_export(tmp_path: Path) -> None:
    status = tmp_path / "status.csv"
    status.write_text(
        "catalogue,item,country,effective_date,category,definitive_date\n"
        "wto_tfa,7.7,VNM,2018-11-16,B,2023-12-31\n"
    )
    assert "stored 1 records" in run("load-status", str(status))
    assert "already loaded" in run("load-status", str(status))
    assert "7.7" in run(
        "deadlines", "--catalogue", "wto_tfa", "--on", "2023-09-01", "--months", "6"
    )
    assert "2023-12-31" in run("timeline", "wto_tfa")
    report = tmp_path / "report.html"
    run("report", "wto_tfa", "--out", str(report), "--on", "2023-09-01")
    assert "Trade Facilitation Measures for Authorized Operators" in report.read_text(
        encoding="utf-8"
    )
    export = tmp_path / "state.csv"
    run("export", "state", "--catalogue", "wto_tfa", "--out", str(export))
    assert len(export.read_text(encoding="utf-8-sig").splitlines()) == 37


def test_rates_are_per_cent_in_every_table() -> None:
    run("load-example", "vietnam-asean")
    by_group = run("rate", "asean", "--on", "2025-06-01", "--by-group")
    compared = run("compare", "asean", "--countries", "VNM,THA", "--on", "2025-06-01")
    timeline = run("timeline", "asean")
    for out in (by_group, compared, timeline):
        assert " %" in out
        assert "0.2 " not in out and "0.3333" not in out and "0.4444" not in out
    assert "0.0 %" in compared  # THA reported nothing


def test_deadlines_say_days_late_never_negative_days() -> None:
    import re

    run("load-example", "vietnam-asean")
    out = run("deadlines", "--catalogue", "asean", "--on", "2025-06-01", "--months", "6")
    # AAMRA.4, a target of 2024-09-30 with no report, is late: 244 days, not "-244".
    assert "AAMRA.4" in out and "244 days late" in out
    assert not re.search(r"(?<![\d-])-\d", out)
    assert "ACTS.1" not in out and "1998" not in out  # the 1998 signing is history, not a task


def test_catalogue_commands(tmp_path: Path) -> None:
    assert "rkc_general_annex" in run("catalogues")
    assert "Pre-arrival Processing" in run("show", "wto_tfa")
    tiny = Path(__file__).parent / "tiny_catalogue.yaml"
    assert "installed catalogue tiny" in run("install-catalogue", str(tiny))


def test_load_example_is_idempotent() -> None:
    assert "stored 18 records" in run("load-example", "vietnam-asean")
    assert "already loaded" in run("load-example", "vietnam-asean")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["record", "wto_tfa", "9.9"], "no item '9.9'"),
        (["record", "wto_tfa", "1.1", "--category", "Z"], "bad value for category"),
        (
            ["record", "asean", "AAMRA.1", "--effective", "2999-01-01", "--status", "implemented"],
            "expected a date from 1947-01-01 to 2200-12-31, got 2999-01-01",
        ),
        (["record", "asean", "AAMRA.1", "-c", "XX", "--status", "implemented"], "got XX"),
        (["record", "asean", "AAMRA.1"], "records nothing"),
        (["rate", "wto_tfa", "--on", "2022-02-30"], "expected a date as YYYY-MM-DD"),
        (["rate", "wto_tfa", "--member-type", "rich"], "developed, developing or ldc"),
        (["deadlines", "--months", "-3"], "months must not be negative"),
        (["deadlines", "--months", "100000"], "0 to 1200"),
        (["record", "asean", "AAMRA.1", "--status", "done"],
         "to fix: pass --status implemented, partially or not_yet"),
    ],
)
def test_bad_input_raises_a_clear_error_and_stores_nothing(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["commitments", *args])
    assert isinstance(result.exception, HaiquanError)
    assert result.exception.status < 500
    assert message in str(result.exception)
    assert len(status_history()) == 0


def test_the_console_script_exits_2_on_bad_input() -> None:
    # A real process: main() is the one place that turns an error into a message and exit code.
    env = {**os.environ, "HAIQUAN_HOME": str(get_settings().home)}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from haiquan.cli import main; main()",
            "commitments",
            "record",
            "wto_tfa",
            "9.9",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "no item '9.9'" in " ".join(done.stderr.split())
    assert len(status_history()) == 0


def test_rate_before_the_tfa_entered_into_force_says_so() -> None:
    output = " ".join(run("rate", "wto_tfa", "--on", "1900-01-01").split())
    assert "0.0 %" in output
    assert "1900-01-01 is before the agreement entered into force (2017-02-22" in output


def test_compare_with_an_empty_country_list_is_refused() -> None:
    result = runner.invoke(app, ["commitments", "compare", "wto_tfa", "--countries", ","])
    assert result.exit_code != 0
    assert isinstance(result.exception, HaiquanError)
    assert "no countries to compare" in str(result.exception)


def test_compare_says_which_countries_have_no_records() -> None:
    run("record", "wto_tfa", "1.1", "--category", "A", "--effective", "2017-02-22")
    output = " ".join(run("compare", "wto_tfa", "--countries", "VNM,THA", "--on",
                          "2020-01-01").split())
    assert "No records for THA" in output and "VNM," not in output


def test_history_that_matches_nothing_says_so() -> None:
    said = " ".join(run("history", "--catalogue", "wto_tfa", "--item", "99.9").split())
    assert "No status record for catalogue wto_tfa, item 99.9 yet" in said


def test_timeline_of_a_catalogue_without_items_says_there_is_nothing_to_count(
    empty_catalogue: Catalogue,
) -> None:
    said = " ".join(run("timeline", "empty_safe").split())
    assert "empty_safe lists no items yet: there is nothing to count" in said


def test_record_a_draft_self_assessment_with_its_evidence_and_approve_it(tmp_path: Path) -> None:
    scan = tmp_path / "plan.pdf"
    scan.write_bytes(b"%PDF-1.4 plan")
    said = run("record", "asean", "AAMRA.5", "--effective", "2024-01-01", "--status", "not_yet",
               "--gap", "on-site validation", "--action", "finish validation", "--target",
               "2025-06-30", "--legal-basis", "Circular 33/2023", "--evidence-file", str(scan),
               "--draft")
    assert "as a draft" in " ".join(said.split())
    assert "AAMRA.5" in run("drafts")
    assert "approved asean AAMRA.5" in run("approve", "asean", "AAMRA.5", "--effective",
                                            "2024-01-01", "--by", "Director General")
    assert "No draft waits" in run("drafts")
    stored = status_history()
    assert stored["evidence_file"].iloc[-1].endswith("-plan.pdf")
    assert stored["approved_by"].iloc[-1] == "Director General"
