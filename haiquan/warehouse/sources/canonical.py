"""haiquan's canonical trade-flow format, as CSV or Parquet (see docs/data-formats.md).

The columns are those of :data:`haiquan.warehouse.schema.TRADE_FLOW_COLUMNS`; ``quantity``,
``unit`` and ``partner_name`` may be left out. Codes are read as text so that HS codes keep their
leading zeros.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from haiquan._files import write_atomically
from haiquan.warehouse.schema import TRADE_FLOW_COLUMNS, check_trade_flows
from haiquan.warehouse.sources._common import read_table

__all__ = ["read", "write"]

_TEXT = {c: "string" for c, t in TRADE_FLOW_COLUMNS.items() if t == "string"}


def read(path: str | Path) -> pd.DataFrame:
    """Canonical rows from a canonical CSV or Parquet file, validated."""
    file = Path(path)
    raw = read_table(file, dtype=_TEXT | {"is_mirror": "string"})
    return check_trade_flows(raw, path=str(file))


def write(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write canonical rows as CSV or Parquet (by the file's suffix)."""
    file = Path(path)
    columns = [c for c in TRADE_FLOW_COLUMNS if c in frame.columns]
    if file.suffix == ".parquet":
        return write_atomically(file, lambda path: frame[columns].to_parquet(path, index=False))
    return write_atomically(file, lambda path: frame[columns].to_csv(path, index=False))
