"""A number in a catalogue with where it comes from: a published ``source`` or a stated
``assumption`` — a plan is only as credible as its inputs, and its reader must see which figures
are facts and which are placeholders to replace."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["STRICT", "Sourced", "fraction", "non_negative"]


#: Catalogue models refuse unknown keys (a typo is not silently ignored) and do not change.
STRICT = ConfigDict(extra="forbid", frozen=True)


class Sourced(BaseModel):
    """A number with where it comes from: a published ``source`` or a stated ``assumption``."""

    model_config = STRICT

    # .nan or .inf in YAML would reach the optimiser as a cost or a benefit it cannot weigh.
    value: float = Field(allow_inf_nan=False)
    source: str | None = None
    assumption: str | None = None
    low: float | None = Field(
        default=None,
        allow_inf_nan=False,
        description="Lowest plausible value (the source's range).",
    )
    high: float | None = Field(
        default=None,
        allow_inf_nan=False,
        description="Highest plausible value (the source's range).",
    )

    @model_validator(mode="after")
    def _one_origin(self) -> Sourced:
        has_source = bool(self.source and self.source.strip())
        has_assumption = bool(self.assumption and self.assumption.strip())
        if (self.low is not None and self.low > self.value) or (
            self.high is not None and self.high < self.value
        ):
            raise ValueError(
                f"a range runs low <= value <= high, got low {self.low}, value "
                f"{self.value}, high {self.high}"
            )
        if has_source == has_assumption:
            raise ValueError(
                "every number needs exactly one of 'source' (where it is published) or "
                "'assumption' (why this placeholder, to be replaced), e.g. "
                "{value: 0.3, source: 'BACI 2020'}"
            )
        return self

    @model_validator(mode="before")
    @classmethod
    def _not_bare(cls, data: Any) -> Any:
        if isinstance(data, int | float) and not isinstance(data, bool):
            raise ValueError(
                f"a bare number ({data}) has no source; write {{value: {data}, source: '...'}} "
                f"or {{value: {data}, assumption: '...'}}"
            )
        return data

    def bound(self, which: str, spread: float) -> float:
        """The ``low`` or ``high`` end (or ``central`` value) of the figure.

        Its own ``low``/``high`` when given; else, for an assumption, the value × (1 ∓ spread)
        (the catalogue's ``assumption_range``); a sourced figure without a range is exact.

        >>> Sourced(value=0.2, assumption="guess").bound("low", 0.5)
        0.1
        >>> Sourced(value=0.006, source="H&S 2013", high=0.021).bound("high", 0.5)
        0.021
        """
        if which == "low":
            if self.low is not None:
                return self.low
            return self.value * (1 - spread) if self.is_assumption else self.value
        if which == "high":
            if self.high is not None:
                return self.high
            return self.value * (1 + spread) if self.is_assumption else self.value
        return self.value

    @property
    def is_assumption(self) -> bool:
        """True when the figure is a placeholder the administration should replace."""
        return self.assumption is not None


def fraction(value: Sourced, name: str) -> Sourced:
    if not 0.0 <= value.value <= 1.0:
        raise ValueError(f"{name} is a fraction between 0 and 1, got {value.value}")
    return value


def non_negative(value: Sourced | None, name: str) -> Sourced | None:
    if value is not None and value.value < 0:
        raise ValueError(f"{name} cannot be negative, got {value.value}")
    return value
