"""Scoring criteria and their weights, read from YAML (``data/scoring_weights.yaml``).

Weights are policy choices, not facts, so each carries a ``reason`` and is a :class:`Sourced`
value (usually an ``assumption``): the ranking can then be defended line by line, and
:func:`~haiquan.priorities.scoring.weight_sensitivity` shows how much it depends on each choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from haiquan.priorities._yaml import packaged_file, raise_for_validation, read_yaml_mapping
from haiquan.priorities.catalogue import Sourced

__all__ = [
    "CRITERIA",
    "MONEY_CRITERIA",
    "Criterion",
    "ScoringWeights",
    "default_weights_path",
    "load_weights",
    "criterion_label",
    "parse_weights",
]

#: Every criterion the scoring can compute, with what its raw value means. The six instruments
#: are money at stake (:mod:`haiquan.priorities.instruments`); growth and standing qualify them.
CRITERIA: dict[str, str] = {
    "eco_exchange": "preferential trade (FTA in force) with no e-C/O exchange yet, USD",
    "aeo_mra": "trade with a partner running an AEO programme, no AEO MRA applied yet, USD",
    "single_window": "trade with a partner whose single window is not connected, USD",
    "enforcement": "mirror discrepancy with the partner, USD (home- vs partner-reported)",
    "port_pair": "total trade with the partner, USD (what port-pair pilots act on)",
    "capacity_building": "trade with a partner that signed home's group arrangement but does "
    "not apply it yet, USD",
    "forecast_growth": "forecast yearly growth of trade with the partner over the horizon",
    "standing": "strategic standing, 0-3: regional community shared with home, comprehensive "
    "strategic partnership, FTA in force (dated reference data)",
}

#: Criteria as an officer names them in a table head.
_LABELS = {
    "eco_exchange": "e-C/O exchange", "aeo_mra": "AEO MRA", "single_window": "single window",
    "enforcement": "enforcement", "port_pair": "port pairs",
    "capacity_building": "capacity building", "forecast_growth": "growth",
    "standing": "strategic standing",
}

#: Criteria measured in USD (the rest are a rate and an ordinal count).
MONEY_CRITERIA = ("eco_exchange", "aeo_mra", "single_window", "enforcement", "port_pair",
                  "capacity_building")


def criterion_label(criterion: str, direction: str = "higher") -> str:
    """A criterion's name in plain words, as the CLI table and the dashboard head it.

    >>> criterion_label("aeo_mra"), criterion_label("enforcement")
    ('AEO MRA', 'enforcement')
    """
    return _LABELS.get(criterion, criterion.replace("_", " "))


class Criterion(BaseModel):
    """One criterion: its weight, which way is better, how raw values are scaled, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weight: Sourced
    direction: Literal["higher", "lower"] = Field(
        description="'higher': a larger raw value raises the priority; 'lower': lowers it."
    )
    transform: Literal["log", "rank", "linear"] = Field(
        default="rank", description="log: money on a log scale, the largest value winsorised "
        "to the second largest; rank: percentile rank; linear: value over the largest (small "
        "ordinal counts). None lets one extreme value dominate the criterion.")
    reason: str = Field(min_length=10)

    @field_validator("weight")
    @classmethod
    def _weight(cls, value: Sourced) -> Sourced:
        if value.value < 0:
            raise ValueError(f"a weight cannot be negative, got {value.value}")
        return value


class ScoringWeights(BaseModel):
    """A validated set of scoring criteria."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    title: str
    criteria: dict[str, Criterion] = Field(min_length=1)

    @field_validator("criteria")
    @classmethod
    def _known(cls, criteria: dict[str, Criterion]) -> dict[str, Criterion]:
        unknown = sorted(set(criteria) - set(CRITERIA))
        if unknown:
            raise ValueError(
                f"unknown criteria {unknown}; the scoring computes {sorted(CRITERIA)}"
            )
        return criteria

    @model_validator(mode="after")
    def _some_weight(self) -> ScoringWeights:
        if sum(c.weight.value for c in self.criteria.values()) <= 0:
            raise ValueError("the weights add up to 0; give at least one criterion a weight")
        return self

    def weights(self) -> dict[str, float]:
        """Raw weights by criterion (not normalised)."""
        return {name: c.weight.value for name, c in self.criteria.items()}

    def with_weight(self, criterion: str, value: float) -> ScoringWeights:
        """A copy with one criterion's weight changed (for sensitivity analysis)."""
        base = self.criteria[criterion]
        changed = base.model_copy(
            update={"weight": Sourced(value=value, assumption="sensitivity analysis")}
        )
        return self.model_copy(update={"criteria": {**self.criteria, criterion: changed}})


def parse_weights(data: Mapping[str, Any], *, path: str | Path | None = None) -> ScoringWeights:
    """Validate scoring weights already read into Python data.

    Raises:
        CatalogueError: naming the bad criterion and what is wrong with it.
    """
    try:
        return ScoringWeights.model_validate(data)
    except pydantic.ValidationError as error:
        raise raise_for_validation(error, path=path, data=data, what="scoring weights",
                                   model=ScoringWeights) from error


def load_weights(path: str | Path | None = None) -> ScoringWeights:
    """Load scoring weights (the shipped defaults when ``path`` is None)."""
    file = Path(path) if path is not None else default_weights_path()
    return parse_weights(read_yaml_mapping(file, "scoring weights"), path=file)


def default_weights_path() -> Path:
    """The shipped default weights."""
    return packaged_file("scoring_weights.yaml")
