"""Countries and country groups.

Countries come from ISO 3166-1 (via pycountry): alpha-2, alpha-3 and numeric codes, and names.
Trade sources spell partners their own way ("Korea, Rep. of", "China, P.R.: Mainland", Census
"Korea, South"), so ``country_aliases.yaml`` maps those spellings to alpha-3 codes, and groups
such as ASEAN are dated data in ``country_groups.yaml``. Aggregates that are not countries
("World", "European Union") are kept as *named groups*: :func:`partner_code` returns their name in
capitals with underscores, e.g. ``EUROPEAN_UNION``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pycountry

from haiquan import yaml_text
from haiquan.errors import CatalogueError, InputError, UnknownCodeError

__all__ = [
    "resolve_home",
    "Country",
    "CountryGroup",
    "country",
    "country_group",
    "country_groups",
    "find_country",
    "group_members",
    "groups_of",
    "partner_code",
    "partner_codes",
]


@dataclass(frozen=True)
class Country:
    """One ISO 3166-1 country."""

    alpha_2: str
    alpha_3: str
    numeric: str
    name: str
    official_name: str | None = None


@dataclass(frozen=True)
class CountryGroup:
    """A named group of countries with dated membership (e.g. ASEAN)."""

    code: str
    name: str
    members: dict[str, tuple[dt.date | None, dt.date | None]]
    source: str

    def members_on(self, on: dt.date | None = None) -> list[str]:
        """Alpha-3 codes of the members on a date (today when ``None``)."""
        day = on or dt.date.today()
        return sorted(
            code
            for code, (joined, left) in self.members.items()
            if (joined is None or joined <= day) and (left is None or day < left)
        )


def _normalise(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def _from_pycountry(record: Any) -> Country:
    return Country(
        alpha_2=record.alpha_2,
        alpha_3=record.alpha_3,
        numeric=record.numeric,
        name=getattr(record, "common_name", None) or record.name,
        official_name=getattr(record, "official_name", None),
    )


@cache
def _by_code() -> dict[str, Country]:
    table: dict[str, Country] = {}
    for record in pycountry.countries:
        item = _from_pycountry(record)
        table[item.alpha_2] = item
        table[item.alpha_3] = item
        table[item.numeric] = item
        table[str(int(item.numeric))] = item
    # Kosovo is not in ISO 3166-1 but every trade source reports it; XKX is the code the EU,
    # the IMF and the World Bank use.
    kosovo = Country("XK", "XKX", "412", "Kosovo")
    table.update({"XK": kosovo, "XKX": kosovo, "412": kosovo})
    return table


def _load_yaml(name: str) -> Any:
    text = resources.files("haiquan.reference.data").joinpath(name).read_text(encoding="utf-8")
    return yaml_text.parse(text, source=f"haiquan/reference/data/{name}")


@cache
def _aliases() -> tuple[dict[str, str], dict[str, str]]:
    """(normalised name -> alpha-3, normalised name -> named group code)."""
    data = _load_yaml("country_aliases.yaml")
    countries: dict[str, str] = {}
    for record in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            value = getattr(record, attribute, None)
            if value:
                countries[_normalise(value)] = record.alpha_3
    countries[_normalise("Kosovo")] = "XKX"
    for alpha_3, names in (data.get("countries") or {}).items():
        if alpha_3 not in _by_code():
            raise CatalogueError(
                "country_aliases.yaml names a country code that is not ISO 3166-1",
                expected="an alpha-3 code such as VNM",
                got=repr(alpha_3),
                fix="correct the key in haiquan/reference/data/country_aliases.yaml",
            )
        for name in names:
            countries[_normalise(name)] = alpha_3
    groups: dict[str, str] = {}
    for code, names in (data.get("groups") or {}).items():
        for name in names:
            groups[_normalise(name)] = code
    return countries, groups


@cache
def partner_codes() -> frozenset[str]:
    """Every code a reporter or partner may be given as: the vocabulary of trade rows.

    ISO 3166-1 alpha-3 codes (and XKX, Kosovo), former countries of ISO 3166-3 (ANT, the
    Netherlands Antilles, which BACI still reports), the named aggregates trade sources report
    (``country_aliases.yaml``: WORLD, EUROPEAN_UNION ...) and the dated groups
    (``country_groups.yaml``: ASEAN, EU27 ...).

    >>> {"VNM", "XKX", "ANT", "WORLD", "EUROPEAN_UNION", "ASEAN"} <= partner_codes()
    True
    >>> "VNZ" in partner_codes()
    False
    """
    alpha_3 = {c.alpha_3 for c in _by_code().values()}
    former = {str(c.alpha_3) for c in pycountry.historic_countries}
    return frozenset(alpha_3 | former | set(_aliases()[1].values()) | set(country_groups()))


def country(code: str) -> Country:
    """Look a country up by ISO alpha-2, alpha-3 or numeric code.

    >>> country("VN").alpha_3
    'VNM'
    >>> country("704").name
    'Vietnam'
    """
    key = str(code).strip().upper()
    found = _by_code().get(key) or (_by_code().get(key.lstrip("0")) if key.isdigit() else None)
    if found is None:
        raise UnknownCodeError(
            f"unknown country code {code!r}",
            expected="an ISO 3166-1 alpha-2 (VN), alpha-3 (VNM) or numeric (704) code",
            got=repr(code),
            fix="check the code, or look the country up by name with `haiquan show country NAME`",
        )
    return found


def find_country(name_or_code: str) -> Country:
    """Look a country up by code or by any name a trade source uses.

    >>> find_country("Korea, Rep. of").alpha_3
    'KOR'
    >>> find_country("vietnam").alpha_3
    'VNM'
    """
    text = str(name_or_code).strip()
    if len(text) in (2, 3) and text.isalpha() and text.upper() in _by_code():
        return _by_code()[text.upper()]
    if text.isdigit() and text in _by_code():
        return _by_code()[text]
    alpha_3 = _aliases()[0].get(_normalise(text))
    if alpha_3 is None:
        raise UnknownCodeError(
            f"no country is known by the name {name_or_code!r}",
            expected="an ISO 3166-1 code or a country name",
            got=repr(name_or_code),
            fix="use the ISO alpha-3 code, or add the spelling to "
            "haiquan/reference/data/country_aliases.yaml",
        )
    return _by_code()[alpha_3]


def partner_code(name_or_code: str) -> str:
    """The canonical partner code for a trade row: alpha-3 for a country, else a named group.

    Raises :class:`UnknownCodeError` when the name is neither a known country nor a known group.

    >>> partner_code("United States")
    'USA'
    >>> partner_code("European Union")
    'EUROPEAN_UNION'
    """
    key = _normalise(name_or_code)
    group = _aliases()[1].get(key)
    if group is not None:
        return group
    return find_country(name_or_code).alpha_3


@cache
def country_groups() -> dict[str, CountryGroup]:
    """Every group in ``country_groups.yaml`` by code."""
    data = _load_yaml("country_groups.yaml")
    groups: dict[str, CountryGroup] = {}
    for code, body in data.items():
        members: dict[str, tuple[dt.date | None, dt.date | None]] = {}
        for entry in body["members"]:
            if isinstance(entry, str):
                entry = {"country": entry}
            alpha_3 = country(entry["country"]).alpha_3
            members[alpha_3] = (entry.get("joined"), entry.get("left"))
        groups[code] = CountryGroup(code, body["name"], members, body["source"])
    return groups


def country_group(code: str) -> CountryGroup:
    """A group by code, e.g. ``ASEAN``."""
    groups = country_groups()
    key = code.strip().upper()
    if key not in groups:
        raise UnknownCodeError(
            f"unknown country group {code!r}",
            expected="one of " + ", ".join(sorted(groups)),
            got=repr(code),
            fix="add the group to haiquan/reference/data/country_groups.yaml",
        )
    return groups[key]


def group_members(code: str, on: dt.date | None = None) -> list[str]:
    """Alpha-3 codes of a group's members on a date.

    >>> "VNM" in group_members("ASEAN", dt.date(2020, 1, 1))
    True
    >>> "TLS" in group_members("ASEAN", dt.date(2020, 1, 1))
    False
    """
    return country_group(code).members_on(on)


def groups_of(code: str, on: dt.date | None = None) -> list[str]:
    """Codes of the groups a country belongs to on a day (today when ``None``).

    >>> groups_of("VNM", dt.date(2020, 1, 1))
    ['ASEAN', 'CPTPP', 'RCEP']
    """
    alpha_3 = country(code).alpha_3
    groups = country_groups().items()
    return sorted(name for name, group in groups if alpha_3 in group.members_on(on))


def resolve_home(home: str | None) -> str:
    """The home country's alpha-3 code: the argument, else the ``HAIQUAN_HOME_COUNTRY`` setting.

    Any ISO 3166 code is read as the setting reads it (``vn``, ``VNM``, ``704``); three letters
    that are no ISO code pass unchanged, for the data to answer whether it holds them. The error
    names the bad code's origin — the caller's ``--home`` or the setting — so the fix points at
    the right place.

    >>> resolve_home("vn"), resolve_home("704")
    ('VNM', 'VNM')

    Raises:
        InputError: neither an ISO code nor three letters.
    """
    from haiquan.settings import get_settings

    given = home or get_settings().home_country
    code = given.strip().upper()
    try:
        return country(code).alpha_3
    except UnknownCodeError:
        pass
    if len(code) != 3 or not code.isalpha():
        raise InputError(
            "the home country must be an ISO 3166 alpha-3 code",
            expected="a code such as VNM",
            got=repr(home) if home else f"HAIQUAN_HOME_COUNTRY={given!r}",
            fix="pass --home VNM" if home else "set HAIQUAN_HOME_COUNTRY to a code such as VNM",
        )
    return code
