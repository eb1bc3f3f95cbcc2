"""``haiquan aeo ...``: manage the AEO registry and exchange lists with MRA partners."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from haiquan.cli._console import console
from haiquan.cli._options import day as parse_day
from haiquan.cli._options import output_path
from haiquan.cli._output import FormatOption, OutputFormat, emit, side_console

__all__ = ["register"]

aeo_app = typer.Typer(
    help="The AEO registry and mutual recognition with partners.", no_args_is_help=True
)

Day = Annotated[str | None, typer.Option(help="A date YYYY-MM-DD (default today).")]
GatewayHome = Annotated[
    Path | None,
    typer.Option(
        help="Gateway node folder (default: HAIQUAN_GATEWAY_HOME or HAIQUAN_HOME/gateway)."
    ),
]


def _consents(given: dict[str, bool]) -> str:
    """Consents as people read them.

    >>> _consents({"VN_KOR_AEO_MRA": True, "AAMRA": False}), _consents({})
    ('AAMRA: no; VN_KOR_AEO_MRA: yes', 'none')
    """
    if not given:
        return "none"
    return "; ".join(f"{mra}: {'yes' if ok else 'no'}" for mra, ok in sorted(given.items()))


def _day(text: str | None, option: str = "--on") -> dt.date | None:
    return parse_day(text, option)


@aeo_app.command("add")
def add(
    aeo_id: Annotated[str, typer.Argument(help="Authorisation number, e.g. VN-AEO-0001.")],
    name: Annotated[str, typer.Option(help="Operator's legal name.")],
    granted: Annotated[str, typer.Option(help="Date of the authorisation, YYYY-MM-DD.")],
    address: Annotated[str | None, typer.Option()] = None,
    tin: Annotated[str | None, typer.Option(help="Tax identification number.")] = None,
    sector: Annotated[str | None, typer.Option()] = None,
    roles: Annotated[str, typer.Option(help="Roles separated by ';'.")] = "importer",
    valid_until: Annotated[str | None, typer.Option(help="End of validity, YYYY-MM-DD.")] = None,
) -> None:
    """Register a newly authorised operator."""
    from haiquan.aeo import AeoRegistry, OperatorCreate

    created = AeoRegistry().add_operator(
        OperatorCreate.model_validate(
            {
                "aeo_id": aeo_id,
                "name": name,
                "granted_on": _day(granted, "--granted"),
                "address": address,
                "tin": tin,
                "sector": sector,
                "roles": roles,
                "valid_until": _day(valid_until, "--valid-until"),
            }
        )
    )
    console.print(f"registered {created.aeo_id} ({created.name}), status {created.status}")


@aeo_app.command("status")
def change_status(
    aeo_id: Annotated[str, typer.Argument()],
    new_status: Annotated[str, typer.Argument(help="granted, suspended, revoked or expired.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the history).")],
    effective: Day = None,
) -> None:
    """Record a status change (suspension, reinstatement, revocation, expiry)."""
    from haiquan.aeo import AeoRegistry, StatusChange

    effective_on = _day(effective, "--effective") or dt.date.today()
    change = StatusChange.model_validate(
        {"status": new_status, "reason": reason, "effective": effective_on}
    )
    result = AeoRegistry().change_status(aeo_id, change)
    console.print(f"{result.aeo_id}: {result.status} since {result.status_since}")


@aeo_app.command("consent")
def consent(
    aeo_id: Annotated[str, typer.Argument()],
    mra_id: Annotated[str, typer.Argument(help="The MRA, e.g. VN_KOR_AEO_MRA.")],
    withdraw: Annotated[bool, typer.Option("--withdraw", help="Record a withdrawal.")] = False,
    effective: Day = None,
) -> None:
    """Record the operator's consent to be shared with partners under an MRA."""
    from haiquan.aeo import AeoRegistry

    record = AeoRegistry().set_consent(aeo_id, mra_id, not withdraw, _day(effective, "--effective"))
    given = "given" if record.consent else "withdrawn"
    console.print(f"{record.aeo_id} under {record.mra_id}: consent {given} from {record.effective}")


@aeo_app.command("list")
def list_operators(on: Day = None, output: FormatOption = OutputFormat.table) -> None:
    """Home AEOs with their status on a day."""
    from haiquan.aeo import AeoRegistry

    operators = AeoRegistry().operators(_day(on))
    rows = [
        {
            **o.model_dump(
                include={"aeo_id", "name", "status", "status_since", "granted_on", "valid_until"}
            ),
            "consents": _consents(o.consents),
        }
        for o in operators
    ]
    if not rows and output is OutputFormat.table:
        console.print("the registry has no operators yet (`haiquan aeo add` or `aeo import`)")
        return
    emit(rows, output, title="Home AEOs")


