"""The plan's timeline on a 390 px phone, drawn by Debian's chromium: every chosen initiative
has its own row and its whole name, inside the screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from haiquan.priorities import plan_cooperation
from haiquan.web.dashboard._render import chart_json
from haiquan.web.dashboard.assets import _plotly_js
from haiquan.web.dashboard.charts import timeline_chart
from tests.conftest import require_shared
from tests.priorities.conftest import VIETNAM_DOTS

pytestmark = pytest.mark.browser

CHARTS_JS = Path(__file__).parents[3] / "haiquan" / "web" / "static" / "charts.js"


def test_every_chosen_initiative_is_a_readable_row_on_a_phone(browser, tmp_path: Path) -> None:
    require_shared(VIETNAM_DOTS)
    plan = plan_cooperation(forecast="trend", analyse=False)
    chosen = sorted(plan.chosen, key=lambda c: (c.start_year, c.completion_year, c.name))
    figure = timeline_chart(
        [{"key": c.id, "label": c.name, "start": c.start_year, "end": c.completion_year,
          "kind": c.kind, "hover": ""} for c in chosen], title="Cooperation plan")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_content(
        '<html><body style="margin:8px"><div class="chart" id="timeline" '
        'data-figure="timeline-data" style="min-height:420px"></div>'
        '<script type="application/json" id="timeline-data">'
        + chart_json(figure) + "</script></body></html>")
    page.add_script_tag(path=str(_plotly_js()))
    page.add_script_tag(path=str(CHARTS_JS))
    page.wait_for_selector("div.chart[data-rendered=true]", timeout=30_000)
    names = page.eval_on_selector_all(
        "#timeline .annotation",
        "nodes => nodes.map(n => { const b = n.getBoundingClientRect();"
        " return {text: n.textContent, left: b.left, right: b.right}; })")
    bars = page.eval_on_selector_all("#timeline .bars .point", "nodes => nodes.length")
    page.screenshot(path=str(tmp_path / "plan-timeline-390.png"), full_page=True)
    context.close()
    assert errors == []
    # One row per chosen initiative (11 chosen used to show as 10 rows), each whole name shown.
    assert len(names) == len(chosen)
    shown = [t["text"].replace(" ", "") for t in names]
    for item in chosen:
        assert item.name.replace(" ", "") in shown, item.name
    assert all(t["left"] >= 0 and t["right"] <= 390 for t in names), names
    assert bars == len(chosen)
