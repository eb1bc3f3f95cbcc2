"""docs/web.md's dashboard table lists exactly the pages the app serves."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from haiquan.web.dashboard import PAGE_MODULES

WEB_MD = Path(__file__).resolve().parents[3] / "docs" / "web.md"


def _served_pages() -> set[str]:
    paths: set[str] = set()
    for name in [module for module, _, _ in PAGE_MODULES] + ["auth_pages"]:
        router = importlib.import_module(f"haiquan.web.dashboard.{name}").router
        paths.update(r.path for r in router.routes if "GET" in getattr(r, "methods", ()))
    return paths


def _documented_pages() -> set[str]:
    text = WEB_MD.read_text(encoding="utf-8")
    table = text[text.index("## Dashboard") :]
    table = table[: table.index("\n\n", table.index("| page |"))]
    return set(re.findall(r"^\| `(/[^`]*)` \|", table, flags=re.MULTILINE))


def test_every_page_is_in_the_dashboard_table_and_no_other() -> None:
    served, documented = _served_pages(), _documented_pages()
    assert "/risk" in served
    assert served - documented == set(), "add these pages to docs/web.md's table"
    assert documented - served == set(), "docs/web.md lists pages the app does not serve"
