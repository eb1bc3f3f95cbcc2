"""``haiquan gateway ...``: run and operate a customs-to-customs gateway node.

Thin commands over :mod:`haiquan.exchange`: each parses its options, calls one library function
and prints the result; errors are translated once in :func:`haiquan.cli.main`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from haiquan.cli._console import console

__all__ = ["gateway_app", "register"]

gateway_app = typer.Typer(
    help="The customs-to-customs exchange gateway: init, partners, serve, send, messages.",
    no_args_is_help=True,
)
partner_app = typer.Typer(help="Trusted partner nodes.", no_args_is_help=True)
gateway_app.add_typer(partner_app, name="partner")

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="Node folder (default: HAIQUAN_GATEWAY_HOME or HOME/gateway)."),
]


def register(app: typer.Typer) -> None:
    """Mount ``haiquan gateway`` on the root app."""
    app.add_typer(gateway_app, name="gateway")


def _open(home: Path | None) -> Any:
    from haiquan.exchange import GatewayNode

    return GatewayNode.from_home(home)


def _print_json(value: Any) -> None:
    console.print_json(json.dumps(value, default=str))


@gateway_app.command("init")
def init(
    country: Annotated[str, typer.Option(help="ISO 3166 code of this administration, e.g. VNM.")],
    endpoint: Annotated[str, typer.Option(help="Public URL partners post to.")],
    home: HomeOption = None,
    name: Annotated[str, typer.Option(help="Display name of the node.")] = "",
    database_url: Annotated[
        str | None, typer.Option(help="SQLAlchemy URL of the store (default SQLite in home).")
    ] = None,
    algorithm: Annotated[str, typer.Option(help="Ed25519 or ES256.")] = "Ed25519",
) -> None:
    """Create a node: node.yaml and a first signing key."""
    from haiquan.exchange import GatewayNode

    if algorithm not in ("Ed25519", "ES256"):
        raise typer.BadParameter("algorithm must be Ed25519 or ES256")
    node = GatewayNode.init(
        home, country=country, endpoint=endpoint, name=name, database_url=database_url,
        algorithm=algorithm,  # type: ignore[arg-type]
    )
    console.print(
        f"node {node.country} created in {node.home}; signing key {node.keyring.active.kid}"
    )


@gateway_app.command("jwks")
def jwks(home: HomeOption = None) -> None:
    """Print this node's public JWKS (give it to partners)."""
    _print_json(_open(home).jwks())


@gateway_app.command("rotate-key")
def rotate_key(home: HomeOption = None) -> None:
    """Start signing with a new key; the old one verifies until it expires."""
    key = _open(home).rotate_key()
    console.print(f"new signing key {key.kid}, valid until {key.expires_at:%Y-%m-%d}")


@partner_app.command("add")
def partner_add(
    country: Annotated[str, typer.Argument(help="The partner's ISO 3166 code.")],
    endpoint: Annotated[str, typer.Option(help="The partner node's URL.")],
    jwks_file: Annotated[
        Path | None, typer.Option("--jwks", help="The partner's JWKS file (else fetched).")
    ] = None,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    home: HomeOption = None,
) -> None:
    """Trust a partner node and its public keys."""
    keys = json.loads(jwks_file.read_text(encoding="utf-8")) if jwks_file else None
    partner = _open(home).add_partner(country, endpoint, jwks=keys, name=name)
    for key in partner.keys:
        console.print(f"trusted key {key.kid} until {key.expires_at:%Y-%m-%d}")


@partner_app.command("refresh")
def partner_refresh(country: str, home: HomeOption = None) -> None:
    """Re-read a partner's JWKS from its endpoint (after it rotated keys)."""
    partner = _open(home).refresh_partner(country)
    console.print(f"{country}: {len(partner.keys)} key(s) trusted")


@partner_app.command("list")
def partner_list(home: HomeOption = None) -> None:
    """The trusted partners."""
    table = Table("partner", "endpoint", "keys (expiry)")
    for code, partner in sorted(_open(home).trust.partners.items()):
        keys = ", ".join(f"{k.kid} ({k.expires_at:%Y-%m-%d})" for k in partner.keys)
        table.add_row(code, partner.endpoint, keys)
    console.print(table)


