"""``haiquan users ...`` end to end through the real command and the real users store."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from haiquan.cli import app
from haiquan.errors import InputError, NotFoundError
from haiquan.web.auth import Role, open_user_store

runner = CliRunner()
PASSWORD = "a-long-cli-passphrase"


def test_add_list_token_and_use_it(isolated_settings) -> None:
    added = runner.invoke(
        app, ["users", "add", "nguyen.an", "--role", "analyst"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert added.exit_code == 0, added.output
    store = open_user_store()
    assert store.authenticate("nguyen.an", PASSWORD).role is Role.ANALYST

    listed = runner.invoke(app, ["users", "list"])
    assert "nguyen.an" in listed.output and "analyst" in listed.output

    made = runner.invoke(app, ["users", "token", "nguyen.an", "--label", "etl", "--days", "5"])
    assert made.exit_code == 0
    secret = made.output.strip().splitlines()[-1]
    assert store.user_for_token(secret).username == "nguyen.an"

    tokens = runner.invoke(app, ["users", "tokens", "nguyen.an"])
    assert "etl" in tokens.output and secret not in tokens.output

    revoked = runner.invoke(app, ["users", "revoke", "1"])
    assert revoked.exit_code == 0
    assert store.list_tokens("nguyen.an")[0].revoked


def test_set_role_and_remove(isolated_settings) -> None:
    store = open_user_store()
    store.add_user("boss", PASSWORD, "administrator")
    store.add_user("an", PASSWORD, "viewer")
    assert runner.invoke(app, ["users", "set", "an", "--role", "risk officer"]).exit_code == 0
    assert store.get_user("an").role is Role.RISK_OFFICER
    assert runner.invoke(app, ["users", "set", "an", "--inactive"]).exit_code == 0
    assert not store.get_user("an").active
    assert runner.invoke(app, ["users", "remove", "an"]).exit_code == 0
    assert [u.username for u in store.list_users()] == ["boss"]


@pytest.mark.parametrize(
    "arguments",
    [["users", "add", "x"], ["users", "add", "ok-name", "--role", "king"]],
)
def test_bad_input_is_refused_and_stores_nothing(isolated_settings, arguments) -> None:
    result = runner.invoke(app, arguments, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code != 0
    assert open_user_store().count_users() == 0


def test_serve_is_a_command() -> None:
    result = runner.invoke(app, ["serve", "--help"])
    assert result.exit_code == 0 and "--port" in result.output


def test_serve_prints_its_url_and_how_to_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from haiquan.web import server

    served: list[object] = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: served.append(sockets))
    monkeypatch.setattr(server, "warm_up", lambda: None)
    result = runner.invoke(app, ["serve", "--host", "127.0.0.1", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert served, "the server was not started"
    port = served[0][0].getsockname()[1]  # type: ignore[index]
    served[0][0].close()  # type: ignore[index]
    assert f"http://127.0.0.1:{port}/" in result.output
    assert "Ctrl-C" in result.output


def test_names_and_labels_are_shown_as_typed_not_as_markup(isolated_settings) -> None:
    # A display name or token label (anyone may set their own label through the API) holding
    # Rich markup once crashed `users list`/`users tokens`, and `users token` after creating the
    # token, so its secret was never shown.
    store = open_user_store()
    store.add_user("an", PASSWORD, "viewer", "[/] [bold]Trần[/bold]")
    listed = runner.invoke(app, ["users", "list"])
    assert listed.exit_code == 0, listed.output
    assert "[/] [bold]Trần[/bold]" in listed.output

    made = runner.invoke(app, ["users", "token", "an", "--label", "[/etl]"])
    assert made.exit_code == 0, made.output
    assert "[/etl]" in made.output
    assert store.user_for_token(made.output.strip().splitlines()[-1]).username == "an"

    tokens = runner.invoke(app, ["users", "tokens"])
    assert tokens.exit_code == 0 and "[/etl]" in tokens.output


def test_a_token_lifetime_beyond_the_limit_is_refused(isolated_settings) -> None:
    open_user_store().add_user("an", PASSWORD, "viewer")
    result = runner.invoke(app, ["users", "token", "an", "--days", "100000000"])
    assert isinstance(result.exception, InputError), result.output
    assert "at most 3650" in str(result.exception)
    assert open_user_store().list_tokens() == []


def test_set_without_a_change_says_so_and_an_unknown_user_is_named_before_the_prompt(
    isolated_settings,
) -> None:
    open_user_store().add_user("an", PASSWORD, "viewer")
    nothing = runner.invoke(app, ["users", "set", "an"])
    assert isinstance(nothing.exception, InputError), nothing.output
    assert nothing.exception.summary == "nothing to change" and "--role" in str(nothing.exception)
    unknown = runner.invoke(app, ["users", "set", "nobody", "--password"], input="")
    assert isinstance(unknown.exception, NotFoundError), unknown.output
    assert "New password" not in unknown.output  # refused before asking


def test_revoking_an_unknown_token_on_the_cli_points_to_the_cli(isolated_settings) -> None:
    result = runner.invoke(app, ["users", "revoke", "999"])
    assert isinstance(result.exception, NotFoundError), result.output
    assert "haiquan users tokens" in str(result.exception.fix)
    assert "your tokens" not in str(result.exception)
