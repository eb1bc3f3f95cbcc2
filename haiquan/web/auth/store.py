"""The users and API tokens store: SQLAlchemy 2 over SQLite (or any SQLAlchemy URL).

People log in with a username and password (hashed with scrypt); machines — a partner's script,
a scheduled job — use API tokens, which are shown once at creation and stored only as a SHA-256
digest. Every change that should end open sessions (password, role, deactivation) bumps the user's
session epoch.

A verified token is remembered in this process for :data:`TOKEN_CACHE_SECONDS`, so a busy API
client costs one dictionary look-up per request instead of a database query. Any change made
through a :class:`UserStore` in this process (revocation, password/role/status change, "log out
everywhere", deletion) forgets the remembered tokens of that database at once; a change made by
another process (``haiquan users revoke`` from a shell while the server runs) takes effect in the
server within :data:`TOKEN_CACHE_SECONDS`.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from haiquan._database import StoreDatabase, open_engine, storage_errors_named
from haiquan.errors import (
    AuthenticationError,
    ConflictError,
    InputError,
    NotFoundError,
)
from haiquan.settings import Settings, get_settings
from haiquan.web.auth import _token_cache
from haiquan.web.auth._tables import Base, EndedSessionRow, TokenRow, UserRow
from haiquan.web.auth.models import ApiToken, User, aware, digest, token_from_row, user_from_row
from haiquan.web.auth.models import now as _now  # this module's clock, which tests set
from haiquan.web.auth.passwords import check_password_strength, hash_password, verify_password
from haiquan.web.auth.roles import Role

__all__ = ["MAX_TOKEN_DAYS", "TOKEN_PREFIX", "UserStore", "open_user_store"]

#: Every API token starts with this, so secret scanners and log filters can recognise one.
TOKEN_PREFIX = "hq_"
#: The longest lifetime of an API token, in days (ten years).
MAX_TOKEN_DAYS = 3650

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
#: Hash checked when the username is unknown, so a failed login takes as long either way.
_DUMMY_HASH = hash_password("not-a-real-password-just-for-timing")
_TOUCH_EVERY = timedelta(minutes=1)
#: How long a verified API token is trusted without asking the database again (see above).
TOKEN_CACHE_SECONDS = 30.0


def _bad_login() -> AuthenticationError:
    # One message for unknown user and wrong password: do not reveal which usernames exist.
    return AuthenticationError(
        "login failed",
        expected="the username and password of an active user",
        got="an unknown username, a wrong password or a deactivated account",
        fix="check both, or ask an administrator (`haiquan users add` / `haiquan users list`)",
    )


_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()
#: The users store's database, for the messages of :func:`haiquan._database.open_engine`.
_DATABASE = StoreDatabase("the users store", "HAIQUAN_WEB_DATABASE_URL", "web.sqlite")
#: Every SQLite connection: enforce foreign keys, write-ahead log, wait rather than fail on a lock.
_SQLITE_PRAGMAS = ("PRAGMA foreign_keys=ON", "PRAGMA journal_mode=WAL", "PRAGMA busy_timeout=5000")


def _engine(url: str, create_folder: bool = False) -> Engine:
    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = open_engine(url, _DATABASE, Base.metadata, create_folder=create_folder,
                                 sqlite_pragmas=_SQLITE_PRAGMAS)
            _ENGINES[url] = engine
        return engine


class UserStore:
    """Users and API tokens in one SQL database.

    Args:
        url: a SQLAlchemy URL, e.g. ``sqlite:////var/lib/haiquan/web.sqlite`` or
            ``postgresql+psycopg://haiquan@db/haiquan`` (``postgresql://`` means the same).
        create_folder: create a SQLite file's missing folder (only for the default path inside
            HAIQUAN_HOME; a mistyped path of one's own must not silently start an empty store).

    Raises:
        ConfigurationError: the URL cannot be read, names a database other than SQLite or
            PostgreSQL, a SQLite folder that does not exist, or a database that cannot be
            reached.
    """

    def __init__(self, url: str, *, create_folder: bool = False) -> None:
        self.url = url
        self._sessions = sessionmaker(_engine(url, create_folder), expire_on_commit=False)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        engine = self._sessions.kw["bind"]
        with storage_errors_named(engine, "the users store"), self._sessions.begin() as session:
            yield session

    @contextmanager
    def _changing(self) -> Iterator[Session]:
        """A session for a change to users or tokens: remembered tokens are forgotten both
        before (so no request re-remembers an old answer mid-change) and after it commits."""
        _token_cache.forget(self.url)
        try:
            with self._session() as session:
                yield session
        finally:
            _token_cache.forget(self.url)

    # --- users ------------------------------------------------------------------------------

    @staticmethod
    def _check_username(username: str) -> str:
        name = username.strip().lower()
        if not _USERNAME.match(name):
            raise InputError(
                "invalid username",
                expected="2-64 characters: lowercase letters, digits, '.', '_', '-' or '@', "
                "starting with a letter or digit",
                got=repr(username),
                fix="choose a username such as 'nguyen.an'",
            )
        return name

    def _row(self, session: Session, username: str) -> UserRow:
        row = session.scalar(select(UserRow).where(UserRow.username == username.strip().lower()))
        if row is None:
            raise NotFoundError(
                "no such user",
                expected="the username of an existing user",
                got=repr(username),
                fix="list users with `haiquan users list`",
            )
        return row

    def add_user(
        self, username: str, password: str, role: Role | str, display_name: str | None = None
    ) -> User:
        """Create a user.

        Raises:
            InputError: bad username, role or too-short password.
            ConflictError: the username is taken.
        """
        name = self._check_username(username)
        role = Role.parse(role)
        check_password_strength(password)
        with self._session() as session:
            if session.scalar(select(UserRow).where(UserRow.username == name)) is not None:
                raise ConflictError(
                    "username already taken",
                    expected="a new username",
                    got=repr(name),
                    fix="pick another username, or change this user with `haiquan users set`",
                )
            row = UserRow(
                username=name,
                display_name=(display_name or name).strip()[:200],
                role=role.value,
                password_hash=hash_password(password),
                active=True,
                session_epoch=0,
                created_at=_now(),
            )
            session.add(row)
            session.flush()
            return user_from_row(row)

    def get_user(self, username: str) -> User:
        """The user called ``username``; :class:`NotFoundError` if absent."""
        with self._session() as session:
            return user_from_row(self._row(session, username))

    def get_user_by_id(self, user_id: int) -> User | None:
        """The user with this id, or ``None`` (a session may outlive its user)."""
        with self._session() as session:
            row = session.get(UserRow, user_id)
            return None if row is None else user_from_row(row)

    def list_users(self) -> list[User]:
        """Every user, by username."""
        with self._session() as session:
            rows = session.scalars(select(UserRow).order_by(UserRow.username))
            return [user_from_row(r) for r in rows]

    def count_users(self) -> int:
        """How many users exist (the demo creates a first one when there are none)."""
        with self._session() as session:
            return int(session.scalar(select(func.count()).select_from(UserRow)) or 0)

    def _guard_last_admin(self, session: Session, row: UserRow) -> None:
        if row.role != Role.ADMINISTRATOR.value or not row.active:
            return
        admins = session.scalar(
            select(func.count())
            .select_from(UserRow)
            .where(UserRow.role == Role.ADMINISTRATOR.value, UserRow.active.is_(True))
        )
        if (admins or 0) <= 1:
            raise ConflictError(
                "cannot remove the last active administrator",
                expected="at least one other active administrator",
                got=f"{row.username!r} is the only one",
                fix="make another user an administrator first",
            )

    def update_user(
        self,
        username: str,
        *,
        role: Role | str | None = None,
        password: str | None = None,
        active: bool | None = None,
        display_name: str | None = None,
    ) -> User:
        """Change a user; a new role, password or status ends the user's open sessions.

        Raises:
            NotFoundError: no such user.
            InputError: bad role or too-short password.
            ConflictError: the change would leave no active administrator.
        """
        new_role = Role.parse(role) if role is not None else None
        if password is not None:
            check_password_strength(password)
        with self._changing() as session:
            row = self._row(session, username)
            ends_sessions = False
            if (new_role is not None and new_role.value != row.role) or active is False:
                self._guard_last_admin(session, row)
            if new_role is not None and new_role.value != row.role:
                row.role = new_role.value
                ends_sessions = True
            if password is not None:
                row.password_hash = hash_password(password)
                ends_sessions = True
            if active is not None and active != row.active:
                row.active = active
                ends_sessions = True
            if display_name is not None:
                row.display_name = display_name.strip()[:200] or row.username
            if ends_sessions:
                row.session_epoch += 1
            return user_from_row(row)

    def end_sessions(self, username: str) -> User:
        """Log the user out everywhere by invalidating every session cookie issued so far."""
        with self._changing() as session:
            row = self._row(session, username)
            row.session_epoch += 1
            return user_from_row(row)

    def end_session(self, session_id: str, expires_at: datetime) -> None:
        """Record one dashboard session as ended (logout), until its cookie would have expired.

        Rows of sessions past their expiry are dropped here: an expired cookie is refused on its
        own, so the list only ever holds sessions that could still be presented.
        """
        now = _now()
        with self._session() as session:
            session.execute(delete(EndedSessionRow).where(EndedSessionRow.expires_at < now))
            if session.get(EndedSessionRow, session_id) is None:
                session.add(EndedSessionRow(session_id=session_id, ended_at=now,
                                            expires_at=expires_at))

    def is_session_ended(self, session_id: str) -> bool:
        """Whether the dashboard session ``session_id`` was ended by logging out."""
        with self._session() as session:
            return session.get(EndedSessionRow, session_id) is not None

    def delete_user(self, username: str) -> None:
        """Delete a user and its tokens.

        Raises:
            NotFoundError: no such user.
            ConflictError: this is the last active administrator.
        """
        with self._changing() as session:
            row = self._row(session, username)
            self._guard_last_admin(session, row)
            for token in session.scalars(select(TokenRow).where(TokenRow.user_id == row.id)):
                session.delete(token)
            session.delete(row)

    def authenticate(self, username: str, password: str) -> User:
        """The active user with this username and password.

        Raises:
            AuthenticationError: unknown user, wrong password or deactivated account (one
                message for all three).
        """
        with self._session() as session:
            row = session.scalar(
                select(UserRow).where(UserRow.username == username.strip().lower())
            )
            if row is None:
                verify_password(password, _DUMMY_HASH)
                raise _bad_login()
            if not verify_password(password, row.password_hash) or not row.active:
                raise _bad_login()
            return user_from_row(row)

    # --- API tokens -------------------------------------------------------------------------

    def create_token(
        self, username: str, label: str = "api", days: int | None = None
    ) -> tuple[str, ApiToken]:
        """Create an API token for ``username``; returns ``(secret, facts)``.

        The secret is shown once: only its digest is stored.

        Raises:
            NotFoundError: no such user.
            InputError: ``days`` is not between 1 and :data:`MAX_TOKEN_DAYS`.
        """
        if days is not None and not 1 <= days <= MAX_TOKEN_DAYS:
            raise InputError(
                "token lifetime out of range",
                expected=f"a number of days from 1 to at most {MAX_TOKEN_DAYS}, "
                "or none for no expiry",
                got=str(days),
                fix="pass --days 90, for instance",
            )
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = _now()
        with self._session() as session:
            user = self._row(session, username)
            row = TokenRow(
                user_id=user.id,
                label=(label.strip() or "api")[:200],
                token_hash=digest(secret),
                prefix=secret[:10],
                created_at=now,
                expires_at=now + timedelta(days=days) if days else None,
                last_used_at=None,
                revoked=False,
            )
            session.add(row)
            session.flush()
            return secret, token_from_row(row, user.username)

    def list_tokens(self, username: str | None = None) -> list[ApiToken]:
        """Tokens of one user, or of everyone."""
        with self._session() as session:
            query = select(TokenRow, UserRow.username).join(UserRow, TokenRow.user_id == UserRow.id)
            if username is not None:
                query = query.where(UserRow.username == self._row(session, username).username)
            rows = session.execute(query.order_by(TokenRow.id)).all()
            return [token_from_row(token, name) for token, name in rows]

    def revoke_token(self, token_id: int, username: str | None = None) -> ApiToken:
        """Revoke a token (kept for the audit trail). With ``username``, only that user's."""
        with self._changing() as session:
            row = session.get(TokenRow, token_id)
            owner = session.get(UserRow, row.user_id) if row is not None else None
            if (
                row is None
                or owner is None
                or (username is not None and owner.username != username)
            ):
                # A user revoking their own token is told about their tokens; an
                # administrator revoking any token, about all of them.
                raise NotFoundError(
                    "no such API token",
                    expected=("the id of one of your tokens" if username is not None
                              else "the id of an existing token"),
                    got=str(token_id),
                    fix=("list your tokens with GET /api/me/tokens" if username is not None
                         else "list the tokens with `haiquan users tokens`"),
                )
            row.revoked = True
            return token_from_row(row, owner.username)

    def cached_user_for_token(self, secret: str) -> User | None:
        """The user of a token verified less than :data:`TOKEN_CACHE_SECONDS` ago and not
        expired since, else ``None`` (then call :meth:`user_for_token`). Never touches the
        database."""
        return _token_cache.recall(self.url, digest(secret), _now())

    def user_for_token(self, secret: str) -> User:
        """The active user owning this token (remembered for :data:`TOKEN_CACHE_SECONDS`).

        Raises:
            AuthenticationError: unknown, revoked or expired token, or deactivated user.
        """
        cached = self.cached_user_for_token(secret)
        if cached is not None:
            return cached
        now = _now()
        started = time.monotonic()
        generation = _token_cache.generation(self.url)
        with self._session() as session:
            row = session.scalar(select(TokenRow).where(TokenRow.token_hash == digest(secret)))
            owner = session.get(UserRow, row.user_id) if row is not None else None
            expires = aware(row.expires_at) if row is not None else None
            if row is None or owner is None or row.revoked or not owner.active:
                raise AuthenticationError(
                    "API token not accepted",
                    expected="a current API token of an active user",
                    got="an unknown or revoked token"
                    if row is None or row.revoked
                    else "a token of a deactivated user",
                    fix="create a new one with `haiquan users token USERNAME`",
                )
            if expires is not None and expires <= now:
                raise AuthenticationError(
                    "API token expired",
                    expected="a token whose expiry is in the future",
                    got=f"a token that expired on {expires:%Y-%m-%d}",
                    fix="create a new one with `haiquan users token USERNAME`",
                )
            last = aware(row.last_used_at)
            if last is None or now - last > _TOUCH_EVERY:
                row.last_used_at = now
            user = user_from_row(owner)
        _token_cache.remember(self.url, row.token_hash, generation,
                              started + TOKEN_CACHE_SECONDS, expires, user)
        return user


def open_user_store(settings: Settings | None = None) -> UserStore:
    """The users store configured by ``web_database_url`` (default: SQLite under HOME).

    Raises:
        ConfigurationError: ``HAIQUAN_WEB_DATABASE_URL`` is unusable (see :class:`UserStore`).
    """
    settings = settings or get_settings()
    # Only the default file inside HAIQUAN_HOME may have its folder created.
    return UserStore(settings.web_database, create_folder=settings.web_database_url is None)
