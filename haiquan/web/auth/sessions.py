"""Signed, expiring session cookies (HMAC-SHA256 over a small JSON payload).

The cookie holds the user id, the user's session epoch, a random session id and an expiry time,
signed with a key derived from ``settings.secret_key``. Nothing secret is in the cookie, and the
server keeps no table of open sessions: a session ends when it expires, when the user's epoch is
bumped (password change, role change, "log out everywhere"), which invalidates every cookie issued
before, or when the user logs out — then its id is written to the users store's list of ended
sessions (kept until the cookie would have expired), so a copy of the cookie taken before the
logout no longer works either.

>>> signer = SessionSigner("a-test-secret-that-is-long-enough", minutes=5)
>>> value = signer.issue(user_id=7, epoch=0, now=1_000_000.0)
>>> signer.read(value, now=1_000_010.0).user_id
7
>>> signer.read(value, now=1_000_000.0 + 301)
Traceback (most recent call last):
...
haiquan.errors.AuthenticationError: session expired: ...
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from haiquan import base64url
from haiquan.errors import AuthenticationError

__all__ = ["SESSION_COOKIE", "Session", "SessionSigner"]

#: Name of the dashboard's session cookie.
SESSION_COOKIE = "haiquan_session"


@dataclass(frozen=True)
class Session:
    """A verified session: who, which epoch, until when, its CSRF token and its own id."""

    user_id: int
    epoch: int
    expires_at: float
    csrf: str
    #: Random, one per login; logging out records it as ended (cookies issued before this field
    #: existed use their CSRF token, which is as random and as unique).
    session_id: str


class SessionSigner:
    """Issues and verifies session cookie values.

    Args:
        secret_key: the application secret; a purpose-specific key is derived from it so the
            same secret can sign other things without cross-use.
        minutes: how long a session lasts.
    """

    def __init__(self, secret_key: str, minutes: int) -> None:
        self._key = hmac.new(
            secret_key.encode("utf-8"), b"haiquan.web.session.v1", hashlib.sha256
        ).digest()
        self.minutes = minutes

    def _sign(self, payload: bytes) -> str:
        return base64url.encode(hmac.new(self._key, payload, hashlib.sha256).digest())

    def issue(self, user_id: int, epoch: int, now: float | None = None) -> str:
        """A new cookie value for ``user_id``, valid for ``minutes`` from ``now``."""
        now = time.time() if now is None else now
        body = {
            "u": user_id,
            "e": epoch,
            "x": int(now + self.minutes * 60),
            "c": secrets.token_urlsafe(16),
            "s": secrets.token_urlsafe(16),
        }
        payload = json.dumps(body, separators=(",", ":")).encode("utf-8")
        return f"{base64url.encode(payload)}.{self._sign(payload)}"

    def read(self, value: str, now: float | None = None) -> Session:
        """Verify a cookie value and return its session.

        Raises:
            AuthenticationError: the value is malformed, its signature is wrong, or it expired.
        """
        now = time.time() if now is None else now
        try:
            encoded, signature = value.split(".", 1)
            payload = base64url.decode(encoded)
        except (ValueError, TypeError):
            raise AuthenticationError(
                "malformed session cookie",
                expected="a cookie issued by this server",
                got="an unreadable value",
                fix="log in again",
            ) from None
        if not hmac.compare_digest(signature, self._sign(payload)):
            raise AuthenticationError(
                "session signature does not verify",
                expected="a cookie signed with this server's secret key",
                got="a cookie signed with another key or altered",
                fix="log in again (sessions end when the server's secret key changes)",
            )
        body = json.loads(payload)
        if now >= body["x"]:
            raise AuthenticationError(
                "session expired",
                expected="a session younger than the configured session_minutes",
                got="a session that ended at "
                + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(body["x"])),
                fix="log in again",
            )
        return Session(
            user_id=int(body["u"]),
            epoch=int(body["e"]),
            expires_at=float(body["x"]),
            csrf=body["c"],
            session_id=str(body.get("s") or body["c"]),
        )
