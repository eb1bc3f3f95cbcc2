"""``haiquan show country|hs|hs-search|agreements`` (haiquan/cli/reference.py)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from haiquan.cli import app
from haiquan.errors import UnknownCodeError, ValidationError

runner = CliRunner()


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_show_country_by_source_name() -> None:
    out = _run("show", "country", "Korea, Rep. of", "--on", "2024-01-01")
    assert "KOR" in out and "410" in out and "RCEP" in out


def test_show_hs_lists_children_and_section() -> None:
    out = _run("show", "hs", "0901")
    assert "heading" in out and "Vegetable products" in out
    assert all(code in out for code in ("090111", "090112", "090121", "090122", "090190"))


def test_show_hs_national_line_carries_the_note() -> None:
    assert "not in the HS nomenclature" in _run("show", "hs", "84713010")


def test_show_hs_bad_code_raises_the_library_error() -> None:
    with pytest.raises(ValidationError, match="without the dot"):
        runner.invoke(app, ["show", "hs", "8471.30"], catch_exceptions=False)
    with pytest.raises(UnknownCodeError):
        runner.invoke(app, ["show", "hs", "8499"], catch_exceptions=False)


def test_show_hs_search() -> None:
    out = _run("show", "hs-search", "coffee", "--level", "4")
    assert "0901" in out and "2101" in out


def test_show_agreements_for_home_country_on_a_day() -> None:
    out = _run("show", "agreements", "--on", "2016-01-01", "--kind", "fta")
    assert "VKFTA" in out and "ATIGA" in out and "CPTPP" not in out


def test_show_agreements_with_partner_gives_the_flags() -> None:
    out = _run("show", "agreements", "--partner", "KOR", "--on", "2024-01-01")
    assert "fta_in_force" in out and "VN_KOR_EODES" in out and "VKFTA" in out


@pytest.mark.parametrize("args", [("--partner", "THA"), ("--country", "THA", "--partner", "SGP")])
def test_show_agreements_between_asean_members_lists_only_atiga_and_rcep(
    args: tuple[str, ...],
) -> None:
    out = _run("show", "agreements", *args, "--on", "2024-06-01")
    fta_line = next(line for line in out.splitlines() if "fta_in_force" in line)
    assert "ATIGA, RCEP" in fta_line
    for ident in ("ACFTA", "AKFTA", "AJCEP", "AANZFTA", "AIFTA", "AHKFTA"):
        assert ident not in out


def test_show_agreements_all_marks_unverified_notes() -> None:
    out = _run("show", "agreements", "--all", "--on", "2025-06-01")
    assert "VN_KOR_AEO_MRA" in out and "not yet" in out


def test_main_turns_errors_into_exit_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    from haiquan.cli import main

    argv = sys.argv
    sys.argv = ["haiquan", "show", "hs", "8471.30"]
    try:
        with pytest.raises(SystemExit) as caught:
            main()
    finally:
        sys.argv = argv
    assert caught.value.code == 2
    assert "write 847130 without the dot" in capsys.readouterr().err.replace("\n", " ")
