"""``haiquan alerts ...``: partner high-risk alerts received through the gateway."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from haiquan.cli._console import console
from haiquan.cli._output import FormatOption, OutputFormat, emit

__all__ = ["register"]

alerts_app = typer.Typer(
    help="Partner high-risk alerts received through the gateway.", no_args_is_help=True
)

_FILE_HELP = (
    "Alerts file (default HAIQUAN_HOME/risk/partner_alerts.yaml, i.e. "
    ".haiquan/risk/partner_alerts.yaml under the current folder unless HAIQUAN_HOME is set: "
    "the file `haiquan risk score`, the API and the dashboard apply)."
)


@alerts_app.command("pull")
def pull(
    gateway_home: Annotated[
        Path | None,
        typer.Option(
            help=("Gateway node folder (default: HAIQUAN_GATEWAY_HOME or HAIQUAN_HOME/gateway).")
        ),
    ] = None,
    file: Annotated[Path | None, typer.Option(help=_FILE_HELP)] = None,
) -> None:
    """Move alerts waiting in the gateway inbox into the alerts file that `haiquan risk score`, the API and the dashboard's risk queue apply."""  # noqa: E501
    from haiquan.cli.gateway import open_node
    from haiquan.risk.partner_alerts import default_alerts_file, pull_gateway_alerts

    with open_node(gateway_home, "--gateway-home") as node:
        added = pull_gateway_alerts(node, file)
    path = Path(file or default_alerts_file()).absolute()
    if added:
        console.print(f"{len(added)} new alert rule(s) kept in {path}", highlight=False)
    elif path.exists():
        console.print(
            f"no new alerts waiting in the gateway inbox; {path} unchanged", highlight=False
        )
    else:
        console.print(
            "no alerts waiting in the gateway inbox; nothing written (alerts are kept "
            f"in {path} once one arrives)",
            highlight=False,
        )


@alerts_app.command("list")
def list_alerts(
    file: Annotated[Path | None, typer.Option(help=_FILE_HELP)] = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """The partner alerts selectivity applies."""
    from haiquan.risk.partner_alerts import default_alerts_file, read_partner_alerts

    path = Path(file or default_alerts_file()).absolute()
    if not path.exists() and output is OutputFormat.table:
        console.print(f"no alerts kept yet ({path}); run `haiquan alerts pull`", highlight=False)
        return
    alerts = read_partner_alerts(path) if path.exists() else []
    emit([a.model_dump() for a in alerts], output, title=f"Partner alerts in {path}")


def register(app: typer.Typer) -> None:
    """Mount ``haiquan alerts``."""
    app.add_typer(alerts_app, name="alerts")
