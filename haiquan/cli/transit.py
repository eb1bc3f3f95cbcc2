"""``haiquan transit ...``: ACTS movements at this administration's offices.

Each command opens the transit store of ``HAIQUAN_HOME_COUNTRY`` (``HAIQUAN_TRANSIT_DATABASE_URL``),
calls one function of :mod:`haiquan.transit` and prints the result.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from haiquan.cli._console import console
from haiquan.cli._options import output_path
from haiquan.cli._output import Column, FormatOption, OutputFormat, emit, side_console

__all__ = ["register"]

transit_app = typer.Typer(
    help="ACTS transit: declarations, movements, guarantees, enquiries.", no_args_is_help=True
)
guarantee_app = typer.Typer(help="Guarantees and what open movements engage.", no_args_is_help=True)
transit_app.add_typer(guarantee_app, name="guarantee")


class OfficeRole(StrEnum):
    """The roles an office holds in the ACTS reference data."""

    departure = "departure"
    exit = "exit"
    transit = "transit"
    destination = "destination"


class MovementState(StrEnum):
    """The states of a movement (:class:`haiquan.transit.models.State`, held equal by a test;
    repeated here so that ``haiquan transit --help`` needs not load the transit store)."""

    accepted = "accepted"
    released = "released"
    in_transit = "in_transit"
    arrived = "arrived"
    discrepancies = "discrepancies"
    discharged = "discharged"
    overdue = "overdue"
    enquiry = "enquiry"
    recovery = "recovery"
    recovered = "recovered"
    anticipated = "anticipated"
    crossed = "crossed"
    controlled = "controlled"


def _route(m: Any) -> str:
    """A movement's offices in order, as the route column shows them."""
    return " > ".join([m.office_of_departure, *m.offices_of_transit, m.office_of_destination])


Mrn = Annotated[str, typer.Argument(help="Movement Reference Number (18 characters).")]
Office = Annotated[str, typer.Option(help="Office reference number, e.g. LADSH001.")]


def _show(movement: object) -> None:
    from haiquan.transit import MovementPublic

    assert isinstance(movement, MovementPublic)
    tag = " [yellow](synthetic)[/]" if movement.synthetic else ""
    console.print(
        f"[bold]{movement.mrn}[/]{tag} {movement.role.value}: [bold]{movement.state.value}[/]"
    )
    route = " > ".join(
        [movement.office_of_departure, *movement.offices_of_transit, movement.office_of_destination]
    )
    console.print(
        f"route {route}; time limit {movement.time_limit.isoformat()}; guarantee "
        f"{escape(movement.guarantee_reference)} USD "
        f"{movement.amount_engaged_usd:,.2f}"
    )
    if movement.events:
        table = Table("at (UTC)", "step", "office", "state", "detail")
        for event in movement.events:
            table.add_row(
                event.at.strftime("%Y-%m-%d %H:%M"),
                event.kind,
                event.office,
                event.state.value,
                escape(event.detail),
            )
        console.print(table)


