"""The web edge: one FastAPI application with the HTTP API and the dashboard.

>>> from haiquan.web import create_app
>>> app = create_app()
>>> "/api/health" in app.openapi()["paths"]
True
"""

from haiquan.web.app import create_app
from haiquan.web.server import ServerHandle, serve, start_server

__all__ = ["ServerHandle", "create_app", "serve", "start_server"]
