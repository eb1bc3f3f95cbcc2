"""The ``haiquan`` command: thin commands over the library.

Each domain has its own module here exposing a Typer ``app``; they are mounted below as
sub-commands (``haiquan load``, ``haiquan gateway`` ...), lazily: a command's module (and the
libraries it needs) is imported only when that command runs or shows its help, so ``haiquan
--help`` answers at once (:data:`_COMMANDS` holds the names and one-line helps it lists).

A command parses its options, calls one library function and formats the result; :func:`main`
turns a :class:`~haiquan.errors.HaiquanError` into a readable message and a non-zero exit code,
the only place errors are translated on the CLI.
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Iterator, Mapping
from typing import Any

import typer
from rich.markup import escape
from typer.core import TyperCommand, TyperGroup, TyperOption

from haiquan.cli._console import error_console
from haiquan.errors import HaiquanError

__all__ = ["app", "main"]

_typer_display_type_rich = TyperOption.display_type_rich


def _flag_has_no_type(self: TyperOption, ctx: Any) -> str | None:
    """A flag (``--json``, ``--force``, ``--help``) takes no value, so its help shows no type;
    Typer would print ``<bool>`` as if a value were expected after it."""
    if self.is_flag and self.metavar is None:
        return None
    return _typer_display_type_rich(self, ctx)


TyperOption.display_type_rich = _flag_has_no_type  # type: ignore[method-assign]


class _LazyGroup(TyperGroup):
    """The root group: each command is built from its module when it is run, completed or its
    own help shown; the root's help and completion of command names list :data:`_COMMANDS`."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*_COMMANDS, *(name for name in _eager().commands if name not in _COMMANDS)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in _COMMANDS:
            if self._listing:
                return TyperCommand(name=cmd_name, help=_COMMANDS[cmd_name][1])
            return _command(cmd_name)
        return _eager().commands.get(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def shell_complete(self, ctx: Any, incomplete: str) -> Any:
        self._listing = True
        try:
            return super().shell_complete(ctx, incomplete)
        finally:
            self._listing = False

    @property  # type: ignore[override]
    def commands(self) -> Mapping[str, Any]:
        """The commands by name, each built when it is looked up (tools that walk the tree, such
        as the docs test, build them all; a mistyped command's suggestions need only the names)."""
        return _Commands(self)

    @commands.setter
    def commands(self, value: Mapping[str, Any]) -> None:
        """Click sets an empty mapping at construction; the commands come from the modules."""


class _Commands(Mapping[str, Any]):
    """The root's commands as a read-only mapping that builds a command when it is looked up."""

    def __init__(self, group: _LazyGroup) -> None:
        self._group = group

    def __getitem__(self, name: str) -> Any:
        command = self._group.get_command(None, name)
        if command is None:
            raise KeyError(name)
        return command

    def __iter__(self) -> Iterator[str]:
        return iter(self._group.list_commands(None))

    def __len__(self) -> int:
        return len(self._group.list_commands(None))


app = typer.Typer(
    name="haiquan",
    cls=_LazyGroup,
    help="haiquan — a customs administration's international cooperation platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
)

#: Modules under haiquan.cli; each exposes ``register(app)``, which adds its commands or groups.
#: A module whose commands are not in :data:`_COMMANDS` is imported at start (slower).
_COMMAND_MODULES: list[str] = [
    "reference",
    "warehouse",
    "commitments",
    "web",
    "gateway",
    "priorities",
    "analytics",
    "demo",
    "risk",
    "forecast",
    "refresh",
    "aeo",
    "alerts",
    "db",
    "transit",
]


def _print_version(value: bool) -> None:
    if value:
        from haiquan import __version__

        typer.echo(f"haiquan {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print haiquan's version and exit.",
    ),
) -> None:
    """haiquan — a customs administration's international cooperation platform."""


