"""Migrations of the aeo store (Alembic scripts in versions/)."""
