"""The ``haiquan show`` group: quick look-ups. Several command modules add commands to it."""

import typer

__all__ = ["show_app"]

show_app = typer.Typer(help="Quick look-ups: countries, HS codes, agreements, partners, top lists.",
                       no_args_is_help=True)