@transit_app.command("offices")
def offices(
    role: Annotated[OfficeRole | None, typer.Option(help="Only offices with this role.")] = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Customs offices of the ACTS reference data, with their roles."""
    from haiquan.transit import acts_reference

    table = output is OutputFormat.table
    rows = [
        {
            "reference": office.reference,
            "name": office.name,
            "country": office.country,
            "locode": office.locode,
            "roles": ", ".join(sorted(office.roles)) if table else sorted(office.roles),
            "synthetic": ("yes" if office.synthetic else "no") if table else office.synthetic,
        }
        for office in acts_reference().offices.values()
        if role is None or role.value in office.roles
    ]
    emit(
        rows,
        output,
        columns=[
            Column("reference"),
            Column("name"),
            Column("country"),
            Column("locode", "UN/LOCODE"),
            Column("roles"),
            Column("synthetic"),
        ],
    )


@transit_app.command("states")
def states(output: FormatOption = OutputFormat.table) -> None:
    """The states taking part in ACTS, since when, and the source."""
    from haiquan.transit import acts_reference

    table = output is OutputFormat.table
    emit(
        [
            {
                "country": state.country,
                "live_from": state.live_from.isoformat(),
                "source": escape(state.source) if table else state.source,
            }
            for state in acts_reference().states.values()
        ],
        output,
        columns=[Column("country"), Column("live_from", "live from"), Column("source")],
    )


@transit_app.command("check")
def check(path: Annotated[Path, typer.Argument(help="An NCTS XML message (CC015C ...).")]) -> None:
    """Check an NCTS message against its XML Schema; exit 2 when it is invalid."""
    from haiquan.transit import check_ncts_message

    result = check_ncts_message(path.read_bytes())
    if result.valid:
        console.print(f"{result.message_type}: valid")
        return
    console.print(f"{result.message_type}: [red]invalid[/] ({len(result.problems)} problem(s))")
    for problem in result.problems:
        console.print(f"  - {escape(problem)}")
    raise typer.Exit(2)


@transit_app.command("declare")
def declare(
    path: Annotated[
        Path, typer.Argument(help="The declaration as JSON (docs/transit.md shows its fields).")
    ],
) -> None:
    """Lodge a transit declaration: allocate the MRN and engage the guarantee."""
    from haiquan.transit import TransitDeclaration
    from haiquan.transit.service import configured_service

    declaration = TransitDeclaration.model_validate_json(path.read_bytes())
    _show(configured_service().declare(declaration))


@transit_app.command("release")
def release(
    mrn: Mrn,
    tad: Annotated[
        str | None, typer.Option(help="Also write the Transit Accompanying Document (PDF) here.")
    ] = None,
) -> None:
    """Release for transit: the anticipated records go to the offices on the route."""
    from haiquan.transit.service import configured_service
    from haiquan.transit.tad import write_tad

    out = output_path(Path(tad), "--tad") if tad else None
    service = configured_service()
    _show(service.release(mrn))
    if out is not None:
        console.print(f"accompanying document: {write_tad(service, mrn, out)}")


@transit_app.command("tad")
def tad(mrn: Mrn, out: Annotated[str, typer.Argument(help="PDF file to write.")]) -> None:
    """Write the Transit Accompanying Document of a released movement."""
    from haiquan.transit.service import configured_service
    from haiquan.transit.tad import write_tad

    path = output_path(Path(out), "OUT")
    console.print(str(write_tad(configured_service(), mrn, path)))


@transit_app.command("crossing")
def crossing(mrn: Mrn, office: Office) -> None:
    """At an office of transit: the goods entered; notify the office of departure."""
    from haiquan.transit.service import configured_service

    _show(configured_service().record_crossing(mrn, office))


@transit_app.command("arrival")
def arrival(
    mrn: Mrn,
    office: Office,
    notification: Annotated[
        Path | None,
        typer.Option(
            help="The trader's arrival notification (NCTS CC007C XML), checked against its "
            "schema and the MRN."
        ),
    ] = None,
) -> None:
    """At the office of destination: the goods were presented; advise departure."""
    from haiquan.errors import ValidationError
    from haiquan.transit.ncts import arrival_notification_mrn
    from haiquan.transit.service import configured_service

    if notification is not None:
        named = arrival_notification_mrn(notification.read_bytes())
        if named.upper() != mrn.strip().upper():
            raise ValidationError(
                "the arrival notification is for another movement",
                expected=f"a CC007C naming {mrn}",
                got=named,
                fix="present the notification of this movement",
            )
    _show(configured_service().record_arrival(mrn, office))


@transit_app.command("control")
def control(
    mrn: Mrn,
    discrepancies: Annotated[
        bool,
        typer.Option(
            "--discrepancies/--satisfactory", help="Control result (default satisfactory)."
        ),
    ] = False,
    remarks: Annotated[str, typer.Option(help="What was found.")] = "",
) -> None:
    """At destination: send the control results to the office of departure."""
    from haiquan.transit.service import configured_service

    _show(configured_service().record_control(mrn, satisfactory=not discrepancies, remarks=remarks))


@transit_app.command("resolve")
def resolve(mrn: Mrn, note: Annotated[str, typer.Option(help="How it was cleared.")]) -> None:
    """At departure: discrepancies cleared, discharge the movement."""
    from haiquan.transit.service import configured_service

    _show(configured_service().resolve_discrepancies(mrn, note))


@transit_app.command("deadlines")
def deadlines() -> None:
    """Mark overdue movements, send enquiries, start recoveries whose reply is overdue."""
    from haiquan.transit.service import configured_service

    done = configured_service().check_deadlines()
    for step, mrns in done.items():
        console.print(f"{step}: {len(mrns)}" + (f" ({', '.join(mrns)})" if mrns else ""))


@transit_app.command("recovered")
def recovered(mrn: Mrn, note: Annotated[str, typer.Option(help="How it was recovered.")]) -> None:
    """At departure: the duties were recovered; close the movement, release the guarantee."""
    from haiquan.transit.service import configured_service

    _show(configured_service().record_recovered(mrn, note))


@transit_app.command("show")
def show(mrn: Mrn) -> None:
    """A movement and its history."""
    from haiquan.transit.service import configured_service

    _show(configured_service().movement(mrn))


@transit_app.command("list")
def list_movements(
    state: Annotated[MovementState | None, typer.Option(help="Only this state.")] = None,
    office: Annotated[str | None, typer.Option(help="Only routes naming this office.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Rows shown (default 50).")] = 50,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Open movements this administration departs, oldest time limit first."""
    from haiquan.transit import State
    from haiquan.transit.queries import open_movements
    from haiquan.transit.service import configured_service

    page = open_movements(
        configured_service().store,
        states=[State(state.value)] if state else None,
        office=office,
        limit=limit,
    )
    emit(
        [
            {
                "mrn": m.mrn,
                "state": m.state.value,
                "route": _route(m),
                "time_limit": m.time_limit.isoformat(),
                "engaged_usd": m.amount_engaged_usd,
                "synthetic": m.synthetic,
            }
            for m in page.movements
        ],
        output,
        columns=[
            Column("mrn", "MRN"),
            Column("state"),
            Column("route"),
            Column("time_limit", "time limit"),
            Column("engaged_usd", "USD engaged", "usd"),
            Column("synthetic"),
        ],
    )
    side_console(output).print(f"{page.total} matching, {len(page.movements)} shown")


@transit_app.command("overview")
def overview() -> None:
    """Open, overdue and under-enquiry movements by route and crossing; transit times."""
    from haiquan.transit.queries import transit_overview
    from haiquan.transit.service import configured_service

    view = transit_overview(configured_service().store)
    console.print(
        f"{view.open} open; by state: "
        + ", ".join(f"{s} {n}" for s, n in sorted(view.by_state.items()))
        + (f"; {view.synthetic} synthetic" if view.synthetic else "")
    )
    table = Table(
        "route", "countries", "open", "overdue", "enquiry", "recovery", "median h", "p90 h"
    )
    for r in view.routes:
        table.add_row(
            r.route,
            r.countries,
            str(r.open),
            str(r.overdue),
            str(r.enquiry),
            str(r.recovery),
            f"{r.median_hours:.1f}" if r.median_hours else "",
            f"{r.p90_hours:.1f}" if r.p90_hours else "",
        )
    console.print(table)
    crossings = Table("crossing", "name", "open", "overdue", "enquiry")
    for c in view.crossings:
        crossings.add_row(c.code, c.name, str(c.open), str(c.overdue), str(c.enquiry))
    console.print(crossings)


@guarantee_app.command("add")
def guarantee_add(
    reference: Annotated[str, typer.Argument(help="Guarantee reference number.")],
    holder: Annotated[str, typer.Option(help="Holder's identification number.")],
    amount: Annotated[float, typer.Option(help="Reference amount in USD.")],
) -> None:
    """Register a guarantee with its reference amount."""
    from haiquan.transit import GuaranteeCreate
    from haiquan.transit.service import configured_service

    made = configured_service().register_guarantee(
        GuaranteeCreate(reference=reference, holder=holder, reference_amount_usd=amount)
    )
    console.print(f"{made.reference} of {made.holder}: USD {made.reference_amount_usd:,.2f}")


@guarantee_app.command("show")
def guarantee_show(reference: Annotated[str, typer.Argument()]) -> None:
    """A guarantee: reference amount, amount engaged, balance."""
    from haiquan.transit.service import configured_service

    g = configured_service().guarantee(reference)
    console.print(
        f"{g.reference} of {g.holder}: reference USD {g.reference_amount_usd:,.2f}, "
        f"engaged {g.engaged_usd:,.2f} by {g.open_movements} open movement(s), "
        f"balance {g.balance_usd:,.2f}"
    )


@guarantee_app.command("use")
def guarantee_use_command(output: FormatOption = OutputFormat.table) -> None:
    """Amounts engaged by open movements, by holder and state of destination."""
    from haiquan.transit.queries import guarantee_use
    from haiquan.transit.service import configured_service

    emit(
        [
            {
                "holder": use.holder,
                "destination": use.destination_country,
                "open_movements": use.open_movements,
                "engaged_usd": use.engaged_usd,
            }
            for use in guarantee_use(configured_service().store)
        ],
        output,
        columns=[
            Column("holder"),
            Column("destination"),
            Column("open_movements", "open movements", "auto"),
            Column("engaged_usd", "USD engaged", "usd"),
        ],
    )


@transit_app.command("sync")
def sync(
    gateway_home: Annotated[
        Path | None,
        typer.Option(help="Gateway node folder (default: HAIQUAN_GATEWAY_HOME or HOME/gateway)."),
    ] = None,
) -> None:
    """Hand the transit messages to the gateway node and apply those it received."""
    from haiquan.exchange import GatewayNode, default_gateway_home
    from haiquan.transit import apply_inbox, hand_over
    from haiquan.transit.service import configured_service

    service = configured_service()
    with GatewayNode.from_home(gateway_home or default_gateway_home()) as node:
        sent = hand_over(service, node)
        report = apply_inbox(service, node)
    console.print(
        f"handed over {sent}; applied {len(report.applied)}; refused {len(report.refused)}"
    )
    for message_id, reason in report.refused.items():
        console.print(f"  - {escape(message_id)}: {escape(reason)}")


def register(app: typer.Typer) -> None:
    """Mount ``haiquan transit``."""
    app.add_typer(transit_app, name="transit")
