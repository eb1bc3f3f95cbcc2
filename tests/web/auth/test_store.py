from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from haiquan.aeo.registry import AeoRegistry
from haiquan.errors import (
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    InputError,
    NotFoundError,
)
from haiquan.web.auth import Role, UserStore
from haiquan.web.auth._tables import TokenRow

PASSWORD = "a-long-test-passphrase"


def _database_bytes(settings) -> bytes:
    # SQLite in WAL mode keeps recent writes in web.sqlite-wal: read every file of the store.
    return b"".join(p.read_bytes() for p in settings.home.glob("web.sqlite*"))


def test_add_then_authenticate(store: UserStore) -> None:
    created = store.add_user("Nguyen.An", PASSWORD, "analyst", "Nguyễn An")
    assert created.username == "nguyen.an"
    user = store.authenticate("nguyen.an", PASSWORD)
    assert (user.id, user.role, user.display_name) == (created.id, Role.ANALYST, "Nguyễn An")


def test_wrong_password_and_unknown_user_fail_alike(store: UserStore) -> None:
    store.add_user("an", PASSWORD, "viewer")
    with pytest.raises(AuthenticationError) as wrong:
        store.authenticate("an", "not-the-password")
    with pytest.raises(AuthenticationError) as unknown:
        store.authenticate("nobody", PASSWORD)
    assert str(wrong.value) == str(unknown.value)


def test_password_never_stored_in_clear(store: UserStore, isolated_settings) -> None:
    store.add_user("an", PASSWORD, "viewer")
    raw = _database_bytes(isolated_settings)
    assert b"scrypt$" in raw  # the hash is there (also in the WAL file) ...
    assert PASSWORD.encode() not in raw  # ... the password is not


def test_duplicate_username_conflicts_and_changes_nothing(store: UserStore) -> None:
    store.add_user("an", PASSWORD, "viewer")
    with pytest.raises(ConflictError):
        store.add_user("AN", "another-long-password", "administrator")
    assert [(u.username, u.role) for u in store.list_users()] == [("an", Role.VIEWER)]


@pytest.mark.parametrize(
    ("username", "password", "role"),
    [
        ("x", PASSWORD, "viewer"),
        ("bad name", PASSWORD, "viewer"),
        ("an", "short", "viewer"),
        ("an", PASSWORD, "superuser"),
    ],
)
def test_bad_input_creates_nothing(
    store: UserStore, username: str, password: str, role: str
) -> None:
    with pytest.raises(InputError):
        store.add_user(username, password, role)
    assert store.count_users() == 0


def test_role_or_password_change_ends_sessions(store: UserStore) -> None:
    store.add_user("an", PASSWORD, "viewer")
    store.add_user("boss", PASSWORD, "administrator")
    epoch = store.get_user("an").session_epoch
    assert store.update_user("an", display_name="An").session_epoch == epoch
    assert store.update_user("an", role="analyst").session_epoch == epoch + 1
    assert store.update_user("an", password="another-long-one").session_epoch == epoch + 2
    assert store.authenticate("an", "another-long-one").role is Role.ANALYST


def test_deactivated_user_cannot_log_in(store: UserStore) -> None:
    store.add_user("an", PASSWORD, "viewer")
    store.update_user("an", active=False)
    with pytest.raises(AuthenticationError):
        store.authenticate("an", PASSWORD)


def test_last_administrator_is_kept(store: UserStore) -> None:
    store.add_user("boss", PASSWORD, "administrator")
    with pytest.raises(ConflictError):
        store.update_user("boss", role="viewer")
    with pytest.raises(ConflictError):
        store.delete_user("boss")
    with pytest.raises(ConflictError):
        store.update_user("boss", active=False)
    store.add_user("boss2", PASSWORD, "administrator")
    store.delete_user("boss")
    assert [u.username for u in store.list_users()] == ["boss2"]


