"""``haiquan gateway as4 ...`` and ``haiquan gateway partner show|add-as4``: the AS4 side of a
node (its certificate, AS4 partners and their agreements). Thin commands over
:mod:`haiquan.exchange.as4`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from haiquan.cli._console import console, error_console
from haiquan.cli._output import Column, FormatOption, OutputFormat, emit
from haiquan.cli.gateway import HomeOption, gateway_app, open_node, partner_app

if TYPE_CHECKING:
    from haiquan.exchange import GatewayNode
    from haiquan.exchange.as4 import As4Agreement

__all__ = ["as4_app", "partner_summary", "print_certificate_attention"]

as4_app = typer.Typer(
    help="The AS4 side of the node: its key and certificate.", no_args_is_help=True
)
gateway_app.add_typer(as4_app, name="as4")


def _home(home: Path | None) -> Path:
    return open_node(home, "--home", trust_required=False).home


def partner_summary(agreement: As4Agreement) -> str:
    """An AS4 partner in one line, for ``partner list``."""
    from haiquan.exchange.as4.certificates import certificate_status
    from haiquan.exchange.as4.pmode import load_certificate

    cert = certificate_status(load_certificate(agreement.certificate, "certificate"))
    return (
        f"AS4 party {agreement.party_id}; certificate {cert.subject} "
        f"({cert.not_after:%Y-%m-%d}, {cert.state})"
    )


def print_certificate_attention(node: GatewayNode) -> None:
    """For ``gateway status``: the AS4 certificates to renew (nothing for a JWS-only node)."""
    from haiquan.exchange.as4.views import certificate_report

    for line in certificate_report(node).attention:
        error_console.print(f"[yellow]AS4 certificate to renew:[/] {line}")


@as4_app.command("create-key")
def create_key(
    home: HomeOption = None,
    organisation: Annotated[str, typer.Option(help="O= of the request.")] = "",
    key_size: Annotated[int, typer.Option(help="RSA key size.")] = 2048,
) -> None:
    """Create the node's AS4 RSA key and a certificate signing request for the CA."""
    from haiquan.exchange.as4 import create_key_and_request

    node = open_node(home, "--home", trust_required=False)
    path = create_key_and_request(
        node.home, node.country, organisation=organisation, key_size=key_size
    )
    console.print(
        f"key and request written; give {path} to the CA, then run "
        "`haiquan gateway as4 install-certificate FILE`"
    )


@as4_app.command("install-certificate")
def install(certificate: Path, home: HomeOption = None) -> None:
    """Install the certificate the CA issued for the node's key (checked against it)."""
    from haiquan.exchange.as4 import install_certificate

    status = install_certificate(_home(home), certificate.read_bytes())
    console.print(f"installed {status.subject}, valid until {status.not_after:%Y-%m-%d}")


@as4_app.command("self-sign")
def self_signed(
    home: HomeOption = None, days: Annotated[int, typer.Option(help="Validity in days.")] = 365
) -> None:
    """A key and self-signed certificate, for partners that pin it (not for CA networks)."""
    from haiquan.exchange.as4 import self_sign

    node = open_node(home, "--home", trust_required=False)
    status = self_sign(node.home, node.country, days=days)
    console.print(
        f"self-signed {status.subject}, valid until {status.not_after:%Y-%m-%d}, "
        f"SHA-256 {status.sha256}"
    )


@as4_app.command("set-party")
def set_party(
    party_id: Annotated[str, typer.Option(help="The node's eb:PartyId.")],
    home: HomeOption = None,
    party_type: Annotated[str, typer.Option(help="Its ebCore party id type.")] = (
        "urn:oasis:names:tc:ebcore:partyid-type:unregistered:haiquan-country"
    ),
) -> None:
    """Set the party this node speaks as on the AS4 network (default: its country code)."""
    from haiquan.exchange.as4 import set_node_party

    party = set_node_party(_home(home), party_id, party_type)
    console.print(
        f"this node is AS4 party {party.party_id} ({party.party_type}); tell its partners"
    )


