"""``haiquan load``, ``haiquan show``, ``haiquan export`` and ``haiquan demo``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Mount the warehouse commands on the root app."""

    @app.command()
    def version() -> None:
        """Print haiquan's version."""
        from haiquan import __version__

        typer.echo(__version__)
