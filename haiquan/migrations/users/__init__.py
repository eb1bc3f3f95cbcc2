"""Migrations of the users store (Alembic scripts in versions/)."""
