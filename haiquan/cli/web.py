"""``haiquan serve`` and ``haiquan users ...``: the web server and its users and API tokens."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from haiquan.cli._console import console
from haiquan.cli._options import listed
from haiquan.cli._output import Column, FormatOption, OutputFormat, emit
from haiquan.errors import InputError

users_app = typer.Typer(
    name="users",
    help="Manage dashboard/API users and their API tokens.",
    no_args_is_help=True,
)


def _store():  # type: ignore[no-untyped-def]
    from haiquan.web.auth import open_user_store

    return open_user_store()


#: The roles (haiquan.web.auth.roles.Role, held equal by a test): listed by --help and completed
#: by the shell; the option stays text, read leniently ("Risk officer", "risk-officer").
_ROLE_NAMES = ("viewer", "analyst", "risk_officer", "administrator")
_ROLES = listed(*_ROLE_NAMES)


@users_app.command("add")
def add_user(
    username: Annotated[str, typer.Argument(help="Login name, e.g. nguyen.an")],
    role: Annotated[str, typer.Option(**_ROLES, help="The user's role.")] = "viewer",
    name: Annotated[str | None, typer.Option(help="Display name")] = None,
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="HAIQUAN_NEW_PASSWORD",
            help="Password (prompted; or set HAIQUAN_NEW_PASSWORD for scripts)",
        ),
    ] = ...,  # type: ignore[assignment]
) -> None:
    """Create a user who can log in to the dashboard."""
    user = _store().add_user(username, password, role, name)
    console.print(f"created user [bold]{user.username}[/] with role {user.role.value}")


@users_app.command("list")
def list_users(output: FormatOption = OutputFormat.table) -> None:
    """List users and their roles."""
    table = output is OutputFormat.table
    rows = [
        {
            "username": user.username,
            # names and labels are anyone's text, not Rich markup
            "name": escape(user.display_name) if table else user.display_name,
            "role": user.role.value,
            "active": ("yes" if user.active else "no") if table else user.active,
            "created": f"{user.created_at:%Y-%m-%d}" if table else user.created_at,
        }
        for user in _store().list_users()
    ]
    emit(
        rows, output, columns=[Column(c) for c in ("username", "name", "role", "active", "created")]
    )


@users_app.command("set")
def set_user(
    username: Annotated[str, typer.Argument()],
    role: Annotated[str | None, typer.Option(**_ROLES, help="New role")] = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive", help="Allow login")] = None,
    new_password: Annotated[
        bool, typer.Option("--password", help="Prompt for a new password")
    ] = False,
) -> None:
    """Change a user's role, status or password (ends their open sessions)."""
    if role is None and active is None and not new_password:
        raise InputError(
            "nothing to change",
            expected="--role ROLE, --active or --inactive, or --password",
            got=f"only the user name {username!r}",
            fix=f"for example: haiquan users set {username} --role analyst",
        )
    store = _store()
    store.get_user(username)  # an unknown user is said before the password is asked for
    password = (
        typer.prompt("New password", hide_input=True, confirmation_prompt=True)
        if new_password
        else None
    )
    user = store.update_user(username, role=role, active=active, password=password)
    state = "active" if user.active else "inactive"
    console.print(f"{user.username}: role {user.role.value}, {state}")


@users_app.command("remove")
def remove_user(username: Annotated[str, typer.Argument()]) -> None:
    """Delete a user and their API tokens."""
    _store().delete_user(username)
    console.print(f"removed user {escape(username.strip().lower())}")


@users_app.command("token")
def create_token(
    username: Annotated[str, typer.Argument(help="The user the token acts as")],
    label: Annotated[str, typer.Option(help="What the token is for")] = "api",
    days: Annotated[int | None, typer.Option(help="Lifetime in days (default: no expiry)")] = None,
) -> None:
    """Create an API token for machines; it is printed once, keep it secret."""
    secret, token = _store().create_token(username, label, days)
    expiry = f"expires {token.expires_at:%Y-%m-%d}" if token.expires_at else "no expiry"
    console.print(
        f"token #{token.id} for {token.username} ({escape(token.label)}, {expiry}):",
        highlight=False,
    )
    typer.echo(secret)


@users_app.command("tokens")
def list_tokens(
    username: Annotated[str | None, typer.Argument(help="Only this user's tokens")] = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """List API tokens (never their secrets)."""
    table = output is OutputFormat.table
    rows = [
        {
            "id": t.id,
            "user": t.username,
            "label": escape(t.label) if table else t.label,
            "prefix": t.prefix + "…" if table else t.prefix,
            "created": f"{t.created_at:%Y-%m-%d}" if table else t.created_at,
            "expires": (f"{t.expires_at:%Y-%m-%d}" if t.expires_at else "-")
            if table
            else t.expires_at,
            "last_used": (f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "-")
            if table
            else t.last_used_at,
            "revoked": ("yes" if t.revoked else "no") if table else t.revoked,
        }
        for t in _store().list_tokens(username)
    ]
    emit(
        rows,
        output,
        columns=[
            Column("id", kind="auto"),
            Column("user"),
            Column("label"),
            Column("prefix"),
            Column("created"),
            Column("expires"),
            Column("last_used", "last used"),
            Column("revoked"),
        ],
    )


@users_app.command("revoke")
def revoke_token(
    token_id: Annotated[int, typer.Argument(help="Token id from `users tokens`")],
) -> None:
    """Revoke an API token."""
    token = _store().revoke_token(token_id)
    console.print(f"revoked token #{token.id} of {token.username}")


def register(app: typer.Typer) -> None:
    """Mount ``serve`` and the ``users`` group on the root app."""

    @app.command()
    def serve(
        host: Annotated[
            str | None, typer.Option(help="Address (default: HAIQUAN_WEB_HOST)")
        ] = None,
        port: Annotated[int | None, typer.Option(help="Port (default: HAIQUAN_WEB_PORT)")] = None,
        tls_certificate: Annotated[
            Path | None,
            typer.Option(
                help="PEM certificate chain: serve HTTPS (TLS 1.2+, modern ciphers), "
                "with --tls-key."
            ),
        ] = None,
        tls_key: Annotated[
            Path | None, typer.Option(help="PEM private key of --tls-certificate.")
        ] = None,
    ) -> None:
        """Serve the dashboard and the HTTP API (Ctrl-C stops it)."""
        from haiquan.web import serve as run

        def announce(url: str) -> None:
            console.print(
                f"Serving the dashboard at [bold]{url}/[/] and the API at {url}/api "
                f"(explorer: {url}/docs); press Ctrl-C to stop.",
                highlight=False,
                soft_wrap=True,
            )

        run(host, port, on_listening=announce, tls_certificate=tls_certificate, tls_key=tls_key)

    app.add_typer(users_app)
