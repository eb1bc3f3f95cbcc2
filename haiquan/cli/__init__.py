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

#: (module under haiquan.cli, how it is mounted). A module either exposes ``app`` (a group of
#: sub-commands) or ``register(app)`` (top-level commands such as ``load`` or ``demo``).
_COMMAND_MODULES: list[str] = [
    "warehouse",
]


@app.callback()
def _root() -> None:
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
