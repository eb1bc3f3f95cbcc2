"""The plan optimiser's mixed-integer programme, on plain arrays (solved by HiGHS via highspy).

Decision variable ``x[i, s]`` is 1 when initiative ``i`` starts in plan year ``s``. With ``T`` plan
years the programme is::

    maximise    Σ benefit[i, s] · x[i, s]
    subject to  Σ_s x[i, s] ≤ 1          (= 1 for a required initiative)       each i
                Σ staff[i, y - s] · x[i, s] ≤ staff_limit[y]                   each year y
                Σ budget[i, y - s] · x[i, s] ≤ budget_limit[y]                 each year y
                Σ_{s' ≤ s} x[j, s'] ≤ Σ_{s' + duration[i] ≤ s} x[i, s']
                                                   j needs i finished, each s
                Σ_s x[i, s] + Σ_s x[j, s] ≤ 1                  i and j exclude each other

The prerequisite rows say "j started by year s needs i finished by then". Writing them for the
starts up to s together, not for the start in s alone, gives the same integer plans but a tighter
LP relaxation: the per-year form lets the relaxation start half of i early and two halves of j
later (j in all, i in half), which the cumulative form forbids. It is kept because a tighter
relaxation costs nothing here and never hurts the bound (measurements in docs/priorities.md).

Only starts allowed by the catalogue (earliest start, finishing within the horizon) get a
variable. Keeping this module free of YAML and pydantic lets the tests compare it with brute force
on small random problems.

The programme goes to HiGHS through its own public Python interface, ``highspy.Highs``, rather
than ``scipy.optimize.milp``: milp bundles an older HiGHS that searches on one core, cannot start
from a known plan, and passes only some options, while the plan relies on confining cut
separation to the root (``mip_allow_cut_separation_at_nodes``) — on these programmes the cuts
found below the root hardly move the bound but make every node dearer. docs/priorities.md holds
the measurements behind that choice (``benchmarks/bench_plan.py``). The LP duals still come
from ``scipy.optimize.linprog``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
from scipy import optimize, sparse

__all__ = ["PlanProblem", "Solution", "solve"]


@dataclass(frozen=True)
class PlanProblem:
    """A planning problem on arrays; ``n`` initiatives, ``T`` years.

    Attributes:
        ids: initiative ids, length n.
        benefit: (n, T) value of starting i in year s (only read where ``allowed``).
        allowed: (n, T) whether i may start in year s.
        duration: (n,) years from start to completion.
        staff: (n, T) staff-months used k years after the start (k = 0 .. T-1).
        budget: (n, T) budget used k years after the start.
        staff_limit: (T,) staff-months available each year.
        budget_limit: (T,) budget available each year.
        required: (n,) initiatives the plan must include.
        prerequisites: pairs (i, j): j starts only after i is complete.
        exclusions: pairs (i, j) that cannot both be chosen.
    """

    ids: list[str]
    benefit: np.ndarray
    allowed: np.ndarray
    duration: np.ndarray
    staff: np.ndarray
    budget: np.ndarray
    staff_limit: np.ndarray
    budget_limit: np.ndarray
    required: np.ndarray
    prerequisites: list[tuple[int, int]] = field(default_factory=list)
    exclusions: list[tuple[int, int]] = field(default_factory=list)

    @property
    def size(self) -> tuple[int, int]:
        """(number of initiatives, number of years)."""
        return self.allowed.shape  # type: ignore[return-value]

    def usage(self, starts: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """Yearly staff and budget used by a plan given as {initiative: start year index}."""
        _, years = self.size
        staff = np.zeros(years)
        budget = np.zeros(years)
        for i, s in starts.items():
            staff[s:] += self.staff[i, : years - s]
            budget[s:] += self.budget[i, : years - s]
        return staff, budget


@dataclass(frozen=True)
class Solution:
    """What HiGHS found."""

    status: str  # "optimal", "infeasible", "time_limit" (starts empty if none found), "error"
    objective: float
    starts: dict[int, int]
    mip_gap: float
    seconds: float
    message: str
    staff_dual: np.ndarray | None = None
    budget_dual: np.ndarray | None = None


def _matrices(
    problem: PlanProblem, staff_limit: np.ndarray, budget_limit: np.ndarray
) -> tuple[list[tuple[int, int]], np.ndarray, sparse.csr_matrix, np.ndarray, np.ndarray]:
    """Variables, objective and the constraint rows ``lower ≤ A x ≤ upper``.

    Row order: T staff rows, T budget rows, then the rest (the duals rely on it).
    """
    n, years = problem.size
    variables = [(i, s) for i in range(n) for s in range(years) if problem.allowed[i, s]]
    column = {pair: k for k, pair in enumerate(variables)}
    cost = -np.array([problem.benefit[i, s] for i, s in variables], dtype=float)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    lower: list[float] = []
    upper: list[float] = []

    def add_row(entries: list[tuple[int, float]], low: float, high: float) -> None:
        row = len(lower)
        for col, val in entries:
            rows.append(row)
            cols.append(col)
            vals.append(val)
        lower.append(low)
        upper.append(high)

    for resource, limit in ((problem.staff, staff_limit), (problem.budget, budget_limit)):
        for y in range(years):
            entries = [(k, float(resource[i, y - s])) for k, (i, s) in enumerate(variables)
                       if s <= y and resource[i, y - s] != 0]
            add_row(entries, -np.inf, float(limit[y]))
    by_initiative: dict[int, list[int]] = {}
    for k, (i, _) in enumerate(variables):
        by_initiative.setdefault(i, []).append(k)
    for i in range(n):
        ks = by_initiative.get(i, [])
        low = 1.0 if problem.required[i] else -np.inf
        add_row([(k, 1.0) for k in ks], low, 1.0)
    for i, j in problem.prerequisites:
        for s in range(years):
            if (j, s) not in column:
                continue
            started = [(column[(j, t)], 1.0) for t in range(s + 1) if (j, t) in column]
            done = [(column[(i, t)], -1.0) for t in range(years)
                    if (i, t) in column and t + problem.duration[i] <= s]
            add_row([*started, *done], -np.inf, 0.0)
    for i, j in problem.exclusions:
        entries = [(k, 1.0) for k in by_initiative.get(i, []) + by_initiative.get(j, [])]
        add_row(entries, -np.inf, 1.0)
    matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(len(lower), len(variables)))
    return variables, cost, matrix, np.array(lower), np.array(upper)


def solve(
    problem: PlanProblem,
    *,
    staff_limit: np.ndarray | None = None,
    budget_limit: np.ndarray | None = None,
    mip_rel_gap: float = 1e-4,
    time_limit: float = 60.0,
    duals: bool = False,
    solver_seed: int | None = None,
    start_from: dict[int, int] | None = None,
) -> Solution:
    """Solve the programme (optionally with other limits, for what-ifs and shadow values).

    Args:
        problem: the problem.
        staff_limit: replaces ``problem.staff_limit`` when given.
        budget_limit: replaces ``problem.budget_limit`` when given.
        mip_rel_gap: HiGHS stops when (bound − best) / best is below this; 1e-4 is HiGHS's
            own default for "optimal" (as for CPLEX and Gurobi).
        time_limit: seconds before HiGHS gives up and returns its best plan.
        duals: also solve the LP relaxation and return the staff and budget rows' duals: the
            benefit per extra staff-month (or dollar) each year if initiatives could be done in
            fractions — a smooth complement to re-solving the integer programme.
        solver_seed: HiGHS's random seed (its default when None). The plan's benefit does not
            depend on it beyond the gap, but the time to prove optimality does, by tens of per
            cent: ``benchmarks/bench_plan.py --solver-seeds`` measures that spread.
        start_from: a plan ({initiative: start year index}) HiGHS starts from, when it still
            fits (a what-if with more resources starts from the optimal plan): the search then
            prunes against its benefit from the first node. A plan that does not fit is
            ignored by HiGHS, so it can only save time.
    """
    staff = problem.staff_limit if staff_limit is None else np.asarray(staff_limit, float)
    budget = problem.budget_limit if budget_limit is None else np.asarray(budget_limit, float)
    variables, cost, matrix, lower, upper = _matrices(problem, staff, budget)
    _, years = problem.size
    started = time.perf_counter()
    if not variables:
        feasible = not problem.required.any() and (staff >= 0).all() and (budget >= 0).all()
        return Solution("optimal" if feasible else "infeasible", 0.0, {}, 0.0,
                        time.perf_counter() - started, "no initiative can start in the horizon")
    # Benefits run to billions of dollars and budgets to millions; HiGHS works best with numbers
    # near 1, so the objective and each row are scaled (the plan itself is unchanged).
    top = float(np.abs(cost).max()) if len(cost) else 1.0
    scale_cost = 1e3 / top if top > 0 else 1.0
    row_scale = np.maximum(1.0, np.maximum(np.abs(np.where(np.isfinite(upper), upper, 0)),
                                           np.abs(np.where(np.isfinite(lower), lower, 0))))
    scaled = sparse.diags(1.0 / row_scale) @ matrix
    start = None
    if start_from:
        column = {pair: k for k, pair in enumerate(variables)}
        start = np.zeros(len(variables))
        for pair in start_from.items():
            if pair in column:
                start[column[pair]] = 1.0
    outcome = _run_highs(cost * scale_cost, scaled.tocsc(), lower / row_scale,
                         upper / row_scale, mip_rel_gap=mip_rel_gap, time_limit=time_limit,
                         solver_seed=solver_seed, start=start)
    seconds = time.perf_counter() - started
    status, x, gap, message = outcome
    if status == "infeasible":
        return Solution("infeasible", float("nan"), {}, float("nan"), seconds, message)
    if x is None:
        # "time_limit" without a plan: HiGHS ran out of time before finding any.
        return Solution(status, float("nan"), {}, float("nan"), seconds, message)
    starts = {variables[k][0]: variables[k][1] for k in np.flatnonzero(x > 0.5)}
    objective = float(sum(problem.benefit[i, s] for i, s in starts.items()))
    staff_dual = budget_dual = None
    if duals:
        staff_dual, budget_dual = _lp_duals(cost, matrix, lower, upper, years)
    return Solution(status, objective, starts, gap, seconds, message, staff_dual, budget_dual)


#: HiGHS options for every solve, beyond the gap, the time limit and the seed. Cut separation
#: stays at the root: see the module docstring.
SOLVER_OPTIONS: dict[str, Any] = {
    "output_flag": False,
    "presolve": "on",
    "mip_allow_cut_separation_at_nodes": False,
}


_banner_lock = threading.Lock()
_banner_printed = False


def _new_highs() -> highspy.Highs:
    """A ``highspy.Highs`` whose banner is not printed.

    The public class turns on callbacks as it is built, before ``output_flag`` can be set, and
    HiGHS then writes its banner straight to file descriptor 1, once per process: on standard
    output it would corrupt ``--format json`` or CSV, and in a server it fills the log. So the
    first instance is built with descriptor 1 pointed at the null device for that moment; later
    ones print nothing.
    """
    global _banner_printed
    with _banner_lock:
        if _banner_printed:
            return highspy.Highs()
        sys.stdout.flush()
        saved = os.dup(1)
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 1)
            highs = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)
        _banner_printed = True
        return highs


def _run_highs(
    cost: np.ndarray, matrix: sparse.csc_matrix, lower: np.ndarray, upper: np.ndarray, *,
    mip_rel_gap: float, time_limit: float, solver_seed: int | None,
    start: np.ndarray | None = None,
) -> tuple[str, np.ndarray | None, float, str]:
    """Minimise ``cost · x`` over binary ``x`` with ``lower ≤ matrix x ≤ upper``.

    Returns (status, x or None, relative MIP gap, HiGHS's model status in words); status is
    "optimal", "infeasible", "time_limit" (x is HiGHS's best plan so far, None when it found
    none in time) or "error".
    """
    highs = _new_highs()
    for name, value in SOLVER_OPTIONS.items():
        highs.setOptionValue(name, value)
    highs.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    highs.setOptionValue("time_limit", float(time_limit))
    if solver_seed is not None:
        highs.setOptionValue("random_seed", int(solver_seed))
    columns = len(cost)
    model = highspy.HighsLp()
    model.num_col_ = columns
    model.num_row_ = matrix.shape[0]
    model.col_cost_ = np.asarray(cost, dtype=float)
    model.col_lower_ = np.zeros(columns)
    model.col_upper_ = np.ones(columns)
    model.row_lower_ = np.where(np.isfinite(lower), lower, -highspy.kHighsInf)
    model.row_upper_ = np.where(np.isfinite(upper), upper, highspy.kHighsInf)
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = matrix.indptr
    model.a_matrix_.index_ = matrix.indices
    model.a_matrix_.value_ = matrix.data
    model.integrality_ = [highspy.HighsVarType.kInteger] * columns
    highs.passModel(model)
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = start
        solution.value_valid = True
        highs.setSolution(solution)
    highs.run()
    model_status = highs.getModelStatus()
    message = highs.modelStatusToString(model_status)
    if model_status == highspy.HighsModelStatus.kInfeasible:
        return "infeasible", None, float("nan"), message
    info = highs.getInfo()
    if info.primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
        timed_out = model_status == highspy.HighsModelStatus.kTimeLimit
        return "time_limit" if timed_out else "error", None, float("nan"), message
    x = np.asarray(highs.getSolution().col_value)
    status = "optimal" if model_status == highspy.HighsModelStatus.kOptimal else "time_limit"
    return status, x, float(info.mip_gap), message


def _lp_duals(
    cost: np.ndarray, matrix: sparse.csr_matrix, lower: np.ndarray, upper: np.ndarray, years: int
) -> tuple[np.ndarray, np.ndarray]:
    """Duals of the staff and budget rows in the LP relaxation (benefit per unit of resource)."""
    finite_upper = np.isfinite(upper)
    finite_lower = np.isfinite(lower)
    a_ub = sparse.vstack([matrix[finite_upper], -matrix[finite_lower]]).tocsr()
    b_ub = np.concatenate([upper[finite_upper], -lower[finite_lower]])
    result = optimize.linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs")
    if result.status != 0:
        return np.full(years, np.nan), np.full(years, np.nan)
    # The first 2T rows have finite upper bounds and come first; a minimisation's marginals are
    # ≤ 0, so the benefit of one more unit is their negation.
    marginals = -np.asarray(result.ineqlin.marginals)
    return marginals[:years], marginals[years: 2 * years]