@as4_app.command("status")
def status(home: HomeOption = None, output: FormatOption = OutputFormat.table) -> None:
    """The node's and its AS4 partners' certificates; those near expiry are flagged."""
    from haiquan.exchange.as4.views import certificate_report

    report = certificate_report(open_node(home, "--home"))
    rows: list[dict[str, object]] = []
    if report.own is not None:
        own = report.own
        rows.append(
            {
                "whose": "this node",
                "subject": own.subject,
                "until": f"{own.not_after:%Y-%m-%d}",
                "days_left": own.days_left,
                "state": own.state,
            }
        )
    else:
        rows.append(
            {
                "whose": "this node",
                "subject": report.own_problem or "none",
                "until": None,
                "days_left": None,
                "state": "missing",
            }
        )
    for country, cert in sorted(report.partners.items()):
        rows.append(
            {
                "whose": country,
                "subject": cert.subject,
                "until": f"{cert.not_after:%Y-%m-%d}",
                "days_left": cert.days_left,
                "state": cert.state,
            }
        )
    emit(
        rows,
        output,
        columns=[
            Column("whose"),
            Column("subject"),
            Column("until"),
            Column("days_left", "days left", "auto"),
            Column("state"),
        ],
    )
    for line in report.attention:
        error_console.print(f"[yellow]renew:[/] {line}")


@partner_app.command("add-as4")
def add_as4(
    country: str,
    endpoint: Annotated[str, typer.Option(help="The partner's AS4 endpoint URL.")],
    certificate: Annotated[Path, typer.Option(help="Its certificate (PEM).")],
    home: HomeOption = None,
    ca: Annotated[
        list[Path] | None,
        typer.Option(help="A CA certificate whose certificates may sign (repeatable)."),
    ] = None,
    party_id: Annotated[
        str | None, typer.Option(help="Its eb:PartyId (default: the country code).")
    ] = None,
    party_type: Annotated[str, typer.Option(help="Its ebCore party id type.")] = (
        "urn:oasis:names:tc:ebcore:partyid-type:unregistered:haiquan-country"
    ),
    plain_http: Annotated[bool, typer.Option(help="The link is a closed network.")] = False,
) -> None:
    """Trust a partner reached over AS4 (default P-Modes; edit trust.yaml to change them)."""
    from haiquan.exchange.as4.binding import add_as4_partner

    add_as4_partner(
        open_node(home, "--home"),
        country.upper(),
        endpoint,
        certificate.read_text(),
        party_id=party_id,
        party_type=party_type,
        plain_http=plain_http,
        ca_pems=[p.read_text() for p in ca or []],
    )
    console.print(f"{country.upper()}: trusted over AS4 at {endpoint}")


@partner_app.command("show")
def show(country: str, home: HomeOption = None) -> None:
    """One partner: endpoint, binding, keys or AS4 agreement (party, certificate, P-Modes)."""
    from haiquan.exchange.as4.views import partner_agreement

    view = partner_agreement(open_node(home, "--home"), country.upper())
    console.print(
        f"[bold]{view.country}[/] {view.name}  protocol {view.protocol}  endpoint {view.endpoint}"
    )
    if view.protocol != "as4":
        for kid, expires in view.keys:
            console.print(f"  key {kid} until {expires}")
        return
    assert view.certificate is not None and view.security is not None
    console.print(f"  profile {view.profile}")
    console.print(
        f"  party {view.party_id} ({view.party_type}); agreement "
        f"{view.agreement_ref or '-'}; trust: {view.trust}"
    )
    cert = view.certificate
    console.print(
        f"  certificate {cert.subject} until {cert.not_after:%Y-%m-%d} "
        f"({cert.state}) SHA-256 {cert.sha256}"
    )
    for ca_cert in view.ca_certificates or []:
        console.print(f"  CA {ca_cert.subject} until {ca_cert.not_after:%Y-%m-%d}")
    security = view.security
    console.print(
        f"  security: sign {security.signature_algorithm}, c14n "
        f"{security.canonicalisation}; encrypt {security.encrypt} "
        f"({security.encryption_algorithm}, key {security.key_transport}); "
        f"compression {security.compression}; receipt {security.receipt}"
    )
    assert view.reliability is not None
    window = view.reliability.duplicate_window_days
    console.print(
        f"  reliability: reception awareness, {view.reliability.retry}; duplicate "
        f"elimination on eb:MessageId {'for ever' if window is None else f'{window} d'}"
    )
    table = Table("document type", "version", "service (type)", "action", "MIME type", "schema")
    for name, leg in sorted((view.documents or {}).items()):
        table.add_row(
            name,
            leg.version,
            f"{leg.service} ({leg.service_type or '-'})",
            leg.action,
            leg.mime_type,
            leg.schema_ref,
        )
    console.print(table)
