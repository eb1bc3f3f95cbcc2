"""What ``--help`` promises: it starts without the numerical stack, names every command with the
help the command itself carries, shows typed choices (and the shell completes them), and never
prints a ``<bool>`` as if a flag took a value."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import typer

from haiquan.cli import _COMMANDS, _eager, app
from tests.cli.conftest import Haiquan

HEAVY = ("pandas", "numpy", "duckdb", "pyarrow", "sklearn", "lightgbm", "statsforecast")


def _modules_after(*arguments: str) -> set[str]:
    """The modules a fresh ``haiquan ARGUMENTS`` process had imported when it ended."""
    script = (
        "import atexit, json, sys\n"
        "atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))\n"
        "sys.argv[0] = 'haiquan'\n"
        "from haiquan.cli import main\n"
        "main()\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, *arguments],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "Usage: haiquan" in run.stdout
    return set(json.loads(run.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("arguments", [("--help",), ("gateway", "--help")])
def test_help_does_not_import_the_numerical_stack(arguments: tuple[str, ...]) -> None:
    loaded = _modules_after(*arguments)
    assert not [name for name in HEAVY if name in loaded], sorted(
        name for name in loaded if name.split(".")[0] in HEAVY
    )
    # Nor the command modules the help does not describe: they are imported when used.
    assert "haiquan.cli.forecast" not in loaded
    assert "haiquan.reference.agreements" not in loaded


def test_every_root_command_is_listed_without_importing_its_module() -> None:
    # A module left out of _COMMANDS would be imported at every start.
    assert dict(_eager().commands) == {}
    built = typer.main.get_command(app)
    for name, (_, listed) in _COMMANDS.items():
        command = built.commands[name]  # type: ignore[attr-defined]
        own = " ".join((command.help or "").split("\n\n")[0].split())
        assert listed == own, f"_COMMANDS[{name!r}] says {listed!r}; the command says {own!r}"


def _command_paths(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in (getattr(command, "commands", None) or {}).items():
        yield from _command_paths(sub, (*path, name))


PATHS = list(_command_paths(typer.main.get_command(app)))


def test_the_walk_reaches_nested_commands() -> None:
    assert ("gateway", "partner", "add") in PATHS
    assert ("show", "top-partners") in PATHS and ("show", "country") in PATHS
    assert len(PATHS) > 100


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "haiquan")
def test_no_help_shows_a_bool_metavar(haiquan: Haiquan, path: tuple[str, ...]) -> None:
    shown = haiquan(*path, "--help")
    assert shown.code == 0, shown.err
    assert "Usage:" in shown.out
    assert "<bool>" not in shown.out and "BOOLEAN" not in shown.out, shown.out


@pytest.mark.parametrize(
    "path",
    [
        ("aeo", "list"),
        ("aeo", "partners"),
        ("alerts", "list"),
        ("commitments", "catalogues"),
        ("commitments", "history"),
        ("commitments", "rate"),
        ("commitments", "compare"),
        ("commitments", "deadlines"),
        ("show", "agreements"),
        ("show", "hs-search"),
        ("show", "top-partners"),
        ("show", "loads"),
        ("backtest-runs",),
        ("gateway", "messages"),
        ("gateway", "status"),
        ("gateway", "partner", "list"),
        ("transit", "list"),
        ("users", "list"),
        ("risk", "versions"),
        ("risk", "results"),
        ("db", "status"),
        ("indicators",),
        ("mirror-gaps",),
        ("rca",),
        ("gravity",),
        ("backtest",),
        ("priorities",),
    ],
)
def test_listing_commands_offer_table_json_and_csv(haiquan: Haiquan, path: tuple[str, ...]) -> None:
    shown = haiquan(*path, "--help", "--format", "json")  # --help wins over every option
    assert "--format" in shown.out and "table|json|csv" in shown.out, shown.out


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("haiquan show agreements --kind ", {"fta", "aeo_mra", "eco_exchange", "single_window"}),
        ("haiquan show top-partners --frequency ", {"M", "Q", "A"}),
        ("haiquan commitments catalogues --format ", {"table", "json", "csv"}),
        ("haiquan sh", {"show"}),
        # Text options the library checks leniently still list and complete their values.
        ("haiquan forecast --flow re", {"re-export", "re-import"}),
        ("haiquan load --format comt", {"comtrade", "comtrade-legacy"}),
        (
            "haiquan users add someone --role ",
            {"viewer", "analyst", "risk_officer", "administrator"},
        ),
    ],
)
def test_the_shell_completes_choices(words: str, expected: set[str]) -> None:
    environment = {
        **os.environ,
        "_HAIQUAN_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    }
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.argv[0] = 'haiquan'\nfrom haiquan.cli import main; main()",
        ],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
        timeout=120,
    )
    assert set(run.stdout.split()) == expected, (run.stdout, run.stderr)


def test_a_choice_outside_the_list_is_refused_with_the_list(haiquan: Haiquan) -> None:
    refused = haiquan("show", "agreements", "--kind", "trade")
    assert refused.code == 2
    assert "fta" in refused.err and "single_window" in refused.err, refused.err


def test_the_lists_the_cli_repeats_match_the_library() -> None:
    # Repeated in the CLI so that `--help` needs not import the transit store or the web app.
    from haiquan.cli._options import TRADE_FORMAT_NAMES
    from haiquan.cli.transit import MovementState
    from haiquan.cli.web import _ROLE_NAMES
    from haiquan.transit.models import State
    from haiquan.warehouse.sources import TRADE_FORMATS
    from haiquan.web.auth.roles import Role

    assert [s.value for s in MovementState] == [s.value for s in State]
    assert list(_ROLE_NAMES) == [r.value for r in Role]
    assert list(TRADE_FORMAT_NAMES) == list(TRADE_FORMATS)


def test_a_listed_text_option_shows_its_values(
    haiquan: Haiquan, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # the help on one line per option
    shown = haiquan("forecast", "--help")
    assert "<import|export|re-export|re-import>" in shown.out, shown.out


def test_load_lists_the_trade_formats_it_reads(
    haiquan: Haiquan, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The list --input-format shows (checked against the library's above), not `<str>`.
    from haiquan.cli._options import TRADE_FORMAT_NAMES

    monkeypatch.setenv("COLUMNS", "250")
    shown = haiquan("load", "--help")
    assert "<" + "|".join(TRADE_FORMAT_NAMES) + ">" in shown.out, shown.out
