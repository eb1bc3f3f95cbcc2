"""The MRA exchange arrangements (YAML data, validated on load)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from haiquan.errors import ConfigurationError, UnknownCodeError
from haiquan.reference.countries import country
from haiquan.rules import load_rules

__all__ = ["EXCHANGEABLE_FIELDS", "MraArrangement", "arrangement", "load_arrangements"]

EXCHANGEABLE_FIELDS = ("aeo_id", "name", "address", "tin", "roles", "status", "valid_from",
                       "valid_until")


class MraArrangement(BaseModel):
    """How lists are exchanged under one MRA."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mra_id: str = Field(pattern=r"^[A-Z0-9_-]{3,40}$")
    partners: tuple[str, ...] = Field(min_length=1)
    fields: tuple[str, ...]
    frequency: Literal["daily", "weekly", "monthly", "on_change"]
    benefits_from: dt.date | None = None
    source: str = Field(min_length=3)
    assumption: str | None = None

    @field_validator("partners")
    @classmethod
    def _countries(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(country(code).alpha_3 for code in value)

    @field_validator("fields")
    @classmethod
    def _fields(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [f for f in value if f not in EXCHANGEABLE_FIELDS]
        if unknown:
            raise ValueError(f"unknown field(s) {unknown}; choose from "
                             + ", ".join(EXCHANGEABLE_FIELDS))
        for needed in ("aeo_id", "name", "status"):
            if needed not in value:
                raise ValueError(f"the list schema needs the field {needed!r}")
        return value

    def grants_benefits(self, on: dt.date) -> bool:
        return self.benefits_from is not None and self.benefits_from <= on


def _text(path: Path | None) -> tuple[str, str]:
    from haiquan.settings import get_settings

    chosen = path or get_settings().aeo_arrangements_file
    if chosen:
        where = "the arrangements file" if path else "HAIQUAN_AEO_ARRANGEMENTS_FILE"
        try:
            return Path(chosen).read_text(encoding="utf-8"), str(chosen)
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise ConfigurationError(
                f"cannot read the MRA exchange arrangements named by {where}",
                expected="a readable UTF-8 YAML file of arrangements (see docs/aeo.md)",
                got=f"{chosen} ({reason or type(error).__name__})",
                fix="check the path" if path else "correct the path in "
                "HAIQUAN_AEO_ARRANGEMENTS_FILE, or unset it to use the arrangements shipped with "
                "haiquan",
            ) from error
    text = resources.files("haiquan.aeo.data").joinpath("mra_exchange.yaml").read_text("utf-8")
    return text, "haiquan/aeo/data/mra_exchange.yaml"


def load_arrangements(path: Path | None = None) -> tuple[MraArrangement, ...]:
    """Read and validate the arrangements file; every problem names the entry and the fix."""
    return _load(*_text(path))


@cache
def _load(text: str, label: str) -> tuple[MraArrangement, ...]:
    return load_rules(label, MraArrangement, key="arrangements", what="MRA exchange arrangements",
                      docs="docs/aeo.md", text=text, ident="mra_id").entries


def arrangement(mra_id: str, path: Path | None = None) -> MraArrangement:
    """One arrangement by MRA id."""
    for item in load_arrangements(path):
        if item.mra_id == mra_id:
            return item
    raise UnknownCodeError(
        f"no exchange arrangement for MRA {mra_id!r}",
        expected="one of " + ", ".join(a.mra_id for a in load_arrangements(path)),
        got=repr(mra_id), fix="add the MRA to the arrangements file",
    )
