"""Risk features computed only from what was known before each declaration.

Histories (how many declarations an importer, a declarant, a seller, an HS code, an origin or a
route had before, and how often their inspections found fraud) are the strongest signals, and also
the easiest place to leak the future into a model. So every history feature of a declaration
dated *d* counts only rows dated strictly before *d*:

* from the **history** kept with the model (the labelled training data, as cumulative daily
  totals per key), and
* from **earlier rows of the batch being scored** — these add to counts and value statistics but
  never to fraud rates unless ``use_batch_labels`` is set (training), because at scoring time
  inspection results of the batch are not known yet.

Two code paths give the same numbers (``tests/risk/test_speed_equivalence.py`` holds them equal
on real KCS rows):

* :meth:`FeatureBuilder.transform`, vectorised over a batch: each text column is factorised once,
  pair keys are combined as integers, earlier batch rows are summed after a radix sort per key (by
  day once, then by key code in 16-bit digits), and history totals are gathered by key code;
* :meth:`FeatureBuilder.transform_one`, one declaration (the API): dictionary look-ups into the
  history and plain Python arithmetic, no array per column.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from haiquan.risk._day_batch import (
    PreparedBatch,
    _aeo_flags,
    _compact,
    _text,  # noqa: F401  (the equivalence tests read it beside the builder)
    _text_codes,
    _text_of,
    _values,
)
from haiquan.risk._one_row import EPOCH, nan_to_num, one_date, one_text
from haiquan.risk._sums import KeyHistory, count_before, exclusive_before, order_by_day
from haiquan.risk.alerts import AeoDirectory
from haiquan.risk.feature_names import (
    BASE_FEATURES,
    CATEGORICAL,
    COUNT_KEYS,
    NOVELTY_KEYS,
    STAT_COLUMNS,
    STAT_KEYS,
    TEXT_COLUMNS,
    feature_names,
)

# The key and column names (feature_names.py) are named here too: the equivalence tests read
# them beside the builder.
__all__ = [
    "CATEGORICAL",
    "COUNT_KEYS",
    "FeatureBuilder",
    "NOVELTY_KEYS",
    "PreparedBatch",
    "STAT_KEYS",
    "columns_of",
]

_SMOOTHING = 5.0  # pseudo-inspections at the prior rate, so one fraud is not a 100 % rate
_SMALL = 64  # below this many rows, list comprehensions beat pandas hashing


def columns_of(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The arrays the builder needs, from a canonical declarations frame."""
    return {name: frame[name].to_numpy() for name in frame.columns}


def _prefix(values: np.ndarray, length: int) -> np.ndarray:
    if len(values) <= _SMALL:
        return np.array([v[:length] for v in values], dtype=object)
    # slice each distinct code once (a batch repeats few HS codes), then spread back
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    sliced = np.array([v[:length] for v in uniques], dtype=object)
    return sliced[codes]


def _prefix_codes(
    codes: np.ndarray, text: np.ndarray, length: int
) -> tuple[np.ndarray, np.ndarray]:
    sliced, distinct = pd.factorize(_prefix(text, length))
    return np.asarray(sliced, dtype=np.int64)[codes], np.asarray(distinct, dtype=object)


