"""A neutral starting catalogue for any administration, written from a shipped template.

The Vietnam example (``data/vietnam_initiatives.yaml``) is Vietnam's: its partners, an
initiative with Thailand, BACI shares of Vietnam's exports. Another administration that copies it
and sets ``home: THA`` gets a catalogue the loader refuses (Thailand as its own partner, exporter
VNM). :func:`write_catalogue_template` instead fills ``data/catalogue_template.yaml`` — a handful
of generic initiatives (AEO MRA, e-C/O exchange, port-pair pilot, single-window connection,
training), every figure an assumption — with the home country and five partners, checks the
result with the real loader and writes it.
"""

from __future__ import annotations

import json
import string
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from haiquan import yaml_text
from haiquan.errors import ConflictError, HaiquanError, InputError
from haiquan.priorities._yaml import packaged_file
from haiquan.priorities.catalogue import Catalogue, parse_catalogue

__all__ = [
    "PLACEHOLDER_PARTNERS",
    "TEMPLATE_PARTNERS",
    "CatalogueTemplate",
    "catalogue_template_path",
    "refuse_existing",
    "template_partners",
    "write_catalogue_template",
]

#: Partner slots the template fills (one per generic initiative; the AEO programme upgrade
#: names the first three).
TEMPLATE_PARTNERS = 5

#: Partners used when none are given or known from data: the largest traders in the world, in
#: no order that means anything for a given home — codes the administration must edit.
PLACEHOLDER_PARTNERS: tuple[str, ...] = ("CHN", "USA", "DEU", "JPN", "KOR", "NLD", "FRA")


@dataclass(frozen=True)
class CatalogueTemplate:
    """A catalogue written from the template: where, what it holds, where its partners came from."""

    path: Path
    catalogue: Catalogue
    partners: list[str]
    partners_note: str


def catalogue_template_path() -> Path:
    """The shipped template (``${HOME}``, ``${P1}`` ... placeholders; not a catalogue itself)."""
    return packaged_file("catalogue_template.yaml")


def template_partners(flows: pd.DataFrame, home: str, n: int = TEMPLATE_PARTNERS) -> list[str]:
    """Home's ``n`` largest partner countries by trade (exports + imports) in the base year.

    The base year is the one the plan starts from
    (:func:`~haiquan.priorities._inputs.choose_base_year`); groups, aggregates and codes the
    reference data does not know as countries are left out. Empty when the flows hold no trade
    of ``home``.
    """
    from haiquan.priorities import _inputs
    from haiquan.reference import country

    trade = _inputs.home_partner_trade(_inputs.annual_totals(flows), home)
    trade = trade.loc[trade["total"] > 0]
    if trade.empty:
        return []
    base, _ = _inputs.choose_base_year(trade)
    ranked = trade.loc[trade["year"] == base].sort_values(["total", "partner"],
                                                           ascending=[False, True])
    out: list[str] = []
    for code in ranked["partner"]:
        try:
            out.append(country(str(code)).alpha_3)
        except HaiquanError:
            continue  # an aggregate such as an unallocated region, not a partner to name
        if len(out) == n:
            break
    return out


def _check_partners(partners: Sequence[str], home: str) -> list[str]:
    from haiquan.reference import country

    out: list[str] = []
    for code in partners:
        try:
            alpha_3 = country(code).alpha_3
        except HaiquanError as error:
            raise InputError(
                f"unknown partner country {code!r} for the catalogue template",
                expected="ISO 3166 country codes (KOR, KR or 410)", got=repr(code),
                fix="give partner countries (groups such as ASEAN can be added to the written "
                "file by hand)",
            ) from error
        if alpha_3 == home:
            raise InputError(
                f"the home country {home} cannot be its own partner",
                expected=f"partner countries other than {home}",
                got=", ".join(partners), fix=f"leave {home} out of the partners",
            )
        if alpha_3 not in out:
            out.append(alpha_3)
    return out


