"""From canonical trade-flow rows to the long ``unique_id, ds, y`` panel forecasters work on.

Trade rows carry text periods ('2023-06', '2023Q2', '2023') so that several frequencies share a
column; forecasters need timestamps at a regular frequency. This module selects the slice asked
for, turns each (reporter, partner, flow, frequency, commodity) combination into one series, and
turns timestamps back into the canonical period text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from haiquan.errors import InputError

__all__ = [
    "FREQUENCY_RULES",
    "SERIES_KEYS",
    "FrequencyRule",
    "flows_to_panel",
    "period_to_timestamp",
    "select_slice",
    "timestamp_to_period",
]

#: The columns of a canonical trade row that identify one series.
SERIES_KEYS: tuple[str, ...] = ("reporter", "partner", "flow", "frequency", "commodity")


@dataclass(frozen=True)
class FrequencyRule:
    """How one canonical frequency maps to pandas and to a seasonal period."""

    code: str
    pandas_freq: str
    season_length: int


#: Canonical frequency code -> rule. Periods are period *starts* (``MS``, ``QS``, ``YS``).
FREQUENCY_RULES: dict[str, FrequencyRule] = {
    "M": FrequencyRule("M", "MS", 12),
    "Q": FrequencyRule("Q", "QS", 4),
    "A": FrequencyRule("A", "YS", 1),
}


def _rule(frequency: str) -> FrequencyRule:
    try:
        return FREQUENCY_RULES[frequency]
    except KeyError:
        raise InputError(
            f"unknown frequency {frequency!r}",
            expected="one of " + ", ".join(FREQUENCY_RULES),
            got=repr(frequency),
            fix="use M (monthly), Q (quarterly) or A (annual)",
        ) from None


def period_to_timestamp(periods: pd.Series, frequency: str) -> pd.Series:
    """Canonical period text -> the timestamp of the period's first day.

    >>> period_to_timestamp(pd.Series(["2023-06", "2024-01"]), "M").dt.strftime("%Y-%m-%d").tolist()
    ['2023-06-01', '2024-01-01']
    >>> period_to_timestamp(pd.Series(["2023Q3"]), "Q").dt.strftime("%Y-%m-%d").tolist()
    ['2023-07-01']
    """
    rule = _rule(frequency)
    text = periods.astype(str)
    if rule.code == "M":
        return pd.to_datetime(text + "-01", format="%Y-%m-%d")
    if rule.code == "Q":
        return (
            pd.PeriodIndex(text, freq="Q").to_timestamp(how="start").to_series(index=periods.index)
        )
    return pd.to_datetime(text + "-01-01", format="%Y-%m-%d")


def timestamp_to_period(stamps: pd.Series, frequency: str) -> pd.Series:
    """Timestamps -> canonical period text (the inverse of :func:`period_to_timestamp`).

    >>> timestamp_to_period(pd.Series(pd.to_datetime(["2023-07-01"])), "Q").tolist()
    ['2023Q3']
    """
    rule = _rule(frequency)
    ts = pd.to_datetime(stamps)
    if rule.code == "M":
        return ts.dt.strftime("%Y-%m")
    if rule.code == "Q":
        return ts.dt.year.astype(str) + "Q" + ts.dt.quarter.astype(str)
    return ts.dt.year.astype(str)


def select_slice(
    flows: pd.DataFrame,
    *,
    reporter: str | None = None,
    flow: str | None = None,
    frequency: str | None = None,
    partners: Sequence[str] | None = None,
    commodity_level: int | None = None,
    countries_only: bool = False,
) -> pd.DataFrame:
    """Rows of one slice of a canonical trade table.

    Args:
        flows: canonical trade rows.
        reporter, flow, frequency: keep only this value (``None`` keeps all).
        partners: keep only these partner codes.
        commodity_level: 0 keeps ``TOTAL`` rows, 2/4/6/8/10 keep HS codes of that many digits;
            ``None`` keeps every commodity.
        countries_only: drop named groups (WORLD, EUROPEAN_UNION ...), whose three-letter-or-not
            code tells them apart; needed before summing partners into a total.

    Raises:
        InputError: when nothing is left, naming the filters so the user sees which one to relax.
    """
    mask = pd.Series(True, index=flows.index)
    if reporter is not None:
        mask &= flows["reporter"] == reporter.upper()
    if flow is not None:
        mask &= flows["flow"] == flow.lower()
    if frequency is not None:
        mask &= flows["frequency"] == frequency.upper()
    if partners:
        mask &= flows["partner"].isin([p.upper() for p in partners])
    if commodity_level is not None:
        commodity = flows["commodity"].astype(str)
        if commodity_level == 0:
            mask &= commodity == "TOTAL"
        else:
            mask &= (commodity != "TOTAL") & (commodity.str.len() == commodity_level)
    if countries_only:
        mask &= flows["partner"].astype(str).str.len() == 3
    out = flows.loc[mask]
    if out.empty:
        raise InputError(
            "no trade rows match the slice",
            expected="at least one row",
            got=(
                f"reporter={reporter}, flow={flow}, frequency={frequency}, "
                f"partners={list(partners) if partners else 'any'}, "
                f"commodity_level={commodity_level}"
            ),
            fix="relax a filter, or check the data loaded (`haiquan show`)",
        )
    return out


def flows_to_panel(
    flows: pd.DataFrame,
    *,
    keys: Sequence[str] = SERIES_KEYS,
    value_column: str = "value_usd",
    id_separator: str = "|",
    max_gap: int = 2,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Turn canonical rows into a regular long panel and a table of series keys.

    Rows of one series and period are summed (a source may split a value over several rows).
    Up to ``max_gap`` consecutive missing periods inside a series are filled with zero: trade
    statistics omit a cell when nothing was traded, and forecasters need a regular grid. A longer
    gap means the partner was not reported at all (IMF DOTS has Vietnam-Japan for 1960-63, then
    nothing until 1985), so the series starts after its last long gap.

    Returns:
        ``(panel, series)``: ``panel`` has ``unique_id, ds, y`` sorted by id and time; ``series``
        has ``unique_id``, the key columns and ``frequency``, one row per series.

    Raises:
        InputError: a key column is missing, or the rows mix frequencies in one series.
    """
    missing = [c for c in [*keys, "frequency", "period", value_column] if c not in flows.columns]
    if missing:
        raise InputError(
            "the trade table lacks columns needed to build series",
            expected="columns " + ", ".join([*keys, "period", value_column]),
            got="columns " + ", ".join(map(str, flows.columns)),
            fix="pass canonical trade rows (haiquan.warehouse.query_flows or read_trade_file)",
        )
    key_list = list(dict.fromkeys([*keys, "frequency"]))
    frame = flows[[*key_list, "period", value_column]].copy()
    for column in key_list:
        frame[column] = frame[column].astype(str)
    frame["unique_id"] = frame[key_list[0]].str.cat(
        [frame[c] for c in key_list[1:]], sep=id_separator
    )
    parts = []
    for frequency, group in frame.groupby("frequency", sort=True):
        rule = _rule(str(frequency))
        ds = period_to_timestamp(group["period"], rule.code)
        part = pd.DataFrame(
            {
                "unique_id": group["unique_id"].to_numpy(),
                "ds": ds.to_numpy(),
                "y": group[value_column].astype("float64").to_numpy(),
            }
        )
        part = part.groupby(["unique_id", "ds"], as_index=False, sort=True)["y"].sum(min_count=1)
        part = _fill_gaps(part, rule.pandas_freq)
        parts.append(_after_last_long_gap(part, max_gap))
    panel = pd.concat(parts, ignore_index=True)
    panel["y"] = panel["y"].fillna(0.0)
    series = frame.drop_duplicates("unique_id")[["unique_id", *key_list]].sort_values("unique_id")
    return panel.reset_index(drop=True), series.reset_index(drop=True)


