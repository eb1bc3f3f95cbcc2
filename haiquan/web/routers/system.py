"""``GET /api/health``: liveness for load balancers and the demo launcher (no login needed).

``HEAD /api/health`` answers too (the same status and headers, no body): monitoring probes and
load balancers often check liveness with ``HEAD``.
"""

from __future__ import annotations

from fastapi import APIRouter

from haiquan import __version__
from haiquan.web.deps import SettingsDep
from haiquan.web.schemas import Health

#: Mounted without authentication: it reveals nothing but the version and mode.
PUBLIC = True

router = APIRouter(prefix="/api", tags=["system"])


@router.get("/health", response_model=Health)
def get_health(settings: SettingsDep) -> Health:
    """Whether the server is up, its version and mode."""
    return Health(status="ok", version=__version__, mode=settings.mode)


@router.head("/health", response_model=Health)
def head_health(settings: SettingsDep) -> Health:
    """The same as ``GET /api/health`` without the body, for monitoring probes."""
    return Health(status="ok", version=__version__, mode=settings.mode)