def _derive(columns: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """Numeric base columns, and each text key as ``(codes, text per code)`` under ``"codes"``:
    a batch repeats few distinct values, so text work is done once per distinct value."""
    n = len(columns["hs_code"])
    coded: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name in TEXT_COLUMNS:
        if name in columns:
            coded[name] = _text_codes(columns[name])
        else:
            coded[name] = (np.zeros(n, dtype=np.int64), np.array([""], dtype=object))
    hs = _text_codes(columns["hs_code"])
    for length in (6, 4, 2):
        coded[f"hs{length}"] = _prefix_codes(*hs, length)
    out: dict[str, Any] = {"codes": coded}
    value = np.asarray(columns["value"], dtype=float)
    mass = np.asarray(columns["net_mass_kg"], dtype=float)
    rate = np.asarray(columns["tax_rate"], dtype=float)
    out["value"] = value
    out["log_value"] = np.log1p(value)
    out["log_mass"] = np.log1p(mass)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["log_value_per_kg"] = np.where(mass > 0, np.log1p(value / mass), np.nan)
    out["tax_rate"] = rate
    out["tax_at_stake"] = value * rate / 100.0
    out["log_tax_at_stake"] = np.log1p(out["tax_at_stake"])
    out["departure_differs_from_origin"] = np.asarray(
        _text_of(out, "departure_country") != _text_of(out, "origin_country"), dtype=float
    )
    day = np.asarray(columns["date"]).astype("datetime64[D]").astype(np.int64)
    out["day"] = day
    return out


def _batch_keys(derived: Mapping[str, Any]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per history key, a code per row and the key text per code ('' when any part is missing:
    a missing seller has no history).

    A pair key is the pair of its parts' codes as one integer, so only the distinct pairs are
    joined as text (for the history look-up).
    """
    base = derived["codes"]
    keys: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for key, parts in COUNT_KEYS.items():
        codes, uniques = base[parts[0]]
        for part in parts[1:]:
            more_codes, more_uniques = base[part]
            width = max(len(more_uniques), 1)
            # 64-bit for the pair (codes x width may pass 2**31), 32-bit for what is kept
            combined, pairs = pd.factorize(codes.astype(np.int64) * width + more_codes)
            codes = np.asarray(combined, dtype=np.int32)
            pairs = np.asarray(pairs, dtype=np.int64)
            first, second = uniques[pairs // width], more_uniques[pairs % width]
            missing = (first == "") | (second == "")
            uniques = np.where(missing, "", first + "|" + second).astype(object)
        keys[key] = (codes, uniques)
    return keys


class FeatureBuilder:
    """Turns canonical declarations into the model's feature matrix.

    Args:
        history: labelled declarations known before scoring (the training data); may be ``None``.
        prior: the fraud rate fraud-rate features shrink towards (the training rate).
        categories: per categorical column, the values seen in training (others become missing).
    """

    def __init__(
        self,
        history: Mapping[str, KeyHistory] | None = None,
        prior: float = 0.2,
        categories: Mapping[str, list[str]] | None = None,
        history_end: str | None = None,
    ) -> None:
        self.history = dict(history or {})
        self.prior = prior
        self.categories = {k: list(v) for k, v in (categories or {}).items()}
        self.history_end = history_end
        self._category_lookup = {
            k: {v: i for i, v in enumerate(vals)} for k, vals in self.categories.items()
        }
        self._names = feature_names()
        self._position = {name: j for j, name in enumerate(self._names)}

    @property
    def feature_names(self) -> list[str]:
        return list(self._names)

    @property
    def categorical_indices(self) -> list[int]:
        return [self._position[c] for c in CATEGORICAL]

    @classmethod
    def fit(
        cls, frame: pd.DataFrame, aeo: AeoDirectory | None = None
    ) -> tuple[FeatureBuilder, np.ndarray]:
        """Build from labelled training declarations; returns the builder and their features.

        The training features use the training labels of *earlier dates only*
        (``use_batch_labels=True``); the builder keeps the whole training data as history.
        """
        labels = frame["fraud"].to_numpy(dtype=float, na_value=np.nan)
        prior = float(np.nanmean(labels)) if np.isfinite(labels).any() else 0.2
        columns = columns_of(frame)
        derived = _derive(columns)
        categories = {c: sorted(set(derived["codes"][c][1]) - {""}) for c in CATEGORICAL}
        empty = cls(None, prior, categories)
        features = empty.transform(columns, labels=labels, aeo=aeo, derived=derived)
        history = {}
        for key, (codes, uniques) in _batch_keys(derived).items():
            history[key] = KeyHistory.build(
                uniques[codes], derived["day"], _values(derived, labels, key)
            )
        end = str(pd.Timestamp(frame["date"].max()).date()) if len(frame) else None
        return cls(history, prior, categories, history_end=end), features

    def transform(
        self,
        columns: Mapping[str, np.ndarray],
        labels: np.ndarray | None = None,
        aeo: AeoDirectory | None = None,
        derived: Mapping[str, Any] | None = None,
    ) -> np.ndarray:
        """The feature matrix (rows x :attr:`feature_names`, C-contiguous float64).

        Args:
            columns: canonical column arrays (see :func:`columns_of`).
            labels: fraud labels of these rows, used for later rows' fraud rates only when given
                (training); at scoring time leave ``None``.
            aeo: AEO status provider for the AEO features; no AEO when ``None``.
        """
        prepared = self.prepare(columns, labels=labels, aeo=aeo, derived=derived)
        return self.rows(prepared, slice(None))

    def prepare(
        self,
        columns: Mapping[str, np.ndarray],
        labels: np.ndarray | None = None,
        aeo: AeoDirectory | None = None,
        derived: Mapping[str, Any] | None = None,
    ) -> PreparedBatch:
        """What the whole batch contributes to each row's features: sums over earlier rows of
        the batch, key codes and history positions — a few arrays per key, not the matrix.

        :meth:`rows` then builds the features of any rows from it, so a peak day's matrix is
        built and dropped chunk by chunk with the same numbers as :meth:`transform`.
        """
        if derived is None:
            d = dict(_derive(columns))
            # kept for the whole day: 32-bit codes halve what each column costs per row
            d["codes"] = {k: (c.astype(np.int32), t) for k, (c, t) in d["codes"].items()}
        else:
            d = dict(derived)
        n = len(d["day"])
        day = d["day"]
        aeo_flags = _aeo_flags(d, aeo)
        categories = {}
        for c in CATEGORICAL:
            codes, text = d["codes"][c]
            categories[c] = (_compact(codes, len(text)), self._category_codes(c, text))
        kept = {name: d[name] for name in (*BASE_FEATURES[:6], *STAT_COLUMNS, "day")}
        batch_keys = {
            key: (_compact(codes, len(uniques)), uniques)
            for key, (codes, uniques) in _batch_keys(d).items()
        }
        del d  # the text codes of every column are no longer needed
        by_day = order_by_day(day) if n > 1 else None
        keys: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray | None]] = {}
        batch: dict[str, np.ndarray] = {}
        for key, (kept_codes, uniques) in batch_keys.items():
            history = self.history.get(key)
            known = history.codes(uniques) if history is not None else None
            keys[key] = (kept_codes, uniques == "", known)
            codes = kept_codes.astype(np.int64)  # the sums take 64-bit codes
            if labels is None and key not in STAT_KEYS:
                # scoring: batch rows add to the count only (their labels are not known yet);
                # a count of rows, stored exactly in the smallest integer type
                count = count_before(codes, day, by_day)
                batch[key] = _compact(count, int(count.max()) + 1 if n else 0)
            else:
                use = labels if labels is not None else np.full(n, np.nan)
                # :func:`_values` a group of columns at a time (the same sums, column by
                # column): the sort's and running totals' temporaries are of the batch's size
                # per column, so a peak day does not hold eleven of each at once
                known_label = np.isfinite(use)
                head = np.column_stack(
                    [np.ones(n), known_label.astype(float), np.where(known_label, use, 0.0)]
                )
                if key not in STAT_KEYS:
                    batch[key] = exclusive_before(codes, day, head, by_day)
                    continue
                k = len(STAT_COLUMNS)
                total = np.empty((n, 3 + 2 * k))
                total[:, :3] = exclusive_before(codes, day, head, by_day)
                del head
                stat = np.column_stack(
                    [np.nan_to_num(np.asarray(kept[c], dtype=float), nan=0.0) for c in STAT_COLUMNS]
                )
                total[:, 3 : 3 + k] = exclusive_before(codes, day, stat, by_day)
                total[:, 3 + k :] = exclusive_before(codes, day, stat**2, by_day)
                batch[key] = total
                del stat
        return PreparedBatch(n, kept, keys, batch, categories, aeo_flags, labels is None)

    def rows(self, prepared: PreparedBatch, rows: np.ndarray | slice) -> np.ndarray:
        """The features of ``rows`` (positions in the prepared batch, or a slice of it: views,
        no copies), as :meth:`transform` computes them for the whole batch."""
        d = prepared.derived
        day = d["day"][rows]
        n = len(day)
        at = self._position
        # filled column by column in place: a (features x rows) array transposed at the end
        # would need a second matrix of the same size, and fresh memory costs page faults
        out = np.empty((n, len(self._names)))
        for name in BASE_FEATURES[:6]:
            out[:, at[name]] = d[name][rows]
        out[:, at["importer_is_aeo"] : at["seller_is_partner_aeo"] + 1] = prepared.aeo[rows]
        stats: dict[str, np.ndarray] = {}
        for key, (all_codes, blank, known) in prepared.keys.items():
            codes = all_codes[rows]
            # the history kept with the model, plus earlier rows of the same batch
            history = self.history.get(key)
            in_batch = prepared.batch[key][rows]
            if prepared.scoring and key not in STAT_KEYS:
                if history is not None and known is not None:
                    total = history.before(known[codes], day)
                else:
                    total = np.zeros((n, 3))
                total[:, 0] += in_batch
            else:
                if history is not None and known is not None:
                    total = in_batch + history.before(known[codes], day)
                else:
                    total = np.array(in_batch, dtype=float)  # a slice's rows are a view
            missing = blank[codes]
            if missing.any():
                total[missing] = np.nan
            count, labelled, positive = total[:, 0], total[:, 1], total[:, 2]
            out[:, at[f"{key}_count"]] = count
            out[:, at[f"{key}_fraud_rate"]] = (positive + self.prior * _SMOOTHING) / (
                labelled + _SMOOTHING
            )
            if key in NOVELTY_KEYS:
                out[:, at[f"new_{key}"]] = np.where(missing, np.nan, (count == 0).astype(float))
            if key in STAT_KEYS:
                stats[key] = total
        k = len(STAT_COLUMNS)
        for key in STAT_KEYS:
            total = stats[key]
            count = np.where(total[:, 0] > 0, total[:, 0], np.nan)
            for j, col in enumerate(STAT_COLUMNS):
                mean = total[:, 3 + j] / count
                var = np.maximum(total[:, 3 + k + j] / count - mean**2, 0.0)
                x = np.nan_to_num(np.asarray(d[col][rows], dtype=float), nan=0.0)
                out[:, at[f"{col}_vs_{key}_z"]] = (x - mean) / np.sqrt(var + 0.05)
                out[:, at[f"{col}_vs_{key}_diff"]] = x - mean
        for c in CATEGORICAL:
            codes, per_code = prepared.categories[c]
            out[:, at[c]] = per_code[codes[rows]]
        return out

    def past_outcomes(self, columns: Mapping[str, Any], keys: list[str]) -> dict[str, np.ndarray]:
        """Per history key, the inspected past declarations of each row's key and how many
        were fraudulent (rows x 2: labelled, positives; NaN when the key is missing), from the
        history kept with the model — what a fraud-rate reason quotes as counts.

        Batch rows never add inspection results at scoring time, so the history alone holds
        every result a score saw.
        """
        d = _derive(columns)
        n = len(d["day"])
        keys_of = _batch_keys(d)
        out: dict[str, np.ndarray] = {}
        for key in keys:
            codes, uniques = keys_of[key]
            history = self.history.get(key)
            if history is None:
                total = np.zeros((n, 3))
            else:
                total = history.before(history.codes(uniques)[codes], d["day"])[:, :3]
            total[(uniques == "")[codes]] = np.nan
            out[key] = total[:, 1:3]
        return out

    def transform_one(self, row: Mapping[str, Any], aeo: AeoDirectory | None = None) -> np.ndarray:
        """The features of one declaration (a mapping of canonical fields), as
        :meth:`transform` computes them for a batch of that declaration alone.

        Plain Python over dictionary look-ups: the API scores one declaration in tens of
        microseconds instead of the milliseconds array set-up costs for one row.
        """
        text = {name: one_text(row.get(name)) for name in TEXT_COLUMNS}
        hs = one_text(row.get("hs_code"))
        text["hs6"], text["hs4"], text["hs2"] = hs[:6], hs[:4], hs[:2]
        value = float(row["value"])
        mass = float(row["net_mass_kg"])
        tax_rate = float(row["tax_rate"])
        tax_at_stake = value * tax_rate / 100.0
        # numpy's log1p, as in the batch path (libm's may differ in the last bit)
        logs = np.log1p(
            np.array([value, mass, value / mass if mass > 0 else math.nan, tax_at_stake])
        ).tolist()
        base = {
            "log_value": logs[0],
            "log_mass": logs[1],
            "log_value_per_kg": logs[2],
            "tax_rate": tax_rate,
        }
        date = one_date(row["date"])
        day = (date - EPOCH).days
        home = partner = 0.0
        if aeo is not None:
            if text["importer"] and aeo.is_home_aeo(text["importer"], date):
                home = 1.0
            if text["seller"] and aeo.is_partner_aeo(
                text["seller"], text["departure_country"], date
            ):
                partner = 1.0
        out = [
            logs[0],
            logs[1],
            logs[2],
            tax_rate,
            logs[3],
            float(text["departure_country"] != text["origin_country"]),
            home,
            partner,
        ]
        nan = math.nan
        novelty: dict[str, float] = {}
        stats: dict[str, list[float] | None] = {}
        smoothed = self.prior * _SMOOTHING
        for key, parts in COUNT_KEYS.items():
            values = [text[p] for p in parts]
            missing = "" in values
            total: list[float] | None = None
            if not missing:
                history = self.history.get(key)
                if history is not None:
                    total = history.before_one("|".join(values), day)
                if total is None:
                    total = [0.0] * (3 + 2 * len(STAT_COLUMNS) if key in STAT_KEYS else 3)
            if total is None:
                out += [nan, nan]
                novelty[key] = nan
            else:
                out += [total[0], (total[2] + smoothed) / (total[1] + _SMOOTHING)]
                novelty[key] = float(total[0] == 0)
            stats[key] = total
        out += [novelty[k] for k in NOVELTY_KEYS]
        k = len(STAT_COLUMNS)
        for key in STAT_KEYS:
            total = stats[key]
            for j, col in enumerate(STAT_COLUMNS):
                x = nan_to_num(base[col])
                if total is None or not total[0] > 0:
                    out += [nan, nan]
                    continue
                count = total[0]
                mean = total[3 + j] / count
                var = total[3 + k + j] / count - mean * mean
                if var < 0.0:
                    var = 0.0
                out += [(x - mean) / math.sqrt(var + 0.05), x - mean]
        for c in CATEGORICAL:
            out.append(float(self._category_lookup.get(c, {}).get(text[c], nan)))
        return np.array(out, dtype=np.float64)

    def _category_codes(self, column: str, values: np.ndarray) -> np.ndarray:
        lookup = self._category_lookup.get(column, {})
        return np.array([lookup.get(v, np.nan) for v in values], dtype=float)

    # --- persistence ---------------------------------------------------------------------

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Arrays for ``numpy.savez`` (text as fixed-width unicode, no pickling)."""
        arrays: dict[str, np.ndarray] = {}
        for key, hist in self.history.items():
            arrays[f"{key}.vocab"] = hist.vocab
            arrays[f"{key}.composite"] = hist.composite
            arrays[f"{key}.totals"] = hist.totals
        return arrays

    def settings(self) -> dict[str, Any]:
        return {"prior": self.prior, "categories": self.categories, "history_end": self.history_end}

    @classmethod
    def from_arrays(
        cls, arrays: Mapping[str, np.ndarray], settings: Mapping[str, Any]
    ) -> FeatureBuilder:
        history = {
            key: KeyHistory(
                arrays[f"{key}.vocab"], arrays[f"{key}.composite"], arrays[f"{key}.totals"]
            )
            for key in COUNT_KEYS
            if f"{key}.vocab" in arrays
        }
        return cls(
            history, float(settings["prior"]), settings["categories"], settings.get("history_end")
        )
