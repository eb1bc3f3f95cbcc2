"""Readers that turn each public trade-data format into the canonical trade-flow table.

Every reader takes a path and returns a DataFrame with the columns of
:data:`haiquan.warehouse.schema.TRADE_FLOW_COLUMNS`, already checked by
:func:`~haiquan.warehouse.schema.check_trade_flows` (or a :class:`TradeFileRows` holding it and
the rows it set aside); a bad file raises :class:`~haiquan.errors.DataFileError` and returns
nothing. ``read_trade_file(path, format)`` picks the reader by name (``read_trade_rows`` also
gives the rows set aside); ``detect_format(path)`` guesses it from the file's columns.
"""

from haiquan.warehouse.sources._registry import (
    TRADE_FORMATS,
    TradeFileRows,
    TradeFormat,
    detect_format,
    read_trade_file,
    read_trade_rows,
)

__all__ = [
    "TRADE_FORMATS",
    "TradeFileRows",
    "TradeFormat",
    "detect_format",
    "read_trade_file",
    "read_trade_rows",
]
