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
    "Criterion",
    "ScoringWeights",
    "default_weights_path",
    "load_weights",
    "criterion_label",
    "parse_weights",
]

#: Every criterion the scoring can compute, with what its raw value means.
CRITERIA: dict[str, str] = {
    "current_trade": "goods trade (exports + imports) with the partner in the base year, USD",
    "share": "the partner's share of the home country's goods trade in the base year",
    "forecast_growth": "forecast yearly growth of trade with the partner over the horizon",
    "trade_intensity": "home's export-intensity index with the partner (1 = as expected from "
    "the partner's share of world imports)",
    "untapped_potential": "gravity-model potential trade not yet realised, as a fraction",
    "mirror_gap": "relative gap between home-reported and partner-reported (mirror) trade",
    "fta_in_force": "1 when a free-trade agreement between home and partner is in force",
    "aeo_mra": "1 when an AEO mutual recognition arrangement is in force",
    "eco_exchange": "1 when electronic certificates of origin are exchanged",
    "single_window_connected": "1 when the two single windows are connected",
}

#: Criteria as an officer names them in a table head.
_LABELS = {
    "current_trade": "trade", "share": "share", "forecast_growth": "growth",
    "trade_intensity": "intensity", "untapped_potential": "potential", "mirror_gap": "mirror gap",
    "fta_in_force": "FTA in force", "aeo_mra": "AEO MRA", "eco_exchange": "e-C/O exchange",
    "single_window_connected": "single window link",
}
_FLAGS = {"fta_in_force": "FTA", "aeo_mra": "AEO MRA", "eco_exchange": "e-C/O exchange",
          "single_window_connected": "single window link"}


def criterion_label(criterion: str, direction: str = "higher") -> str:
    """A criterion's name in plain words, as the CLI table and the dashboard head it.

    A 0/1 flag scored ``direction: lower`` gives its points where the link is missing
    (cooperation still to build), so its label says so:

    >>> criterion_label("aeo_mra", "lower")
    'no AEO MRA yet'
    >>> criterion_label("aeo_mra"), criterion_label("mirror_gap")
    ('AEO MRA', 'mirror gap')
    """
    if criterion in _FLAGS and direction == "lower":
        return f"no {_FLAGS[criterion]} yet"
    return _LABELS.get(criterion, criterion.replace("_", " "))


class Criterion(BaseModel):
    """One criterion: its weight, which way is better, how raw values are scaled, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weight: Sourced
    direction: Literal["higher", "lower"] = Field(
        description="'higher': a larger raw value raises the priority; 'lower': lowers it."
    )
    transform: Literal["linear", "log"] = "linear"
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
