"""Targeting profiles: the risk officers' own selection criteria, kept as data.

A profile says which declarations to control and why — by HS code, origin, departure country
(a route is both), importer, declarant or seller — from a date, usually to a date, and to which
channel (red or yellow). Officers write them in ``HOME/risk/profiles.yaml``
(:func:`default_profiles_file`), a YAML list like the partner alerts file; scoring applies the
profiles in force on each declaration's date after partner alerts and before random selection,
and notes ``targeting profile <id> (<author>): <reason>`` in the declaration's reasons.

::

    - profile_id: VN-2021-004
      reason: garlic from China declared under the reference price
      hs_prefix: "0703"
      origin_country: CHN
      valid_from: 2021-01-01
      valid_to: 2021-06-30
      channel: red
      author: risk management division
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator
from pydantic import ValidationError as PydanticValidationError

from haiquan import yaml_text
from haiquan.errors import ValidationError
from haiquan.settings import get_settings

__all__ = ["TargetingProfile", "default_profiles_file", "profiles_in_force", "read_profiles"]


class TargetingProfile(BaseModel):
    """One officer-defined selection criterion."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    profile_id: str = Field(min_length=1, max_length=40)
    reason: str = Field(min_length=3, max_length=300)
    valid_from: dt.date
    valid_to: dt.date = dt.date.max
    hs_prefix: str | None = Field(default=None, pattern=r"^\d{2,10}$")
    origin_country: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    departure_country: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    importer: str | None = None
    declarant: str | None = None
    seller: str | None = None
    channel: Literal["red", "yellow"] = "red"
    author: str | None = Field(default=None, max_length=80)

    @model_validator(mode="after")
    def _check(self) -> TargetingProfile:
        if self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        if not any((self.hs_prefix, self.origin_country, self.departure_country, self.importer,
                    self.declarant, self.seller)):
            raise ValueError("a profile needs at least one criterion (hs_prefix, "
                             "origin_country, departure_country, importer, declarant, seller)")
        return self

    @property
    def alert_id(self) -> str:
        """The id routing reports it under (beside partner alerts' ids)."""
        return f"profile {self.profile_id}"

    def note(self) -> str:
        by = f" ({self.author})" if self.author else ""
        return f"targeting profile {self.profile_id}{by}: {self.reason}"

    def matches(self, *, date: dt.date, hs_code: str, origin_country: str | None,
                departure_country: str | None, seller: str | None, importer: str | None,
                declarant: str | None = None) -> bool:
        """Whether one declaration falls under this profile."""
        if not self.valid_from <= date <= self.valid_to:
            return False
        if self.hs_prefix and not hs_code.startswith(self.hs_prefix):
            return False
        wanted = ((self.origin_country, origin_country),
                  (self.departure_country, departure_country), (self.seller, seller),
                  (self.importer, importer), (self.declarant, declarant))
        return all(not want or want == have for want, have in wanted)


def default_profiles_file() -> Path:
    """The officers' profiles: ``HOME/risk/profiles.yaml`` (absent: none)."""
    return get_settings().home / "risk" / "profiles.yaml"


def read_profiles(path: Path | None = None) -> list[TargetingProfile]:
    """Profiles from ``path``, else :func:`default_profiles_file` (absent: none).

    Raises:
        ValidationError: the file cannot be read, is not a YAML list, or a profile breaks its
            rules; the message names the file, the item and the field.
    """
    file = Path(path) if path is not None else default_profiles_file()
    if path is None and not file.exists():
        return []
    try:
        data = yaml_text.read(file, what="the targeting profiles file",
                              expected="a UTF-8 YAML list of profiles",
                              fix="format in docs/risk.md, 'Targeting profiles'")
    except OSError as error:
        raise ValidationError(
            f"cannot read the targeting profiles file {file}",
            expected="a readable UTF-8 YAML list of profiles",
            got=str(error).splitlines()[0][:200],
            fix="correct the file (format in docs/risk.md, 'Targeting profiles')",
        ) from error
    if data is None:
        return []
    if not isinstance(data, list):
        raise ValidationError(
            f"the targeting profiles file {file} is not a list",
            expected="a YAML list, one '- profile_id: ...' item per profile",
            got=f"a {type(data).__name__}",
            fix="write each profile as an item of a list (docs/risk.md, 'Targeting profiles')",
        )
    try:
        profiles = TypeAdapter(list[TargetingProfile]).validate_python(data)
    except PydanticValidationError as error:
        first = error.errors()[0]
        loc = list(first["loc"])
        item = f"item {int(loc[0]) + 1}" if loc and isinstance(loc[0], int) else "an item"
        field = ".".join(str(p) for p in loc[1:]) or "the profile"
        raise ValidationError(
            f"{file}: {item}, {field} is invalid",
            expected=first["msg"].removeprefix("Value error, "),
            got=repr(first.get("input"))[:100],
            fix="correct the profile (format in docs/risk.md, 'Targeting profiles')",
        ) from None
    ids = [p.profile_id for p in profiles]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ValidationError(
            f"{file}: profile ids repeat", expected="one profile per id",
            got=", ".join(twice), fix="give each profile its own profile_id",
        )
    return profiles


def profiles_in_force(profiles: Sequence[TargetingProfile], first: dt.date, last: dt.date
                      ) -> list[TargetingProfile]:
    """The profiles in force on at least one day from ``first`` to ``last``."""
    return [p for p in profiles if p.valid_from <= last and first <= p.valid_to]