@aeo_app.command("show")
def show(
    aeo_id: Annotated[str, typer.Argument()],
    on: Day = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """One home AEO and its status history."""
    from haiquan.aeo import AeoRegistry

    found = AeoRegistry().operator(aeo_id, on=_day(on))
    side_console(output).print(
        f"[bold]{escape(found.aeo_id)}[/] {escape(found.name)} — {found.status} "
        f"since {found.status_since}; consents: {escape(_consents(found.consents))}"
    )
    emit([e.model_dump() for e in found.history], output, title="History")


@aeo_app.command("import")
def import_csv(path: Annotated[Path, typer.Argument(help="CSV of operators.")]) -> None:
    """Register the operators of a CSV file (all or nothing)."""
    from haiquan.aeo import AeoRegistry, import_operators_csv

    console.print(f"imported {import_operators_csv(AeoRegistry(), path)} operators")


@aeo_app.command("export")
def export_csv(path: Annotated[Path, typer.Argument()], on: Day = None) -> None:
    """Write the home operators with their status to CSV."""
    from haiquan.aeo import AeoRegistry, export_operators_csv

    day = _day(on)
    console.print(f"wrote {export_operators_csv(AeoRegistry(), output_path(path, 'PATH'), day)}")


@aeo_app.command("partners")
def partners(
    country: Annotated[
        str | None,
        typer.Option(help="One partner country (ISO code: KOR, KR or 410); default all."),
    ] = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Partners' AEOs as their latest lists report them."""
    from haiquan.aeo import AeoRegistry
    from haiquan.reference.countries import country as lookup_country

    code = lookup_country(country.strip()).alpha_3 if country else None
    found = AeoRegistry().partner_operators(code)
    if not found and output is OutputFormat.table:
        console.print("no partner lists applied yet (`haiquan aeo apply-inbox`)")
        return
    emit([o.model_dump() for o in found], output, title="Partner AEOs")


@aeo_app.command("check")
def check(
    operator_id: Annotated[str, typer.Argument()],
    country: Annotated[
        str | None, typer.Option(help="The partner whose AEO this is (leave out for a home AEO).")
    ] = None,
    on: Day = None,
) -> None:
    """Was this operator an AEO (recognised under an MRA, for a partner's) on that date?"""
    from haiquan.aeo import AeoRegistry, RegistryAeoDirectory

    day = _day(on) or dt.date.today()
    directory = RegistryAeoDirectory(AeoRegistry())
    if country:
        code, answer = directory.check_partner_aeo(operator_id, country, day)
        console.print(
            f"{operator_id} recognised as an AEO of {code} on {day}: {'yes' if answer else 'no'}"
        )
    else:
        key, answer = directory.check_home_aeo(operator_id, day)
        console.print(f"{key} a home AEO on {day}: {'yes' if answer else 'no'}")


@aeo_app.command("send-list")
def send(
    mra_id: Annotated[str, typer.Argument()],
    partner: Annotated[str, typer.Argument(help="Partner country (ISO code: KOR, KR or 410).")],
    full: Annotated[bool, typer.Option("--full", help="Send a full list, not a delta.")] = False,
    gateway_home: GatewayHome = None,
) -> None:
    """Put the next AEO list for a partner in the gateway's outbox."""
    from haiquan.aeo import AeoRegistry, send_list
    from haiquan.cli.gateway import open_node
    from haiquan.reference.countries import country as lookup_country

    with open_node(gateway_home, "--gateway-home") as node:
        code = lookup_country(partner.strip()).alpha_3
        message_id, document = send_list(
            node, AeoRegistry(), mra_id, code, list_type="full" if full else "delta"
        )
    console.print(
        f"queued {document['list_type']} list {document['sequence']} "
        f"({len(document['operators'])} operators) as message {message_id}"
    )


@aeo_app.command("apply-inbox")
def apply(gateway_home: GatewayHome = None) -> None:
    """Apply every partner AEO list waiting in the gateway inbox."""
    from haiquan.aeo import AeoRegistry, apply_inbox
    from haiquan.cli.gateway import open_node

    with open_node(gateway_home, "--gateway-home") as node:
        applied = apply_inbox(node, AeoRegistry())
    for result in applied:
        console.print(
            f"{result.country} {result.mra_id} list {result.sequence} "
            f"({result.list_type}): +{result.added} ~{result.updated} -{result.removed}"
            + (
                f" ({result.unknown_removed} removal(s) of operators not held: nothing to remove)"
                if result.unknown_removed
                else ""
            )
        )
    if not applied:
        console.print("no AEO lists waiting")


def register(app: typer.Typer) -> None:
    """Mount ``haiquan aeo``."""
    app.add_typer(aeo_app, name="aeo")
