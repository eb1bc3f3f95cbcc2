"""What a cooperation plan says: the limits it was made under, the initiatives chosen and when,
the staff and budget used each year, what binds, what one more staff-month is worth, how a
larger budget or other forecasts would change it, and what the agreements catalogue changed."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from haiquan.errors import InputError

__all__ = [
    "BindingConstraint",
    "ChosenInitiative",
    "Plan",
    "PlanLimits",
    "ReferenceCheck",
    "Robustness",
    "ShadowValue",
    "WhatIf",
    "YearUse",
]


class PlanLimits(BaseModel):
    """The plan period and the yearly resources available for cooperation initiatives."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first_year: int = Field(ge=1990, le=2200)
    years: int = Field(default=5, ge=1, le=30)
    staff_months_per_year: float | list[float]
    budget_usd_per_year: float | list[float]

    @field_validator("staff_months_per_year", "budget_usd_per_year")
    @classmethod
    def _non_negative(cls, value: float | list[float]) -> float | list[float]:
        values = value if isinstance(value, list) else [value]
        # NaN would pass a `< 0` test, and an infinite limit reads as "fully used" in `binding`.
        if any(not np.isfinite(v) for v in values):
            raise ValueError("a yearly limit is a finite number (no nan or inf)")
        if any(v < 0 for v in values):
            raise ValueError("a yearly limit cannot be negative")
        return value

    def _per_year(self, value: float | list[float], name: str) -> np.ndarray:
        if isinstance(value, list):
            if len(value) != self.years:
                raise InputError(
                    f"{name} has {len(value)} yearly values for a {self.years}-year plan",
                    expected=f"one number, or a list of {self.years} numbers",
                    got=str(value),
                    fix="give one value per plan year",
                )
            return np.array(value, dtype=float)
        return np.full(self.years, float(value))

    def staff(self) -> np.ndarray:
        """Staff-months available in each plan year."""
        return self._per_year(self.staff_months_per_year, "staff_months_per_year")

    def budget(self) -> np.ndarray:
        """Budget (USD) available in each plan year."""
        return self._per_year(self.budget_usd_per_year, "budget_usd_per_year")

    @property
    def plan_years(self) -> list[int]:
        """The calendar years of the plan."""
        return list(range(self.first_year, self.first_year + self.years))


class ChosenInitiative(BaseModel):
    """An initiative in the plan."""

    id: str
    name: str
    kind: str
    partners: list[str]
    start_year: int
    completion_year: int = Field(description="Last year of implementation.")
    benefit_usd: float = Field(description="Discounted benefit inside the plan horizon.")
    benefit_low_usd: float = Field(
        default=0.0, description="The same with every benefit figure at its low end."
    )
    benefit_high_usd: float = Field(
        default=0.0, description="The same with every benefit figure at its high end."
    )
    required: bool


class YearUse(BaseModel):
    """Resources used and available in one plan year."""

    year: int
    staff_months_used: float
    staff_months_limit: float
    budget_usd_used: float
    budget_usd_limit: float


class BindingConstraint(BaseModel):
    """A constraint the optimal plan meets exactly, so it limits the benefit."""

    kind: str  # "staff", "budget", "exclusion"
    year: int | None = None
    description: str


class ShadowValue(BaseModel):
    """What one more staff-month in a year is worth."""

    year: int
    resolve_gain_usd: float = Field(
        description="Benefit gained by re-solving the integer programme with +1 staff-month."
    )
    resolve_uncertainty_usd: float = Field(
        description="How far the re-solve may be from its optimum (its MIP gap in USD): a gain "
        "smaller than this cannot be told from zero."
    )
    lp_dual_usd: float | None = Field(
        description="Dual of the staff row in the LP relaxation (fractional initiatives)."
    )


class WhatIf(BaseModel):
    """The plan under changed limits, compared with the optimal plan."""

    description: str
    objective_usd: float
    gain_usd: float
    entered: list[str]
    left: list[str]
    moved: list[str]


class Robustness(BaseModel):
    """How the choice holds when every benefit figure is at its low or at its high end."""

    spread: float = Field(
        description="Assumed figures without their own range vary by ± this "
        "fraction (the catalogue's assumption_range; 0 when it has none)."
    )
    objective_low_usd: float = Field(description="Benefit of the plan re-solved at the low end.")
    objective_high_usd: float = Field(description="Benefit of the plan re-solved at the high end.")
    chosen_in_all: list[str] = Field(description="Chosen at the low, central and high end.")
    only_central: list[str] = Field(
        description="Chosen in the central plan but not at the low or the high end."
    )
    added_low: list[str] = Field(description="Chosen at the low end only, not in the central.")
    added_high: list[str] = Field(description="Chosen at the high end only, not in the central.")
    dropped_low: list[str] = Field(
        default_factory=list, description="Chosen in the central plan, left out at the low end."
    )
    dropped_high: list[str] = Field(
        default_factory=list, description="Chosen in the central plan, left out at the high end."
    )

    def summary(self, chosen: int) -> str:
        """How the choice holds, each end named, for the CLI and the plan page alike.

        An initiative left out at one end only is not "chosen only at the central values", and
        one added at both ends is one initiative, not two: the sentence says which end.
        """
        text = f"{len(self.chosen_in_all)} of {chosen} chosen at both ends as in the central plan"
        # A plan stored before these fields existed knows only the union.
        low = self.__dict__.get("dropped_low")
        high = self.__dict__.get("dropped_high")
        ends = (
            [("left out at the low end", low), ("left out at the high end", high)]
            if low is not None and high is not None
            else [("left out at the low or the high end", self.only_central)]
        )
        ends += [
            ("added at the low end", self.added_low),
            ("added at the high end", self.added_high),
        ]
        return "; ".join(
            [text, *(f"{label}: {', '.join(items)}" for label, items in ends if items)]
        )


class ReferenceCheck(BaseModel):
    """An initiative the agreements and commitments catalogues changed or excluded."""

    id: str
    action: str = Field(description="excluded, or implementation (signed, not applied yet).")
    reason: str
    agreements: list[str]
    new_name: str | None = None
    required: bool = False


class Plan(BaseModel):
    """The optimal cooperation plan and what limits it."""

    home: str
    first_year: int
    years: int
    status: str
    objective_usd: float = Field(description="Total discounted benefit of the plan, USD.")
    mip_gap: float
    solve_seconds: float
    chosen: list[ChosenInitiative]
    not_chosen: list[str]
    usage: list[YearUse]
    binding: list[BindingConstraint]
    shadow_method: str
    shadow_staff_month: list[ShadowValue]
    budget_plus_10: WhatIf | None
    assumptions: list[str]
    warnings: list[str]
    data_source: str = Field(default="", description="Where the trade data came from.")
    synthetic: bool = Field(
        default=False,
        description="Some of the trade data is generated demo data, not real trade: show "
        "the plan as SYNTHETIC.",
    )
    robustness: Robustness | None = None
    reference_checks: list[ReferenceCheck] = Field(
        default_factory=list,
        description="Initiatives changed or excluded because the agreements catalogue records "
        "the arrangement as signed or applied already.",
    )
