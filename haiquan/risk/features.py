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

Everything is vectorised over integer codes (``searchsorted`` on ``code << 20 | day``), so one
code path serves a 100,000-row batch and a single declaration from the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from haiquan.risk.alerts import AeoDirectory

__all__ = [
    "CATEGORICAL",
    "COUNT_KEYS",
    "FeatureBuilder",
    "NOVELTY_KEYS",
    "STAT_KEYS",
    "columns_of",
]

#: History keys: name -> the (derived) columns whose values, joined, form the key.
COUNT_KEYS: dict[str, tuple[str, ...]] = {
    "importer": ("importer",),
    "declarant": ("declarant",),
    "seller": ("seller",),
    "courier": ("courier",),
    "hs6": ("hs6",),
    "hs4": ("hs4",),
    "hs2": ("hs2",),
    "origin": ("origin_country",),
    "departure": ("departure_country",),
    "route": ("departure_country", "origin_country"),
    "office": ("office",),
    "tax_type": ("tax_type",),
    "importer_hs6": ("importer", "hs6"),
    "declarant_importer": ("declarant", "importer"),
    "seller_hs6": ("seller", "hs6"),
    "hs6_origin": ("hs6", "origin_country"),
    "hs6_tax_type": ("hs6", "tax_type"),
    "hs4_origin": ("hs4", "origin_country"),
}
#: Keys whose first-time appearance is flagged (novelty: a new importer, a new route ...).
NOVELTY_KEYS: tuple[str, ...] = ("importer", "seller", "importer_hs6", "seller_hs6", "route")
#: Keys against whose past declarations value, mass, value per kg and tax rate are compared.
STAT_KEYS: tuple[str, ...] = ("hs6", "hs4")
_STAT_COLUMNS: tuple[str, ...] = ("log_value", "log_mass", "log_value_per_kg", "tax_rate")
#: Code columns given to LightGBM as categories (unseen values become missing).
CATEGORICAL: tuple[str, ...] = (
    "office",
    "import_type",
    "import_use",
    "payment_type",
    "transport_mode",
    "tax_type",
    "origin_indicator",
    "hs2",
    "origin_country",
)
_BASE: tuple[str, ...] = (
    "log_value",
    "log_mass",
    "log_value_per_kg",
    "tax_rate",
    "log_tax_at_stake",
    "departure_differs_from_origin",
    "importer_is_aeo",
    "seller_is_partner_aeo",
)
_DAY_BITS = 20  # days since 1970 stay below 2**20 until the year 4840
_SMOOTHING = 5.0  # pseudo-inspections at the prior rate, so one fraud is not a 100 % rate
_SMALL = 64  # below this many rows, dictionary look-ups beat pandas hashing


