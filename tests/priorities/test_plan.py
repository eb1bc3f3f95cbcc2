"""Plans from catalogues: the benefit model, the reported figures, and infeasibility explained."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haiquan.errors import InfeasibleError, InputError
from haiquan.priorities import parse_catalogue
from haiquan.priorities.plan import Plan, PlanLimits, build_problem, optimise_plan
from tests.priorities.conftest import (
    assumed,
    catalogue_dict,
    hard_catalogue,
    initiative,
    trade_table,
)

YEARS = [2021, 2022, 2023]


def limits(staff: float | list[float] = 100, budget: float | list[float] = 1e6,
           years: int = 3) -> PlanLimits:
    return PlanLimits(first_year=2021, years=years, staff_months_per_year=staff,
                      budget_usd_per_year=budget)


@settings(max_examples=30, deadline=None)
@given(
    duration=st.integers(1, 3),
    share=st.floats(0, 1),
    size=st.floats(0, 0.2),
    rate=st.floats(0, 0.3),
    growth=st.floats(-0.1, 0.3),
)
def test_benefit_is_discounted_trade_times_saving_after_completion(
    duration: int, share: float, size: float, rate: float, growth: float
) -> None:
    item = initiative("a", duration_years=assumed(duration),
                      benefit={"flow": "total", "share_affected": assumed(share),
                               "effect": "trade_cost", "size": assumed(size)})
    catalogue = parse_catalogue(catalogue_dict(item, discount_rate=assumed(rate)))
    trade = trade_table({"KOR": 1e9}, YEARS, growth)
    problem, _ = build_problem(catalogue, limits(), trade)
    for s in range(len(YEARS)):
        expected = sum(1e9 * (1 + growth) ** t * share * size / (1 + rate) ** t
                       for t in range(s + duration, len(YEARS)))
        fits = s + duration <= len(YEARS)
        assert problem.allowed[0, s] == (fits and expected > 0)
        if fits:
            assert problem.benefit[0, s] == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_clearance_days_use_the_value_of_a_day_and_the_chosen_flow() -> None:
    item = initiative("a", benefit={
        "flow": "export", "share_affected": assumed(0.5), "effect": "clearance_days",
        "size": assumed(2.0), "value_per_day": assumed(0.006)})
    catalogue = parse_catalogue(catalogue_dict(item))
    trade = trade_table({"KOR": 4e9}, YEARS)  # exports are half: 2e9 a year
    problem, _ = build_problem(catalogue, limits(), trade)
    assert problem.benefit[0, 0] == pytest.approx(2 * 2e9 * 0.5 * 2.0 * 0.006)


def test_home_is_left_out_of_group_partners_and_missing_trade_is_warned() -> None:
    item = initiative("a", partners=["ASEAN"])
    catalogue = parse_catalogue(catalogue_dict(item))
    trade = trade_table({"THA": 1e9, "VNM": 5e9}, YEARS)
    problem, warnings = build_problem(catalogue, limits(), trade)
    assert problem.benefit[0, 0] == pytest.approx(2 * 1e9 * 0.1 * 0.01)
    assert warnings and "SGP" in warnings[0] and "VNM" not in warnings[0]


def test_an_initiative_without_partner_trade_is_said_to_pay_nothing() -> None:
    # It fits in time: blaming its duration (as before) sent the planner to the wrong field.
    catalogue = _two(1, 1, b={"earliest_start": 2030})
    problem, warnings = build_problem(catalogue, limits(), trade_table({"JPN": 1e9}, YEARS))
    about_a = [w for w in warnings if w.startswith("a:")]
    assert any("no trade forecast for KOR" in w for w in about_a)
    assert any("would pay nothing within 2021–2023" in w for w in about_a)
    assert not any("duration" in w for w in about_a)
    assert "b: cannot start and finish within 2021–2023 (duration 1 year, earliest start " \
        "2030)" in warnings


def _two(staff_a: float, staff_b: float, **more: Any) -> Any:
    return parse_catalogue(catalogue_dict(
        initiative("a", staff_months_per_year=assumed(staff_a), **more.get("a", {})),
        initiative("b", partners=["JPN"], staff_months_per_year=assumed(staff_b),
                   **more.get("b", {})),
    ))


def test_plan_reports_usage_binding_and_the_value_of_one_more_staff_month() -> None:
    # Two years: one-year initiatives pay off only when started in 2021.
    catalogue = _two(5, 5)
    trade = trade_table({"KOR": 2e9, "JPN": 1e9}, YEARS[:2])
    plan = optimise_plan(catalogue, limits(staff=9, years=2), trade)
    assert [c.id for c in plan.chosen] == ["a"]
    assert plan.chosen[0].start_year == 2021
    assert plan.usage[0].staff_months_used == 5
    problem, _ = build_problem(catalogue, limits(staff=9, years=2), trade)
    by_year = {s.year: s for s in plan.shadow_staff_month}
    # With 10 staff-months in 2021 both start then; b adds its whole benefit.
    assert by_year[2021].resolve_gain_usd == pytest.approx(problem.benefit[1, 0])
    assert by_year[2022].resolve_gain_usd == 0
    assert any(b.kind == "staff" and b.year == 2021 for b in plan.binding)
    assert plan.status == "optimal" and plan.mip_gap <= 1e-4


def test_binding_budgets_read_in_whole_dollars_and_staff_in_tenths() -> None:
    catalogue = _two(5, 5)
    trade = trade_table({"KOR": 2e9, "JPN": 1e9}, YEARS[:2])
    plan = optimise_plan(catalogue, limits(staff=9, years=2, budget=12_500), trade,
                         analyse=False)
    staff = next(b for b in plan.binding if b.kind == "staff" and b.year == 2021)
    assert "5.0 of 9.0 staff-months used" in staff.description
    budget = [b.description for b in plan.binding if b.kind == "budget"]
    assert budget and all(".0 " not in text and ".0)" not in text for text in budget), budget


def test_budget_plus_ten_percent_shows_what_enters() -> None:
    catalogue = parse_catalogue(catalogue_dict(
        initiative("a", budget_usd_per_year=assumed(60_000)),
        initiative("b", partners=["JPN"], budget_usd_per_year=assumed(45_000)),
    ))
    plan = optimise_plan(catalogue, limits(budget=[100_000, 100_000], years=2),
                         trade_table({"KOR": 2e9, "JPN": 1e9}, YEARS[:2]))
    assert [c.id for c in plan.chosen] == ["a"]
    assert plan.budget_plus_10 is not None
    assert plan.budget_plus_10.entered == ["b"]
    assert plan.budget_plus_10.gain_usd > 0


def test_an_exclusion_that_bites_is_reported() -> None:
    catalogue = _two(1, 1, a={"excludes": ["b"]})
    plan = optimise_plan(catalogue, limits(), trade_table({"KOR": 2e9, "JPN": 1e9}, YEARS))
    assert [c.id for c in plan.chosen] == ["a"]
    assert any(b.kind == "exclusion" and "rules out b" in b.description for b in plan.binding)


def test_starts_that_pay_nothing_are_not_offered() -> None:
    catalogue = _two(1, 1, b={"prerequisites": ["a"]})
    problem, _ = build_problem(catalogue, limits(), trade_table({"KOR": 1e9, "JPN": 1e9}, YEARS))
    # a's last start pays nothing but b needs it, so it stays; b's last start is dropped.
    assert problem.allowed[0].tolist() == [True, True, True]
    assert problem.allowed[1].tolist() == [True, True, False]


def test_running_costs_continue_after_completion() -> None:
    item = initiative("a", duration_years=assumed(1), staff_months_per_year=assumed(6),
                      running_staff_months_per_year=assumed(2))
    plan = optimise_plan(parse_catalogue(catalogue_dict(item)), limits(),
                         trade_table({"KOR": 1e9}, YEARS), analyse=False)
    assert [u.staff_months_used for u in plan.usage] == [6, 2, 2]


def test_plan_survives_a_json_round_trip() -> None:
    plan = optimise_plan(_two(5, 5), limits(staff=9), trade_table({"KOR": 2e9, "JPN": 1e9}, YEARS))
    assert Plan.model_validate_json(plan.model_dump_json()) == plan


@pytest.mark.parametrize("value", [float("nan"), float("inf"), [1.0, float("nan"), 1.0]])
def test_limits_must_be_finite(value: float | list[float]) -> None:
    # NaN slipped past `< 0`; an infinite budget was then reported "fully used" as binding.
    with pytest.raises(ValueError, match="finite number"):
        limits(budget=value)
    with pytest.raises(ValueError, match="finite number"):
        limits(staff=value)


def test_a_time_limited_plan_says_it_may_not_be_optimal() -> None:
    catalogue, table, plan_limits = hard_catalogue()
    plan = optimise_plan(catalogue, plan_limits, table, time_limit=0.5, analyse=False)
    assert plan.status == "time_limit"
    assert "time limit" in plan.warnings[0] and "may exist" in plan.warnings[0]


def test_no_plan_within_the_time_limit_is_not_called_a_solver_failure() -> None:
    catalogue, table, plan_limits = hard_catalogue()
    with pytest.raises(InfeasibleError) as caught:
        optimise_plan(catalogue, plan_limits, table, time_limit=1e-9, analyse=False)
    text = str(caught.value)
    assert "no plan found within the time limit" in text and "allow more time" in text
    assert "report this" not in text


def test_limits_per_year_must_match_the_plan_length() -> None:
    with pytest.raises(InputError, match="2 yearly values for a 3-year plan"):
        limits(staff=[1, 2]).staff()


INFEASIBLE: dict[str, tuple[Callable[[], Any], dict[str, Any], list[str], str]] = {
    "too much staff": (
        lambda: _two(50, 1, a={"required": True}), {"staff": 10}, ["a"], "staff"),
    "too much budget": (
        lambda: _two(1, 1, a={"required": True, "budget_usd_per_year": assumed(5e5)}),
        {"budget": 1e5}, ["a"], "budget"),
    "required pair excluded": (
        lambda: _two(1, 1, a={"required": True, "excludes": ["b"]}, b={"required": True}),
        {}, ["a", "b"], "exclude each other"),
    "longer than the plan": (
        lambda: _two(1, 1, a={"required": True, "duration_years": assumed(5)}),
        {}, ["a"], "cannot start and finish"),
    "prerequisite too late": (
        lambda: _two(1, 1, a={"duration_years": assumed(3)},
                     b={"required": True, "prerequisites": ["a"]}),
        {}, ["b"], "even with unlimited resources"),
}


@pytest.mark.parametrize("case", sorted(INFEASIBLE))
def test_infeasible_plans_name_the_entries_and_the_constraint(case: str) -> None:
    build, limit_args, names, words = INFEASIBLE[case]
    with pytest.raises(InfeasibleError) as caught:
        optimise_plan(build(), limits(**limit_args), trade_table({"KOR": 1e9, "JPN": 1e9}, YEARS))
    text = str(caught.value)
    assert words in text
    for name in names:
        assert repr(name) in text or name in caught.value.details.get("initiatives", [])
    assert caught.value.fix


def test_only_the_conflicting_required_initiatives_are_blamed() -> None:
    # 7 + 7 staff-months cannot fit in 12, while either with the 1-month one can.
    catalogue = parse_catalogue(catalogue_dict(
        initiative("big1", required=True, staff_months_per_year=assumed(7)),
        initiative("big2", required=True, staff_months_per_year=assumed(7)),
        initiative("small", required=True, staff_months_per_year=assumed(1)),
        initiative("optional", partners=["JPN"]),
    ))
    with pytest.raises(InfeasibleError) as caught:
        optimise_plan(catalogue, limits(staff=[12], years=1), trade_table({"KOR": 1e9}, [2021]))
    assert caught.value.details == {"initiatives": ["big1", "big2"], "constraint": "staff"}
    assert "big1 7 staff-months" in str(caught.value)