#: The root's commands and groups in the order ``haiquan --help`` lists them: the modules that
#: register each one and its one-line help (the first paragraph of its own help, held equal by
#: tests/cli/test_help.py).
_COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "load": (
        ("warehouse",),
        "Load trade or declaration files into the warehouse (all or nothing, never twice).",
    ),
    "export": (
        ("warehouse",),
        "Export a warehouse table to CSV or partitioned Parquet (for Spark or Dask).",
    ),
    "serve": (("web",), "Serve the dashboard and the HTTP API (Ctrl-C stops it)."),
    "priorities": (
        ("priorities",),
        "Rank partners per cooperation instrument (USD at stake) and overall; weight sensitivity.",
    ),
    "plan": (
        ("priorities",),
        "Choose and schedule initiatives within yearly staff and budget (MILP, HiGHS).",
    ),
    "plan-template": (
        ("priorities",),
        "Write a starting initiatives catalogue for any "
        "administration (every figure an assumption; partners: home's largest, "
        "or placeholders), to edit and pass to plan.",
    ),
    "indicators": (
        ("analytics",),
        "Indicators of each trade relationship: levels, growth, shares, balance, GL, intensity.",
    ),
    "mirror-gaps": (
        ("analytics",),
        "Mirror-data gaps: partner vs home reports of the same trade, flagged beyond CIF/FOB.",
    ),
    "rca": (
        ("analytics",),
        "Revealed comparative advantage (Balassa) by HS chapter, strongest first (BACI data).",
    ),
    "gravity": (
        ("analytics",),
        "PPML gravity: the EU15 reference check, or expected trade and untapped potential.",
    ),
    "demo": (
        ("demo",),
        "Build a demo warehouse (real public data where found, synthetic otherwise) and tour it.",
    ),
    "forecast": (
        ("forecast",),
        "Forecast every series of a slice with intervals (80 %, 95 %) and a weighted ensemble.",
    ),
    "backtest": (
        ("forecast",),
        "Hold out the last HORIZON periods: MASE, sMAPE, coverage and MSIS vs seasonal naive.",
    ),
    "backtest-runs": (
        ("forecast",),
        "Back-test runs stored in the warehouse, newest first; RUN_ID shows one run.",
    ),
    "refresh": (
        ("refresh",),
        "Compute and store the forecasts, indicators, partner scores and "
        "plan of the current data (what the dashboard, the API and `haiquan forecast` "
        "read).",
    ),
    "show": (
        ("reference", "warehouse"),
        "Quick look-ups: countries, HS codes, agreements, partners, top lists.",
    ),
    "commitments": (
        ("commitments",),
        "Track international commitments (WTO TFA, RKC, WCO SAFE, ASEAN): status, rates, reports.",
    ),
    "users": (("web",), "Manage dashboard/API users and their API tokens."),
    "gateway": (
        ("gateway",),
        "The customs-to-customs exchange gateway: init, partners, serve, send, messages.",
    ),
    "risk": (
        ("risk",),
        "Risk management of declarations: train, score to channels, drift, retrain.",
    ),
    "aeo": (("aeo",), "The AEO registry and mutual recognition with partners."),
    "alerts": (("alerts",), "Partner high-risk alerts received through the gateway."),
    "db": (("db",), "Schema revisions of the SQL stores (gateway, AEO registry, users)."),
    "transit": (("transit",), "ACTS transit: declarations, movements, guarantees, enquiries."),
}

#: The Typer app command modules register on, one module at a time as commands are asked for.
_registered = typer.Typer(add_completion=False)


@functools.cache
def _register(module: str) -> None:
    importlib.import_module(f"haiquan.cli.{module}").register(_registered)


@functools.cache
def _command(name: str) -> Any:
    """The Click command or group ``name``, built from the modules that register it."""
    for module in _COMMANDS[name][0]:
        _register(module)
    holder = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    holder.registered_commands = [
        info
        for info in _registered.registered_commands
        if (info.name or typer.main.get_command_name(info.callback.__name__)) == name  # type: ignore[union-attr]
    ]
    holder.registered_groups = [
        info
        for info in _registered.registered_groups
        if (info.name or (info.typer_instance and info.typer_instance.info.name)) == name
    ]
    return typer.main.get_group(holder).commands[name]


@functools.cache
def _eager() -> Any:
    """Commands of modules missing from :data:`_COMMANDS`, built at once (none, normally)."""
    lazy = {module for modules, _ in _COMMANDS.values() for module in modules}
    holder = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    for module in _COMMAND_MODULES:
        if module not in lazy:
            importlib.import_module(f"haiquan.cli.{module}").register(holder)
    holder.callback()(lambda: None)
    return typer.main.get_group(holder)


def main() -> None:
    """Entry point of the ``haiquan`` console script."""
    try:
        app()
    except HaiquanError as error:
        error_console.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
        sys.exit(2 if error.status < 500 else 1)
    except ModuleNotFoundError as error:
        # A part not installed (pyproject.toml's extras): name the extra, not a traceback.
        from haiquan._extras import missing_extra

        told = missing_extra(error, sys.argv[1:])
        if told is None:
            raise
        error_console.print(f"[bold red]error:[/] {escape(str(told))}", highlight=False)
        sys.exit(1)
    except Exception as error:
        # Imported here, not at start: ``haiquan --help`` loads no more than it needs.
        from pydantic import ValidationError

        if not isinstance(error, ValidationError):
            raise
        # Values a command hands to a library model (dates, codes, statuses) are checked there.
        lines = [
            f"  - {'.'.join(str(p) for p in item['loc']) or 'value'}: {item['msg']} "
            f"(got {item.get('input')!r})"
            for item in error.errors()
        ]
        error_console.print(
            "[bold red]error:[/] invalid input:\n" + escape("\n".join(lines)), highlight=False
        )
        sys.exit(2)
