"""API routers. Each module listed in ``ROUTER_MODULES`` exposes ``router`` (a FastAPI APIRouter)."""

#: Modules under ``haiquan.web.routers`` mounted by :func:`haiquan.web.create_app`, in order.
ROUTER_MODULES: list[str] = []
