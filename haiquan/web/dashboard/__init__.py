"""The dashboard: server-rendered pages with Plotly charts, behind the login page.

Each page module exposes ``router`` and adds itself to the navigation (``_render.NAV``). Pages
read through the domain libraries only; a page whose library is not installed is not mounted.
"""

from __future__ import annotations

import importlib

from fastapi import APIRouter

from haiquan.web.dashboard._render import NAV, NavItem

__all__ = ["PAGE_MODULES", "router"]

#: (module under haiquan.web.dashboard, nav path, nav label) of each page, in menu order; pages
#: reached from other pages (a partner's page) have no menu entry.
PAGE_MODULES: list[tuple[str, str | None, str | None]] = [
    ("overview", "/", "Overview"),
    ("partner", None, None),
    ("priorities", "/priorities", "Priorities"),
    ("plan", "/plan", "Plan"),
    ("commitments", "/commitments", "Commitments"),
    ("aeo", "/aeo", "AEO"),
    ("gateway", "/gateway", "Gateway"),
    ("transit", "/transit", "Transit"),
    ("risk", "/risk", "Risk queue"),
]

router = APIRouter(include_in_schema=False)


def _build() -> None:
    for name in ("assets", "auth_pages"):
        router.include_router(importlib.import_module(f"haiquan.web.dashboard.{name}").router)
    for name, path, label in PAGE_MODULES:
        module = importlib.import_module(f"haiquan.web.dashboard.{name}")
        router.include_router(module.router)
        if path is not None and label is not None:
            NAV.append(NavItem(path, label))


_build()
