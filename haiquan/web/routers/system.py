"""``GET /api/health``: liveness for load balancers and the demo launcher (no login needed)."""

from __future__ import annotations

from fastapi import APIRouter

from haiquan import __version__
from haiquan.web.deps import SettingsDep
from haiquan.web.schemas import Health

#: Mounted without authentication: it reveals nothing but the version and mode.
PUBLIC = True

router = APIRouter(prefix="/api", tags=["system"])


@router.get("/health", response_model=Health)
def health(settings: SettingsDep) -> Health:
    """Whether the server is up, its version and mode."""
    return Health(status="ok", version=__version__, mode=settings.mode)
