"""``/risk``: the risk queue — the newest declarations in the warehouse scored by the current
risk model, highest score first, with the reasons behind each score.

Scoring runs :func:`haiquan.risk.scoring.score_batch` (batch mode; reasons are computed for red
and yellow only, as the library does by default). Partner alerts kept by ``haiquan alerts pull``
(``HOME/risk/partner_alerts.yaml``), the AEO registry's benefits and each office's capacity are
applied, as ``haiquan risk score`` does. Results are cached until the declaration loads, the
model, the alerts file, the AEO registry, the capacity or the profiles file changes (not the
warehouse file's other writes). The server's warm-up computes the first queue, so the first
visitor does not wait for LightGBM and scikit-learn to load.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from haiquan.errors import NotFoundError, ValidationError
from haiquan.risk.aeo_benefit import configured_aeo_directory
from haiquan.risk.capacity import default_capacity_file, load_capacity_rules
from haiquan.risk.partner_alerts import default_alerts_file
from haiquan.risk.profiles import default_profiles_file, profiles_in_force, read_profiles
from haiquan.warehouse.queries import declarations_version, recent_declarations
from haiquan.web._cache import cached, warehouse_stamp
from haiquan.web.dashboard._render import chart_json, render
from haiquan.web.dashboard.charts import grouped_bars
from haiquan.web.deps import PageUser

__all__ = ["RECENT", "risk_queue", "router"]

router = APIRouter(include_in_schema=False)

#: How many of the newest declarations are scored for the queue.
RECENT = 1000
QUEUE = 50
CHANNELS = ("red", "yellow", "blue", "green")


def _model_stamp(model_dir: Path) -> float:
    current = model_dir / "CURRENT"
    try:
        return current.stat().st_mtime if current.exists() else model_dir.stat().st_mtime
    except OSError:
        return 0.0


def _file_stamp(path: Path) -> tuple[int, int]:
    try:
        info = path.stat()
    except OSError:
        return (0, 0)
    return (info.st_mtime_ns, info.st_size)


def risk_queue(limit: int = RECENT) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Scores, channels and reasons of the newest declarations, highest score first.

    Returns the scored table (with date, office, importer, HS code, origin, value) and facts:
    ``version``, ``synthetic`` (the declarations), ``model_synthetic`` (the model was trained on
    synthetic declarations), ``scored``, and ``alerts`` (partner alerts in force applied),
    ``alerts_kept`` (in the kept alerts file), ``alert_matches``.

    Raises:
        NotFoundError: no declarations, or no trained risk model.
        ValidationError: the kept partner alerts file is damaged.
    """
    # The model's modules (LightGBM, scikit-learn) load with the first queue, not at start-up.
    from haiquan.risk.scoring import score_batch
    from haiquan.risk.service import alerts_in_force
    from haiquan.risk.store import default_model_dir, load_model

    model_dir = default_model_dir()
    alerts_file = default_alerts_file()

    def compute() -> tuple[pd.DataFrame, dict[str, Any]]:
        recent = recent_declarations(limit)
        declarations = recent.rows
        model = load_model(model_dir)
        alerts, applied = alerts_in_force(declarations["date"])
        last = pd.Timestamp(declarations["date"].max()).date() if len(declarations) else None
        first = pd.Timestamp(declarations["date"].min()).date() if len(declarations) else None
        profiles = profiles_in_force(read_profiles(), first, last) if first and last else []
        batch = score_batch(
            declarations,
            model,
            mode="batch",
            alerts=alerts,
            aeo=aeo.directory,
            capacity=load_capacity_rules(on=last),
            profiles=profiles,
        )
        scored = batch.scores
        keep = ["date", "office", "importer", "hs_code", "origin_country", "value"]
        table = pd.concat([scored, declarations[keep]], axis=1)
        table = table.sort_values("score", ascending=False).reset_index(drop=True)
        facts = {
            "version": str(model.meta.get("version", "")),
            "synthetic": recent.synthetic,
            "model_synthetic": bool(model.meta.get("synthetic")),
            "scored": len(table),
            "alerts": applied["active"],
            "alerts_kept": applied["kept"],
            "alert_matches": batch.alert_matches,
            "aeo_matched": batch.aeo["total"],
            "aeo_registry": aeo.where,
            "novel": int((scored["novelty"] != "").sum()),
            "left_out": [e.as_dict() for e in batch.left_out],
        }
        return table, facts

    aeo = configured_aeo_directory()
    # Keyed on the declaration loads, not the warehouse file's time: the refresh writes its
    # states and results into the same file all the time, and none of those writes changes
    # the queue (the loads are read again only when the file changed).
    loaded = cached("risk.declarations_version", declarations_version, warehouse_stamp())

    return cached(
        "risk.queue",
        compute,
        limit,
        loaded,
        _model_stamp(model_dir),
        str(alerts_file),
        _file_stamp(alerts_file),
        aeo.where,
        id(aeo.directory),
        _file_stamp(default_capacity_file()),
        _file_stamp(default_profiles_file()),
    )


def page_context() -> dict[str, Any]:
    """What the risk page shows, or an empty state saying what is missing."""
    try:
        table, facts = risk_queue()
    except (NotFoundError, ValidationError) as error:
        return {"title": "Risk queue", "empty": error.summary, "fix": error.fix}
    counts = table["channel"].value_counts()
    levels = ("low", "medium", "high", "very high")
    by_level = table.groupby(["level", "channel"]).size()
    figure = grouped_bars(
        list(levels),
        {c: [int(by_level.get((lv, c), 0)) for lv in levels] for c in CHANNELS},
        title=f"{facts['scored']} newest declarations by risk level and channel",
        value_label="goods items",
    )
    figure["layout"]["barmode"] = "stack"
    colours = {"red": "#D55E00", "yellow": "#E69F00", "blue": "#0072B2", "green": "#009E73"}
    for trace in figure["data"]:
        trace["marker"]["color"] = colours[trace["name"]]
    return {
        "title": "Risk queue",
        "empty": None,
        "facts": facts,
        "channels": [(c, int(counts.get(c, 0))) for c in CHANNELS],
        "queue": table.head(QUEUE).to_dict(orient="records"),
        "charts": {"levels": chart_json(figure)},
        # scores of a model trained on synthetic data are demo figures too: show the banner
        "synthetic": facts["synthetic"] or facts["model_synthetic"],
    }


@router.get("/risk", response_class=HTMLResponse)
def risk_page(request: Request, user: PageUser) -> HTMLResponse:
    """The highest-scored declarations with their reasons."""
    return render(request, "risk.html", page_context(), user)
