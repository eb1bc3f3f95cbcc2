"""``haiquan gateway ...``: run and operate a customs-to-customs gateway node.

Thin commands over :mod:`haiquan.exchange`: each parses its options, calls one library function
and prints the result; errors are translated once in :func:`haiquan.cli.main`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from haiquan.cli._console import console, error_console
from haiquan.cli._options import listed
from haiquan.cli._output import Column, FormatOption, OutputFormat, emit

if TYPE_CHECKING:
    from haiquan.exchange import GatewayNode

__all__ = ["gateway_app", "open_node", "register"]

gateway_app = typer.Typer(
    help="The customs-to-customs exchange gateway: init, partners, serve, send, messages.",
    no_args_is_help=True,
)
partner_app = typer.Typer(help="Trusted partner nodes.", no_args_is_help=True)
gateway_app.add_typer(partner_app, name="partner")

HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help="Gateway node folder (default: HAIQUAN_GATEWAY_HOME or HAIQUAN_HOME/gateway).",
    ),
]


def register(app: typer.Typer) -> None:
    """Mount ``haiquan gateway`` on the root app."""
    app.add_typer(gateway_app, name="gateway")


def open_node(
    home: Path | None, option: str = "--home", *, trust_required: bool = True
) -> GatewayNode:
    """Open the gateway node in ``home``; without one, name the ``option`` the user typed.

    ``haiquan gateway`` calls the folder ``--home``; ``haiquan aeo`` and ``haiquan alerts`` call
    it ``--gateway-home``, so each passes its own option name for the message.
    ``trust_required=False`` (commands that only read the message store) opens a node whose
    ``trust.yaml`` is broken, with a warning on standard error. Opened for ``haiquan aeo`` or
    ``haiquan alerts`` (``--gateway-home``), a node of another country than
    ``HAIQUAN_HOME_COUNTRY`` is refused, naming the setting.
    """
    from haiquan.errors import NotFoundError
    from haiquan.exchange import GatewayNode
    from haiquan.exchange.node import default_gateway_home

    folder = home if home is not None else default_gateway_home()
    if not (folder / "node.yaml").is_file():
        got = (
            "a folder without node.yaml"
            if home is not None
            else f"no {option}, and the default folder (HAIQUAN_GATEWAY_HOME, else "
            "HAIQUAN_HOME/gateway) has no node.yaml"
        )
        raise NotFoundError(
            f"no gateway node in {folder}",
            expected=f"the folder of a node (holding node.yaml), named with {option}",
            got=got,
            fix=f"pass {option} with your node's folder, or create a node there with "
            f"`haiquan gateway init --country VNM --endpoint https://... --home {folder}`",
        )
    node = GatewayNode.from_home(folder, trust_required=trust_required)
    mismatch = node.home_country_mismatch() if option == "--gateway-home" else None
    if mismatch is not None:
        # `haiquan aeo` and `haiquan alerts` apply the node's inbox with the home country's
        # arrangements and risk settings: a node of another administration would be read as
        # this one's (a THA node under the default VNM applied lists as Vietnam).
        node.close()
        raise mismatch
    if node.trust.problem is not None:
        error_console.print(
            f"[bold yellow]warning:[/] {escape(str(node.trust.problem))}\n"
            "showing the message store only; sending, serving and partner commands are "
            "refused until trust.yaml is corrected",
            highlight=False,
        )
    return node


def _open(home: Path | None) -> GatewayNode:
    return open_node(home, "--home")


def _open_store(home: Path | None) -> GatewayNode:
    """The node for a command that only reads the message store: works with a broken
    trust.yaml (with a warning)."""
    return open_node(home, "--home", trust_required=False)


def _read_file(path: Path, what: str, expected: str, fix: str) -> bytes:
    """The bytes of a file the user named, or a DataFileError that says why not."""
    from haiquan.errors import DataFileError

    try:
        return path.read_bytes()
    except OSError as error:
        raise DataFileError(
            f"the {what} cannot be read",
            path=str(path),
            expected=expected,
            got=error.strerror or type(error).__name__,
            fix=fix,
        ) from error


def _json_text(raw: bytes, path: Path, what: str, fix: str) -> str:
    """``raw`` as UTF-8 JSON text (kept as written), or a DataFileError naming line and column."""
    from haiquan.errors import DataFileError

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataFileError(
            f"the {what} is not UTF-8 text",
            path=str(path),
            expected="a UTF-8 JSON file",
            got=f"byte {error.start} is {raw[error.start : error.start + 1]!r}",
            fix=f"save the file as UTF-8 JSON; {fix}",
        ) from error
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        raise DataFileError(
            f"the {what} is not valid JSON",
            path=str(path),
            expected="a JSON object",
            got=f"{error.msg} at line {error.lineno}, column {error.colno}",
            fix=f"correct the JSON there; {fix}",
        ) from error
    return text


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
    algorithm: Annotated[
        str, typer.Option(**listed("Ed25519", "ES256"), help="The signing key's algorithm.")
    ] = "Ed25519",
) -> None:
    """Create a node: node.yaml and a first signing key."""
    from haiquan.exchange import GatewayNode

    if algorithm not in ("Ed25519", "ES256"):
        raise typer.BadParameter("algorithm must be Ed25519 or ES256")
    node = GatewayNode.init(
        home,
        country=country,
        endpoint=endpoint,
        name=name,
        database_url=database_url,
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
def rotate_key(
    home: HomeOption = None,
    revoke_old: Annotated[
        bool,
        typer.Option(
            "--revoke-old",
            help="The old key may have leaked: withdraw it from the JWKS now "
            "instead of letting it verify until it expires.",
        ),
    ] = False,
) -> None:
    """Start signing with a new key; the old one verifies until it expires (or --revoke-old)."""
    node = _open(home)
    old = node.keyring.active.kid
    key = node.rotate_key(revoke=revoke_old)
    console.print(f"new signing key {key.kid}, valid until {key.expires_at:%Y-%m-%d}")
    if revoke_old:
        console.print(
            f"key {old} is revoked: no longer published. Ask every partner to run "
            f"`haiquan gateway partner refresh {node.config.country}` now; until "
            "they do, their copy still accepts it.",
            markup=False,
        )


@partner_app.command("add")
def partner_add(
    country: Annotated[str, typer.Argument(help="The partner's ISO 3166 code.")],
    endpoint: Annotated[str, typer.Option(help="The partner node's URL.")],
    jwks_file: Annotated[
        Path | None, typer.Option("--jwks", help="The partner's JWKS file (else fetched).")
    ] = None,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    plain_http: Annotated[
        bool,
        typer.Option(
            "--plain-http",
            help="Accept an http:// endpoint on another machine: the link is a "
            "closed network encrypted otherwise (VPN, leased line).",
        ),
    ] = False,
    home: HomeOption = None,
) -> None:
    """Trust a partner node and its public keys."""
    keys = None
    if jwks_file is not None:
        fix = "pass the JSON file the partner's `haiquan gateway jwks` printed"
        raw = _read_file(jwks_file, "JWKS file", "a readable JSON file", fix)
        keys = json.loads(_json_text(raw, jwks_file, "JWKS file", fix))
    partner = _open(home).add_partner(
        country, endpoint, jwks=keys, name=name, plain_http=plain_http
    )
    for key in partner.keys:
        console.print(f"trusted key {key.kid} until {key.expires_at:%Y-%m-%d}")


@partner_app.command("refresh")
def partner_refresh(country: str, home: HomeOption = None) -> None:
    """Re-read a partner's JWKS from its endpoint (after it rotated keys)."""
    partner = _open(home).refresh_partner(country)
    console.print(f"{country}: {len(partner.keys)} key(s) trusted")


