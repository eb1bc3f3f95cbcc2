"""Rendering helpers shared by the dashboard pages: templates, navigation, charts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from haiquan import __version__
from haiquan.settings import get_settings
from haiquan.web.auth import User

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")


def sentence_case(text: object) -> str:
    """Upper-case the first letter only: identifiers and codes in the rest keep their case.

    (Jinja's ``capitalize`` lower-cases everything after the first letter, which turns a
    country code ``XXX`` into ``xxx``.)

    >>> sentence_case("unknown country code 'XXX'")
    "Unknown country code 'XXX'"
    >>> sentence_case("")
    ''
    """
    value = str(text)
    return value[:1].upper() + value[1:]


def agreement_name(ident: object) -> str:
    """An agreement's name from the agreements catalogue, or the id when it has no entry.

    Pages hold agreements by id (an MRA's ``VN_KOR_AEO_MRA``); people read the name.

    >>> agreement_name("AAMRA")
    'ASEAN Mutual Recognition Arrangement on Authorised Economic Operator Programmes'
    >>> agreement_name("NO_SUCH_MRA")
    'NO_SUCH_MRA'
    """
    from haiquan.errors import HaiquanError
    from haiquan.reference.agreements import agreement

    try:
        return agreement(str(ident)).name
    except HaiquanError:
        return str(ident)


#: The trade sources the loaders write into ``trade_flows.source``, as a reader names them.
SOURCE_NAMES = {
    "imf-dots": "IMF Direction of Trade Statistics",
    "cepii-baci": "CEPII BACI",
    "us-census": "U.S. Census Bureau",
    "synthetic-demo": "SYNTHETIC demo data",
}


def source_name(ident: object) -> str:
    """Source ids (``imf-dots``, or several joined by commas) as their publishers' names.

    >>> source_name("imf-dots,us-census")
    'IMF Direction of Trade Statistics, U.S. Census Bureau'
    >>> source_name("own-file")
    'own-file'
    """
    return ", ".join(SOURCE_NAMES.get(part.strip(), part.strip())
                     for part in str(ident).split(",") if part.strip())


TEMPLATES.env.filters["sentence"] = sentence_case
TEMPLATES.env.filters["source_name"] = source_name
TEMPLATES.env.filters["agreement_name"] = agreement_name


@dataclass(frozen=True)
class NavItem:
    path: str
    label: str


#: The pages shown in the navigation bar, in order; page modules append themselves.
NAV: list[NavItem] = []


def chart_json(figure: Mapping[str, Any]) -> str:
    """A Plotly figure (``{"data": [...], "layout": {...}}``) as JSON safe inside ``<script>``.

    >>> chart_json({"data": [], "layout": {"title": {"text": "</script>"}}})
    '{"data": [], "layout": {"title": {"text": "\\\\u003c/script>"}}}'
    """
    return json.dumps(figure, default=str, allow_nan=False).replace("<", "\\u003c")


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    user: User | None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a dashboard template with the navigation, the user and the CSRF token."""
    session = getattr(request.state, "session", None)
    settings = get_settings()
    full = {
        "nav": NAV,
        "user": user,
        "csrf": session.csrf if session is not None else "",
        "version": __version__,
        "home_country": settings.home_country,
        "path": request.url.path,
        **context,
    }
    return TEMPLATES.TemplateResponse(request, template, full, status_code=status_code)


#: Seconds after which a page showing a result still being computed reloads itself.
PENDING_RELOAD_SECONDS = 10


def render_pending(
    request: Request, title: str, what: str, details: Mapping[str, Any], user: User | None
) -> HTMLResponse:
    """The page of a result still being computed: what, how far, and a reload while a refresh
    runs (``details`` of :class:`~haiquan.errors.NotReadyError`)."""
    context = {
        "title": title,
        "what": what,
        "details": details,
        "refresh_seconds": PENDING_RELOAD_SECONDS if details.get("active") else None,
    }
    return render(request, "pending.html", context, user)
