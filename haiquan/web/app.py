"""``create_app()``: the FastAPI application.

Errors are translated here, in one handler table, into the one JSON error shape
(:meth:`haiquan.errors.HaiquanError.to_dict`). Stack traces are logged for 5xx only.
"""

from __future__ import annotations

import importlib
import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from haiquan import __version__
from haiquan.errors import HaiquanError
from haiquan.web.routers import ROUTER_MODULES

__all__ = ["create_app"]

log = logging.getLogger(__name__)


async def _haiquan_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HaiquanError)
    if error.status >= 500:
        log.exception("server error on %s", request.url.path, exc_info=error)
    return JSONResponse(error.to_dict(), status_code=error.status)


def create_app() -> FastAPI:
    """Build the application with every router in ``ROUTER_MODULES``."""
    app = FastAPI(title="haiquan", version=__version__)
    app.add_exception_handler(HaiquanError, _haiquan_error)
    for name in ROUTER_MODULES:
        module = importlib.import_module(f"haiquan.web.routers.{name}")
        app.include_router(module.router)
    return app
