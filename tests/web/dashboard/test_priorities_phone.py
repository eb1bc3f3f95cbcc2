"""The priorities page on a 390 px phone, drawn by Debian's chromium from the real Vietnam data:
the instrument tables and the overall table scroll inside their cards, nothing pushes the page
sideways."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from haiquan.priorities import load_weights, partner_criteria, score_criteria
from haiquan.priorities.service import PriorityReport
from haiquan.warehouse.sources import read_trade_file
from haiquan.web.dashboard._render import TEMPLATES
from haiquan.web.dashboard.assets import _plotly_js
from haiquan.web.dashboard.priority_views import priorities_context
from tests.conftest import require_shared
from tests.priorities.conftest import VIETNAM_DOTS

pytestmark = pytest.mark.browser

STATIC = Path(__file__).parents[3] / "haiquan" / "web" / "static"


def test_the_priorities_page_fits_a_phone(browser, tmp_path: Path) -> None:
    flows = read_trade_file(require_shared(VIETNAM_DOTS), "dots")
    criteria = partner_criteria(flows, home="VNM", forecast="trend",
                                on=dt.date(2026, 1, 1))
    report = PriorityReport(scores=score_criteria(criteria, load_weights()), sensitivity=None,
                            data_source="IMF DOTS example")
    html = TEMPLATES.env.get_template("priorities.html").render(
        **priorities_context(report, synthetic=False), request=None, user=None,
        home_country="VNM")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_content(html)
    page.add_style_tag(path=str(STATIC / "app.css"))
    page.add_script_tag(path=str(_plotly_js()))
    page.add_script_tag(path=str(STATIC / "charts.js"))
    page.wait_for_selector("div.chart[data-rendered=true]", timeout=30_000)
    width = page.evaluate("document.documentElement.scrollWidth")
    instruments = page.eval_on_selector_all("table.instrument", "nodes => nodes.length")
    page.screenshot(path=str(tmp_path / "priorities-390.png"), full_page=True)
    context.close()
    assert errors == []
    assert width <= 390
    assert instruments == 6
