"""The ``haiquan`` command: thin commands over the library.

Each domain has its own module here exposing a Typer ``app``; they are mounted below as
sub-commands (``haiquan load``, ``haiquan gateway`` ...). A command parses its options, calls one
library function and formats the result; :func:`main` turns a :class:`~haiquan.errors.HaiquanError`
into a readable message and a non-zero exit code, the only place errors are translated on the CLI.
"""

from __future__ import annotations

import importlib
import sys

import typer
from pydantic import ValidationError as PydanticValidationError
from rich.markup import escape

from haiquan.cli._console import error_console
from haiquan.errors import HaiquanError

__all__ = ["app", "main"]

app = typer.Typer(
    name="haiquan",
    help="haiquan — a customs administration's international cooperation platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

#: Modules under haiquan.cli; each exposes ``register(app)``, which adds its commands or groups.
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
        False, "--version", callback=_print_version, is_eager=True,
        help="Print haiquan's version and exit.",
    ),
) -> None:
    """haiquan — a customs administration's international cooperation platform."""


def _mount() -> None:
    for name in _COMMAND_MODULES:
        module = importlib.import_module(f"haiquan.cli.{name}")
        module.register(app)


_mount()


def main() -> None:
    """Entry point of the ``haiquan`` console script."""
    try:
        app()
    except HaiquanError as error:
        error_console.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
        sys.exit(2 if error.status < 500 else 1)
    except PydanticValidationError as error:
        # Values a command hands to a library model (dates, codes, statuses) are checked there.
        lines = [
            f"  - {'.'.join(str(p) for p in item['loc']) or 'value'}: {item['msg']} "
            f"(got {item.get('input')!r})"
            for item in error.errors()
        ]
        error_console.print("[bold red]error:[/] invalid input:\n" + escape("\n".join(lines)),
                            highlight=False)
        sys.exit(2)
