"""``haiquan priorities`` and ``haiquan plan`` as a user runs them, on the real Vietnam example."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haiquan.cli import app
from haiquan.errors import InputError
from haiquan.priorities import plan_cooperation
from tests.conftest import require_shared
from tests.priorities.conftest import VIETNAM_DOTS

runner = CliRunner()


def test_priorities_json_ranks_vietnams_partners() -> None:
    path = require_shared(VIETNAM_DOTS)
    result = runner.invoke(app, ["priorities", "--input", str(path), "--input-format", "dots",
                                 "--forecast", "trend", "--top", "5", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert len(payload["overall"]) == 5
    assert payload["overall"][0]["rank"] == 1
    assert {"CHN", "USA"} <= {row["partner"] for row in payload["overall"]}
    assert payload["sensitivity"] and payload["home"] == "VNM"
    # Per instrument, partners ranked by USD at stake, each with its driver; how they combine.
    eco = payload["instruments"]["eco_exchange"]
    assert eco["partners"][0]["partner"] == "CHN" and "FTA in force" in eco["partners"][0]["driver"]
    assert "KOR" not in {row["partner"] for row in eco["partners"]}  # e-C/O live since 2023
    assert "log10" in payload["statistic"] and "weights" in payload["combination"]
    assert payload["data_source"].startswith("file ")


def test_plan_tables_show_the_plan_resources_and_what_ifs() -> None:
    require_shared(VIETNAM_DOTS)
    result = runner.invoke(app, ["plan", "--forecast", "trend"])
    assert result.exit_code == 0, result.output
    # The DOTS extract ends in 2020; the plan is for the years ahead.
    first = max(2021, dt.date.today().year + 1)
    for words in (f"Cooperation plan for VNM, {first}–{first + 4}: optimal", "Chosen initiatives",
                  "aeo-programme-upgrade", "Resources per year", "Budget +10 %",
                  "assumptions to replace", "IMF DOTS example"):
        assert words in result.output


def test_plan_warns_before_its_tables_when_the_home_setting_differs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from haiquan.settings import reset_settings

    require_shared(VIETNAM_DOTS)
    monkeypatch.setenv("HAIQUAN_HOME_COUNTRY", "THA")
    reset_settings()
    result = runner.invoke(app, ["plan", "--forecast", "trend"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Cooperation plan for VNM" in text
    warning = "warning: this plan is for VNM, the home of the bundled Vietnam example catalogue"
    assert warning in text and "not for THA (HAIQUAN_HOME_COUNTRY)" in text
    assert text.index(warning) < text.index("Chosen initiatives")


def test_plan_json_is_a_plan() -> None:
    require_shared(VIETNAM_DOTS)
    result = runner.invoke(app, ["plan", "--forecast", "trend", "--json", "--staff", "40",
                                 "--budget", "300000", "--years", "4"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert plan["years"] == 4 and plan["status"] == "optimal"
    assert all(u["staff_months_used"] <= 40 + 1e-9 for u in plan["usage"])
    assert all(u["budget_usd_used"] <= 300000 + 1e-6 for u in plan["usage"])


def test_a_bad_catalogue_exits_2_with_the_entry_and_fix(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ntitle: t\nhome: VNM\ndiscount_rate: 0.1\ninitiatives: []\n",
                   encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", "from haiquan.cli import main; main()", "plan", "--catalogue",
         str(bad), "--staff", "10", "--budget", "1000"],
        capture_output=True, text=True, env=os.environ.copy(), timeout=300,
    )
    assert result.returncode == 2
    assert "discount_rate" in result.stderr and "to fix" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_limits_are_explained_not_a_traceback() -> None:
    require_shared(VIETNAM_DOTS)
    with pytest.raises(InputError) as caught:
        plan_cooperation(staff_months=-1, budget_usd=10, forecast="trend", analyse=False)
    assert "staff_months_per_year" in str(caught.value) and caught.value.fix


@pytest.mark.parametrize("top", ["0", "-3"])
def test_priorities_top_must_show_at_least_one_partner(top: str) -> None:
    # --top -3 used to show every partner but the last three (pandas' head(-3)).
    result = runner.invoke(app, ["priorities", "--forecast", "trend", "--top", top])
    assert result.exit_code == 2 and "--top" in result.output


def test_priorities_ignore_a_stray_later_year_and_say_so(tmp_path: Path) -> None:
    import pandas as pd

    from haiquan.warehouse.sources import read_trade_file
    from haiquan.warehouse.sources.canonical import write

    flows = read_trade_file(require_shared(VIETNAM_DOTS), "dots")
    stray = flows.loc[(flows["reporter"] == "VNM") & (flows["period"] == "2020")
                      & flows["partner"].isin(["KOR", "JPN", "THA"])].assign(period="2031")
    path = write(pd.concat([flows, stray], ignore_index=True), tmp_path / "flows.parquet")
    result = runner.invoke(app, ["priorities", "--input", str(path), "--input-format", "canonical",
                                 "--forecast", "trend", "--top", "5", "--sensitivity", "0"],
                           env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "base year 2020" in out
    assert "later years hold too few partners" in out and "2031: 3" in out
    # Headers in an officer's words, not "no eCO" / "no SW" (Rich may wrap them).
    assert "e-C/O" in out and "single window" in out
    assert "eCO" not in out and "no SW" not in out
    assert "FutureWarning" not in out


@pytest.mark.parametrize("source", ["synthetic-demo", "test"])
def test_priorities_of_a_synthetic_file_carry_the_label_in_every_format(
    flows_factory, tmp_path: Path, source: str
) -> None:
    from haiquan.cli._output import SYNTHETIC_LABEL

    synthetic = source.startswith("synthetic")
    rows = []
    for partner, level in (("KOR", 100.0), ("JPN", 50.0), ("THA", 20.0)):
        for year in range(2012, 2021):
            rows += [("VNM", partner, flow, str(year), level) for flow in ("export", "import")]
    trade = tmp_path / "synth.csv"
    flows_factory(rows).assign(source=source).to_csv(trade, index=False)
    command = ["priorities", "--input", str(trade), "--forecast", "trend", "--sensitivity", "0",
               "--min-share", "0"]
    environment = {"COLUMNS": "250"}

    shown = runner.invoke(app, command, env=environment, catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    assert (SYNTHETIC_LABEL in shown.stdout) is synthetic
    if synthetic:  # above the tables, where a reader starts
        assert shown.stdout.index(SYNTHETIC_LABEL) < shown.stdout.index("Overall cooperation")
    as_json = runner.invoke(app, [*command, "--format", "json"], env=environment,
                            catch_exceptions=False)
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout)["synthetic"] is synthetic
    assert (SYNTHETIC_LABEL in as_json.stderr) is synthetic
    as_csv = runner.invoke(app, [*command, "--format", "csv"], env=environment,
                           catch_exceptions=False)
    assert as_csv.exit_code == 0, as_csv.output
    assert (SYNTHETIC_LABEL in as_csv.stderr) is synthetic
    assert SYNTHETIC_LABEL not in as_csv.stdout