@gateway_app.command("serve")
def serve(
    home: HomeOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8800,
    dispatchers: Annotated[int, typer.Option(help="Sender threads.")] = 1,
    receive: Annotated[
        bool, typer.Option(help="Also receive (HTTP); off for extra senders.")
    ] = True,
) -> None:
    """Run the node: receive over HTTP and deliver the outbox."""
    from haiquan.exchange.serve import serve_node

    serve_node(_open(home), host=host, port=port, dispatchers=dispatchers, receive=receive)


@gateway_app.command("send")
def send(
    document_type: Annotated[str, typer.Argument(help="e.g. atiga-form-d, wco-declaration.")],
    file: Annotated[Path, typer.Argument(help="The document: JSON, or XML for declarations.")],
    to: Annotated[str, typer.Option("--to", help="Receiving administration (ISO code).")],
    conversation: Annotated[str | None, typer.Option(help="Conversation id to reply in.")] = None,
    message_id: Annotated[
        str | None, typer.Option(help="Your own message id (idempotent).")
    ] = None,
    home: HomeOption = None,
) -> None:
    """Validate a document and queue it for a partner; prints the message id."""
    raw = file.read_bytes()
    document: Any = raw if file.suffix.lower() == ".xml" else raw.decode("utf-8")
    mid = _open(home).send(
        document_type, document, receiver=to.upper(), conversation_id=conversation,
        message_id=message_id,
    )
    typer.echo(mid)


@gateway_app.command("dispatch")
def dispatch(home: HomeOption = None) -> None:
    """Deliver what is due now, once, without serving."""
    report = _open(home).dispatch_until_idle()
    console.print(
        f"claimed {report.claimed}, delivered {report.delivered}, failed {report.failed}, "
        f"to retry {report.retried}"
    )


@gateway_app.command("messages")
def messages(
    home: HomeOption = None,
    direction: Annotated[str | None, typer.Option(help="out or in.")] = None,
    state: Annotated[
        str | None, typer.Option(help="pending, delivered, failed, received, acknowledged.")
    ] = None,
    partner: Annotated[str | None, typer.Option(help="Partner ISO code.")] = None,
    limit: Annotated[int, typer.Option(help="How many.")] = 50,
) -> None:
    """List messages with their delivery state."""
    rows = _open(home).messages(direction=direction, state=state, partner=partner, limit=limit)
    table = Table("dir", "message id", "partner", "type", "state", "attempts", "created", "reason")
    for m in rows:
        table.add_row(m.direction, m.message_id, m.partner, m.document_type, m.state,
                      str(m.attempts), f"{m.created_at:%Y-%m-%d %H:%M:%S}", m.last_error or "")
    console.print(table)


@gateway_app.command("show")
def show(message_id: str, home: HomeOption = None) -> None:
    """Show one message in full, with its envelope and receipt."""
    _print_json(_open(home).message(message_id).model_dump(mode="json"))


@gateway_app.command("status")
def status(home: HomeOption = None) -> None:
    """Counts of messages by state."""
    _print_json(_open(home).summary().model_dump(mode="json"))


@gateway_app.command("inbox")
def inbox(
    home: HomeOption = None,
    after: Annotated[int, typer.Option(help="Cursor: the last seq already taken.")] = 0,
    limit: Annotated[int, typer.Option(help="How many.")] = 100,
) -> None:
    """Received messages not yet acknowledged (JSON lines)."""
    for message in _open(home).inbox(after=after, limit=limit):
        typer.echo(message.model_dump_json())


@gateway_app.command("ack")
def ack(message_ids: list[str], home: HomeOption = None) -> None:
    """Acknowledge received messages (the back office has them)."""
    count = _open(home).acknowledge(message_ids)
    console.print(f"{count} message(s) acknowledged")


@gateway_app.command("requeue")
def requeue(message_ids: list[str], home: HomeOption = None) -> None:
    """Send failed messages again after the cause was fixed."""
    console.print(f"{_open(home).requeue(message_ids)} message(s) requeued")


@gateway_app.command("document-types")
def document_types() -> None:
    """The document types a node exchanges."""
    from haiquan.exchange import DOCUMENT_TYPES

    table = Table("name", "version", "format", "description")
    for doc in DOCUMENT_TYPES.values():
        table.add_row(doc.name, doc.version, doc.format, doc.description)
    console.print(table)
