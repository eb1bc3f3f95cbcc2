"""Official figures beside computed rates: the published number, ours, the gap and why.

A leader is quoted two kinds of number: the figure an owner or the administration published
("13 of 29 SAFE standards implemented", "94.5 % of TFA commitments") and the rate haiquan
computes from the records it holds. They differ for reasons that must be said, not hidden: they
count different things (standards or contents, measures or notifiable items), describe
different dates, or the records here are incomplete. Every place that shows a rate shows the
official figures for the same catalogue and country with :func:`compare_with_official`.

Figures are dated, sourced YAML (``figures/official.yaml``); an administration adds its own in
``HAIQUAN_HOME/commitments/official_figures.yaml`` (same format), read after the packaged file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from haiquan import yaml_text
from haiquan.errors import CatalogueError
from haiquan.reference.countries import country as lookup_country
from haiquan.rules import validation_error
from haiquan.settings import get_settings

__all__ = [
    "OfficialComparison",
    "OfficialFigure",
    "compare_with_official",
    "official_figures",
    "user_figures_file",
]

_PACKAGED = Path(__file__).resolve().parent / "figures" / "official.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FigureSource(_Strict):
    """Where a published figure was read."""

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    url: str | None = None
    note: str | None = None


class OfficialFigure(_Strict):
    """One published figure: counts by status (or a percentage) of some ``level`` on a date.

    Give ``implemented`` and ``total`` (and ``partially`` / ``not_yet`` when published), or a
    ``percent`` alone when only that was published.
    """

    id: str = Field(min_length=1)
    catalogue: str = Field(min_length=1)
    country: str
    level: str = Field(min_length=1)
    as_of: dt.date
    date_precision: Literal["day", "month", "year"] = "day"
    implemented: int | None = Field(default=None, ge=0)
    partially: int | None = Field(default=None, ge=0)
    not_yet: int | None = Field(default=None, ge=0)
    total: int | None = Field(default=None, ge=1)
    percent: float | None = Field(default=None, ge=0, le=100)
    source: str
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> OfficialFigure:
        if self.percent is None and (self.implemented is None or self.total is None):
            raise ValueError(f"figure {self.id}: give implemented and total, or percent")
        counted = sum(c or 0 for c in (self.implemented, self.partially, self.not_yet))
        if self.total is not None and counted > self.total:
            raise ValueError(f"figure {self.id}: the counts add up to {counted}, over {self.total}")
        return self

    @property
    def official_percent(self) -> float:
        """The implemented share in per cent, as published (or from the published counts)."""
        if self.percent is not None:
            return self.percent
        return round(100 * (self.implemented or 0) / (self.total or 1), 1)


class _FiguresFile(_Strict):
    schema_version: Literal[1]
    sources: list[FigureSource] = Field(default_factory=list)
    figures: list[OfficialFigure] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> _FiguresFile:
        known = {s.id for s in self.sources}
        for figure in self.figures:
            if figure.source not in known:
                raise ValueError(f"figure {figure.id} cites unknown source {figure.source!r}")
        return self


class OfficialComparison(BaseModel):
    """An official figure beside the computed rate, the difference and the reasons for it."""

    figure: OfficialFigure
    source_title: str
    source_url: str | None
    official_percent: float
    computed_percent: float
    difference_points: float
    reasons: list[str]


def user_figures_file() -> Path:
    """An administration's own official figures (same format as the packaged file)."""
    return get_settings().home / "commitments" / "official_figures.yaml"


_EXPECTED = "schema_version: 1, sources and figures as in docs/commitments.md"


def _read(path: Path) -> _FiguresFile:
    try:
        data = yaml_text.read(path, what="the official figures", expected=_EXPECTED)
    except OSError as error:
        raise CatalogueError(
            f"{path}: the official figures cannot be read",
            expected=_EXPECTED,
            got=str(error).splitlines()[0][:300],
            fix=f"check the path of {path.name}",
            details={"path": str(path)},
        ) from error
    try:
        return _FiguresFile.model_validate(data)
    except PydanticValidationError as error:
        raise validation_error(error, source=path, data=data, what="official figures",
                               docs="docs/commitments.md", model=_FiguresFile) from error


def official_figures(
    catalogue: str | None = None, country: str | None = None
) -> list[tuple[OfficialFigure, FigureSource]]:
    """Every official figure (packaged, then the administration's), newest first, filtered."""
    files = [_read(_PACKAGED)]
    if user_figures_file().is_file():
        files.append(_read(user_figures_file()))
    code = lookup_country(country).alpha_3 if country else None
    found = []
    for held in files:
        sources = {s.id: s for s in held.sources}
        for figure in held.figures:
            if catalogue is not None and figure.catalogue != catalogue:
                continue
            if code is not None and lookup_country(figure.country).alpha_3 != code:
                continue
            found.append((figure, sources[figure.source]))
    return sorted(found, key=lambda pair: (pair[0].as_of, pair[0].id), reverse=True)


def compare_with_official(
    *,
    catalogue: str,
    country: str,
    on: dt.date,
    percent: float,
    total: float,
    unit_label: str,
    counts: dict[str, float],
    method: str,
) -> list[OfficialComparison]:
    """The official figures for a catalogue and country, each beside a computed rate.

    Called by :func:`haiquan.commitments.implementation_rate`, which puts the result in the
    rate's ``official`` field, so every place showing a rate has them.
    """
    computed = _Computed(on, percent, total, unit_label, counts, method)
    result = []
    for figure, source in official_figures(catalogue, country):
        result.append(
            OfficialComparison(
                figure=figure,
                source_title=source.title,
                source_url=source.url,
                official_percent=figure.official_percent,
                computed_percent=percent,
                difference_points=round(percent - figure.official_percent, 1),
                reasons=_reasons(computed, figure),
            )
        )
    return result


class _Computed(NamedTuple):
    on: dt.date
    percent: float
    total: float
    unit_label: str
    counts: dict[str, float]
    method: str


def _reasons(rate: _Computed, figure: OfficialFigure) -> list[str]:
    """Why the computed rate and the published figure differ (or that they agree)."""
    reasons: list[str] = []
    unit = rate.unit_label
    if figure.level != unit:
        reasons.append(
            f"the official figure counts {figure.level}s, the computed rate counts {unit}s"
        )
    if figure.total is not None and figure.level == unit and figure.total != rate.total:
        reasons.append(
            f"the official figure counts {figure.total} {figure.level}s, the catalogue "
            f"{rate.total:g}"
        )
    said = figure.as_of.year if figure.date_precision == "year" else figure.as_of
    if figure.as_of != rate.on:
        reasons.append(f"the official figure describes {said}, the computed rate {rate.on}")
    unrecorded = rate.counts.get("no_record", 0.0) + rate.counts.get("not_designated", 0.0)
    if unrecorded:
        reasons.append(
            f"{unrecorded:g} of {rate.total:g} {unit}s have no record here and count as not "
            "implemented"
        )
    if figure.total is not None and figure.implemented is not None:
        counted = sum(c or 0 for c in (figure.implemented, figure.partially, figure.not_yet))
        if figure.partially is not None and counted < figure.total:
            reasons.append(
                f"the published counts add up to {counted} of {figure.total} {figure.level}s"
            )
    if rate.method == "tfa":
        reasons.append(
            "the computed TFA rate counts commitments by their notified dates (TFA Database "
            "method); a published figure may count measures reported done"
        )
    if not reasons:
        close = abs(rate.percent - figure.official_percent) < 0.05
        return ["the figures agree" if close else "no reason known: check the records"]
    return reasons
