"""Migrations of the gateway store (Alembic scripts in versions/)."""
