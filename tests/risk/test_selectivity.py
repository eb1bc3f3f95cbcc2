"""Channels at configured rates, seeded exploration, AEO benefits and partner alerts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from haiquan.declarations import generate_synthetic_declarations
from haiquan.risk.alerts import InMemoryAeoDirectory, PartnerAlert
from haiquan.risk.policy import load_selectivity_rules
from haiquan.risk.selectivity import (
    assign_levels,
    batch_too_small,
    route_declarations,
    selection_draw,
)

RULES = load_selectivity_rules(on=dt.date(2024, 6, 1))
REFERENCE = np.linspace(0, 1, 1001)


@pytest.fixture
def batch() -> tuple[pd.DataFrame, np.ndarray]:
    frame = generate_synthetic_declarations(2000, seed=31, start="2024-06-01", days=20)
    scores = np.random.default_rng(0).random(len(frame))
    return frame, scores


def test_batch_fills_the_risk_places_and_draws_at_the_set_rate(
    batch: tuple[pd.DataFrame, np.ndarray],
) -> None:
    frame, scores = batch
    routed = route_declarations(frame, scores, RULES, reference=REFERENCE)
    n = len(frame)
    share = RULES.exploration.share_of_red
    risk = routed["selection"].eq("risk")
    assert (risk & routed["channel"].eq("red")).sum() == round(RULES.channels.red * (1 - share) * n)
    # random draws take red places on top of the risk-ranked ones, some of them among them
    random_red = routed["selection"].eq("random")
    expected = RULES.channels.red * share * n
    assert abs(random_red.sum() - expected) < 4 * np.sqrt(expected)
    assert abs(routed["channel"].eq("red").mean() - RULES.channels.red) < 0.01
    yellow_places = round(RULES.channels.yellow * n)  # less those a random draw took to red
    assert yellow_places - random_red.sum() <= (risk & routed["channel"].eq("yellow")).sum()
    assert (risk & routed["channel"].eq("yellow")).sum() <= yellow_places
    # risk-selected reds are the highest scores
    risk_red = risk & routed["channel"].eq("red")
    yellow = routed["channel"].eq("yellow")
    assert scores[risk_red.to_numpy()].min() >= scores[yellow.to_numpy()].max()


def test_the_draw_is_fixed_per_declaration_whatever_else_is_in_the_batch(
    batch: tuple[pd.DataFrame, np.ndarray],
) -> None:
    frame, scores = batch
    whole = route_declarations(frame, scores, RULES, reference=REFERENCE)
    half = route_declarations(frame.iloc[::2], scores[::2], RULES, reference=REFERENCE)
    drawn = whole["selection"].eq("random").to_numpy()[::2]
    assert drawn.any()
    assert (half["selection"].eq("random").to_numpy() == drawn).all()
    reversed_ = route_declarations(frame.iloc[::-1], scores[::-1], RULES, reference=REFERENCE)
    assert (reversed_["selection"].to_numpy()[::-1] == whole["selection"].to_numpy()).all()
    ids = frame["declaration_id"].tolist()
    assert (selection_draw(ids, RULES) == selection_draw(ids[::-1], RULES)[::-1]).all()


def test_an_alert_moves_only_the_declarations_it_matches(
    batch: tuple[pd.DataFrame, np.ndarray],
) -> None:
    frame, scores = batch
    target = frame.iloc[5]
    alert = PartnerAlert(
        alert_id="KR-9", issuing_country="KOR", valid_from="2024-01-01", valid_to="2024-12-31",
        hs_prefix=str(target["hs_code"])[:6], origin_country=target["origin_country"],
        reason="undervalued",
    )
    before = route_declarations(frame, scores, RULES, reference=REFERENCE)
    after = route_declarations(frame, scores, RULES, reference=REFERENCE, alerts=[alert])
    matched = after["selection"].eq("alert")
    assert 0 < matched.sum() < 20
    moved = before["channel"].ne(after["channel"]) | before["selection"].ne(after["selection"])
    assert not (moved & ~matched).any()
    assert after.loc[matched, "level"].isin(["high", "very high"]).all()  # raised by the alert


def test_registering_an_aeo_moves_only_its_declarations(
    batch: tuple[pd.DataFrame, np.ndarray],
) -> None:
    frame, scores = batch
    importers = frame["importer"].value_counts().index[:2].tolist()
    aeo = InMemoryAeoDirectory(home=[(code, None, None) for code in importers])
    before = route_declarations(frame, scores, RULES, reference=REFERENCE)
    after = route_declarations(frame, scores, RULES, reference=REFERENCE, aeo=aeo)
    theirs = frame["importer"].isin(importers)
    moved = before["channel"].ne(after["channel"]) | before["selection"].ne(after["selection"])
    assert moved[theirs].any()
    assert not moved[~theirs].any()
    assert after.loc[theirs, "aeo"].eq("importer").all() and after.loc[~theirs, "aeo"].eq("").all()


def test_an_aeo_customs_broker_lowers_the_score_of_a_non_aeo_importer(
    batch: tuple[pd.DataFrame, np.ndarray],
) -> None:
    frame, scores = batch
    broker = frame["declarant"].value_counts().index[0]
    aeo = InMemoryAeoDirectory(home=[(broker, None, None)])
    routed = route_declarations(frame, scores, RULES, reference=REFERENCE, aeo=aeo)
    theirs = frame["declarant"].eq(broker) & ~frame["importer"].eq(broker)
    assert routed.loc[theirs, "aeo"].eq("declarant").all()
    assert routed.loc[theirs, "notes"].str.contains("AEO declarant").all()


def test_exploration_is_seeded(batch: tuple[pd.DataFrame, np.ndarray]) -> None:
    frame, scores = batch
    a = route_declarations(frame, scores, RULES, reference=REFERENCE)
    b = route_declarations(frame, scores, RULES, reference=REFERENCE)
    assert a["channel"].equals(b["channel"])
    other = RULES.model_copy(
        update={"exploration": RULES.exploration.model_copy(update={"seed": 99})}
    )
    c = route_declarations(frame, scores, other, reference=REFERENCE)
    assert not a["selection"].eq("random").equals(c["selection"].eq("random"))


def test_partner_alert_sends_matches_to_red(batch: tuple[pd.DataFrame, np.ndarray]) -> None:
    frame, _ = batch
    scores = np.zeros(len(frame))  # nothing risky by score
    alert = PartnerAlert(
        alert_id="KR-7",
        issuing_country="KOR",
        valid_from="2024-01-01",
        valid_to="2024-12-31",
        hs_prefix="61",
        origin_country="CHN",
        reason="undervalued garments",
    )
    routed = route_declarations(frame, scores, RULES, reference=REFERENCE, alerts=[alert])
    matches = frame["hs_code"].str.startswith("61") & frame["origin_country"].eq("CHN")
    assert matches.any()
    assert routed.loc[matches, "channel"].eq("red").all()
    assert routed.loc[matches, "notes"].str.contains("KR-7").all()
    expired = alert.model_copy(update={"valid_to": dt.date(2024, 1, 31)})
    routed = route_declarations(frame, scores, RULES, reference=REFERENCE, alerts=[expired])
    assert not routed["selection"].eq("alert").any()


def test_aeo_lowers_the_chance_of_inspection(batch: tuple[pd.DataFrame, np.ndarray]) -> None:
    frame, scores = batch
    top = frame["importer"].value_counts().index[0]
    aeo = InMemoryAeoDirectory(home=[(top, None, None)])
    plain = route_declarations(frame, scores, RULES, reference=REFERENCE)
    benefit = route_declarations(frame, scores, RULES, reference=REFERENCE, aeo=aeo)
    mine = frame["importer"].eq(top)
    assert benefit.loc[mine, "channel"].eq("red").sum() < plain.loc[mine, "channel"].eq("red").sum()
    assert benefit.loc[mine, "notes"].str.contains("AEO importer").all()


def test_stream_mode_holds_rates_on_average(batch: tuple[pd.DataFrame, np.ndarray]) -> None:
    frame, scores = batch
    routed = route_declarations(frame, scores, RULES, reference=REFERENCE, mode="stream")
    share = routed["channel"].value_counts(normalize=True)
    assert abs(share["red"] - RULES.channels.red) < 0.02
    assert abs(share["yellow"] - RULES.channels.yellow) < 0.025
    one = route_declarations(
        frame.iloc[[7]], scores[[7]], RULES, reference=REFERENCE, mode="stream"
    )
    assert one["channel"].iloc[0] == routed["channel"].iloc[7]  # same answer alone or in bulk


def test_levels_follow_percentiles() -> None:
    levels = assign_levels(np.array([0.0, 0.86, 0.951, 0.99]), RULES)
    assert levels.tolist() == ["low", "medium", "high", "very high"]


def test_a_batch_too_small_for_the_rates_still_inspects_its_riskiest(
    batch: tuple[pd.DataFrame, np.ndarray],
) -> None:
    # 10 declarations at 5 % red: counted on the batch, 0.5 rounds to no red place at all,
    # and a declaration scoring above every reference score would go green.
    frame, scores = batch
    few = frame.iloc[:10]
    risky = scores[:10].copy()
    risky[3] = 0.999
    assert batch_too_small(10, RULES) and not batch_too_small(20, RULES)
    routed = route_declarations(few, risky, RULES, reference=REFERENCE)
    assert routed["channel"].iloc[3] == "red"
    alone = route_declarations(few, risky, RULES, reference=REFERENCE, mode="stream")
    assert routed["channel"].tolist() == alone["channel"].tolist()