def test_token_round_trip_and_revocation(store: UserStore) -> None:
    store.add_user("robot", PASSWORD, "analyst")
    secret, token = store.create_token("robot", "nightly job", days=30)
    assert secret.startswith("hq_") and token.prefix == secret[:10]
    assert store.user_for_token(secret).username == "robot"
    assert store.list_tokens("robot")[0].last_used_at is not None
    store.revoke_token(token.id)
    with pytest.raises(AuthenticationError):
        store.user_for_token(secret)


def test_token_expires(store: UserStore) -> None:
    store.add_user("robot", PASSWORD, "analyst")
    secret, token = store.create_token("robot", days=1)
    past = datetime.now(UTC) - timedelta(minutes=1)
    with store._session() as session:  # age the token as time would
        session.execute(update(TokenRow).where(TokenRow.id == token.id).values(expires_at=past))
    with pytest.raises(AuthenticationError, match="expired"):
        store.user_for_token(secret)


def test_token_of_deactivated_user_refused(store: UserStore) -> None:
    store.add_user("robot", PASSWORD, "analyst")
    secret, _ = store.create_token("robot")
    store.update_user("robot", active=False)
    with pytest.raises(AuthenticationError):
        store.user_for_token(secret)


def test_revoke_someone_elses_token_is_not_found(store: UserStore) -> None:
    store.add_user("a1", PASSWORD, "viewer")
    store.add_user("a2", PASSWORD, "viewer")
    _, token = store.create_token("a1")
    with pytest.raises(NotFoundError):
        store.revoke_token(token.id, username="a2")
    assert not store.list_tokens("a1")[0].revoked


def test_token_only_stored_as_digest(store: UserStore, isolated_settings) -> None:
    store.add_user("robot", PASSWORD, "analyst")
    secret, _ = store.create_token("robot", "nightly")
    raw = _database_bytes(isolated_settings)
    assert b"nightly" in raw
    assert secret.encode() not in raw


def test_cached_token_is_forgotten_at_once_on_revocation(store: UserStore) -> None:
    store.add_user("robot", PASSWORD, "analyst")
    secret, token = store.create_token("robot")
    assert store.user_for_token(secret).username == "robot"
    assert store.cached_user_for_token(secret) is not None  # remembered: no query next time
    store.revoke_token(token.id)
    assert store.cached_user_for_token(secret) is None
    with pytest.raises(AuthenticationError):
        store.user_for_token(secret)


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.update_user("robot", active=False),
        lambda s: s.delete_user("robot"),
    ],
    ids=["deactivated", "deleted"],
)
def test_cached_token_refused_at_once_when_its_user_goes(store: UserStore, change) -> None:
    store.add_user("admin", PASSWORD, "administrator")
    store.add_user("robot", PASSWORD, "analyst")
    secret, _ = store.create_token("robot")
    store.user_for_token(secret)
    change(store)
    with pytest.raises(AuthenticationError):
        store.user_for_token(secret)


def test_cached_token_sees_a_role_change_at_once(store: UserStore) -> None:
    store.add_user("robot", PASSWORD, "analyst")
    secret, _ = store.create_token("robot")
    assert store.user_for_token(secret).role is Role.ANALYST
    store.update_user("robot", role="viewer")
    assert store.user_for_token(secret).role is Role.VIEWER
    store.end_sessions("robot")
    assert store.cached_user_for_token(secret) is None


