"""``haiquan refresh``: compute and store the heavy results of the current data now.

Parses its options, calls :func:`haiquan.refresh.refresh` and shows each step as it goes; the
web server runs the same function in the background (docs/web.md).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from haiquan.cli._console import console
from haiquan.cli._output import OutputFormat, emit

__all__ = ["register", "run_refresh"]


class ResultKind(StrEnum):
    """The heavy results ``haiquan refresh --only`` computes."""

    commitments_overview = "commitments.overview"
    forecast = "forecast"
    trade_indicators = "trade.indicators"
    priorities_scores = "priorities.scores"
    priorities_plan = "priorities.plan"


def run_refresh(kinds: list[str] | None = None, force: bool = False) -> None:
    """Run the refresh, printing every step's state as it is written."""
    from haiquan.refresh import refresh
    from haiquan.warehouse.results import NO_DATA, ResultState

    def show(state: ResultState) -> None:
        if state.status == "pending":
            return
        took = f" in {state.seconds:.1f} s" if state.seconds is not None else ""
        run = f" (stored result {state.result_id})" if state.result_id is not None else ""
        console.print(f"{state.kind}: {state.status}{took}{run} — {state.message}", soft_wrap=True)

    report = refresh(kinds, force=force, on_state=show)
    if report.already_running:
        console.print(
            "another refresh is computing the results now; nothing done here "
            "(`haiquan refresh --status` shows how far it has got)"
        )
    elif not report.states:
        console.print(
            "the warehouse holds no trade data: nothing to compute (load a file "
            "with `haiquan load FILE`)"
        )
    else:
        failed = [s for s in report.states if s.status == "failed"]
        console.print(
            f"data version {report.data_version}: "
            f"{sum(s.ready for s in report.states)} of {len(report.states)} results "
            "stored" + (f", {len(failed)} failed" if failed else "")
        )
        if report.data_version == NO_DATA:
            # The commitments overview is computed from the status records, not the trade.
            console.print(
                "the warehouse holds no trade data: the trade results wait for a trade load "
                "(`haiquan load FILE`)"
            )
        if failed:
            raise typer.Exit(1)


def _print_status(output: OutputFormat = OutputFormat.table) -> None:
    from haiquan.refresh import refresh_running, step_versions
    from haiquan.warehouse.results import current_data_version, result_states

    version = current_data_version()
    # Each result under its own data version: the commitments overview follows the status
    # records, the others the trade loads.
    versions = step_versions()
    wanted = set(versions.items())
    states = sorted(
        (
            s
            for each in sorted(set(versions.values()))
            for s in result_states(each)
            if (s.kind, s.data_version) in wanted
        ),
        key=lambda s: (s.kind, s.key),
    )
    running = refresh_running()
    if output is not OutputFormat.table:
        emit(
            [
                {
                    "data_version": s.data_version,
                    "running": running,
                    "result": s.kind,
                    "for": s.key,
                    "status": s.status,
                    "stored_result": s.result_id,
                    "seconds": s.seconds,
                    "message": s.message,
                }
                for s in states
            ],
            output,
        )
        return
    console.print(f"data version {version}; a refresh is {'running' if running else 'not running'}")
    if not states:
        console.print("no result stored or being computed for this data version yet")
        return
    emit(
        [
            {
                "result": s.kind,
                "for": s.key,
                "status": s.status,
                "stored result": s.result_id,
                "seconds": s.seconds,
                "message": s.message,
            }
            for s in states
        ],
        title="stored results",
    )


def register(app: typer.Typer) -> None:
    """Mount ``haiquan refresh``."""

    @app.command()
    def refresh(
        only: Annotated[
            list[ResultKind] | None,
            typer.Option("--only", help="Only this result (repeat for several)."),
        ] = None,
        force: Annotated[
            bool,
            typer.Option("--force", help="Compute again even what is stored for the current data."),
        ] = False,
        status: Annotated[
            bool, typer.Option("--status", help="Only show what is stored or being computed.")
        ] = False,
        output: Annotated[
            OutputFormat,
            typer.Option(
                "--format",
                case_sensitive=False,
                help="With --status: table, json or csv (one row per result).",
            ),
        ] = OutputFormat.table,
    ) -> None:
        """Compute and store the forecasts, indicators, partner scores and plan of the current
        data (what the dashboard, the API and `haiquan forecast` read)."""
        if status:
            _print_status(output)
            return
        run_refresh([kind.value for kind in only] if only else None, force)
