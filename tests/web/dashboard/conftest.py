"""Debian's chromium driven by Playwright against the live server (never `playwright install`)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

playwright_sync = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One chromium for the whole run (starting it costs about a second)."""
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with playwright_sync.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Console:
    """Console errors, page errors and failed requests seen while a test ran."""

    errors: list[str] = field(default_factory=list)


@dataclass
class BrowserPage:
    page: object
    console: Console
    base_url: str
    shots: Path

    def shot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        return path


@pytest.fixture
def browser_page(browser, live_server, tmp_path: Path) -> Iterator[BrowserPage]:
    """A fresh browser context (no cookies) on a laptop-sized window, watching the console."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, base_url=live_server.url)
    page = context.new_page()
    # The first visit of a page computes its figures (a plan, a forecast): seconds, not 30 s, on
    # an idle machine, but the test machine is shared.
    page.set_default_navigation_timeout(180_000)
    page.set_default_timeout(60_000)
    console = Console()
    page.on("console", lambda m: m.type == "error" and console.errors.append(m.text))
    page.on("pageerror", lambda e: console.errors.append(f"page error: {e}"))
    page.on(
        "requestfailed",
        lambda r: console.errors.append(f"request failed: {r.url} {r.failure}"),
    )
    shots = tmp_path / "screenshots"
    shots.mkdir()
    try:
        yield BrowserPage(page=page, console=console, base_url=live_server.url, shots=shots)
    finally:
        context.close()
