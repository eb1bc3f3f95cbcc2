"""Choose and schedule cooperation initiatives that fit yearly staff and budget limits.

:func:`optimise_plan` turns a validated :class:`~haiquan.priorities.catalogue.Catalogue`, yearly
limits and the partners' forecast trade into a :class:`Plan`: the optimal set of initiatives with
start and completion years, the staff and budget each year uses, which constraints bind, what one
more staff-month is worth, and what a 10 % larger budget would add.

Benefits are counted inside the plan horizon only, discounted to the first plan year: an
initiative contributes from the year after it is complete, so long projects started late are worth
less — the plan favours what can pay off within the period the administration plans for.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from haiquan.errors import InfeasibleError, InputError
from haiquan.priorities.catalogue import Catalogue
from haiquan.priorities.model import PlanProblem, Solution, solve
from haiquan.priorities.plan_results import (
    BindingConstraint,
    ChosenInitiative,
    Plan,
    PlanLimits,
    ReferenceCheck,
    Robustness,
    ShadowValue,
    WhatIf,
    YearUse,
)

# The result models live in plan_results; they are named here too, where the service, the
# web and the refresh import them with optimise_plan.
__all__ = [
    "BindingConstraint",
    "ChosenInitiative",
    "Plan",
    "PlanLimits",
    "ReferenceCheck",
    "Robustness",
    "ShadowValue",
    "WhatIf",
    "YearUse",
    "build_problem",
    "optimise_plan",
]


def _partner_trade(forecast: pd.DataFrame, flow: str) -> dict[tuple[str, int], float]:
    wanted = ["import", "export"] if flow == "total" else [flow]
    rows = forecast.loc[forecast["flow"].isin(wanted)]
    grouped = rows.groupby(["partner", "year"])["value_usd"].sum()
    return {(str(p), int(y)): float(v) for (p, y), v in grouped.items()}


def build_problem(
    catalogue: Catalogue, limits: PlanLimits, forecast: pd.DataFrame
) -> tuple[PlanProblem, list[str]]:
    """The arrays of the programme, and warnings about initiatives that can never pay off.

    Args:
        catalogue: the validated catalogue.
        limits: plan period and yearly resources.
        forecast: partner trade by year: columns ``partner``, ``flow`` (``import``/``export``),
            ``year``, ``value_usd`` — home's trade with each partner, actual or forecast.
    """
    for column in ("partner", "flow", "year", "value_usd"):
        if column not in forecast.columns:
            raise InputError(
                "the trade forecast lacks a column",
                expected="columns partner, flow, year, value_usd",
                got="columns " + ", ".join(map(str, forecast.columns)),
                fix="build it with haiquan.priorities.partner_trade_forecast",
            )
    items = catalogue.initiatives
    index = {item.id: k for k, item in enumerate(items)}
    years = limits.plan_years
    horizon = len(years)
    rate = catalogue.discount_rate.value
    discount = np.array([(1 + rate) ** -t for t in range(horizon)])
    trade_by_flow = {flow: _partner_trade(forecast, flow) for flow in ("total", "import", "export")}
    n = len(items)
    benefit = np.zeros((n, horizon))
    allowed = np.zeros((n, horizon), dtype=bool)
    staff = np.zeros((n, horizon))
    budget = np.zeros((n, horizon))
    warnings: list[str] = []
    needed_by_others = {p for item in items for p in item.prerequisites}
    for k, item in enumerate(items):
        trade = trade_by_flow[item.benefit.flow]
        # Group members as of the plan's first year; home itself is not its own partner.
        members = item.partner_countries(dt.date(years[0], 1, 1))
        partners = [p for p in members if p != catalogue.home]
        missing = [p for p in partners if (p, years[-1]) not in trade]
        if missing:
            warnings.append(f"{item.id}: no trade forecast for {', '.join(missing)}; "
                            "their trade adds no benefit")
        yearly = np.array([sum(trade.get((p, y), 0.0) for p in partners) for y in years])
        # Trade × share first, then the saving: the product share × saving of two tiny
        # fractions can underflow to zero where the benefit itself does not.
        effect = item.benefit
        saving = effect.size.value * (
            effect.value_per_day.value if effect.value_per_day is not None else 1.0)
        gain = yearly * effect.share_affected.value * saving * discount
        for s in range(horizon):
            done = s + item.duration
            allowed[k, s] = done <= horizon and (
                item.earliest_start is None or years[s] >= item.earliest_start
            ) and (item.start_by is None or years[s] <= item.start_by)
            benefit[k, s] = gain[done:].sum() if done < horizon else 0.0
        can_finish = allowed[k].any()
        for s in range(horizon):
            # A start that pays nothing within the horizon would only spend resources; it is
            # not offered unless the initiative is required or others need it first.
            if benefit[k, s] <= 0 and not item.required and item.id not in needed_by_others:
                allowed[k, s] = False
        staff[k] = [item.staff_in_year(t) for t in range(horizon)]
        budget[k] = [item.budget_in_year(t) for t in range(horizon)]
        if not allowed[k].any():
            period = f"{years[0]}–{years[-1]}"
            if not can_finish:
                years_text = f"{item.duration} year{'s' if item.duration > 1 else ''}"
                start = (f", earliest start {item.earliest_start}" if item.earliest_start
                         else "")
                warnings.append(f"{item.id}: cannot start and finish within {period} "
                                f"(duration {years_text}{start})")
            else:
                # It fits in time; what is missing is benefit: no partner trade in the
                # forecast, a zero share or effect, or completion in the last plan year.
                warnings.append(f"{item.id}: would pay nothing within {period} (no forecast "
                                "trade with its partners, a zero share or effect, or it "
                                "completes too late to pay off), so it is not offered")
    problem = PlanProblem(
        ids=[item.id for item in items],
        benefit=benefit,
        allowed=allowed,
        duration=np.array([item.duration for item in items]),
        staff=staff,
        budget=budget,
        staff_limit=limits.staff(),
        budget_limit=limits.budget(),
        required=np.array([item.required for item in items], dtype=bool),
        prerequisites=[(index[p], index[item.id]) for item in items for p in item.prerequisites],
        exclusions=[(index[a], index[b]) for a, b in catalogue.exclusion_pairs()],
    )
    return problem, warnings


def _binding(problem: PlanProblem, solution: Solution, years: list[int]) -> list[BindingConstraint]:
    """Constraints the plan meets exactly, or so nearly that no initiative-year fits the rest.

    In an integer programme a limit can bind without being used to the last unit: when the
    slack is smaller than the smallest yearly need of any initiative, nothing more fits.
    """
    staff, budget = problem.usage(solution.starts)
    found: list[BindingConstraint] = []
    for t, year in enumerate(years):
        for kind, used, limit, unit, need in (
            ("staff", staff[t], problem.staff_limit[t], "staff-months", problem.staff),
            ("budget", budget[t], problem.budget_limit[t], "USD", problem.budget),
        ):
            digits = 0 if unit == "USD" else 1  # dollars whole; staff-months to a tenth
            positive = need[need > 0]
            smallest = float(positive.min()) if positive.size else 0.0
            slack = limit - used
            exact = slack <= 1e-6 * max(1.0, limit)
            if limit > 0 and (exact or slack < smallest):
                how = "fully used" if exact else (
                    f"{slack:,.{digits}f} left, less than any initiative needs in a year "
                    f"({smallest:,.{digits}f})")
                found.append(BindingConstraint(
                    kind=kind, year=year,
                    description=f"{kind} {year}: {used:,.{digits}f} of {limit:,.{digits}f} "
                    f"{unit} used, {how}",
                ))
    for i, j in problem.exclusions:
        chosen = [k for k in (i, j) if k in solution.starts]
        if chosen:
            other = j if chosen[0] == i else i
            found.append(BindingConstraint(
                kind="exclusion",
                description=f"{problem.ids[chosen[0]]} is chosen, which rules out "
                f"{problem.ids[other]}",
            ))
    return found


def _what_if(base: Solution, other: Solution, problem: PlanProblem, text: str) -> WhatIf:
    ids = problem.ids
    return WhatIf(
        description=text,
        objective_usd=other.objective,
        gain_usd=other.objective - base.objective,
        entered=[ids[i] for i in sorted(set(other.starts) - set(base.starts))],
        left=[ids[i] for i in sorted(set(base.starts) - set(other.starts))],
        moved=[ids[i] for i in sorted(set(base.starts) & set(other.starts))
               if base.starts[i] != other.starts[i]],
    )


def _time_limit_warning(solution: Solution, limit: float, what: str) -> str:
    """Say that a solve stopped at its time limit and how much better a plan might be."""
    if not np.isfinite(solution.objective):
        return f"{what}: HiGHS found no plan within its {limit:g} s time limit; ignore it"
    room = solution.mip_gap * abs(solution.objective)
    return (f"{what}: HiGHS stopped at its {limit:g} s time limit before proving the plan "
            f"optimal; a better plan may exist, worth up to {solution.mip_gap:.1%} more "
            f"(about {room / 1e6:,.1f} M USD); allow more time for a proven optimum")


def optimise_plan(
    catalogue: Catalogue,
    limits: PlanLimits,
    forecast: pd.DataFrame,
    *,
    analyse: bool = True,
    mip_rel_gap: float = 1e-4,
    time_limit: float = 60.0,
    analysis_time_limit: float = 10.0,
) -> Plan:
    """The benefit-maximising plan that fits the limits (see :mod:`haiquan.priorities.model`).

    Args:
        catalogue: validated initiatives.
        limits: plan years and yearly staff-months and budget.
        forecast: home's trade with each partner by year and flow (see :func:`build_problem`).
        analyse: also compute shadow values and the +10 % budget what-if (``len(years) + 1``
            more solves and one LP).
        mip_rel_gap: relative optimality gap at which HiGHS stops (its default, 1e-4).
        time_limit: seconds allowed for the main solve.
        analysis_time_limit: seconds allowed for each what-if re-solve.

    Shadow values are reported two ways: ``resolve_gain_usd`` re-solves the integer programme
    with one more staff-month in that year (exact, but lumpy: often 0 because one staff-month
    is not enough to add a whole initiative), and ``lp_dual_usd`` is the staff row's dual in the
    LP relaxation (smooth, but assumes initiatives can be done in fractions).

    Raises:
        InfeasibleError: required initiatives cannot all fit (names them and the constraint), or
            HiGHS found no plan within ``time_limit``.
    """
    problem, warnings = build_problem(catalogue, limits, forecast)
    years = limits.plan_years
    solution = solve(problem, mip_rel_gap=mip_rel_gap, time_limit=time_limit, duals=analyse)
    if solution.status == "infeasible":
        from haiquan.priorities._diagnose import explain_infeasible

        raise explain_infeasible(problem, catalogue, years)
    if solution.status == "time_limit" and not np.isfinite(solution.objective):
        raise InfeasibleError(
            f"no plan found within the time limit of {time_limit:g} s",
            expected="a plan found before the time limit",
            got=f"{len(problem.ids)} initiatives over {len(years)} years and no plan after "
            f"{solution.seconds:.1f} s",
            fix="allow more time (optimise_plan's time_limit), or plan fewer initiatives or "
            "years",
        )
    if solution.status == "time_limit":
        warnings.insert(0, _time_limit_warning(solution, time_limit, "this plan"))
    if solution.status == "error":
        raise InfeasibleError(
            "the solver failed", expected="an optimal or time-limited plan",
            got=solution.message, fix="report this with the catalogue attached",
        )
    by_id = catalogue.by_id()
    chosen = []
    for i, s in sorted(solution.starts.items(), key=lambda p: (p[1], problem.ids[p[0]])):
        item = by_id[problem.ids[i]]
        chosen.append(ChosenInitiative(
            id=item.id, name=item.name, kind=item.kind, partners=item.partners,
            start_year=years[s], completion_year=years[s] + item.duration - 1,
            benefit_usd=float(problem.benefit[i, s]), required=item.required,
        ))
    staff, budget = problem.usage(solution.starts)
    usage = [YearUse(year=y, staff_months_used=float(staff[t]),
                     staff_months_limit=float(problem.staff_limit[t]),
                     budget_usd_used=float(budget[t]),
                     budget_usd_limit=float(problem.budget_limit[t]))
             for t, y in enumerate(years)]
    shadows: list[ShadowValue] = []
    what_if = None
    if analyse:
        for t, year in enumerate(years):
            more = problem.staff_limit.copy()
            more[t] += 1
            # The optimal plan still fits, so HiGHS starts from it and prunes against it.
            again = solve(problem, staff_limit=more, mip_rel_gap=mip_rel_gap,
                          time_limit=analysis_time_limit, start_from=solution.starts)
            dual = solution.staff_dual[t] if solution.staff_dual is not None else None
            # The optimal plan still fits with more staff, so the gain is never negative.
            gain = max(0.0, again.objective - solution.objective)
            uncertainty = (again.mip_gap if np.isfinite(again.mip_gap) else 1.0) * abs(
                again.objective)
            shadows.append(ShadowValue(
                year=year, resolve_gain_usd=gain, resolve_uncertainty_usd=float(uncertainty),
                lp_dual_usd=None if dual is None or np.isnan(dual) else float(dual),
            ))
        richer = solve(problem, budget_limit=problem.budget_limit * 1.1,
                       mip_rel_gap=mip_rel_gap, time_limit=analysis_time_limit,
                       start_from=solution.starts)
        if np.isfinite(richer.objective):
            what_if = _what_if(solution, richer, problem, "budget +10 % in every plan year")
        if richer.status == "time_limit":
            warnings.append(_time_limit_warning(richer, analysis_time_limit,
                                                "the budget +10 % what-if"))
    robustness = None
    spread = catalogue.assumption_range.value if catalogue.assumption_range else 0.0
    ratios = {}
    for which in ("low", "high"):
        ratios[which] = np.array([
            (item.benefit.ad_valorem_bound(which, spread) / item.benefit.ad_valorem()
             if item.benefit.ad_valorem() > 0 else 0.0) for item in catalogue.initiatives])
    for entry in chosen:
        k = problem.ids.index(entry.id)
        entry.benefit_low_usd = entry.benefit_usd * float(ratios["low"][k])
        entry.benefit_high_usd = entry.benefit_usd * float(ratios["high"][k])
    if analyse:
        ends = {}
        for which in ("low", "high"):
            if np.allclose(ratios[which], ratios[which][0]) if len(ratios[which]) else True:
                # Every benefit scaled alike: the same plan is optimal, worth that much more.
                factor = float(ratios[which][0]) if len(ratios[which]) else 1.0
                ends[which] = dataclasses.replace(solution, objective=solution.objective
                                                  * factor)
                continue
            changed = dataclasses.replace(problem, benefit=problem.benefit
                                          * ratios[which][:, None])
            ends[which] = solve(changed, mip_rel_gap=mip_rel_gap,
                                time_limit=analysis_time_limit, start_from=solution.starts)
        central = set(solution.starts)
        low, high = (set(ends[w].starts) for w in ("low", "high"))
        name = problem.ids.__getitem__
        robustness = Robustness(
            spread=spread,
            objective_low_usd=float(ends["low"].objective),
            objective_high_usd=float(ends["high"].objective),
            chosen_in_all=sorted(map(name, central & low & high)),
            only_central=sorted(map(name, central - (low & high))),
            added_low=sorted(map(name, low - central)),
            added_high=sorted(map(name, high - central)),
            dropped_low=sorted(map(name, central - low)),
            dropped_high=sorted(map(name, central - high)),
        )
    return Plan(
        robustness=robustness,
        home=catalogue.home,
        first_year=limits.first_year,
        years=limits.years,
        status=solution.status,
        objective_usd=solution.objective,
        mip_gap=solution.mip_gap,
        solve_seconds=solution.seconds,
        chosen=chosen,
        not_chosen=[problem.ids[i] for i in range(len(problem.ids)) if i not in solution.starts],
        usage=usage,
        binding=_binding(problem, solution, years),
        shadow_method="re-solve of the integer programme with +1 staff-month in one year; "
        "and the LP relaxation's dual of that year's staff row",
        shadow_staff_month=shadows,
        budget_plus_10=what_if,
        assumptions=catalogue.assumptions(),
        warnings=warnings,
    )
