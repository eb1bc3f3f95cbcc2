"""The mixed-integer programme against brute force on small random problems."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haiquan.priorities.model import PlanProblem, solve


@st.composite
def problems(draw: st.DrawFn) -> PlanProblem:
    """Up to 4 initiatives over up to 4 years, with prerequisites, exclusions and requirements."""
    n = draw(st.integers(1, 4))
    years = draw(st.integers(1, 4))
    duration = np.array([draw(st.integers(1, years)) for _ in range(n)])
    allowed = np.zeros((n, years), dtype=bool)
    for i in range(n):
        for s in range(years):
            allowed[i, s] = s + duration[i] <= years and draw(st.booleans() | st.just(True))
    benefit = np.array([[draw(st.integers(0, 100)) for _ in range(years)] for _ in range(n)],
                       dtype=float)
    staff = np.zeros((n, years))
    budget = np.zeros((n, years))
    for i in range(n):
        for k in range(years):
            high = 6 if k < duration[i] else 2
            staff[i, k] = draw(st.integers(0, high))
            budget[i, k] = draw(st.integers(0, high))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    prerequisites = [p for p in pairs if draw(st.integers(0, 3)) == 0]
    exclusions = [p for p in pairs if p not in prerequisites and draw(st.integers(0, 4)) == 0]
    required = np.array([draw(st.integers(0, 4)) == 0 for _ in range(n)])
    return PlanProblem(
        ids=[f"i{k}" for k in range(n)],
        benefit=benefit,
        allowed=allowed,
        duration=duration,
        staff=staff,
        budget=budget,
        staff_limit=np.array([draw(st.integers(0, 12)) for _ in range(years)], dtype=float),
        budget_limit=np.array([draw(st.integers(0, 12)) for _ in range(years)], dtype=float),
        required=required,
        prerequisites=prerequisites,
        exclusions=exclusions,
    )


def feasible(problem: PlanProblem, starts: dict[int, int]) -> bool:
    """Whether a plan {initiative: start} meets every rule, checked directly."""
    n, _ = problem.size
    if any(problem.required[i] and i not in starts for i in range(n)):
        return False
    if any(not problem.allowed[i, s] for i, s in starts.items()):
        return False
    staff, budget = problem.usage(starts)
    if (staff > problem.staff_limit + 1e-9).any() or (budget > problem.budget_limit + 1e-9).any():
        return False
    for i, j in problem.prerequisites:
        if j in starts and (i not in starts or starts[i] + problem.duration[i] > starts[j]):
            return False
    return not any(i in starts and j in starts for i, j in problem.exclusions)


def brute_force(problem: PlanProblem) -> float | None:
    """The best objective over every plan, or None when no plan is feasible."""
    n, years = problem.size
    best: float | None = None
    for choice in itertools.product([None, *range(years)], repeat=n):
        starts = {i: s for i, s in enumerate(choice) if s is not None}
        if feasible(problem, starts):
            value = float(sum(problem.benefit[i, s] for i, s in starts.items()))
            best = value if best is None else max(best, value)
    return best


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_the_optimiser_matches_brute_force(problem: PlanProblem) -> None:
    expected = brute_force(problem)
    solution = solve(problem, mip_rel_gap=0.0)
    if expected is None:
        assert solution.status == "infeasible"
        return
    assert solution.status == "optimal"
    assert feasible(problem, solution.starts)
    assert abs(solution.objective - expected) < 1e-6


@settings(max_examples=40, deadline=None)
@given(problems(), st.integers(0, 3), st.integers(1, 5))
def test_more_staff_never_lowers_the_optimum(problem: PlanProblem, year: int, extra: int) -> None:
    base = solve(problem, mip_rel_gap=0.0)
    if base.status != "optimal":
        return
    more = problem.staff_limit.copy()
    more[year % len(more)] += extra
    richer = solve(problem, staff_limit=more, mip_rel_gap=0.0)
    assert richer.status == "optimal"
    assert richer.objective >= base.objective - 1e-9


def test_lp_duals_price_the_binding_staff_year() -> None:
    # One year, two initiatives competing for 10 staff-months: the LP takes all of the better one
    # (benefit 9 per staff-month) and half of the other (6 per staff-month), so one more
    # staff-month is worth 6 in the relaxation.
    problem = PlanProblem(
        ids=["a", "b"], benefit=np.array([[90.0], [60.0]]), allowed=np.ones((2, 1), bool),
        duration=np.array([1, 1]), staff=np.array([[10.0], [10.0]]), budget=np.zeros((2, 1)),
        staff_limit=np.array([15.0]), budget_limit=np.array([100.0]),
        required=np.zeros(2, bool),
    )
    solution = solve(problem, duals=True)
    assert solution.starts == {0: 0}
    assert solution.staff_dual is not None
    assert abs(solution.staff_dual[0] - 6.0) < 1e-6


def _lp_bound(problem: PlanProblem) -> float:
    from scipy import optimize

    from haiquan.priorities.model import _matrices

    _, cost, matrix, lower, upper = _matrices(problem, problem.staff_limit, problem.budget_limit)
    if not len(cost):
        return 0.0
    result = optimize.milp(cost, integrality=np.zeros(len(cost)), bounds=optimize.Bounds(0, 1),
                           constraints=optimize.LinearConstraint(matrix, lower, upper))
    assert result.status == 0
    return -float(result.fun)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_the_lp_bound_is_valid(problem: PlanProblem) -> None:
    expected = brute_force(problem)
    if expected is not None:
        assert _lp_bound(problem) >= expected - 1e-6


def test_the_prerequisite_rows_are_cumulative() -> None:
    # a (worth nothing itself) needs 2 staff-months in year 0, where only 1 is available, so the
    # integer plan is empty; b (worth 100) needs a finished and may start in year 1 or 2.
    # Prerequisite rows written per start year let the relaxation start half of a and both
    # halves of b (bound 100); written for the starts up to each year, b is held to half of a.
    problem = PlanProblem(
        ids=["a", "b"], benefit=np.array([[0.0, 0.0, 0.0], [0.0, 100.0, 100.0]]),
        allowed=np.array([[True, False, False], [False, True, True]]),
        duration=np.array([1, 1]), staff=np.array([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),
        budget=np.zeros((2, 3)), staff_limit=np.array([1.0, 5.0, 5.0]),
        budget_limit=np.array([5.0, 5.0, 5.0]), required=np.zeros(2, bool),
        prerequisites=[(0, 1)],
    )
    assert solve(problem, mip_rel_gap=0.0).starts == {}
    assert _lp_bound(problem) <= 50.0 + 1e-6


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.integers(0, 2**20))
def test_the_solver_seed_changes_nothing_but_time(problem: PlanProblem, seed: int) -> None:
    seeded = solve(problem, mip_rel_gap=0.0, solver_seed=seed)
    expected = brute_force(problem)
    if expected is None:
        assert seeded.status == "infeasible"
    else:
        assert seeded.status == "optimal" and abs(seeded.objective - expected) < 1e-6


def test_the_solver_prints_nothing() -> None:
    # HiGHS prints its banner (once per process) and its log to the process's own standard
    # output unless told not to before anything else; there it would break `haiquan plan --json`
    # and fill the server's log. A fresh interpreter, so the banner has not been shown yet.
    script = """
