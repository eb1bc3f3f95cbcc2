"""The plan knows what exists: signed arrangements become implementation, duplicates go."""

from __future__ import annotations

import datetime as dt

from haiquan.priorities import PlanLimits, load_catalogue, optimise_plan, parse_catalogue
from haiquan.priorities.present import check_against_reference
from tests.priorities.conftest import assumed, catalogue_dict, initiative, trade_table


def test_the_example_catalogue_is_checked_against_agreements_and_commitments() -> None:
    checked, checks = check_against_reference(load_catalogue(), dt.date(2026, 12, 7))
    by_id = {c.id: c for c in checks}
    # Vietnam and Korea signed their MRA on 2024-12-26: implementation, not negotiation.
    assert by_id["aeo-mra-kor"].action == "implementation"
    assert "2024-12-26" in by_id["aeo-mra-kor"].reason
    names = {i.id: i.name for i in checked.initiatives}
    assert names["aeo-mra-kor"].startswith("Implement the Vietnam-Korea")
    # Its `once_signed` figures replace the negotiation's: implementation alone.
    korea = checked.by_id()["aeo-mra-kor"]
    assert (korea.duration, korea.staff_months_per_year.value) == (1, 8)
    # The bilateral Thai MRA would duplicate the ASEAN one both signed: excluded, with why.
    assert by_id["aeo-mra-tha"].action == "excluded" and "AAMRA" in by_id["aeo-mra-tha"].reason
    assert "aeo-mra-tha" not in names
    # The AAMRA is overdue in the commitments catalogue, so its implementation is required.
    asean = next(i for i in checked.initiatives if i.id == "aeo-mra-asean")
    assert asean.required and "due on 2024-09-30" in by_id["aeo-mra-asean"].reason


def test_an_arrangement_already_applied_is_excluded() -> None:
    # Vietnam and Korea exchange e-C/Os through EODES since 2023-07-01.
    data = catalogue_dict(initiative("eco-kor", kind="eco_exchange", partners=["KOR"]),
                          initiative("b", partners=["JPN"]))
    checked, checks = check_against_reference(parse_catalogue(data), dt.date(2024, 1, 1))
    assert [c.action for c in checks] == ["excluded"] and "VN_KOR_EODES" in checks[0].reason
    assert [i.id for i in checked.initiatives] == ["b"]


def test_the_plan_reports_benefit_ranges_and_how_its_choice_holds() -> None:
    data = catalogue_dict(
        initiative("a", benefit={"flow": "total", "share_affected": assumed(0.1),
                                 "effect": "trade_cost", "size": assumed(0.01)}),
        initiative("b", partners=["JPN"], benefit={
            "flow": "total", "share_affected": {"value": 0.1, "source": "a study",
                                                "low": 0.05, "high": 0.2},
            "effect": "trade_cost", "size": {"value": 0.01, "source": "a study"}}),
        assumption_range=assumed(0.5))
    years = [2027 + t for t in range(3)]
    plan = optimise_plan(parse_catalogue(data),
                         PlanLimits(first_year=2027, years=3, staff_months_per_year=100,
                                    budget_usd_per_year=1e6),
                         trade_table({"KOR": 1e9, "JPN": 1e9}, years))
    chosen = {c.id: c for c in plan.chosen}
    # a: both figures assumed, ±50 % each; b: the source's own range, size exact.
    assert chosen["a"].benefit_low_usd == chosen["a"].benefit_usd * 0.25
    assert chosen["a"].benefit_high_usd == chosen["a"].benefit_usd * 2.25
    assert chosen["b"].benefit_low_usd == chosen["b"].benefit_usd * 0.5
    assert plan.robustness is not None and plan.robustness.chosen_in_all == ["a", "b"]
    assert plan.robustness.objective_low_usd < plan.objective_usd < (
        plan.robustness.objective_high_usd)


def test_the_robustness_names_the_end_at_which_an_initiative_leaves_or_enters() -> None:
    # a and b exclude each other; a is worth more at the central values, but its figures are
    # assumed (±50 % each) and b's are sourced: at the low end b replaces a, at the high end
    # a stays. a is left out at the low end only, b added there, each named once.
    data = catalogue_dict(
        initiative("a", excludes=["b"]),
        initiative("b", benefit={"flow": "total",
                                 "share_affected": {"value": 0.1, "source": "a study"},
                                 "effect": "trade_cost",
                                 "size": {"value": 0.008, "source": "a study"}}),
        assumption_range=assumed(0.5))
    years = [2027 + t for t in range(3)]
    plan = optimise_plan(parse_catalogue(data),
                         PlanLimits(first_year=2027, years=3, staff_months_per_year=100,
                                    budget_usd_per_year=1e6),
                         trade_table({"KOR": 1e9}, years))
    r = plan.robustness
    assert r is not None and [c.id for c in plan.chosen] == ["a"]
    assert (r.dropped_low, r.dropped_high, r.added_low, r.added_high) == (["a"], [], ["b"], [])
    text = r.summary(len(plan.chosen))
    assert text == ("0 of 1 chosen at both ends as in the central plan; "
                    "left out at the low end: a; added at the low end: b")


def test_the_example_plan_implements_what_is_signed_and_starts_the_overdue_commitment() -> None:
    from haiquan.priorities import plan_cooperation
    from tests.conftest import require_shared
    from tests.priorities.conftest import VIETNAM_DOTS

    require_shared(VIETNAM_DOTS)
    plan = plan_cooperation(forecast="trend", analyse=False, first_year=2027)
    chosen = {c.id: c for c in plan.chosen}
    assert "aeo-mra-tha" not in chosen and "aeo-mra-tha" not in plan.not_chosen
    assert chosen["aeo-mra-kor"].name.startswith("Implement")
    # Overdue since 2024: started as soon as its prerequisite (one year) is done.
    asean = chosen["aeo-mra-asean"]
    assert asean.required and asean.start_year == 2028
    # The reason says when, not "from the plan's first year" (2027) beside a 2028 bar.
    reason = next(c.reason for c in plan.reference_checks if c.id == "aeo-mra-asean")
    assert "as soon as its prerequisites allow (in 2028 at the latest)" in reason
    assert "first year" not in reason
    assert {c.id for c in plan.reference_checks} == {"aeo-mra-kor", "aeo-mra-asean",
                                                       "aeo-mra-tha"}
    for item in plan.chosen:
        assert item.benefit_low_usd <= item.benefit_usd <= item.benefit_high_usd