def columns_of(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The arrays the builder needs, from a canonical declarations frame."""
    return {name: frame[name].to_numpy() for name in frame.columns}


def _text(values: Any) -> np.ndarray:
    """Values as an object array of ``str``; missing values become ''."""
    array = np.asarray(values, dtype=object)
    missing = pd.isna(array)
    if missing.any():
        array = array.copy()
        array[missing] = ""
    if array.size and pd.api.types.infer_dtype(array, skipna=False) != "string":
        array = np.array([str(v) for v in array], dtype=object)  # codes stored as numbers
    return array


def _prefix(values: np.ndarray, length: int) -> np.ndarray:
    if len(values) <= _SMALL:
        return np.array([v[:length] for v in values], dtype=object)
    # slice each distinct code once (a batch repeats few HS codes), then spread back
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    sliced = np.array([v[:length] for v in uniques], dtype=object)
    return sliced[codes]


def _derive(columns: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """Text keys and numeric base columns shared by every feature."""
    out: dict[str, Any] = {}
    for name in (
        "importer",
        "declarant",
        "seller",
        "courier",
        "origin_country",
        "departure_country",
        "office",
        "tax_type",
        "import_type",
        "import_use",
        "payment_type",
        "transport_mode",
        "origin_indicator",
    ):
        out[name] = (
            _text(columns[name])
            if name in columns
            else np.full(len(columns["hs_code"]), "", dtype=object)
        )
    hs = _text(columns["hs_code"])
    out["hs6"] = _prefix(hs, 6)
    out["hs4"] = _prefix(hs, 4)
    out["hs2"] = _prefix(hs, 2)
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
        out["departure_country"] != out["origin_country"], dtype=float
    )
    day = np.asarray(columns["date"]).astype("datetime64[D]").astype(np.int64)
    out["day"] = day
    return out


def _key_values(derived: Mapping[str, Any], parts: tuple[str, ...]) -> np.ndarray:
    """Key text per row; '' when any part is missing (a missing seller has no history)."""
    first = derived[parts[0]]
    if len(parts) == 1:
        return first
    keys = first
    missing = first == ""
    for part in parts[1:]:
        keys = keys + "|" + derived[part]
        missing = missing | (derived[part] == "")
    keys = np.asarray(keys, dtype=object)
    keys[missing] = ""
    return keys


def _exclusive_before(codes: np.ndarray, day: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per row, the sum of ``values`` over earlier-dated rows with the same code (rows x k)."""
    n = len(codes)
    if n <= 1:
        return np.zeros_like(values)
    order = np.argsort((codes << _DAY_BITS) | day, kind="stable")  # by code, then day
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


@dataclass
class _KeyHistory:
    """Cumulative daily totals of one key, sorted by ``code << 20 | day`` (inclusive of the day)."""

    vocab: np.ndarray  # key text per code
    composite: np.ndarray  # int64, sorted
    totals: np.ndarray  # float64 (m x k): n, labelled, positives[, sums, squares]
    _lookup: dict[str, int] | None = field(default=None, repr=False)
    _index: pd.Index | None = field(default=None, repr=False)

    def codes(self, keys: np.ndarray) -> np.ndarray:
        if len(keys) <= _SMALL:
            if self._lookup is None:
                self._lookup = {k: i for i, k in enumerate(self.vocab.tolist())}
            return np.array([self._lookup.get(k, -1) for k in keys], dtype=np.int64)
        if self._index is None:
            self._index = pd.Index(self.vocab.tolist())
        return np.asarray(self._index.get_indexer(keys), dtype=np.int64)

    def before(
        self, keys: np.ndarray, day: np.ndarray, factorized: tuple[np.ndarray, Any] | None = None
    ) -> np.ndarray:
        """Totals over history rows with the same key dated strictly before ``day``.

        ``factorized`` — ``pandas.factorize(keys)`` when already computed — lets the history
        look-up hash only the distinct keys.
        """
        if len(keys) == 1:  # one declaration (the API): plain Python beats array set-up
            return self._before_one(keys[0], int(day[0]))
        if factorized is not None:
            batch_codes, uniques = factorized
            codes = self.codes(np.asarray(uniques, dtype=object))[batch_codes]
        else:
            codes = self.codes(keys)
        out = np.zeros((len(keys), self.totals.shape[1]))
        if len(self.composite) == 0:
            return out
        query = (codes << _DAY_BITS) | day
        position = np.searchsorted(self.composite, query, side="left") - 1
        ok = (codes >= 0) & (position >= 0)
        position = np.where(ok, position, 0)
        ok &= (self.composite[position] >> _DAY_BITS) == codes
        out[ok] = self.totals[position[ok]]
        return out

    def _before_one(self, key: str, day: int) -> np.ndarray:
        out = np.zeros((1, self.totals.shape[1]))
        if self._lookup is None:
            self._lookup = {k: i for i, k in enumerate(self.vocab.tolist())}
        code = self._lookup.get(key, -1)
        if code < 0 or len(self.composite) == 0:
            return out
        position = int(np.searchsorted(self.composite, (code << _DAY_BITS) | day)) - 1
        if position >= 0 and int(self.composite[position]) >> _DAY_BITS == code:
            out[0] = self.totals[position]
        return out

    @classmethod
    def build(cls, keys: np.ndarray, day: np.ndarray, values: np.ndarray) -> _KeyHistory:
        codes, uniques = pd.factorize(np.asarray(keys, dtype=object), sort=False)
        composite = (codes.astype(np.int64) << _DAY_BITS) | day
        unique, inverse = np.unique(composite, return_inverse=True)
        daily = np.zeros((len(unique), values.shape[1]))
        np.add.at(daily, inverse, values)
        code_of = unique >> _DAY_BITS
        running = np.cumsum(daily, axis=0)
        new_code = np.r_[True, code_of[1:] != code_of[:-1]]
        start = np.maximum.accumulate(np.where(new_code, np.arange(len(unique)), 0))
        offset = np.where(start > 0, running[np.maximum(start - 1, 0)].T, 0).T
        return cls(np.asarray(uniques, dtype=str), unique, running - offset)


class FeatureBuilder:
    """Turns canonical declarations into the model's feature matrix.

    Args:
        history: labelled declarations known before scoring (the training data); may be ``None``.
        prior: the fraud rate fraud-rate features shrink towards (the training rate).
        categories: per categorical column, the values seen in training (others become missing).
    """

    def __init__(
        self,
        history: Mapping[str, _KeyHistory] | None = None,
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
        self._category_index = {k: pd.Index(vals) for k, vals in self.categories.items()}

    @property
    def feature_names(self) -> list[str]:
        names = list(_BASE)
        for key in COUNT_KEYS:
            names += [f"{key}_count", f"{key}_fraud_rate"]
        names += [f"new_{key}" for key in NOVELTY_KEYS]
        for key in STAT_KEYS:
            for col in _STAT_COLUMNS:
                names += [f"{col}_vs_{key}_z", f"{col}_vs_{key}_diff"]
        names += list(CATEGORICAL)
        return names

    @property
    def categorical_indices(self) -> list[int]:
        names = self.feature_names
        return [names.index(c) for c in CATEGORICAL]

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
        categories = {c: sorted(set(derived[c]) - {""}) for c in CATEGORICAL}
        empty = cls(None, prior, categories)
        features = empty.transform(columns, labels=labels, aeo=aeo, derived=derived)
        history = {}
        for key, parts in COUNT_KEYS.items():
            keys = _key_values(derived, parts)
            history[key] = _KeyHistory.build(keys, derived["day"], _values(derived, labels, key))
        end = str(pd.Timestamp(frame["date"].max()).date()) if len(frame) else None
        return cls(history, prior, categories, history_end=end), features

    def transform(
        self,
        columns: Mapping[str, np.ndarray],
        labels: np.ndarray | None = None,
        aeo: AeoDirectory | None = None,
        derived: Mapping[str, Any] | None = None,
    ) -> np.ndarray:
        """The feature matrix (rows x :attr:`feature_names`) for declarations.

        Args:
            columns: canonical column arrays (see :func:`columns_of`).
            labels: fraud labels of these rows, used for later rows' fraud rates only when given
                (training); at scoring time leave ``None``.
            aeo: AEO status provider for the AEO features; no AEO when ``None``.
        """
        d = derived if derived is not None else _derive(columns)
        n = len(d["day"])
        blocks: list[np.ndarray] = [
            np.column_stack(
                [
                    d["log_value"],
                    d["log_mass"],
                    d["log_value_per_kg"],
                    d["tax_rate"],
                    d["log_tax_at_stake"],
                    d["departure_differs_from_origin"],
                    _aeo_flags(columns, d, aeo),
                ]
            ),
        ]
        novelty: dict[str, np.ndarray] = {}
        stats: dict[str, np.ndarray] = {}
        use = labels if labels is not None else np.full(n, np.nan)
        for key, parts in COUNT_KEYS.items():
            keys = _key_values(d, parts)
            factorized = None
            if n > 1:  # earlier rows of the same batch
                batch_codes, uniques = pd.factorize(keys)
                factorized = (np.asarray(batch_codes, dtype=np.int64), uniques)
                total = _exclusive_before(factorized[0], d["day"], _values(d, use, key))
            else:
                width = 3 + 2 * len(_STAT_COLUMNS) if key in STAT_KEYS else 3
                total = np.zeros((n, width))
            if key in self.history:
                total = total + self.history[key].before(keys, d["day"], factorized)
            missing = np.asarray(keys == "", dtype=bool)
            if missing.any():
                total[missing] = np.nan
            count, labelled, positive = total[:, 0], total[:, 1], total[:, 2]
            rate = (positive + self.prior * _SMOOTHING) / (labelled + _SMOOTHING)
            blocks.append(np.column_stack([count, rate]))
            if key in NOVELTY_KEYS:
                novelty[key] = np.where(missing, np.nan, (count == 0).astype(float))
            if key in STAT_KEYS:
                stats[key] = total
        blocks.append(np.column_stack([novelty[k] for k in NOVELTY_KEYS]))
        for key in STAT_KEYS:
            total = stats[key]
            count = np.where(total[:, 0] > 0, total[:, 0], np.nan)
            k = len(_STAT_COLUMNS)
            for j, col in enumerate(_STAT_COLUMNS):
                mean = total[:, 3 + j] / count
                var = np.maximum(total[:, 3 + k + j] / count - mean**2, 0.0)
                x = np.nan_to_num(np.asarray(d[col], dtype=float), nan=0.0)
                blocks.append(np.column_stack([(x - mean) / np.sqrt(var + 0.05), x - mean]))
        blocks.append(np.column_stack([self._category_codes(c, d[c]) for c in CATEGORICAL]))
        return np.hstack(blocks).astype(np.float64)

    def _category_codes(self, column: str, values: np.ndarray) -> np.ndarray:
        if len(values) <= _SMALL:
            lookup = self._category_lookup.get(column, {})
            return np.array([lookup.get(v, np.nan) for v in values], dtype=float)
        codes = self._category_index[column].get_indexer(values).astype(float)
        codes[codes < 0] = np.nan
        return codes

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
            key: _KeyHistory(
                arrays[f"{key}.vocab"], arrays[f"{key}.composite"], arrays[f"{key}.totals"]
            )
            for key in COUNT_KEYS
            if f"{key}.vocab" in arrays
        }
        return cls(
            history, float(settings["prior"]), settings["categories"], settings.get("history_end")
        )


def _values(derived: Mapping[str, Any], labels: np.ndarray, key: str) -> np.ndarray:
    """Per-row contributions to a key's totals: one, labelled?, fraud?[, stats, squares]."""
    n = len(derived["day"])
    known = np.isfinite(labels)
    columns = [np.ones(n), known.astype(float), np.where(known, labels, 0.0)]
    if key in STAT_KEYS:
        stat = [np.nan_to_num(np.asarray(derived[c], dtype=float), nan=0.0) for c in _STAT_COLUMNS]
        columns += stat + [s**2 for s in stat]
    return np.column_stack(columns)


def _aeo_flags(
    columns: Mapping[str, np.ndarray], derived: Mapping[str, Any], aeo: AeoDirectory | None
) -> np.ndarray:
    n = len(derived["day"])
    if aeo is None:
        return np.zeros((n, 2))
    dates = pd.to_datetime(np.asarray(columns["date"])).date
    home = [
        aeo.is_home_aeo(op, day) if op else False
        for op, day in zip(derived["importer"], dates, strict=True)
    ]
    partner = [
        aeo.is_partner_aeo(op, country, day) if op else False
        for op, country, day in zip(
            derived["seller"], derived["departure_country"], dates, strict=True
        )
    ]
    return np.column_stack([np.array(home, dtype=float), np.array(partner, dtype=float)])
