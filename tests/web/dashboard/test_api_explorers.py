"""The API explorer (/docs) works with no internet: every asset comes from this server."""

from __future__ import annotations

from urllib.parse import urlparse

import httpx

from tests.web.dashboard.conftest import BrowserPage


def test_swagger_ui_renders_the_api_from_local_assets_only(browser_page: BrowserPage) -> None:
    page = browser_page.page
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(urlparse(r.url).netloc))  # type: ignore[attr-defined]
    page.goto("/docs")  # type: ignore[attr-defined]
    # Swagger UI draws one block per operation once it has read /openapi.json.
    page.wait_for_selector(".opblock-summary-path")  # type: ignore[attr-defined]
    paths = page.locator(".opblock-summary-path").all_inner_texts()  # type: ignore[attr-defined]
    assert any("/api/risk/score" in p for p in paths)
    assert hosts == {urlparse(browser_page.base_url).netloc}, hosts
    assert not browser_page.console.errors, browser_page.console.errors


def test_redoc_is_not_offered(http: httpx.Client) -> None:
    # ReDoc fetches its logo from cdn.redoc.ly; only the local Swagger UI is served.
    assert http.get("/redoc").status_code == 404


def test_explorer_pages_name_no_cdn(http: httpx.Client) -> None:
    answer = http.get("/docs")
    assert answer.status_code == 200
    assert "cdn." not in answer.text and "googleapis" not in answer.text
    assert "https://" not in answer.headers["content-security-policy"]
    asset = http.get("/static/api-docs/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.content) > 100_000
