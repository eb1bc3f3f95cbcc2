"""Selectivity and drift rules (policy) as dated, sourced YAML data, validated on load.

Rates and thresholds change by decision of the administration, so they are data with a validity
period and a source (``haiquan/risk/rules/*.yaml``), never constants in code. A file holds
``rule_sets``; :func:`load_selectivity_rules` and :func:`load_drift_rules` return the set valid on a
date. A malformed file raises :class:`~haiquan.errors.CatalogueError` saying which field is wrong.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from haiquan.errors import CatalogueError, InputError
from haiquan.rules import DatedRule, load_rules

__all__ = [
    "AeoBenefits",
    "ChannelRates",
    "DriftRules",
    "Exploration",
    "LevelThresholds",
    "SelectivityRules",
    "load_drift_rules",
    "load_selectivity_rules",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Dated(DatedRule):
    name: str = Field(min_length=1)
    source: str = Field(min_length=10, description="where the rule comes from")


class ChannelRates(_Strict):
    """Share of declarations per channel; green takes what is left."""

    red: float = Field(ge=0, le=1)
    yellow: float = Field(ge=0, le=1)
    blue: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _total(self) -> ChannelRates:
        if self.red + self.yellow + self.blue > 1:
            raise ValueError("red + yellow + blue exceed 1 (100 % of declarations)")
        return self


class Exploration(_Strict):
    share_of_red: float = Field(ge=0, le=1)
    seed: int


class AeoBenefits(_Strict):
    home_aeo_score_factor: float = Field(gt=0, le=1)
    partner_aeo_score_factor: float = Field(gt=0, le=1)
    exploration_weight: float = Field(ge=0, le=1)
    declarant_aeo_score_factor: float = Field(
        default=1.0, gt=0, le=1,
        description="an AEO customs broker declaring for a non-AEO importer (1: no benefit)",
    )


class AlertHandling(_Strict):
    channel: Literal["red", "yellow"]
    raise_level_to: Literal["medium", "high", "very high"] | None = Field(
        default=None,
        description="a declaration an alert sends to control is at least this risk level",
    )


class LevelThresholds(_Strict):
    """Score percentiles from which a declaration is medium, high, very high risk."""

    very_high: float = Field(gt=0, lt=1)
    high: float = Field(gt=0, lt=1)
    medium: float = Field(gt=0, lt=1)

    @model_validator(mode="after")
    def _order(self) -> LevelThresholds:
        if not self.medium < self.high < self.very_high:
            raise ValueError("levels must rise: medium < high < very_high")
        return self


class Novelty(_Strict):
    """When a declaration is flagged as unlike the training data (its score is less sure)."""

    thin_history: int = Field(
        default=5, ge=1,
        description="fewer past declarations of the HS6 and origin than this: thin history",
    )


class SelectivityRules(_Dated):
    channels: ChannelRates
    exploration: Exploration
    aeo: AeoBenefits
    alerts: AlertHandling
    levels: LevelThresholds
    novelty: Novelty = Novelty()


class DriftRules(_Dated):
    bins: int = Field(ge=2, le=100)
    moderate: float = Field(gt=0)
    significant: float = Field(gt=0)
    min_declarations: int = Field(
        ge=1, description="fewer recent declarations give noise, not a drift verdict"
    )

    @model_validator(mode="after")
    def _order(self) -> DriftRules:
        if self.moderate >= self.significant:
            raise ValueError("moderate must be below significant")
        return self


_R = TypeVar("_R", bound=_Dated)


def own_rules_file(kind: str) -> Path:
    """The administration's own rules of a kind, ``HOME/risk/<kind>.yaml``: when present it
    replaces the packaged file, so nobody edits a file inside the installed package."""
    from haiquan.settings import get_settings

    return get_settings().home / "risk" / f"{kind}.yaml"


def _load(kind: str, model: type[_R], path: Path | None, on: dt.date | None) -> _R:
    if path is None and own_rules_file(kind).is_file():
        path = own_rules_file(kind)
    stamp = Path(path).stat().st_mtime_ns if path is not None and Path(path).is_file() else 0
    sets = _parsed(kind, model, None if path is None else str(path), stamp)
    day = on or dt.date.today()
    for rule_set in sets:
        if rule_set.valid_on(day):
            return rule_set
    where = str(path) if path else f"haiquan/risk/rules/{kind}.yaml"
    if sets and day < sets[0].valid_from:
        # Before every rule set: the declarations' date is at fault (a typo, a default date),
        # not the rules; telling the caller to "add a rule set" would send them to the wrong fix.
        raise InputError(
            f"declarations dated {day} are older than every {kind} rule set",
            expected=f"declarations dated from {sets[0].valid_from} (the first {kind} rule "
            f"set, {sets[0].name})",
            got=str(day),
            fix="check the declarations' dates (YYYY-MM-DD); to score older declarations, "
            f"{_own_fix(kind, path)}",
        )
    raise CatalogueError(
        f"{where}: no {kind} rule set is valid on {day}",
        expected="a rule set whose validity covers the date",
        got=", ".join(f"{s.name} {s.valid_from}..{s.valid_to or ''}" for s in sets),
        fix=_own_fix(kind, path),
    )


def _own_fix(kind: str, path: Path | None) -> str:
    """How to add a rule set: in the file read when it is the administration's own, else in
    its own copy of the packaged file (never the packaged file itself)."""
    if path is not None:
        return f"add a rule set for their period to {path}"
    return (f"copy the packaged {kind} rules (docs/risk.md, 'Rules of your own') to "
            f"{own_rules_file(kind)} and add a rule set for their period there")


@lru_cache(maxsize=32)
def _parsed(kind: str, model: type[_R], path: str | None, stamp: int) -> tuple[_R, ...]:
    """Validated rule sets of a file, oldest first (cached per file version: scoring one
    declaration must not re-read YAML)."""
    where = path or f"haiquan/risk/rules/{kind}.yaml"
    try:
        if path is None:
            text = resources.files("haiquan.risk.rules").joinpath(f"{kind}.yaml").read_text("utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise CatalogueError(
            f"cannot read the {kind} rules",
            expected="a readable YAML file",
            got=f"{where}: {str(error).splitlines()[0]}",
            fix="correct the path",
        ) from error
    sets = load_rules(where, model, key="rule_sets", what=f"{kind} rules", docs="docs/risk.md",
                      text=text, header={"kind": kind}, ident="name")
    if not sets.entries:
        raise CatalogueError(
            f"{where} holds no {kind} rule set",
            expected="at least one rule set under 'rule_sets:'",
            got="an empty list",
            fix="add a rule set with its name, valid_from and source (docs/risk.md)",
        )
    return sets.entries


def load_selectivity_rules(path: Path | None = None, on: dt.date | None = None) -> SelectivityRules:
    """The selectivity rule set valid on ``on`` (today by default) from the package or ``path``."""
    return _load("selectivity", SelectivityRules, path, on)


def load_drift_rules(path: Path | None = None, on: dt.date | None = None) -> DriftRules:
    """The drift thresholds valid on ``on`` (today by default)."""
    return _load("drift", DriftRules, path, on)
