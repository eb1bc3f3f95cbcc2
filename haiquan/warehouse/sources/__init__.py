"""Readers that turn each public trade-data format into the canonical trade-flow table.

Every reader takes a path and returns a DataFrame with the columns of
:data:`haiquan.warehouse.schema.TRADE_FLOW_COLUMNS`, already checked by
:func:`~haiquan.warehouse.schema.check_trade_flows`; a bad file raises
:class:`~haiquan.errors.DataFileError` and returns nothing. ``read_trade_file(path, format)``
picks the reader by name; ``detect_format(path)`` guesses it from the file's columns.
"""

from haiquan.warehouse.sources._registry import (
    TRADE_FORMATS,
    TradeFormat,
    detect_format,
    read_trade_file,
)

__all__ = ["TRADE_FORMATS", "TradeFormat", "detect_format", "read_trade_file"]
