"""Compute the heavy results once per data version and store them: ``haiquan refresh``.

The forecasts of the home country's trade, the indicators of every partner relationship, the
partner scores and the cooperation plan take from seconds to minutes on a full table. They are
computed here, one after the other, and stored in the warehouse with the data version they come
from (:mod:`haiquan.warehouse.results`); the CLI, the API and the dashboard read them from there.
The forecast comes first: the scores and the plan read the stored run instead of forecasting
again, and so show the same figures.

Who runs it: ``haiquan refresh`` (in the foreground, with progress), and the web server, which
starts ``python -m haiquan.refresh`` in a separate process at start-up and whenever the data
version has no stored results (a load by ``haiquan load``, say) — a process rather than a
thread, so pages keep answering while it computes. One refresh runs at a time per HOME (a lock
file); a second one started meanwhile returns at once, reporting the first.

Each step's state (pending / running / done / failed, progress, message) is written before and
after it, so a page can say what is being computed and how far it has got.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from haiquan.settings import get_settings
from haiquan.warehouse.results import (
    NO_DATA,
    ResultState,
    current_data_version,
    forget_other_versions,
    mark_result,
    read_result,
    result_states,
    save_result,
)

__all__ = [
    "COMMITMENTS_KIND",
    "STEPS",
    "IndicatorTable",
    "RefreshReport",
    "Step",
    "StoredPlan",
    "refresh",
    "refresh_running",
    "step",
    "step_versions",
]

if TYPE_CHECKING:
    from haiquan.priorities.plan import Plan

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndicatorTable:
    """Every indicator of every partner relationship, and whether demo data is behind it."""

    table: pd.DataFrame
    synthetic: bool


def _trade_version() -> str:
    return current_data_version()


@dataclass(frozen=True)
class Step:
    """One heavy result: its kind, what a reader calls it, how it is computed, and the version
    of the data it is computed from (the trade loads unless said otherwise)."""

    kind: str
    title: str
    compute: Callable[[], object]
    version: Callable[[], str] = _trade_version

    @property
    def key(self) -> str:
        """Which one: results depend on the home country as well as on the data (the forecast
        run on its slice, which names the home country; the commitments on the day too)."""
        if self.kind == "forecast":
            from haiquan.forecast.published import home_slice

            return home_slice().key
        if self.kind == COMMITMENTS_KIND:
            import datetime as dt

            return f"{get_settings().home_country}/{dt.date.today().isoformat()}"
        return get_settings().home_country


#: The commitments overview: its own data version, the status records' (not the trade loads').
COMMITMENTS_KIND = "commitments.overview"


def _commitments() -> object:
    from haiquan.commitments.overview import commitments_overview

    return commitments_overview()


def _records_version() -> str:
    from haiquan.commitments.overview import records_version

    return records_version()


def _forecast() -> object:
    from haiquan.forecast.published import compute_forecast, home_slice

    return compute_forecast(home_slice())


def _indicators() -> IndicatorTable:
    from haiquan.analytics import load_flows, partner_indicators

    result = partner_indicators(load_flows())
    return IndicatorTable(table=result.table, synthetic=result.synthetic)


def _scores() -> object:
    from haiquan.priorities.service import rank_partners

    return rank_partners(sensitivity=None)


@dataclass(frozen=True)
class StoredPlan:
    """The cooperation plan, and the names of every initiative of its catalogue (the page names
    initiatives the plan did not choose too; reading the catalogue again takes seconds)."""

    plan: Plan
    initiative_names: dict[str, str]
    forecast_run: str | None = None


def _plan() -> StoredPlan:
    from haiquan.forecast.published import stored_forecast
    from haiquan.priorities.catalogue import load_catalogue
    from haiquan.priorities.service import plan_cooperation

    plan = plan_cooperation()
    names = {item.id: item.name for item in load_catalogue().initiatives}
    # A plan built on the warehouse's rows projects partner trade with the stored run of the
    # same data (haiquan.priorities model_forecast reads it; tests/web/test_one_forecast.py).
    run = stored_forecast() if str(plan.data_source).startswith("warehouse") else None
    return StoredPlan(
        plan=plan, initiative_names=names, forecast_run=run.label if run is not None else None
    )


#: The heavy results, in the order they are computed (the commitments first: seconds, and
#: independent of the trade data; then the forecast: the others read it).
STEPS: tuple[Step, ...] = (
    Step(
        COMMITMENTS_KIND, "rates and deadlines of the commitments", _commitments, _records_version
    ),
    Step("forecast", "forecasts of the home country's trade", _forecast),
    Step("trade.indicators", "indicators of every partner relationship", _indicators),
    Step("priorities.scores", "partner priority scores", _scores),
    Step("priorities.plan", "the cooperation plan", _plan),
)


def step(kind: str) -> Step:
    """The step computing ``kind``.

    Raises:
        InputError: no such kind (the message lists them).
    """
    for candidate in STEPS:
        if candidate.kind == kind:
            return candidate
    from haiquan.errors import InputError

    raise InputError(
        f"unknown result {kind!r}",
        expected="one of " + ", ".join(s.kind for s in STEPS),
        got=repr(kind),
        fix="leave --only out to refresh every result",
    )


@dataclass(frozen=True)
class RefreshReport:
    """What a refresh did.

    Attributes:
        data_version: the data version computed for.
        states: the final state of every step asked for.
        already_running: another refresh held the lock; nothing was done here.
    """

    data_version: str
    states: list[ResultState]
    already_running: bool = False


def _lock_path() -> Any:
    home = get_settings().home
    home.mkdir(parents=True, exist_ok=True)
    return home / "refresh.lock"


@contextlib.contextmanager
def _exclusive(wait: float = 0.0) -> Iterator[bool]:
    """Hold the HOME's refresh lock while the block runs; yields False when another holds it.

    The operating system releases the lock when the process ends, however it ends, so a crashed
    refresh never blocks the next one.
    """
    with open(_lock_path(), "a+") as handle:
        # A moment's patience: a server checking whether a refresh runs holds the lock briefly.
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(0.05)
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def refresh_running() -> bool:
    """Whether a refresh (in any process) holds this HOME's lock right now."""
    with _exclusive() as free:
        return not free