def test_cached_token_still_expires(store: UserStore, monkeypatch) -> None:
    from haiquan.web.auth import store as store_module

    store.add_user("robot", PASSWORD, "analyst")
    secret, _ = store.create_token("robot", days=1)
    store.user_for_token(secret)
    later = datetime.now(UTC) + timedelta(days=1, minutes=1)
    monkeypatch.setattr(store_module, "_now", lambda: later)
    assert store.cached_user_for_token(secret) is None
    with pytest.raises(AuthenticationError, match="expired"):
        store.user_for_token(secret)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("notaurl", "cannot be read"),
        ("mysql://hq:secret@db/haiquan", "unsupported database"),
        ("postgresql+psycopg2://hq@db/haiquan", "unsupported PostgreSQL driver"),
    ],
)
def test_unusable_database_url_is_a_configuration_error(
    isolated_settings, url: str, words: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        UserStore(url)
    error = caught.value
    assert words in error.summary
    assert "postgresql+psycopg://" in str(error.expected)
    assert "HAIQUAN_WEB_DATABASE_URL" in str(error.fix)
    assert "secret" not in str(error)  # a password in the URL is never shown


def test_unreachable_postgresql_is_a_configuration_error(isolated_settings) -> None:
    import socket

    with socket.socket() as closed:  # a loopback port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(ConfigurationError) as caught:
        UserStore(f"postgresql://hq:secret@127.0.0.1:{port}/haiquan")
    error = caught.value
    assert error.summary == "cannot open the users store"
    assert f"127.0.0.1:{port}" in str(error.got) and "secret" not in str(error)
    assert "HAIQUAN_WEB_DATABASE_URL" in str(error.fix)


def test_mistyped_sqlite_folder_is_an_error_not_a_new_store(isolated_settings, tmp_path) -> None:
    missing = tmp_path / "no-such-folder" / "web.sqlite"
    with pytest.raises(ConfigurationError) as caught:
        UserStore(f"sqlite:///{missing}")
    assert "does not exist" in caught.value.summary and str(missing.parent) in str(caught.value)
    assert not missing.parent.exists()


def test_open_user_store_reads_the_setting(isolated_settings, monkeypatch) -> None:
    from haiquan.settings import get_settings, reset_settings
    from haiquan.web.auth import open_user_store

    monkeypatch.setenv("HAIQUAN_WEB_DATABASE_URL", "notaurl")
    reset_settings()
    with pytest.raises(ConfigurationError) as caught:
        open_user_store(get_settings())
    assert "'notaurl'" in str(caught.value.got)


def test_default_store_creates_its_folder_inside_home(isolated_settings) -> None:
    from haiquan.web.auth import open_user_store

    assert not isolated_settings.home.exists()
    open_user_store(isolated_settings).add_user("an", PASSWORD, "viewer")
    assert (isolated_settings.home / "web.sqlite").exists()


def test_a_relative_sqlite_path_is_refused(
    isolated_settings, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # sqlite:///web.sqlite (three slashes) is relative to the folder a command runs in: the
    # server started elsewhere would open another, empty users store.
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigurationError) as caught:
        UserStore("sqlite:///web.sqlite")
    error = caught.value
    assert error.summary == "the users store's path is relative"
    assert str(tmp_path / "web.sqlite") in str(error.got)
    assert "HAIQUAN_WEB_DATABASE_URL" in str(error.fix)
    assert "sqlite:////web.sqlite" in str(error.fix)
    assert not (tmp_path / "web.sqlite").exists()
    with pytest.raises(ConfigurationError, match="relative"):
        AeoRegistry("sqlite:///aeo.sqlite")  # the AEO registry opens its database the same way
    assert not (tmp_path / "aeo.sqlite").exists()
    UserStore(f"sqlite:///{tmp_path / 'web.sqlite'}")  # the absolute path opens
    assert (tmp_path / "web.sqlite").exists()


def test_ended_sessions_are_kept_until_they_would_expire(store: UserStore) -> None:
    now = datetime.now(UTC)
    store.end_session("gone-by-now", now - timedelta(seconds=1))
    store.end_session("still-open-for-a-while", now + timedelta(hours=1))
    assert store.is_session_ended("still-open-for-a-while")
    assert not store.is_session_ended("never-ended")
    # recording another ending drops rows whose cookies have expired anyway
    store.end_session("another", now + timedelta(hours=1))
    assert not store.is_session_ended("gone-by-now")
    # logging out twice (two tabs) is not an error
    store.end_session("another", now + timedelta(hours=1))
    assert store.is_session_ended("another")