def refuse_existing(path: str | Path) -> Path:
    """``path`` as a Path, or a ``ConflictError`` when something is already there.

    A catalogue an administration has been editing must never be replaced by the template.
    """
    file = Path(path)
    if file.exists():
        raise ConflictError(
            f"{file} already exists; the catalogue template is never written over a file",
            expected="the path of a new file",
            got=f"an existing {'folder' if file.is_dir() else 'file'}",
            fix="give another file name, or move the existing file away first",
        )
    return file


def _inner(text: str) -> str:
    """``text`` escaped to sit inside a double-quoted YAML scalar (JSON's escapes are YAML's)."""
    return json.dumps(" ".join(text.split()), ensure_ascii=False)[1:-1]


def _render(home: str, partners: Sequence[str], note: str) -> str:
    """The template's text with ``home``, its name and the partners filled in."""
    from haiquan.reference import country

    values = {"HOME": home, "HOME_NAME": _inner(country(home).name),
              "PARTNERS_NOTE": " ".join(note.split())}
    for number, code in enumerate(partners, 1):
        values[f"P{number}"] = code
        values[f"p{number}"] = code.lower()
        values[f"P{number}_NAME"] = _inner(country(code).name)
    text = catalogue_template_path().read_text(encoding="utf-8")
    return string.Template(text).substitute(values)


def write_catalogue_template(
    path: str | Path,
    home: str,
    partners: Sequence[str] | None = None,
    *,
    partners_note: str | None = None,
) -> CatalogueTemplate:
    """Write a starting catalogue for ``home`` at ``path``, checked by the real loader.

    Args:
        path: the file to write; it must not exist (a catalogue being edited is never replaced).
        home: the administration's country (ISO alpha-2, alpha-3 or numeric code).
        partners: up to :data:`TEMPLATE_PARTNERS` partner countries, most important first
            (e.g. :func:`template_partners`); missing slots are filled from
            :data:`PLACEHOLDER_PARTNERS` (home left out), and the file says they are
            placeholders.
        partners_note: where ``partners`` came from, written at the top of the file.

    Raises:
        ConflictError: a file already exists at ``path``.
        InputError: an unknown home or partner, or home among the partners.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> written = write_catalogue_template(folder / "tha.yaml", "THA", ["CHN", "JPN"])
    >>> written.catalogue.home, written.partners
    ('THA', ['CHN', 'JPN', 'USA', 'DEU', 'KOR'])
    >>> import shutil; shutil.rmtree(folder)
    """
    from haiquan.reference import country

    file = refuse_existing(path)
    try:
        home = country(home).alpha_3
    except HaiquanError as error:
        raise InputError(
            f"unknown home country {home!r} for the catalogue template",
            expected="the ISO code of the administration that makes the plan (THA, TH or 764)",
            got=repr(home), fix="pass --home with a country code",
        ) from error
    chosen = _check_partners(list(partners or [])[:TEMPLATE_PARTNERS], home)
    given = len(chosen)
    for code in PLACEHOLDER_PARTNERS:
        if len(chosen) == TEMPLATE_PARTNERS:
            break
        if code != home and code not in chosen:
            chosen.append(code)
    note = partners_note or (f"{', '.join(chosen[:given])} as given" if given else "")
    if given < TEMPLATE_PARTNERS:
        filled = ", ".join(chosen[given:])
        note = (f"{note}; " if note else "") + (
            f"{filled} are PLACEHOLDERS (large world traders, not {home}'s known partners): "
            f"replace them with {home}'s partners")
    text = _render(home, chosen, note)
    # The loader's own check: what is written loads, or nothing is written.
    catalogue = parse_catalogue(yaml_text.parse(text, source=file), path=file)
    file.parent.mkdir(parents=True, exist_ok=True)
    with file.open("x", encoding="utf-8") as out:  # "x": never over a file made meanwhile
        out.write(text)
    return CatalogueTemplate(path=file, catalogue=catalogue, partners=chosen, partners_note=note)
