"""Authentication for the web edge: users, roles, passwords, API tokens and session cookies."""

from haiquan.web.auth.demo import DEMO_USERNAME, demo_login
from haiquan.web.auth.models import ApiToken, User
from haiquan.web.auth.passwords import (
    MIN_PASSWORD_LENGTH,
    check_password_strength,
    hash_password,
    verify_password,
)
from haiquan.web.auth.roles import Role
from haiquan.web.auth.sessions import SESSION_COOKIE, Session, SessionSigner
from haiquan.web.auth.store import TOKEN_PREFIX, UserStore, open_user_store
from haiquan.web.auth.throttle import LoginThrottle

__all__ = [
    "DEMO_USERNAME",
    "MIN_PASSWORD_LENGTH",
    "SESSION_COOKIE",
    "TOKEN_PREFIX",
    "ApiToken",
    "LoginThrottle",
    "Role",
    "Session",
    "SessionSigner",
    "User",
    "UserStore",
    "check_password_strength",
    "demo_login",
    "hash_password",
    "open_user_store",
    "verify_password",
]
