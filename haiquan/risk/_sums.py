"""Sums over earlier-dated rows with the same key: a batch's own rows, and the history kept
with a model (private to :mod:`haiquan.risk.features`).

Keys are non-negative integer codes and days are days since 1970. A batch is sorted by (code,
day) with stable radix passes over 16-bit digits (numpy sorts 16-bit integers by radix, far
faster than 64-bit keys: docs/risk.md, "Speed"); the history keeps cumulative daily totals sorted by
``code << 20 | day``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "DAY_BITS",
    "KeyHistory",
    "count_before",
    "exclusive_before",
    "order_by_code_day",
    "order_by_day",
]

DAY_BITS = 20  # days since 1970 stay below 2**20 until the year 4840


def order_by_day(day: np.ndarray) -> np.ndarray:
    """Row positions sorted by day, ties in row order."""
    if len(day) and int(day.max()) - int(day.min()) < 2**16:
        # numpy sorts 16-bit integers stably by radix, far faster than sorting int64
        return np.argsort((day - day.min()).astype(np.uint16), kind="stable")
    return np.argsort(day, kind="stable")


def order_by_code_day(codes: np.ndarray, by_day: np.ndarray) -> np.ndarray:
    """Row positions sorted by (code, day), ties in row order: stable radix passes over the
    16-bit digits of the (non-negative) codes, starting from the day order."""
    order = by_day
    top = int(codes.max()) if len(codes) else 0
    shift = 0
    while True:
        digit = ((codes[order] >> shift) & 0xFFFF).astype(np.uint16)
        order = order[np.argsort(digit, kind="stable")]
        shift += 16
        if top >> shift == 0:
            return order


def exclusive_before(
    codes: np.ndarray, day: np.ndarray, values: np.ndarray, by_day: np.ndarray | None = None
) -> np.ndarray:
    """Per row, the sum of ``values`` over earlier-dated rows with the same code (rows x k).

    ``codes`` are non-negative integers; ``by_day`` (:func:`order_by_day` of ``day``) may be
    passed when several keys share the same days.
    """
    n = len(codes)
    if n <= 1:
        return np.zeros_like(values)
    order = order_by_code_day(codes, order_by_day(day) if by_day is None else by_day)
    c = codes[order]
    d = day[order]
    new_code = np.r_[True, c[1:] != c[:-1]]
    code_start = np.maximum.accumulate(np.where(new_code, np.arange(n), 0))
    new_day = new_code | np.r_[True, d[1:] != d[:-1]]
    day_start = np.maximum.accumulate(np.where(new_day, np.arange(n), 0))
    # Columns of all zeros (labels at scoring time) sum to zero and columns of all ones (the
    # count) to the number of rows between the two starts: no cumulative sum needed (exact).
    zero = ~values.any(axis=0)
    one = ~zero & (values == 1.0).all(axis=0)
    general = np.flatnonzero(~zero & ~one)
    before = np.zeros((n, values.shape[1]), dtype=np.result_type(values, np.float64))
    if one.any():
        before[:, one] = (day_start - code_start).astype(float)[:, None]
    if len(general):
        v = values[order][:, general]
        running = np.cumsum(v, axis=0) - v  # sum of all rows before, in sorted order
        before[:, general] = running[day_start] - running[code_start]
    out = np.empty_like(before)
    out[order] = before
    return out


def count_before(codes: np.ndarray, day: np.ndarray, by_day: np.ndarray | None) -> np.ndarray:
    """Per row, the number of earlier-dated rows with the same code (:func:`exclusive_before`
    of a column of ones, without building it)."""
    n = len(codes)
    if n <= 1:
        return np.zeros(n)
    order = order_by_code_day(codes, order_by_day(day) if by_day is None else by_day)
    c = codes[order]
    d = day[order]
    new_code = np.empty(n, dtype=bool)
    new_code[0] = True
    np.not_equal(c[1:], c[:-1], out=new_code[1:])
    new_day = np.empty(n, dtype=bool)
    new_day[0] = True
    np.not_equal(d[1:], d[:-1], out=new_day[1:])
    new_day |= new_code
    positions = np.arange(n)
    code_start = np.maximum.accumulate(np.where(new_code, positions, 0))
    day_start = np.maximum.accumulate(np.where(new_day, positions, 0))
    out = np.empty(n)
    out[order] = day_start - code_start
    return out


@dataclass
class KeyHistory:
    """Cumulative daily totals of one key, sorted by ``code << 20 | day`` (inclusive of the day)."""

    vocab: np.ndarray  # key text per code
    composite: np.ndarray  # int64, sorted
    totals: np.ndarray  # float64 (m x k): n, labelled, positives[, sums, squares]
    _lookup: dict[str, int] | None = field(default=None, repr=False)
    _index: pd.Index | None = field(default=None, repr=False)
    #: Per code, the row of its latest totals (what any later day sees), and the last day.
    _last: np.ndarray = field(init=False, repr=False)
    _last_day: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        code_of = self.composite >> DAY_BITS
        is_last = np.r_[code_of[1:] != code_of[:-1], True] if len(code_of) else code_of == 0
        self._last = np.full(len(self.vocab), -1, dtype=np.int64)
        self._last[code_of[is_last]] = np.flatnonzero(is_last)
        days = self.composite & ((1 << DAY_BITS) - 1)
        self._last_day = int(days.max()) if len(days) else -1

    def codes(self, keys: np.ndarray) -> np.ndarray:
        """The history code of each key text, -1 for keys the history has not seen."""
        if self._index is None:
            self._index = pd.Index(self.vocab.tolist())
        return np.asarray(self._index.get_indexer(keys), dtype=np.int64)

    def before(self, codes: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Totals over history rows with the same code dated strictly before ``day`` (rows x k).

        Days after the history's last day (scoring new declarations) read each code's latest
        totals directly; only earlier days need a binary search.
        """
        out = np.zeros((len(codes), self.totals.shape[1]))
        if len(self.composite) == 0:
            return out
        known = codes >= 0
        late = known & (day > self._last_day)
        if late.any():
            out[late] = self.totals[self._last[codes[late]]]
        early = np.flatnonzero(known & ~late)
        if len(early):
            wanted = codes[early]
            query = (wanted << DAY_BITS) | day[early]
            position = np.searchsorted(self.composite, query, side="left") - 1
            ok = position >= 0
            position = np.where(ok, position, 0)
            ok &= (self.composite[position] >> DAY_BITS) == wanted
            out[early[ok]] = self.totals[position[ok]]
        return out

    def before_one(self, key: str, day: int) -> list[float] | None:
        """:meth:`before` for one key text; ``None`` when the history has nothing before."""
        lookup = self._lookup
        if lookup is None:
            lookup = self._lookup = {k: i for i, k in enumerate(self.vocab.tolist())}
        code = lookup.get(key)
        if code is None:
            return None
        if day > self._last_day:
            return self.totals[self._last[code]].tolist()  # type: ignore[no-any-return]
        position = int(np.searchsorted(self.composite, (code << DAY_BITS) | day)) - 1
        if position < 0 or int(self.composite[position]) >> DAY_BITS != code:
            return None
        return self.totals[position].tolist()  # type: ignore[no-any-return]

    @classmethod
    def build(cls, keys: np.ndarray, day: np.ndarray, values: np.ndarray) -> KeyHistory:
        codes, uniques = pd.factorize(np.asarray(keys, dtype=object), sort=False)
        composite = (codes.astype(np.int64) << DAY_BITS) | day
        unique, inverse = np.unique(composite, return_inverse=True)
        daily = np.zeros((len(unique), values.shape[1]))
        np.add.at(daily, inverse, values)
        code_of = unique >> DAY_BITS
        running = np.cumsum(daily, axis=0)
        new_code = np.r_[True, code_of[1:] != code_of[:-1]]
        start = np.maximum.accumulate(np.where(new_code, np.arange(len(unique)), 0))
        offset = np.where(start > 0, running[np.maximum(start - 1, 0)].T, 0).T
        return cls(np.asarray(uniques, dtype=str), unique, running - offset)
