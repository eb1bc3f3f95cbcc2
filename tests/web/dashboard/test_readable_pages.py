"""What a person reads on the pages: names instead of ids, demo labels, table headers."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pandas as pd
import pytest

from ..conftest import Account, login

BANNER = "Demo data (synthetic)"


def _table(html: str, table_id: str) -> str:
    start = html.index(f'<table id="{table_id}"')
    return html[start : html.index("</table>", start)]


def test_priorities_and_plan_built_on_synthetic_trade_say_so(
    synthetic_warehouse, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    for path in ("/priorities", "/plan"):
        page = http.get(path, timeout=180)
        assert page.status_code == 200, path
        assert BANNER in page.text, path


def test_priorities_follow_a_load_into_the_warehouse(
    isolated_settings, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    """Scores first computed from the shared example are not kept once trade is loaded."""
    from haiquan.warehouse.loading import load_trade_frame
    from haiquan.warehouse.synthetic import generate_synthetic_trade

    login(http, make_account("viewer"))
    before = http.get("/priorities", timeout=180)
    assert before.status_code == 200 and BANNER not in before.text
    rows = generate_synthetic_trade(first_year=2008, last_year=2020, seed=7)
    load_trade_frame(rows, label="synthetic demo", sha256="0" * 64, synthetic=True)
    after = http.get("/priorities", timeout=180)
    assert after.status_code == 200 and BANNER in after.text


def test_partner_indicators_have_row_and_column_headers(
    synthetic_warehouse, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    page = http.get("/partners/CHN", timeout=180)
    assert page.status_code == 200
    table = _table(page.text, "indicators")
    assert "<thead>" in table and '<th scope="col">Indicator</th>' in table
    assert table.count('<th scope="row">') >= 5


def test_commitment_deadlines_name_the_catalogue_not_its_id(
    isolated_settings, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    page = http.get("/commitments", timeout=180)
    assert page.status_code == 200
    table = _table(page.text, "deadlines")
    cells = re.findall(r"<tr><td>([^<]*)</td>", table)
    assert cells, "no deadline rows"
    assert not [c for c in cells if re.fullmatch(r"[a-z0-9_]+", c)], cells
    assert '<td class="nowrap">20' in table  # due dates do not break at their hyphens


def test_aeo_arrangements_are_named(
    isolated_settings, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    page = http.get("/aeo")
    assert page.status_code == 200
    table = _table(page.text, "partners")
    assert "Vietnam-Korea Mutual Recognition Arrangement on AEO programmes" in table
    assert ">VN_KOR_AEO_MRA<" not in table and 'title="VN_KOR_AEO_MRA"' in table


def test_plan_years_of_a_one_year_initiative_are_one_year(
    isolated_settings, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    page = http.get("/plan", timeout=180)
    assert page.status_code == 200
    table = _table(page.text, "initiatives")
    assert not re.search(r">(\d{4})–\1<", table)
    assert '<td class="num nowrap">' in table
    # the headline figure is grouped like the tables and the CLI (7,807, not 7807)
    headline = re.search(r"([\d,]+) M USD", page.text)
    assert headline is not None and float(headline.group(1).replace(",", "")) >= 1000
    assert "," in headline.group(1)


def test_overview_names_partners_as_the_other_pages_do() -> None:
    from haiquan.web.dashboard.overview import _name

    assert _name("CHN", "China, P.R.: Mainland") == "China"
    assert _name("KOR", "Korea, Rep. of") == "South Korea"
    # A code without an ISO entry keeps the source's name, or shows the code.
    assert _name("QQQ", "Somewhere") == "Somewhere" and _name("QQQ", None) == "QQQ"


def test_long_group_names_are_cut_at_a_word_and_shown_whole_on_hover(isolated_settings) -> None:
    import json

    from haiquan.web.dashboard import commitments

    charts = commitments.page_context()["charts"]
    bars = json.loads(charts["groups-wto_tfa"])["data"][0]
    cut = [label for label in bars["y"] if label.endswith("…")]
    assert cut, bars["y"]  # the TFA has group titles longer than the axis allows
    for label, full in zip(bars["y"], bars["customdata"], strict=True):
        assert full.startswith(label.rstrip("…"))
        if label.endswith("…"):
            assert full[len(label) - 1] in " ,", (label, full)  # no word cut in half
    assert "%{customdata}" in bars["hovertemplate"]


def test_small_counts_get_whole_number_ticks() -> None:
    from haiquan.web.dashboard.charts import grouped_bars, stacked_bars

    daily = grouped_bars(["2026-11-25"], {"messages": [2]}, title="t", value_label="messages")
    assert daily["layout"]["yaxis"]["dtick"] == 1
    by_partner = stacked_bars(["THA"], {"pending": [2], "failed": [0]}, title="t",
                              value_label="messages")
    assert by_partner["layout"]["xaxis"]["dtick"] == 1
    # Money and points keep Plotly's own ticks.
    money = grouped_bars([2027], {"budget": [595000.0]}, title="t", value_label="USD")
    assert "dtick" not in money["layout"]["yaxis"]


def test_small_partner_is_drawn_in_thousands_not_as_a_flat_zero(
    isolated_settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fiji's trade with Vietnam is thousands of USD: in billions it drew as empty axes."""
    import json

    from haiquan.web.dashboard import partner

    history = pd.DataFrame(
        {"period": ["2019", "2020", "2019", "2020"],
         "flow": ["export", "export", "import", "import"],
         "value_usd": [float("nan"), 270_000.0, 12_000.0, float("nan")],
         "mirror_usd": [250_000.0, 300_000.0, float("nan"), 9_000.0]}
    )
    indicators = pd.DataFrame([{"partner": "FJI", "year": 2020, "total_trade": 282_000.0}])
    monkeypatch.setattr(partner, "partner_history", lambda code: history)
    from haiquan.refresh import IndicatorTable
    from haiquan.web.dashboard.trade import PartnerForecast

    monkeypatch.setattr(partner, "partner_forecast", lambda code: PartnerForecast(
        pd.DataFrame(), run="no run", run_id=None, synthetic=False))
    monkeypatch.setattr(partner, "indicators", lambda: IndicatorTable(indicators, False))
    context = partner.page_context("FJI")
    figure = json.loads(context["charts"]["history"])
    assert figure["layout"]["yaxis"]["title"]["text"] == "thousand USD"
    assert max(v for t in figure["data"] for v in t["y"] if v is not None) == 300.0
    assert dict(context["facts"])["Total trade"] == "282.00 k USD"


def test_home_country_page_points_to_the_overview(
    synthetic_warehouse, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    for code in ("VNM", "vn", "704"):
        page = http.get(f"/partners/{code}", headers={"Accept": "text/html"})
        assert page.status_code == 400, code
        assert "VNM is the home country" in page.text and "VNM and VNM" not in page.text


def test_a_gateway_without_messages_says_so_instead_of_empty_charts(
    isolated_settings, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    """A new node drew two empty charts with axes from -1 to 4, titled "newest 0"."""
    from haiquan.exchange import GatewayNode
    from haiquan.exchange.node import default_gateway_home

    node = GatewayNode.init(default_gateway_home(), country="VNM", endpoint="https://gw.example")
    try:
        login(http, make_account("viewer"))
        page = http.get("/gateway")
    finally:
        node.close()
    assert page.status_code == 200
    assert 'class="chart"' not in page.text and "newest 0" not in page.text
    assert "No messages sent or received yet" in page.text
    assert "haiquan gateway send" in page.text
