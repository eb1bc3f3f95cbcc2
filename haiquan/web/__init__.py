"""The web edge: one FastAPI application with the HTTP API and the dashboard."""

from haiquan.web.app import create_app

__all__ = ["create_app"]
