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
    "count_axis",
    "fan_chart",
    "grouped_bars",
    "line_chart",
    "short_label",
    "stacked_bars",
    "timeline_chart",
]

Figure = dict[str, Any]

#: Colour-blind-safe palette (Okabe-Ito), so categories stay distinct for every reader.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def _clean(values: Sequence[Any]) -> list[Any]:
    # JSON has no NaN: Plotly reads null as a gap.
    return [None if isinstance(v, float) and not math.isfinite(v) else v for v in values]


def count_axis(values: Sequence[Any], largest: float) -> dict[str, Any]:
    """Axis settings for whole counts up to ``largest``: ticks 0, 1, 2 (never "0.5 messages").

    >>> count_axis([0, 2, 1], 2)
    {'dtick': 1, 'tickformat': ',d'}
    >>> count_axis([0.5, 2.0], 2), count_axis([3, 40], 40)
    ({}, {})
    """
    finite = [v for v in values if isinstance(v, int | float) and math.isfinite(v)]
    if not finite or largest > 10 or any(float(v) != int(v) for v in finite):
        return {}
    return {"dtick": 1, "tickformat": ",d"}


def short_label(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, marked with "…".

    >>> short_label("2 Opportunity to Comment, Information Before Entry into Force", 30)
    '2 Opportunity to Comment,…'
    >>> short_label("7 Release of Goods", 30)
    '7 Release of Goods'
    """
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…"


#: Characters per line of an initiative's name in the timeline (fits a 390 px phone at 11 px).
TIMELINE_WRAP = 44


def _wrap(text: str, width: int) -> str:
    """``text`` broken into lines of about ``width`` characters with ``<br>`` (Plotly's line
    break), at spaces; nothing is cut.

    >>> _wrap("Implement the ASEAN Mutual Recognition Arrangement", 20)
    'Implement the ASEAN<br>Mutual Recognition<br>Arrangement'
    """
    import textwrap

    return "<br>".join(textwrap.wrap(text, width)) or text


def stacked_bars(
    categories: Sequence[str],
    parts: Mapping[str, Sequence[float]],
    *,
    title: str,
    value_label: str,
    labels: Mapping[str, str] | None = None,
    full_names: Sequence[str] | None = None,
) -> Figure:
    """Horizontal stacked bars: one bar per category, one colour per part (e.g. a score's
    breakdown). The first category is drawn at the top. ``full_names`` (one per category) are
    shown on hover when the axis labels are shortened.

    >>> fig = stacked_bars(["CHN", "USA"], {"trade": [3.0, 2.0]}, title="t", value_label="v")
    >>> fig["data"][0]["orientation"], fig["layout"]["barmode"]
    ('h', 'stack')
    """
    labels = labels or {}
    hover = "%{customdata}" if full_names is not None else "%{y}"
    everything = [v for values in parts.values() for v in values]
    sums = [
        sum(float(v) for v in column if isinstance(v, int | float) and math.isfinite(v))
        for column in zip(*parts.values(), strict=True)
    ]
    largest = max(sums, default=0.0)
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": labels.get(name, name),
            "y": list(categories),
            "x": _clean(list(values)),
            "marker": {"color": PALETTE[i % len(PALETTE)]},
            "hovertemplate": hover + ": %{x:.1f}<extra>" + labels.get(name, name) + "</extra>",
            **({"customdata": list(full_names)} if full_names is not None else {}),
        }
        for i, (name, values) in enumerate(parts.items())
    ]
    return {
        "data": data,
        "layout": {
            "title": {"text": title},
            "barmode": "stack",
            "xaxis": {
                "title": {"text": value_label, "standoff": 4},
                **count_axis(everything, largest),
            },
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
    everything = [v for values in series.values() for v in values]
    largest = max(
        (float(v) for v in everything if isinstance(v, int | float) and math.isfinite(v)),
        default=0.0,
    )
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
            "yaxis": {"title": {"text": value_label}, **count_axis(everything, largest)},
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
    coloured by ``group_key``. Rows need ``label``, ``start``, ``end`` and ``hover``; ``key``
    (an id) keeps two rows with similar labels apart.

    Each name is written whole, wrapped, on its own line above its bar across the chart's full
    width, instead of as an axis label: on a 390 px phone a column of long axis labels left no
    room for the bars and ran off the screen.

    >>> fig = timeline_chart([{"key": "a", "label": "x", "start": 1, "end": 1, "kind": "k",
    ...                        "hover": ""}, {"key": "b", "label": "x", "start": 1, "end": 2,
    ...                        "kind": "k", "hover": ""}], title="t")
    >>> fig["layout"]["yaxis"]["categoryarray"], [a["text"] for a in fig["layout"]["annotations"]]
    (['a', 'b'], ['x', 'x'])
    """
    keys = [str(r.get("key", r["label"])) for r in rows]
    names = [_wrap(str(r["label"]), TIMELINE_WRAP) for r in rows]
    lines = max((name.count("<br>") + 1 for name in names), default=1)
    band = 15 * lines + 26  # px per row: the name's lines, then the bar
    groups: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for key, row in zip(keys, rows, strict=True):
        groups.setdefault(str(row[group_key]), []).append((key, row))
    data = []
    for i, (group, members) in enumerate(groups.items()):
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": group.replace("_", " "),
                "y": [key for key, _ in members],
                "customdata": [m["label"] for _, m in members],
                "base": [m["start"] for _, m in members],
                "x": [m["end"] - m["start"] + 1 for _, m in members],
                "width": 18 / band,
                "offset": 0.5 - 20 / band,  # the bar sits at the bottom of its row
                "text": [m.get("hover", "") for _, m in members],
                "textposition": "none",
                "hovertemplate": "%{customdata}<br>%{text}<extra></extra>",
                "marker": {"color": PALETTE[i % len(PALETTE)]},
            }
        )
    annotations = [
        {"xref": "paper", "x": 0, "xanchor": "left", "yref": "y", "y": key,
         "yanchor": "middle", "yshift": 9, "text": name, "showarrow": False, "align": "left",
         "font": {"size": 11}}
        for key, name in zip(keys, names, strict=True)
    ]
    return {
        "data": data,
        "layout": {
            "title": {"text": title},
            "barmode": "overlay",
            "margin": {"l": 10, "r": 10, "t": 50, "b": 180},
            "xaxis": {"title": {"text": "year"}, "dtick": 1, "tickformat": "d"},
            "yaxis": {
                "autorange": "reversed",
                "categoryorder": "array",
                "categoryarray": keys,
                "showticklabels": False,
            },
            "annotations": annotations,
            # Below the year axis and its title: 70 px under the plot area, whatever its height.
            "legend": {"orientation": "h", "y": -70 / (band * max(len(rows), 1)),
                       "yanchor": "top"},
            "height": band * len(rows) + 230,
        },
    }
