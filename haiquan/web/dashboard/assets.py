"""Static assets served by the app itself: Plotly's JavaScript from the installed ``plotly``
package (never a CDN: customs networks are often closed) and the dashboard's CSS and script.

Each file is read and gzip-compressed once per process; answers carry an ETag and a day of
caching, so a browser fetches Plotly's 4 MB once.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Request, Response

from haiquan.errors import NotFoundError

__all__ = ["ASSET_FILES", "router"]

router = APIRouter(include_in_schema=False)

_STATIC = Path(__file__).resolve().parent.parent / "static"


def _plotly_js() -> Path:
    return Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))


#: The files under /static/ and where each comes from.
ASSET_FILES = {
    "plotly.min.js": _plotly_js,
    "app.css": lambda: _STATIC / "app.css",
    "charts.js": lambda: _STATIC / "charts.js",
}
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}


@dataclass(frozen=True)
class _Asset:
    body: bytes
    gzipped: bytes
    etag: str
    media_type: str


@cache
def _load(name: str) -> _Asset:
    path = ASSET_FILES[name]()
    body = path.read_bytes()
    return _Asset(
        body=body,
        gzipped=gzip.compress(body, compresslevel=6, mtime=0),
        etag='"' + hashlib.sha256(body).hexdigest()[:20] + '"',
        media_type=_TYPES[path.suffix],
    )


@router.get("/static/{name}")
def asset(name: str, request: Request) -> Response:
    """One static file, gzip-compressed when the browser accepts it."""
    if name not in ASSET_FILES:
        raise NotFoundError(
            "no such static file",
            expected="one of " + ", ".join(sorted(ASSET_FILES)),
            got=repr(name),
            fix="check the page's <script>/<link> tags",
        )
    item = _load(name)
    headers = {
        "ETag": item.etag,
        "Cache-Control": "public, max-age=86400",
        "Vary": "Accept-Encoding",
    }
    if request.headers.get("if-none-match") == item.etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(item.gzipped, media_type=item.media_type, headers=headers)
    return Response(item.body, media_type=item.media_type, headers=headers)
