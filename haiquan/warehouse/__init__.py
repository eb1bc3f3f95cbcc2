"""The embedded DuckDB warehouse: canonical trade flows and declarations, loaders, queries."""

from haiquan.warehouse.schema import (
    FLOWS,
    FREQUENCIES,
    TRADE_FLOW_COLUMNS,
    check_trade_flows,
    empty_trade_flows,
    is_synthetic,
)

__all__ = [
    "FLOWS",
    "FREQUENCIES",
    "TRADE_FLOW_COLUMNS",
    "check_trade_flows",
    "empty_trade_flows",
    "is_synthetic",
]
