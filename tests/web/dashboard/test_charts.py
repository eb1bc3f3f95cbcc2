from __future__ import annotations

import json
import math

from haiquan.web.dashboard._render import chart_json
from haiquan.web.dashboard.charts import fan_chart, line_chart, stacked_bars, timeline_chart


def test_chart_json_cannot_close_the_script_tag() -> None:
    text = chart_json({"data": [{"name": "</script><script>alert(1)</script>"}], "layout": {}})
    assert "</script>" not in text
    assert json.loads(text)["data"][0]["name"].startswith("</script>")


def test_missing_values_become_gaps() -> None:
    figure = line_chart(["2019", "2020"], {"x": [1.0, math.nan]}, title="t", value_label="v")
    assert figure["data"][0]["y"] == [1.0, None]
    json.loads(chart_json(figure))  # valid JSON: no NaN


def test_stacked_bars_keep_category_order_and_labels() -> None:
    figure = stacked_bars(
        ["CHN", "USA"],
        {"a_b": [1, 2], "c": [3, 4]},
        title="t",
        value_label="v",
        labels={"a_b": "a b"},
    )
    assert [t["name"] for t in figure["data"]] == ["a b", "c"]
    assert figure["data"][1]["x"] == [3, 4] and figure["data"][0]["y"] == ["CHN", "USA"]


def test_fan_chart_draws_bands_before_lines() -> None:
    figure = fan_chart(
        ["2019", "2020"],
        [1, 2],
        ["2021"],
        [3],
        [("95%", [2], [4]), ("80%", [2.5], [3.5])],
        title="t",
        value_label="v",
    )
    names = [t["name"] for t in figure["data"]]
    assert names == ["95% interval", "80% interval", "history", "forecast"]
    band = figure["data"][0]
    assert band["x"] == ["2021", "2021"] and band["y"] == [4, 2]


def test_timeline_bars_span_inclusive_years() -> None:
    figure = timeline_chart(
        [{"label": "a", "start": 2021, "end": 2022, "kind": "x", "hover": ""}], title="t"
    )
    bar = figure["data"][0]
    assert bar["base"] == [2021] and bar["x"] == [2]