def _after_last_long_gap(part: pd.DataFrame, max_gap: int) -> pd.DataFrame:
    """Drop each series' rows before its last run of more than ``max_gap`` missing periods."""
    missing = part["y"].isna()
    run_start = missing & ~missing.groupby(part["unique_id"]).shift(1, fill_value=False)
    run_id = run_start.groupby(part["unique_id"]).cumsum().where(missing)
    run_length = run_id.groupby([part["unique_id"], run_id]).transform("size")
    long_gap = missing & (run_length > max_gap)
    # Rows after the last long-gap row of their series are kept.
    after = long_gap[::-1].groupby(part["unique_id"][::-1]).cummax()[::-1]
    return part[~after].reset_index(drop=True)


def _fill_gaps(part: pd.DataFrame, pandas_freq: str) -> pd.DataFrame:
    """Every period from each series' first to its last, the missing ones with NaN.

    One calendar for the whole panel, each series its slice of it: a calendar per series cost
    more than the rest of building the panel (pandas builds month-start ranges one date at a
    time).
    """
    spans = part.groupby("unique_id", sort=True)["ds"].agg(["min", "max"])
    if spans.empty:
        return part.iloc[0:0]
    grid = pd.date_range(spans["min"].min(), spans["max"].max(), freq=pandas_freq)
    first = grid.searchsorted(spans["min"].to_numpy())
    last = grid.searchsorted(spans["max"].to_numpy())
    on_grid = (last < len(grid)) & (grid[np.minimum(first, len(grid) - 1)] == spans["min"])
    on_grid &= grid[np.minimum(last, len(grid) - 1)] == spans["max"]
    if not bool(np.all(on_grid)):  # a date off the frequency's calendar: one range each
        ids: list[np.ndarray] = []
        stamps: list[pd.DatetimeIndex] = []
        for uid, (start, end) in spans.iterrows():
            own = pd.date_range(start, end, freq=pandas_freq)
            stamps.append(own)
            ids.append(np.full(len(own), uid, dtype=object))
        full = pd.DataFrame({"unique_id": np.concatenate(ids), "ds": np.concatenate(stamps)})
        return full.merge(part, on=["unique_id", "ds"], how="left")
    lengths = last - first + 1
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    positions = np.arange(int(lengths.sum())) - starts + np.repeat(first, lengths)
    full = pd.DataFrame(
        {
            "unique_id": np.repeat(spans.index.to_numpy(dtype=object), lengths),
            "ds": grid[positions].to_numpy(),
        }
    )
    return full.merge(part, on=["unique_id", "ds"], how="left")