import numpy as np
from haiquan.priorities.model import PlanProblem, solve
problem = PlanProblem(
    ids=["a", "b"], benefit=np.array([[90.0], [60.0]]), allowed=np.ones((2, 1), bool),
    duration=np.array([1, 1]), staff=np.array([[10.0], [10.0]]), budget=np.zeros((2, 1)),
    staff_limit=np.array([15.0]), budget_limit=np.array([100.0]), required=np.zeros(2, bool))
assert solve(problem).starts == {0: 0}
assert solve(problem, solver_seed=3, duals=True).starts == {0: 0}
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.data())
def test_a_start_plan_changes_nothing_but_time(problem: PlanProblem, data: st.DataObject) -> None:
    # Any plan may be offered, fitting or not (a what-if offers the optimal plan of the base
    # case); the answer is still the brute-force optimum.
    n, years = problem.size
    offered = {i: data.draw(st.integers(0, years - 1))
               for i in range(n) if data.draw(st.booleans())}
    started = solve(problem, mip_rel_gap=0.0, start_from=offered)
    expected = brute_force(problem)
    if expected is None:
        assert started.status == "infeasible"
    else:
        assert started.status == "optimal" and abs(started.objective - expected) < 1e-6


def _random_problem(seed: int, n: int = 20, years: int = 4) -> PlanProblem:
    """A knapsack-like programme big enough for HiGHS to branch (and use its worker threads)."""
    rng = np.random.default_rng(seed)
    duration = rng.integers(1, 3, n)
    allowed = np.array([[s + duration[i] <= years for s in range(years)] for i in range(n)])
    staff = np.where(np.arange(years) < duration[:, None], rng.integers(2, 20, (n, 1)),
                     rng.integers(0, 4, (n, 1))).astype(float)
    budget = np.where(np.arange(years) < duration[:, None], rng.integers(10, 200, (n, 1)),
                      rng.integers(0, 30, (n, 1))).astype(float)
    value = rng.uniform(10, 100, n)
    benefit = value[:, None] * (years - np.arange(years))[None, :]
    return PlanProblem(
        ids=[f"i{k}" for k in range(n)], benefit=benefit, allowed=allowed, duration=duration,
        staff=staff, budget=budget, staff_limit=np.full(years, staff[:, 0].sum() / 4),
        budget_limit=np.full(years, budget[:, 0].sum() / 4), required=np.zeros(n, bool),
        prerequisites=[(k, k + 7) for k in range(0, n - 7, 9)],
    )


def test_plans_solved_at_once_in_threads_are_the_plans_solved_alone() -> None:
    # The web server answers several requests at once in threads; HiGHS keeps a scheduler of
    # worker threads per calling thread, and each solve must still be right and not crash.
    import threading

    problems_ = [_random_problem(seed) for seed in range(4)]
    alone = [solve(p) for p in problems_]
    assert all(s.status == "optimal" for s in alone)
    together: dict[tuple[int, int], float] = {}

    def work(k: int) -> None:
        for round_ in range(2):
            together[(k, round_)] = solve(problems_[k]).objective

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(problems_))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert len(together) == 2 * len(problems_)
    for (k, _), objective in together.items():
        assert abs(objective - alone[k].objective) <= 2e-4 * alone[k].objective
