"""``haiquan risk drift|versions|use``: watching the risk model after training — how far recent
declarations drift from its training data, its kept versions, and which one is current.

Added to ``haiquan risk`` by :func:`haiquan.cli.risk.register`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from haiquan.cli._console import console
from haiquan.cli._output import Column, FormatOption, OutputFormat, emit, side_console
from haiquan.cli.risk import LayoutOpt, ModelOpt, _layout

__all__ = ["register"]


def drift(
    input: Annotated[Path, typer.Option("--input", help="Recent declarations.")],
    model: ModelOpt = None,
    layout: LayoutOpt = "kcs",
    top: Annotated[
        int,
        typer.Option(
            "--top",
            min=1,
            help="Features to show per kind (declaration, then history), worst first.",
        ),
    ] = 15,
) -> None:
    """Population stability index of each feature: training data vs recent declarations.
    Declaration features come first; history features shift by design and are listed apart."""
    from haiquan.risk.service import drift_report

    report = drift_report(input, model, layout=_layout(layout))
    titles = {
        "declaration": "declaration features: drift here means trade changed (PSI)",
        "history": "history features: shift by design after training, read with care (PSI)",
    }
    for kind, title in titles.items():
        part = report[report["kind"] == kind]
        table = Table(title=title)
        for column in ("feature", "kind", "psi", "status"):
            table.add_column(column)
        for row in part.head(top).itertuples():
            table.add_row(str(row.feature), str(row.kind), f"{row.psi:.4f}", str(row.status))
        console.print(table)
    for kind in ("declaration", "history"):
        part = report[report["kind"] == kind]
        counts = part["status"].value_counts()
        console.print(
            f"{kind} features: "
            + ", ".join(f"{s} {counts.get(s, 0)}" for s in ("significant", "moderate", "stable"))
        )


def versions(model: ModelOpt = None, output: FormatOption = OutputFormat.table) -> None:
    """List the model versions kept in the model directory."""
    from haiquan.risk.store import default_model_dir, list_versions

    root = model or default_model_dir()
    kept = list_versions(root)
    if output is not OutputFormat.table:
        emit(kept, output)
        for v in kept:
            if v.get("synthetic_source"):
                side_console(output).print(
                    f"{v['version']}: trained on SYNTHETIC declarations — "
                    f"{v['synthetic_source']}; its scores say nothing about real risk",
                    highlight=False,
                )
        return
    if not kept:
        console.print(
            f"no risk model versions in {root}; train one: "
            f"haiquan risk train --train TRAIN.csv --model {root}",
            highlight=False,
        )
        return
    rows = [
        {
            "version": v["version"],
            "current": "*" if v["current"] else "",
            "training data": {True: "SYNTHETIC", False: "real"}.get(v["synthetic"], "not recorded"),
            "created": v["created"],
            "rows": v["training_rows"],
            "trained to": v["training_to"],
            "valid AUC": v["valid_auc"],
            "valid prec@5%": v["valid_precision_at_5"],
        }
        for v in kept
    ]
    emit(
        rows,
        columns=[
            Column(c)
            for c in ("version", "current", "training data", "created", "rows", "trained to")
        ]
        + [Column("valid AUC", kind="auto"), Column("valid prec@5%", kind="auto")],
        title="risk model versions",
    )
    for v in kept:
        if v.get("synthetic_source"):
            console.print(
                f"{v['version']}: trained on SYNTHETIC declarations — "
                f"{v['synthetic_source']}; its scores say nothing about real risk",
                highlight=False,
            )


def use(
    version: Annotated[str, typer.Argument(help="Version to make current, e.g. v0001.")],
    model: ModelOpt = None,
) -> None:
    """Make another kept version the current one (roll back or forward)."""
    from haiquan.risk.store import default_model_dir, use_version

    use_version(model or default_model_dir(), version)
    console.print(f"{version} is now the current risk model")


def register(app: typer.Typer) -> None:
    """Add the commands to ``haiquan risk``."""
    app.command("drift")(drift)
    app.command("versions")(versions)
    app.command("use")(use)
