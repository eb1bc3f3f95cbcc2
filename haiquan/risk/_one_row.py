"""One declaration's values as the batch path reads its columns, for
:meth:`~haiquan.risk.features.FeatureBuilder.transform_one`: the two paths must give the same
numbers (``tests/risk/test_speed_equivalence.py``), so each helper here mirrors a numpy or pandas
step of the batch path for a single value."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["BIG", "EPOCH", "nan_to_num", "one_date", "one_text"]

#: Day 0 of the batch path's ``datetime64[D]`` day numbers.
EPOCH = dt.date(1970, 1, 1)
#: What :func:`numpy.nan_to_num` makes of infinity.
BIG = float(np.finfo(np.float64).max)


def one_text(value: Any) -> str:
    """One value as :func:`haiquan.risk.features._text` gives it: '' when missing, else ``str``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value)


def one_date(value: Any) -> dt.date:
    """A date cell (a date, or anything numpy reads as a day) as a date."""
    if type(value) is dt.date:
        return value
    return dt.date.fromordinal(EPOCH.toordinal() + int(np.datetime64(value, "D").astype(np.int64)))


def nan_to_num(x: float) -> float:
    """:func:`numpy.nan_to_num` for one float."""
    if x != x:
        return 0.0
    if math.isinf(x):
        return BIG if x > 0 else -BIG
    return x
