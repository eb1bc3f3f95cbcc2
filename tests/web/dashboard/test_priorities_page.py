"""The priorities page shows each instrument's money at stake, then the overall view."""

from __future__ import annotations

import datetime as dt

from haiquan.priorities import load_weights, partner_criteria, score_criteria
from haiquan.priorities.service import PriorityReport
from haiquan.web.dashboard._render import TEMPLATES
from haiquan.web.dashboard.priority_views import priorities_context
from tests.priorities.conftest import make_flows


def _report() -> PriorityReport:
    rows = []
    for partner, level in {"KOR": 1000.0, "JPN": 400.0, "THA": 100.0, "USA": 800.0}.items():
        for year in range(2011, 2021):
            rows.append(("VNM", partner, "export", str(year), level))
            rows.append(("VNM", partner, "import", str(year), level))
            rows.append((partner, "VNM", "import", str(year), level * 1.2))
    criteria = partner_criteria(make_flows(rows), home="VNM", min_share=0.0,
                                on=dt.date(2026, 1, 1), forecast="trend")
    return PriorityReport(scores=score_criteria(criteria, load_weights()), sensitivity=None,
                          data_source="file test.csv")


def test_the_page_context_follows_the_instruments_and_says_how_they_combine() -> None:
    context = priorities_context(_report(), synthetic=False)
    labels = [i["label"] for i in context["instruments"]]
    assert labels[:2] == ["e-C/O exchange", "AEO mutual recognition"]
    eco = context["instruments"][0]
    # Korea exchanges e-C/Os with Vietnam already; the USA has no FTA with it.
    assert [r["partner"] for r in eco["rows"]] == ["JPN"]
    assert "FTA in force" in eco["rows"][0]["driver"]
    assert "weights" in context["combination"] and "log10" in context["statistic"]
    assert [r["rank"] for r in context["rows"]] == [1, 2, 3, 4]
    html = TEMPLATES.env.get_template("priorities.html").render(
        **context, request=None, user=None, home_country="VNM")
    assert "By instrument: money at stake" in html and 'data-instrument="aeo_mra"' in html


def test_the_plan_page_shows_ranges_robustness_and_what_already_exists() -> None:
    from haiquan.priorities import plan_cooperation
    from tests.conftest import require_shared
    from tests.priorities.conftest import VIETNAM_DOTS

    require_shared(VIETNAM_DOTS)
    plan = plan_cooperation(forecast="trend", first_year=2027)
    html = TEMPLATES.env.get_template("plan.html").render(
        plan=plan, chosen=plan.chosen, binding=[], assumption_groups=[], what_if_entered=[],
        charts={"timeline": "{}", "staff": "{}", "budget": "{}"}, synthetic=False,
        request=None, user=None, home_country="VNM")
    assert 'id="robustness"' in html and "chosen at both ends" in html
    assert 'id="reference-checks"' in html and "aeo-mra-tha</strong> — excluded" in html
    first = plan.chosen[0]
    assert (f"{first.benefit_low_usd / 1e6:,.0f}–{first.benefit_high_usd / 1e6:,.0f}"
            in html)
