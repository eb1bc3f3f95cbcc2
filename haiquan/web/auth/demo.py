"""A login for ``haiquan demo``: the dashboard is behind a login, and a first-time user has none.

Only in ``mode=local``: a production server never gets an account nobody asked for.
"""

from __future__ import annotations

import secrets

from haiquan.errors import ConfigurationError
from haiquan.settings import Settings, get_settings
from haiquan.web.auth.roles import Role
from haiquan.web.auth.store import open_user_store

__all__ = ["DEMO_USERNAME", "demo_login"]

DEMO_USERNAME = "demo"


def demo_login(settings: Settings | None = None) -> tuple[str, str]:
    """Create (or give a new password to) the ``demo`` user; returns ``(username, password)``.

    The password is random and printed by the demo, so no fixed password ever works. The demo
    user is an analyst: it can look at everything and try the analysis writes, not manage users.

    Raises:
        ConfigurationError: outside ``mode=local``.
    """
    settings = settings or get_settings()
    if settings.mode != "local":
        raise ConfigurationError(
            "the demo login only exists in local mode",
            expected="HAIQUAN_MODE=local",
            got=f"HAIQUAN_MODE={settings.mode}",
            fix="create real users with `haiquan users add NAME --role ROLE`",
        )
    store = open_user_store(settings)
    password = secrets.token_urlsafe(12)
    if any(u.username == DEMO_USERNAME for u in store.list_users()):
        store.update_user(DEMO_USERNAME, password=password, active=True)
    else:
        store.add_user(DEMO_USERNAME, password, Role.ANALYST, "Demo user")
    return DEMO_USERNAME, password
