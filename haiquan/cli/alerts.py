"""``haiquan alerts ...``: partner high-risk alerts received through the gateway."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from haiquan.cli._console import console
from haiquan.cli._tables import print_frame

__all__ = ["register"]

alerts_app = typer.Typer(help="Partner high-risk alerts received through the gateway.",
                         no_args_is_help=True)


@alerts_app.command("pull")
def pull(
    gateway_home: Annotated[Path | None, typer.Option(help="Gateway node folder.")] = None,
    file: Annotated[Path | None, typer.Option(help="Alerts file (default HOME/risk/...).")] = None,
) -> None:
    """Move alerts waiting in the gateway inbox into the alerts file selectivity reads."""
    from haiquan.exchange import GatewayNode
    from haiquan.risk.partner_alerts import default_alerts_file, pull_gateway_alerts

    with GatewayNode.from_home(gateway_home) as node:
        added = pull_gateway_alerts(node, file)
    console.print(f"{len(added)} new alert rule(s) kept in {file or default_alerts_file()}")


@alerts_app.command("list")
def list_alerts(
    file: Annotated[Path | None, typer.Option(help="Alerts file (default HOME/risk/...).")] = None,
) -> None:
    """The partner alerts selectivity applies."""
    from haiquan.risk.partner_alerts import default_alerts_file
    from haiquan.risk.service import read_partner_alerts

    path = file or default_alerts_file()
    if not path.exists():
        console.print(f"no alerts kept yet ({path}); run `haiquan alerts pull`")
        return
    alerts = read_partner_alerts(path)
    print_frame(pd.DataFrame([a.model_dump() for a in alerts]), "Partner alerts")


def register(app: typer.Typer) -> None:
    """Mount ``haiquan alerts``."""
    app.add_typer(alerts_app, name="alerts")
