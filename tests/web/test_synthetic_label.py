"""A SYNTHETIC label survives from the loader to the CLI's JSON, the API and the dashboard.

The same generated rows are loaded once marked synthetic (source ``synthetic-demo``) and once
as if published (source ``imf-dots``): every output must say SYNTHETIC for the first and never
for the second, so a label lost anywhere on the way fails here.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from typer.testing import CliRunner

from haiquan.cli import app
from haiquan.settings import Settings

from .conftest import Account, login

BANNER = 'class="demo-banner"'


@pytest.fixture(params=[True, False], ids=["synthetic", "published"])
def loaded(request: pytest.FixtureRequest, isolated_settings: Settings) -> bool:
    """This test's warehouse holding the generated trade, labelled synthetic or not."""
    from haiquan.warehouse.loading import load_trade_frame
    from haiquan.warehouse.synthetic import generate_synthetic_trade

    synthetic = bool(request.param)
    rows = generate_synthetic_trade(first_year=2008, last_year=2020, seed=7)
    if not synthetic:
        rows = rows.assign(source="imf-dots")
    load_trade_frame(rows, label="trade", sha256="0" * 64, synthetic=synthetic)
    return synthetic


def test_the_label_reaches_cli_json_api_and_pages(
    loaded: bool, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    synthetic = loaded
    cli = CliRunner().invoke(
        app,
        ["priorities", "--json", "--forecast", "trend", "--sensitivity", "0"],
        catch_exceptions=False,
    )
    assert cli.exit_code == 0, cli.output
    document = json.loads(cli.stdout)
    assert ("SYNTHETIC" in document["data_source"]) is synthetic
    assert document["data_source"].startswith("warehouse ")

    viewer = make_account("viewer")
    partners = http.get("/api/trade/partners", params={"n": 5}, headers=viewer.headers)
    assert partners.status_code == 200, partners.text
    assert partners.json()["synthetic"] is synthetic
    series = http.get("/api/trade/partners/KOR/series", headers=viewer.headers)
    assert series.json()["synthetic"] is synthetic
    indicators = http.get("/api/trade/indicators", headers=viewer.headers)
    assert indicators.status_code == 200, indicators.text
    assert indicators.json()["synthetic"] is synthetic

    login(http, viewer)
    for page in ("/", "/partners/KOR"):
        answer = http.get(page)
        assert answer.status_code == 200, answer.text
        assert (BANNER in answer.text) is synthetic, page


def test_priority_scores_carry_a_typed_synthetic_field(
    loaded: bool, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    # A field a client reads, not a phrase inside data_source it would have to look for.
    viewer = make_account("viewer")
    scores = http.get("/api/priorities/scores", headers=viewer.headers)
    assert scores.status_code == 200, scores.text
    assert scores.json()["synthetic"] is loaded
