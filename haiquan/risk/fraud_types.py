"""Fraud types an inspection can find, as dated, sourced data (``rules/fraud_types.yaml``).

Categories of fraud are an administration's decision and change with it, so they are data like
the selectivity rules (:mod:`haiquan.risk.policy`): a rule set with a validity period and a
source, the packaged one replaced by ``HOME/risk/fraud_types.yaml`` when present. A type marked
``critical`` is a public-safety fraud (the KCS data set's "critical fraud"): an outcome of that
type teaches the critical-fraud model when retraining.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import Field, model_validator

from haiquan.risk.policy import _Dated, _load, _Strict

__all__ = ["FraudType", "FraudTypes", "load_fraud_types"]


class FraudType(_Strict):
    """One fraud type: its name as recorded, whether it is critical, what it means."""

    name: str = Field(min_length=1, max_length=40)
    critical: bool = False
    description: str = ""


class FraudTypes(_Dated):
    """The fraud types of one period."""

    types: tuple[FraudType, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _names_unique(self) -> FraudTypes:
        names = [t.name for t in self.types]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"fraud type named twice: {', '.join(repeated)}")
        return self

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.types)

    @property
    def critical(self) -> frozenset[str]:
        """The names of the public-safety (critical) types."""
        return frozenset(t.name for t in self.types if t.critical)


def load_fraud_types(path: Path | None = None, on: dt.date | None = None) -> FraudTypes:
    """The fraud types valid on ``on`` (today by default): from ``path``, else
    ``HOME/risk/fraud_types.yaml`` when present, else the packaged file."""
    return _load("fraud_types", FraudTypes, path, on)