def refresh(
    kinds: list[str] | None = None,
    *,
    force: bool = False,
    on_state: Callable[[ResultState], None] | None = None,
) -> RefreshReport:
    """Compute and store every heavy result (or ``kinds``) missing for the current data.

    Args:
        kinds: the results to compute (default every one of :data:`STEPS`, in order).
        force: compute even those already stored for the current data.
        on_state: called with every state written (for a progress display).

    A step that fails is recorded as ``failed`` with its error message and the next step runs.
    When the data changes during a refresh (a load meanwhile) the refresh starts over for the
    new version; results of older versions are deleted.

    Raises:
        InputError: an unknown kind.
    """
    chosen = [step(kind) for kind in kinds] if kinds else list(STEPS)
    notify = on_state or (lambda state: None)
    with _exclusive(wait=1.0) as free:
        versions = step_versions(chosen)
        trade = current_data_version()
        if not free:
            return RefreshReport(trade, _states(chosen, versions), already_running=True)
        for _ in range(3):  # start over (a few times at most) when a load changed the data
            _run([s for s in chosen if versions[s.kind] != NO_DATA], versions, force, notify)
            latest = step_versions(chosen)
            if latest == versions:
                break
            # Only what a load (or a status record) changed is computed again.
            versions, force = latest, False
        for kind, version in versions.items():
            if version != NO_DATA:
                forget_other_versions(version, kind=kind)
        return RefreshReport(current_data_version(), _states(chosen, versions))


def step_versions(chosen: list[Step] | None = None) -> dict[str, str]:
    """The data version each step (default: every one) computes from, by kind
    (:data:`NO_DATA`: nothing to compute it from yet)."""
    found: dict[Callable[[], str], str] = {}
    versions = {}
    for item in STEPS if chosen is None else chosen:
        if item.version not in found:
            found[item.version] = item.version()
        versions[item.kind] = found[item.version]
    return versions


def _states(chosen: list[Step], versions: dict[str, str]) -> list[ResultState]:
    wanted = {(s.kind, s.key, versions[s.kind]) for s in chosen}
    listed = [s for version in sorted(set(versions.values())) for s in result_states(version)]
    return sorted(
        (s for s in listed if (s.kind, s.key, s.data_version) in wanted),
        key=lambda s: (s.kind, s.key),
    )


def _run(
    chosen: list[Step], versions: dict[str, str], force: bool, notify: Callable[[ResultState], None]
) -> None:
    todo = [s for s in chosen if force or read_result(s.kind, s.key, versions[s.kind]) is None]
    for item in todo:
        notify(
            mark_result(
                item.kind,
                item.key,
                versions[item.kind],
                "pending",
                message=f"waiting: {item.title}",
            )
        )
    for number, item in enumerate(todo, start=1):
        key, version = item.key, versions[item.kind]
        notify(
            mark_result(
                item.kind,
                key,
                version,
                "running",
                progress=0.0,
                message=f"step {number} of {len(todo)}: computing {item.title}",
            )
        )
        started = time.perf_counter()
        try:
            value = item.compute()
        except Exception as error:  # recorded for the page; the next step still runs
            log.exception("refresh step %s failed", item.kind)
            notify(
                mark_result(
                    item.kind,
                    key,
                    version,
                    "failed",
                    progress=0.0,
                    message=f"{item.title}: {error}",
                )
            )
            continue
        seconds = time.perf_counter() - started
        notify(save_result(item.kind, key, version, value, seconds=seconds, message=item.title))


def main() -> None:
    """``python -m haiquan.refresh``: the server's background refresh (logs, no screen)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s haiquan.refresh %(message)s")
    report = refresh(on_state=lambda s: log.info("%s %s: %s", s.kind, s.status, s.message))
    if report.already_running:
        log.info("another refresh is running; nothing to do")


if __name__ == "__main__":
    # Run the imported module, not this __main__ copy: the results pickled must name their
    # classes haiquan.refresh.IndicatorTable, which any reader can import.
    from haiquan.refresh import main as _main

    _main()
