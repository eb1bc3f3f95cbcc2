"""Explain why no plan fits: which required initiatives, and which constraint, are at fault.

With only ``≤`` limits the empty plan always fits, so infeasibility comes from initiatives marked
``required``. The explanation is found the way solvers find an irreducible infeasible set, on the
small scale of a catalogue: drop required flags one by one while the rest stays infeasible (a
deletion filter), then relax staff, budget, or both, to name the resource that does not suffice.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from haiquan.errors import InfeasibleError
from haiquan.priorities.catalogue import Catalogue
from haiquan.priorities.model import PlanProblem, solve

__all__ = ["explain_infeasible"]


def _feasible(problem: PlanProblem, required: set[int], *, staff: bool = True,
              budget: bool = True) -> bool:
    flags = np.zeros(len(problem.ids), dtype=bool)
    flags[list(required)] = True
    changed = dataclasses.replace(
        problem,
        required=flags,
        benefit=np.zeros_like(problem.benefit),  # only feasibility matters here
        staff_limit=problem.staff_limit if staff else np.full_like(problem.staff_limit, 1e15),
        budget_limit=problem.budget_limit if budget else np.full_like(problem.budget_limit, 1e15),
    )
    return solve(changed, mip_rel_gap=1e-2, time_limit=20).status != "infeasible"


def explain_infeasible(
    problem: PlanProblem, catalogue: Catalogue, years: list[int]
) -> InfeasibleError:
    """The error to raise for an infeasible plan, naming the entries and constraint at fault."""
    ids = problem.ids
    by_id = catalogue.by_id()
    period = f"{years[0]}–{years[-1]}"
    required = {i for i in range(len(ids)) if problem.required[i]}
    fix_common = "mark one of them `required: false`, raise the limits, or lengthen the plan"
    for i in sorted(required):
        if not problem.allowed[i].any():
            item = by_id[ids[i]]
            start = f", earliest start {item.earliest_start}" if item.earliest_start else ""
            if item.start_by is not None:
                start += f", to start by {item.start_by}"
            return InfeasibleError(
                f"required initiative {ids[i]!r} cannot start and finish within {period}",
                expected=f"a duration that fits the {len(years)}-year plan",
                got=f"duration {item.duration} years{start}",
                fix=f"shorten it, move its earliest start, lengthen the plan, or {fix_common}",
                details={"initiatives": [ids[i]], "constraint": "horizon"},
            )
    for a, b in problem.exclusions:
        if a in required and b in required:
            return InfeasibleError(
                f"required initiatives {ids[a]!r} and {ids[b]!r} exclude each other",
                expected="required initiatives that can be done together",
                got=f"an exclusion between {ids[a]} and {ids[b]}",
                fix="drop the exclusion or make one of them not required",
                details={"initiatives": [ids[a], ids[b]], "constraint": "exclusion"},
            )
    core = set(required)
    for i in sorted(required):
        if not _feasible(problem, core - {i}):
            core.discard(i)
    names = sorted(ids[i] for i in core)
    if _feasible(problem, core, staff=False, budget=False):
        staff_ok = _feasible(problem, core, staff=False)
        budget_ok = _feasible(problem, core, budget=False)
        # staff_ok: more staff alone would make it fit, so staff is what is short.
        if staff_ok and not budget_ok:
            constraint = "staff"
        elif budget_ok and not staff_ok:
            constraint = "budget"
        else:
            constraint = "staff and budget"
        needs = "; ".join(
            f"{ids[i]} {by_id[ids[i]].staff_months_per_year.value:g} staff-months and "
            f"{by_id[ids[i]].budget_usd_per_year.value:,.0f} USD a year for "
            f"{by_id[ids[i]].duration} year(s)"
            for i in sorted(core)
        )
        limits = []
        if "staff" in constraint:
            limits.append("staff-months " + ", ".join(
                f"{y}: {v:,.0f}" for y, v in zip(years, problem.staff_limit, strict=True)))
        if "budget" in constraint:
            limits.append("budget USD " + ", ".join(
                f"{y}: {v:,.0f}" for y, v in zip(years, problem.budget_limit, strict=True)))
        shown = "; ".join(limits)
        return InfeasibleError(
            f"required initiatives {', '.join(names)} do not fit the yearly {constraint} "
            f"limits of {period}",
            expected=f"required work within the {constraint} available each year",
            got=f"{needs}; limits {shown}",
            fix=fix_common,
            details={"initiatives": names, "constraint": constraint},
        )
    chains = [f"{ids[j]} needs {ids[i]} finished first" for i, j in problem.prerequisites
              if j in core or i in core]
    return InfeasibleError(
        f"required initiatives {', '.join(names)} cannot be scheduled within {period} "
        "even with unlimited resources",
        expected="prerequisites, exclusions and earliest starts that leave room for them",
        got="; ".join(chains) or "conflicting exclusions through prerequisites",
        fix="start the prerequisites earlier, lengthen the plan, or " + fix_common,
        details={"initiatives": names, "constraint": "prerequisites"},
    )