@partner_app.command("list")
def partner_list(home: HomeOption = None, output: FormatOption = OutputFormat.table) -> None:
    """The trusted partners."""
    rows = []
    for code, partner in sorted(_open(home).trust.partners.items()):
        keys = ", ".join(f"{k.kid} ({k.expires_at:%Y-%m-%d})" for k in partner.keys)
        if partner.as4 is not None:  # AS4: its party and certificate (partner show: P-Modes)
            keys = _gateway_as4.partner_summary(partner.as4)
        rows.append({"partner": code, "endpoint": partner.endpoint, "keys": keys})
    emit(
        rows,
        output,
        columns=[Column("partner"), Column("endpoint"), Column("keys", "keys (expiry)")],
    )


@gateway_app.command("serve")
def serve(
    home: HomeOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8800,
    dispatchers: Annotated[int, typer.Option(help="Sender threads.")] = 1,
    receive: Annotated[
        bool, typer.Option(help="Also receive (HTTP); off for extra senders.")
    ] = True,
    tls_certificate: Annotated[
        Path | None,
        typer.Option(
            help="PEM certificate chain: serve HTTPS (TLS 1.2+, modern ciphers), with --tls-key."
        ),
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option(help="PEM private key of --tls-certificate.")
    ] = None,
) -> None:
    """Run the node: receive over HTTP (or HTTPS) and deliver the outbox."""
    from haiquan.exchange.serve import serve_node

    serve_node(
        _open(home),
        host=host,
        port=port,
        dispatchers=dispatchers,
        receive=receive,
        tls_certificate=tls_certificate,
        tls_key=tls_key,
    )


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
    from haiquan.exchange import document_type as lookup

    doc = lookup(document_type)
    fix = (
        f"see docs/examples/atiga-form-d.json for a sample {document_type} document"
        if (document_type == "atiga-form-d")
        else f"give a {doc.format.upper()} {document_type} file"
    )
    raw = _read_file(
        file, f"{document_type} document", f"a readable {doc.format.upper()} file", fix
    )
    document: Any = (
        raw if doc.format == "xml" else _json_text(raw, file, f"{document_type} document", fix)
    )
    mid = _open(home).send(
        document_type,
        document,
        receiver=to.upper(),
        conversation_id=conversation,
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


@gateway_app.command("document-types")
def document_types(home: HomeOption = None, output: FormatOption = OutputFormat.table) -> None:
    """The document types a node exchanges (every node accepts them all; with --home, the node
    there is checked first, as every gateway command takes --home)."""
    from haiquan.exchange import DOCUMENT_TYPES

    if home is not None:
        _open_store(home).close()

    emit(
        [
            {
                "name": doc.name,
                "version": doc.version,
                "format": doc.format,
                "description": doc.description,
            }
            for doc in DOCUMENT_TYPES.values()
        ],
        output,
        columns=[Column(c) for c in ("name", "version", "format", "description")],
    )


# The AS4 commands (gateway as4 ..., partner show / add-as4) and the message commands (messages,
# status, inbox, ack ...) register themselves on the apps above.
from haiquan.cli import gateway_as4 as _gateway_as4  # noqa: E402,F401
from haiquan.cli import gateway_messages as _gateway_messages  # noqa: E402,F401
