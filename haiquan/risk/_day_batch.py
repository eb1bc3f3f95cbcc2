"""Parts of the batch feature path (private to :mod:`haiquan.risk.features`): text columns as
codes, the whole-day :class:`PreparedBatch`, per-row sums' inputs and the AEO flags."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from haiquan.risk._one_row import EPOCH
from haiquan.risk.alerts import AeoDirectory
from haiquan.risk.feature_names import STAT_COLUMNS, STAT_KEYS

__all__ = ["PreparedBatch"]


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


def _text_codes(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """A column as codes and the text of each code (:func:`_text` of the distinct values only):
    ``text[codes]`` is :func:`_text` of the column, and no two codes share a text."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))  # missing -> -1
    codes = np.asarray(codes, dtype=np.int64)
    text = _text(np.append(np.asarray(uniques, dtype=object), ""))  # code -1 reads the ''
    # 30 and "30", or NaN and "", are one text: merge their codes
    merged, distinct = pd.factorize(text)
    if len(distinct) < len(text):
        codes = np.asarray(merged, dtype=np.int64)[codes]
        text = np.asarray(distinct, dtype=object)
    elif (codes < 0).any():
        codes = np.where(codes < 0, len(text) - 1, codes)
    return codes, text


def _text_of(derived: Mapping[str, Any], name: str) -> np.ndarray:
    """The text column ``name`` (missing values as '') from its codes."""
    codes, text = derived["codes"][name]
    return np.asarray(text[codes], dtype=object)


@dataclass(frozen=True)
class PreparedBatch:
    """A batch as :meth:`FeatureBuilder.rows` needs it (see :meth:`FeatureBuilder.prepare`).

    Attributes:
        n: rows in the batch.
        derived: numeric base columns and ``day``, per row.
        keys: per history key, its code per row, whether each code is a missing key, and each
            code's position in the model's history (``None`` without history for that key).
        batch: per key, the sums over earlier-dated rows of the batch (a count when scoring).
        categories: per categorical column, its code per row and the model's category per code.
        aeo: per row, the importer-is-AEO and seller-is-partner-AEO flags.
        scoring: no labels were given (batch rows add to counts only).
    """

    n: int
    derived: dict[str, np.ndarray]
    keys: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray | None]]
    batch: dict[str, np.ndarray]
    categories: dict[str, tuple[np.ndarray, np.ndarray]]
    aeo: np.ndarray
    scoring: bool


def _compact(values: np.ndarray, top: int) -> np.ndarray:
    """Non-negative integers below ``top`` in the smallest type that holds them exactly (most
    keys have fewer than 65,536 values in a day: two bytes per row instead of eight)."""
    return values.astype(np.uint16 if top <= 2**16 else np.int32, copy=False)


def _values(derived: Mapping[str, Any], labels: np.ndarray, key: str) -> np.ndarray:
    """Per-row contributions to a key's totals: one, labelled?, fraud?[, stats, squares]."""
    n = len(derived["day"])
    known = np.isfinite(labels)
    columns = [np.ones(n), known.astype(float), np.where(known, labels, 0.0)]
    if key in STAT_KEYS:
        stat = [np.nan_to_num(np.asarray(derived[c], dtype=float), nan=0.0) for c in STAT_COLUMNS]
        columns += stat + [s**2 for s in stat]
    return np.column_stack(columns)


def _aeo_flags(derived: Mapping[str, Any], aeo: AeoDirectory | None) -> np.ndarray:
    """Per row, whether the importer is a home AEO and the seller a recognised partner AEO on
    the declaration's day — asked of the directory once per distinct (operator, day) or
    (operator, country, day), not once per row: a day repeats few operators."""
    n = len(derived["day"])
    if aeo is None or not n:
        return np.zeros((n, 2))
    day = derived["day"]
    day_codes, days = pd.factorize(day)
    dates = [EPOCH + dt.timedelta(days=int(v)) for v in days]
    importer, importers = derived["codes"]["importer"]
    pairs, first = np.unique(importer.astype(np.int64) * len(days) + day_codes, return_inverse=True)
    home = np.array(
        [
            bool(importers[p // len(days)])
            and aeo.is_home_aeo(importers[p // len(days)], dates[p % len(days)])
            for p in pairs.tolist()
        ],
        dtype=float,
    )[first]
    seller, sellers = derived["codes"]["seller"]
    country, countries = derived["codes"]["departure_country"]
    width = len(countries) * len(days)
    triples, second = np.unique(
        seller.astype(np.int64) * width + country.astype(np.int64) * len(days) + day_codes,
        return_inverse=True,
    )
    partner = np.array(
        [
            bool(sellers[t // width])
            and aeo.is_partner_aeo(
                sellers[t // width], countries[(t % width) // len(days)], dates[t % len(days)]
            )
            for t in triples.tolist()
        ],
        dtype=float,
    )[second]
    return np.column_stack([home, partner])
