"""The dashboard's risk queue applies the partner alerts `haiquan alerts pull` keeps, and shows
the demo banner when the model was trained on synthetic declarations."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from haiquan.risk.partner_alerts import default_alerts_file
from haiquan.settings import Settings
from haiquan.warehouse.queries import recent_declarations
from haiquan.web.dashboard.risk import page_context, risk_queue

from ..conftest import Account, login


def test_risk_queue_applies_the_kept_alerts(risk_warehouse: Settings) -> None:
    table, facts = risk_queue()
    assert facts["alerts"] == 0 and facts["alert_matches"] == 0
    assert facts["model_synthetic"] is True  # the fixture trains on generated declarations
    assert page_context()["synthetic"] is True
    hs4 = str(recent_declarations(1000).rows["hs_code"].iloc[-1])[:4]
    kept = default_alerts_file()
    kept.parent.mkdir(parents=True)
    kept.write_text(
        f"- alert_id: TH-3\n  issuing_country: THA\n  valid_from: 2024-01-01\n"
        f"  valid_to: 2024-12-31\n  hs_prefix: '{hs4}'\n  reason: test\n"
        f"- alert_id: TH-1\n  issuing_country: THA\n  valid_from: 2020-01-01\n"
        f"  valid_to: 2020-12-31\n  hs_prefix: '{hs4}'\n  reason: long over\n",
        encoding="utf-8",
    )
    table, facts = risk_queue()  # the file is part of the cache key: scored again
    matched = table["hs_code"].astype(str).str.startswith(hs4)
    assert facts["alerts"] == 1 and facts["alerts_kept"] == 2
    assert facts["alert_matches"] == int(matched.sum()) > 0
    assert (table.loc[matched, "selection"] == "alert").all()
    assert (table.loc[matched, "channel"] == "red").all()


def test_a_damaged_alerts_file_empties_the_queue_with_the_fix(risk_warehouse: Settings) -> None:
    kept = default_alerts_file()
    kept.parent.mkdir(parents=True)
    kept.write_text("- alert_id: [\n", encoding="utf-8")
    context = page_context()
    assert str(kept) in context["empty"] and "alerts pull" in context["fix"]


def test_the_page_says_how_many_alerts_were_applied(
    risk_warehouse: Settings, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    before = http.get("/risk").text
    assert "none kept" in " ".join(before[before.index('id="alerts"') :].split())
    kept = default_alerts_file()
    kept.parent.mkdir(parents=True)
    hs4 = str(recent_declarations(1000).rows["hs_code"].iloc[-1])[:4]
    kept.write_text(
        "- alert_id: TH-1\n  issuing_country: THA\n  valid_from: 2020-01-01\n"
        f"  valid_to: 2030-12-31\n  hs_prefix: '{hs4}'\n  reason: undervaluation\n",
        encoding="utf-8",
    )
    after = http.get("/risk").text
    line = after[after.index('id="alerts"') : after.index("</p>", after.index('id="alerts"'))]
    assert "1 in force of 1 kept" in " ".join(line.split())


def test_risk_queue_is_kept_while_the_refresh_writes_other_results(
    risk_warehouse: Settings,
) -> None:
    """The queue follows the declaration loads, not the warehouse file's time: a stored result
    written meanwhile (the refresh writes them all the time) does not make the page score the
    declarations again; a new declarations load does."""
    import os

    from haiquan.declarations import generate_synthetic_declarations
    from haiquan.warehouse.loading import store_declarations_frame
    from haiquan.warehouse.results import save_result
    from haiquan.web._cache import warehouse_stamp

    first = risk_queue()
    before = warehouse_stamp()
    save_result("priorities.scores", "VNM", "another-version", {"scores": [1]}, seconds=1.0)
    if warehouse_stamp() == before:  # coarse clocks: the file's time must move for the test
        later = before[0] + 1
        os.utime(risk_warehouse.warehouse_file, (later, later))
    assert warehouse_stamp() != before
    assert risk_queue() is first
    newer = generate_synthetic_declarations(50, seed=13, start="2024-09-01", days=5)
    store_declarations_frame(newer, label="newer declarations", sha256="2" * 64, synthetic=True)
    second = risk_queue()
    assert second is not first and second[0]["date"].max() > first[0]["date"].max()
