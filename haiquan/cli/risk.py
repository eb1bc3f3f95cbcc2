"""``haiquan risk``: train, score, monitor and retrain the declaration risk model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from haiquan.cli._console import console
from haiquan.cli._options import listed, output_path
from haiquan.cli._output import percent

__all__ = ["register"]

risk_app = typer.Typer(
    name="risk",
    help="Risk management of declarations: train, score to channels, drift, retrain.",
    no_args_is_help=True,
)

ModelOpt = Annotated[
    Path | None,
    typer.Option(
        "--model", help="Model directory (default HAIQUAN_RISK_MODEL_DIR or HOME/models/risk)."
    ),
]
RoundsOpt = Annotated[
    int, typer.Option("--max-rounds", min=1, help="Boosting rounds at most per candidate.")
]
WindowOpt = Annotated[
    int,
    typer.Option("--selection-days", min=1, help="Last days of training data held out to select."),
]
LayoutOpt = Annotated[
    str, typer.Option("--layout", **listed("kcs", "canonical"), help="Column layout of the files.")
]


def _layout(value: str) -> Any:
    from haiquan.errors import InputError

    if value not in ("kcs", "canonical"):
        raise InputError(
            "unknown layout",
            expected="kcs or canonical",
            got=repr(value),
            fix="pass --layout kcs or --layout canonical",
        )
    return value


def _config(max_rounds: int, selection_days: int) -> Any:
    from haiquan.risk.model import TrainingConfig

    return TrainingConfig(max_rounds=max_rounds, selection_days=selection_days)


def _print_report(report: dict[str, Any]) -> None:
    console.print(f"model [bold]{report['version']}[/] saved in {report['model_dir']}")
    if report.get("synthetic_source"):
        console.print(
            f"[bold yellow]warning:[/] trained on SYNTHETIC declarations — "
            f"{report['synthetic_source']}: the figures below describe the generator, not real "
            "trade; the version is marked SYNTHETIC and scoring with it warns",
            highlight=False,
        )
    training = report["training"]
    console.print(
        f"trained on {training['rows']} declarations {training['from']} .. "
        f"{training['to']}; selected on {training['selection_window_from']} .. "
        f"{training['to']}; {report['chosen']['rounds']} rounds"
    )
    critical_meta = report.get("critical") or {}
    if critical_meta and not critical_meta.get("trained"):
        console.print(f"no critical-fraud model: {critical_meta.get('why')}", highlight=False)
    evaluation = report.get("evaluation")
    if not evaluation:
        return
    table = Table(title="evaluation on the valid file (never used to train or select)")
    for column in ("selector", "inspected", "precision", "recall", "revenue", "AUC"):
        table.add_column(column, justify="left" if column == "selector" else "right")
    rows = [("model", evaluation["model"]), *evaluation["baselines"].items()]
    for name, result in rows:
        for rate, at in result["at"].items():
            table.add_row(
                name,
                rate,
                f"{at['precision']:.3f}",
                f"{at['recall']:.3f}",
                f"{at['revenue']:.3f}",
                f"{result['auc']:.3f}",
            )
    console.print(table)
    critical = evaluation.get("critical")
    if critical:
        at = critical["at"]
        console.print(
            f"critical fraud (public safety) model on the valid file: {critical['rows']} "
            f"declarations, {percent(critical['fraud_rate'], 2)} critical; precision at 1 % "
            f"{at['1%']['precision']:.3f}, at 5 % {at['5%']['precision']:.3f}; recall at 5 % "
            f"{at['5%']['recall']:.3f}; AUC {critical['auc']:.3f}",
            highlight=False,
        )
    segments = evaluation.get("segments") or {}
    if segments:
        table = Table(title="the model by segment of the valid file (how sure its scores are)")
        for column in ("segment", "rows", "fraud rate", "prec@5%", "prec@10%", "AUC"):
            table.add_column(column, justify="left" if column == "segment" else "right")
        for name, result in segments.items():
            table.add_row(
                name,
                str(result["rows"]),
                f"{result['fraud_rate']:.3f}",
                f"{result['at']['5%']['precision']:.3f}",
                f"{result['at']['10%']['precision']:.3f}",
                f"{result['auc']:.3f}",
            )
        console.print(table)


@risk_app.command("train")
def train(
    train: Annotated[Path, typer.Option("--train", help="Labelled declarations to train on.")],
    model: ModelOpt = None,
    valid: Annotated[
        Path | None,
        typer.Option("--valid", help="Later labelled declarations, scored for the report only."),
    ] = None,
    layout: LayoutOpt = "kcs",
    max_rounds: RoundsOpt = 2000,
    selection_days: WindowOpt = 61,
) -> None:
    """Train a model on time-ordered data and save it as a new version."""
    from haiquan.risk.service import train_risk_model

    config = _config(max_rounds, selection_days)
    _print_report(
        train_risk_model(train, model, valid=valid, layout=_layout(layout), config=config)
    )


@risk_app.command("retrain")
def retrain(
    new: Annotated[
        list[Path] | None,
        typer.Option("--new", help="Newly labelled declarations (repeat for several files)."),
    ] = None,
    outcomes: Annotated[
        bool,
        typer.Option(
            "--outcomes",
            help="Add the inspection outcomes recorded with "
            "`haiquan risk outcome` (with the declarations scoring selected).",
        ),
    ] = False,
    model: ModelOpt = None,
    valid: Annotated[Path | None, typer.Option("--valid", help="File for the report.")] = None,
    layout: LayoutOpt = "kcs",
    max_rounds: RoundsOpt = 2000,
    selection_days: WindowOpt = 61,
) -> None:
    """Retrain on the current version's data plus new labelled data or recorded inspection
    outcomes, as a new version."""
    from haiquan.risk.service import retrain_risk_model

    config = _config(max_rounds, selection_days)
    report = retrain_risk_model(
        new or [], model, valid=valid, layout=_layout(layout), config=config, outcomes=outcomes
    )
    console.print(f"added {report['added_rows']} declarations")
    _print_report(report)
    if report.get("synthetic"):
        console.print(
            "[bold yellow]warning:[/] this version still holds the SYNTHETIC training data of "
            "the version it was retrained from; train on real data with `haiquan risk train`"
        )


@risk_app.command("score")
def score(
    input: Annotated[Path, typer.Option("--input", help="Declarations to score.")],
    output: Annotated[Path, typer.Option("--output", help="CSV of scores to write.")],
    model: ModelOpt = None,
    layout: LayoutOpt = "kcs",
    alerts: Annotated[
        Path | None,
        typer.Option(
            "--alerts",
            help="YAML list of partner alerts to apply (default: the file `haiquan alerts pull` "
            "fills, HAIQUAN_HOME/risk/partner_alerts.yaml, if present).",
        ),
    ] = None,
    no_alerts: Annotated[
        bool, typer.Option("--no-alerts", help="Apply no partner alerts.")
    ] = False,
    explain: Annotated[
        str,
        typer.Option(
            "--explain",
            **listed("inspected", "all", "none"),
            help="Reasons for: inspected (red/yellow), all, none.",
        ),
    ] = "inspected",
    no_aeo: Annotated[
        bool,
        typer.Option("--no-aeo", help="Apply no AEO benefit (default: the AEO registry's)."),
    ] = False,
    profiles: Annotated[
        Path | None,
        typer.Option(
            "--profiles",
            help="Targeting profiles (default HAIQUAN_HOME/risk/profiles.yaml if present).",
        ),
    ] = None,
    capacity: Annotated[
        Path | None,
        typer.Option(
            "--capacity",
            help="Office capacity rules (default HAIQUAN_HOME/risk/capacity.yaml if present, "
            "else no limit).",
        ),
    ] = None,
) -> None:
    """Score declarations and route them to channels (columns: declaration_id, item_number,
    score, level, channel, selection, duty_at_stake, aeo, novelty, reasons). Partner alerts
    kept by `haiquan alerts pull`, the AEO registry's benefits and each office's capacity are
    applied; the summary says how many declarations each touched."""
    from haiquan.errors import InputError
    from haiquan.risk.service import score_file

    if explain not in ("inspected", "all", "none"):
        raise InputError(
            "unknown --explain",
            expected="inspected, all or none",
            got=repr(explain),
            fix="pass one of the three",
        )
    if alerts is not None and no_alerts:
        raise InputError(
            "--alerts and --no-alerts contradict each other",
            expected="one of them",
            got="both",
            fix="drop --no-alerts to apply the file, or --alerts to apply none",
        )
    summary = score_file(
        input,
        output_path(output, "--output"),
        model,
        layout=_layout(layout),
        alerts_path=alerts,
        apply_alerts=not no_alerts,
        apply_aeo=not no_aeo,
        capacity_path=capacity,
        profiles_path=profiles,
        explain=explain,  # type: ignore[arg-type]
        progress=_progress_bar(),
    )
    if summary["synthetic_model"]:
        console.print(
            f"[bold yellow]warning:[/] model {summary['version']} was trained on SYNTHETIC "
            f"declarations ({summary.get('synthetic_source') or 'the demo'}), not real ones: "
            "its scores say nothing about real risk; train one on real labelled data with "
            "`haiquan risk train`",
            highlight=False,
        )
    console.print(
        f"scored {summary['rows']} declarations with model {summary['version']} "
        f"-> {summary['output']}"
    )
    if summary.get("routed_one_by_one"):
        console.print(
            f"{summary['rows']} declarations are too few to count the channel rates on: each "
            "was routed against the model's reference scores, as through the API (a file of "
            "a day's declarations gets exact rates)",
            highlight=False,
        )
    if summary["dated_in_training"]:
        console.print(
            f"[bold yellow]warning:[/] {summary['dated_in_training']} declarations are dated "
            f"within the training period of model {summary['version']}: those that are also "
            "in its training data count twice in their own history; score declarations "
            "lodged after the training data ends",
            highlight=False,
        )
    _print_inputs(summary)
    applied = summary["alerts"]
    if applied["file"] is None:
        console.print("partner alerts: none applied (--no-alerts)")
    elif applied["kept"] == 0:
        console.print(
            f"partner alerts: 0 applied (none kept in {applied['file']}; "
            "`haiquan alerts pull` fetches them)",
            highlight=False,
        )
    else:
        console.print(
            f"partner alerts: {applied['active']} active of {applied['kept']} in "
            f"{applied['file']} applied; {applied['matched']} declarations matched",
            highlight=False,
        )
    console.print("channels: " + ", ".join(f"{k} {v}" for k, v in summary["channels"].items()))
    console.print("levels: " + ", ".join(f"{k} {v}" for k, v in summary["levels"].items()))
    _print_routing(summary)


def _progress_bar() -> Any:
    """A progress bar on stderr: first the declarations scored chunk by chunk, then the
    reasons of those sent to red or yellow (the two long parts of a peak day)."""
    from rich.console import Console
    from rich.progress import Progress

    state: dict[str, Any] = {"phase": 0}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            bar = Progress(console=Console(stderr=True), transient=True)
            bar.start()
            label = ("scoring", "reasons")[min(state["phase"], 1)]
            state["phase"] += 1
            state["bar"], state["task"] = bar, bar.add_task(label, total=total)
        state["bar"].update(state["task"], completed=done)
        if done >= total:
            state.pop("bar").stop()

    return update


def _print_inputs(summary: dict[str, Any]) -> None:
    """Warnings about the file: what it lacks, what is odd in it."""
    for column in summary.get("missing_columns", []):
        console.print(
            f"[bold yellow]warning:[/] the file has no {column!r} column: scored as if every "
            f"value were empty, so scores differ from a file that has it; export it with the "
            "column if the clearance system holds it",
            highlight=False,
        )
    if summary.get("dated_in_future"):
        console.print(
            f"[bold yellow]warning:[/] {summary['dated_in_future']} declarations are dated after "
            "today: check the dates (a day and month swapped?)",
            highlight=False,
        )


#: Office-days over capacity listed by `risk score` (the largest first).
_SHOWN = 20


def _print_routing(summary: dict[str, Any]) -> None:
    """What AEO benefits, capacity and novelty did to the day."""
    profiles = summary["profiles"]
    if profiles["kept"]:
        console.print(
            f"targeting profiles: {profiles['active']} in force of {profiles['kept']} in "
            f"{profiles['file']}; {profiles['matched']} declarations matched",
            highlight=False,
        )
    aeo = summary["aeo"]
    matched = aeo["matched"]
    console.print(
        f"AEO benefit: {matched['total']} declarations (importer {matched['importer']}, "
        f"declarant {matched['declarant']}, MRA partner {matched['partner']}); registry "
        f"{aeo['registry']}",
        highlight=False,
    )
    capacity = summary["capacity"]
    if capacity["left_out"]:
        console.print(
            f"[bold yellow]over capacity:[/] {capacity['left_out']} declarations left out "
            f"(capacity rules {capacity['rules']!r}):",
            highlight=False,
        )
        over = sorted(capacity["over"], key=lambda e: -e["left_out"])
        for entry in over[:_SHOWN]:
            console.print(
                f"  office {entry['office']} on {entry['date']}: {entry['channel']} asked "
                f"{entry['asked']}, capacity {entry['capacity']}, {entry['left_out']} sent to "
                f"{entry['moved_to']}; escalate to {entry['escalate_to']}",
                highlight=False,
            )
        if len(over) > _SHOWN:
            console.print(
                f"  and {len(over) - _SHOWN} more office-days (largest first above); "
                "each left-out declaration's reasons name its office, day and whom to "
                "escalate to",
                highlight=False,
            )
    else:
        console.print(
            f"capacity: within every office's capacity (rules {capacity['rules']!r})",
            highlight=False,
        )
    if summary.get("novel"):
        console.print(
            f"novelty: {summary['novel']} declarations unlike the training data (new importer, "
            "new or thinly declared goods): their scores are less sure (column novelty)",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    """Mount ``haiquan risk`` on the root app."""
    from haiquan.cli import risk_models, risk_outcomes

    risk_models.register(risk_app)
    risk_outcomes.register(risk_app)
    app.add_typer(risk_app, name="risk")
