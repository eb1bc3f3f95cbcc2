"""Alembic environment of this store: the shared one (:mod:`haiquan.migrations._env`)."""

from haiquan.migrations._env import run_migrations

run_migrations()
