"""``haiquan demo``: build the demo warehouse, show what the platform does, open the dashboard."""

from __future__ import annotations

from typing import Annotated

import typer

from haiquan.cli._console import console
from haiquan.cli._tables import print_frame

__all__ = ["register"]


def demo(
    serve: Annotated[bool, typer.Option(
        "--serve/--no-serve", help="Open the dashboard afterwards (Ctrl-C stops it).")] = True,
    port: Annotated[int, typer.Option(help="Dashboard port on 127.0.0.1.")] = 8000,
) -> None:
    """Build a demo warehouse (real public data where found, synthetic otherwise) and tour it."""
    from haiquan.demo import build_demo_warehouse, tour
    from haiquan.settings import get_settings

    settings = get_settings()
    console.rule("[bold]haiquan demo")
    built = build_demo_warehouse()
    console.print(f"warehouse: {built.path}")
    for result in built.loads:
        state = "already there" if result.already_loaded else "loaded"
        label = " [yellow](SYNTHETIC)[/]" if result.synthetic else ""
        console.print(f"  {state}: {result.rows:,} rows from {result.path}{label}")
    for section in tour(settings.home_country):
        console.rule(section.title)
        print_frame(section.table, synthetic=section.synthetic)
        if section.note:
            console.print(f"[dim]{section.note}[/]")
    if serve:
        from haiquan.web.auth import demo_login
        from haiquan.web.server import serve as run_server

        username, password = demo_login()
        console.rule("Dashboard")
        console.print(f"open http://127.0.0.1:{port}/ and log in as [bold]{username}[/] with "
                      f"password [bold]{password}[/] (a new one each run; Ctrl-C to stop)")
        run_server(host="127.0.0.1", port=port)


def register(app: typer.Typer) -> None:
    """Mount ``haiquan demo``."""
    app.command()(demo)
