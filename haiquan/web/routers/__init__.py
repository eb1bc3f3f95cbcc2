"""API routers. Each module listed in ``ROUTER_MODULES`` exposes ``router`` (a FastAPI APIRouter).

:func:`haiquan.web.create_app` mounts every router behind
:func:`haiquan.web.deps.default_policy` (an authenticated caller; writes need a named role, else
administrator) unless the module sets ``PUBLIC = True``. Name the role of each write route with
``dependencies=[Depends(require_role("analyst"))]`` or an alias such as ``AnalystUser``.
"""

__all__ = ["ROUTER_MODULES"]

#: Modules under ``haiquan.web.routers`` mounted by :func:`haiquan.web.create_app`, in order.
ROUTER_MODULES: list[str] = [
    "system",
    "me",
    "users",
    "trade",
    "risk",
    "priorities",
    "commitments",
    "gateway",
    "aeo",
    "transit",
]
