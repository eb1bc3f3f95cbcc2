"""``/api/trade`` on a warehouse holding the generated demo trade (labelled synthetic)."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from haiquan.warehouse.queries import top_partners

from ..conftest import Account


def test_partners_match_the_warehouse_and_say_synthetic(
    synthetic_warehouse, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    viewer = make_account("viewer")
    body = http.get("/api/trade/partners", params={"n": 5}, headers=viewer.headers).json()
    expected = top_partners(n=5)
    assert body["synthetic"] is True
    assert [r["partner"] for r in body["rows"]] == expected["partner"].tolist()
    assert body["rows"][0]["total_usd"] == float(expected["total_usd"].iloc[0])


def test_series_has_mirror_figures(
    synthetic_warehouse, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    viewer = make_account("viewer")
    body = http.get("/api/trade/partners/kr/series", headers=viewer.headers).json()
    assert body["partner"] == "KOR"
    flows = {r["flow"] for r in body["rows"]}
    assert flows == {"export", "import"}
    assert all(r["mirror_usd"] is not None for r in body["rows"])


def test_indicators_and_forecast(
    synthetic_warehouse, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    viewer = make_account("viewer")
    indicators = http.get("/api/trade/indicators", headers=viewer.headers).json()
    china = next(r for r in indicators["rows"] if r["partner"] == "CHN")
    assert 0 < china["values"]["trade_share"] < 1
    forecast = http.get(
        "/api/trade/partners/CHN/forecast", params={"horizon": 3}, headers=viewer.headers
    ).json()
    assert forecast["synthetic"] is True
    assert sorted({r["period"] for r in forecast["rows"]}) == ["2021", "2022", "2023"]
    for row in forecast["rows"]:
        # Each interval brackets the forecast. (That the 80 % band always lies inside the 95 %
        # one is the forecast module's promise, not this API's: not asserted here.)
        assert row["lo_80"] <= row["yhat"] <= row["hi_80"]
        assert row["lo_95"] <= row["yhat"] <= row["hi_95"]


def test_unknown_partner_is_404(
    synthetic_warehouse, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    viewer = make_account("viewer")
    answer = http.get("/api/trade/partners/QQQ/series", headers=viewer.headers)
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "unknown_code"


def test_no_warehouse_is_a_clear_404(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    viewer = make_account("viewer")
    error = http.get("/api/trade/partners", headers=viewer.headers).json()["error"]
    assert error["status"] == 404 and "haiquan demo" in error["fix"]
