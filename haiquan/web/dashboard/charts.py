"""Plotly figures for the dashboard, built as plain dictionaries.

Building ``{"data": [...], "layout": {...}}`` directly (rather than through
``plotly.graph_objects``) skips Plotly's Python-side validation, which costs tens of
milliseconds a figure; the browser's plotly.js draws the same thing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "PALETTE",
    "fan_chart",
    "grouped_bars",
    "line_chart",
    "stacked_bars",
    "timeline_chart",
]

Figure = dict[str, Any]

#: Colour-blind-safe palette (Okabe-Ito), so categories stay distinct for every reader.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def _clean(values: Sequence[Any]) -> list[Any]:
    # JSON has no NaN: Plotly reads null as a gap.
    return [None if isinstance(v, float) and not math.isfinite(v) else v for v in values]


def stacked_bars(
    categories: Sequence[str],
    parts: Mapping[str, Sequence[float]],
    *,
    title: str,
    value_label: str,
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """Horizontal stacked bars: one bar per category, one colour per part (e.g. a score's
    breakdown). The first category is drawn at the top.

    >>> fig = stacked_bars(["CHN", "USA"], {"trade": [3.0, 2.0]}, title="t", value_label="v")
    >>> fig["data"][0]["orientation"], fig["layout"]["barmode"]
    ('h', 'stack')
    """
    labels = labels or {}
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": labels.get(name, name),
            "y": list(categories),
            "x": _clean(list(values)),
            "marker": {"color": PALETTE[i % len(PALETTE)]},
            "hovertemplate": "%{y}: %{x:.1f}<extra>" + labels.get(name, name) + "</extra>",
        }
        for i, (name, values) in enumerate(parts.items())
    ]
    return {
        "data": data,
        "layout": {
            "title": {"text": title},
            "barmode": "stack",
            "xaxis": {"title": {"text": value_label, "standoff": 4}},
            "yaxis": {"autorange": "reversed", "automargin": True},
            "legend": {"orientation": "h", "y": -0.12, "yanchor": "top"},
            "height": max(340, 28 * len(categories) + 170),
        },
    }


def grouped_bars(
    categories: Sequence[Any],
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    value_label: str,
) -> Figure:
    """Vertical grouped bars, one group per category."""
    data = [
        {
            "type": "bar",
            "name": name,
            "x": list(categories),
            "y": _clean(list(values)),
            "marker": {"color": PALETTE[i % len(PALETTE)]},
        }
        for i, (name, values) in enumerate(series.items())
    ]
    return {
        "data": data,
        "layout": {
            "title": {"text": title},
            "barmode": "group",
            "yaxis": {"title": {"text": value_label}},
            "xaxis": {"type": "category"},
            "legend": {"orientation": "h", "y": -0.2},
            "height": 340,
        },
    }


def line_chart(
    x: Sequence[Any],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    value_label: str,
    percent: bool = False,
) -> Figure:
    """Lines over time, one per series."""
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name,
            "x": list(x),
            "y": _clean(list(values)),
            "line": {"color": PALETTE[i % len(PALETTE)]},
        }
        for i, (name, values) in enumerate(series.items())
    ]
    yaxis: dict[str, Any] = {"title": {"text": value_label}, "rangemode": "tozero"}
    if percent:
        yaxis["tickformat"] = ".0%"
    return {
        "data": data,
        "layout": {
            "title": {"text": title},
            "yaxis": yaxis,
            "legend": {"orientation": "h", "y": -0.2},
            "height": 340,
        },
    }


def fan_chart(
    history_x: Sequence[Any],
    history_y: Sequence[float],
    forecast_x: Sequence[Any],
    mean: Sequence[float],
    bands: Sequence[tuple[str, Sequence[float], Sequence[float]]],
    *,
    title: str,
    value_label: str,
) -> Figure:
    """History, then a forecast with shaded prediction intervals, widest band first.

    ``bands`` are ``(label, lower, upper)``, e.g. ``("95%", lo95, hi95)``.
    """
    data: list[dict[str, Any]] = []
    shades = ["rgba(0,114,178,0.15)", "rgba(0,114,178,0.3)", "rgba(0,114,178,0.45)"]
    for i, (label, lower, upper) in enumerate(bands):
        data.append(
            {
                "type": "scatter",
                "x": list(forecast_x) + list(forecast_x)[::-1],
                "y": _clean(list(upper) + list(lower)[::-1]),
                "mode": "lines",
                "fill": "toself",
                "fillcolor": shades[min(i, len(shades) - 1)],
                "line": {"width": 0},
                "name": f"{label} interval",
                "hoverinfo": "skip",
            }
        )
    data.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "history",
            "x": list(history_x),
            "y": _clean(list(history_y)),
            "line": {"color": "#333"},
        }
    )
    data.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "forecast",
            "x": list(forecast_x),
            "y": _clean(list(mean)),
            "line": {"color": PALETTE[0], "dash": "dash"},
        }
    )
    return {
        "data": data,
        "layout": {
            "title": {"text": title},
            "yaxis": {"title": {"text": value_label}},
            "legend": {"orientation": "h", "y": -0.2},
            "height": 380,
        },
    }


def timeline_chart(
    rows: Sequence[Mapping[str, Any]],
    *,
    title: str,
    group_key: str = "kind",
) -> Figure:
    """A Gantt-style timeline: one bar per row from ``start`` to ``end`` (inclusive years),
    coloured by ``group_key``. Rows need ``label``, ``start``, ``end`` and ``hover``.
    """
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(str(row[group_key]), []).append(row)
    data = []
    for i, (group, members) in enumerate(groups.items()):
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": group.replace("_", " "),
                "y": [m["label"] for m in members],
                "base": [m["start"] for m in members],
                "x": [m["end"] - m["start"] + 1 for m in members],
                "text": [m.get("hover", "") for m in members],
                "textposition": "none",
                "hovertemplate": "%{y}<br>%{text}<extra></extra>",
                "marker": {"color": PALETTE[i % len(PALETTE)]},
            }
        )
    return {
        "data": data,
        "layout": {
            "title": {"text": title},
            "barmode": "overlay",
            "xaxis": {"title": {"text": "year"}, "dtick": 1, "tickformat": "d"},
            "yaxis": {
                "autorange": "reversed",
                "automargin": True,
                "categoryorder": "array",
                "categoryarray": [r["label"] for r in rows],
            },
            "legend": {"orientation": "h", "y": -0.15},
            "height": max(320, 30 * len(rows) + 160),
        },
    }
