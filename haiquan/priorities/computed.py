"""Catalogue figures computed from data at load time instead of being typed into the YAML.

A share of trade that a catalogue would otherwise quote from a statistic ("HS 85 is 40 % of
Vietnam's exports in BACI 2020") goes stale when the data is updated, and copying it into the
catalogue copies data into the repository. Instead a catalogue may write::

    share_affected:
      from_baci: {exporter: VNM, year: 2020, chapters: ["85"]}
      note: "proxy for the HS 85 share of Vietnam-Korea trade"

and :func:`resolve_computed_figures` replaces it, before validation, with an ordinary sourced
figure whose ``source`` names the file and the numbers it was computed from. The file is CEPII
BACI's exporter × HS chapter × year table (under ``HAIQUAN_SHARED_DATA``, in
trade/baci-hs2-exporter-2011-2020, read in place); another file of that layout can be named with
``file:``.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from haiquan.errors import CatalogueError, DataFileError, HaiquanError
from haiquan.settings import get_settings

__all__ = ["BACI_EXPORTS_FILE", "baci_export_share", "resolve_computed_figures"]

#: The BACI exporter × HS2 table, relative to the shared data folder.
BACI_EXPORTS_FILE = "trade/baci-hs2-exporter-2011-2020/baci_hs92_hs2_exporter_year_2011_2020.csv.gz"

_KEYS = {"exporter", "year", "chapters", "file"}


_BACI_COLUMNS = ["t", "i_iso3c", "k", "v"]


@functools.lru_cache(maxsize=4)
def _exports_by_chapter(path: str, modified: float) -> pd.DataFrame:
    """Exports in USD by (exporter, year, chapter), read once per file version.

    Only the four columns needed are read (a quarter of the time of the warehouse's full BACI
    reader, which also checks every exporter code; a share needs the totals only).
    """
    try:
        raw = pd.read_csv(path, usecols=_BACI_COLUMNS, dtype={"k": "string", "i_iso3c": "string"})
    except ValueError as error:
        raise DataFileError(
            f"not a BACI exporter x HS2 table: {error}", path=path,
            expected=f"columns {', '.join(_BACI_COLUMNS)}", fix="name a CEPII BACI HS2 file",
        ) from error
    value = pd.to_numeric(raw["v"], errors="coerce")
    year = pd.to_numeric(raw["t"], errors="coerce")
    bad = value.isna() | (value < 0) | year.isna()
    if bad.any():
        first = int(bad.to_numpy().nonzero()[0][0])
        raise DataFileError(
            f"{int(bad.sum())} BACI row(s) have a missing or negative value or year", path=path,
            expected="a year in t and millions of USD (0 or more) in v",
            got=f"row {first + 2}: t={raw['t'].iloc[first]!r}, v={raw['v'].iloc[first]!r}",
            fix="use an intact copy of the BACI file",
        )
    frame = pd.DataFrame({"reporter": raw["i_iso3c"].str.strip().str.upper(),
                          "year": year.astype(int), "commodity": raw["k"].str.strip(),
                          "value_usd": value * 1e6})
    return frame.groupby(["reporter", "year", "commodity"], as_index=False)["value_usd"].sum()


def _baci_file(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    return Path(get_settings().shared_data) / BACI_EXPORTS_FILE


def baci_export_share(
    exporter: str, year: int, chapters: list[str], file: str | Path | None = None
) -> tuple[float, float, float, Path]:
    """Share of ``exporter``'s exports in ``year`` that fall in the HS ``chapters``.

    Returns (share, chapters' exports USD, total exports USD, file read).

    Raises:
        CatalogueError: the file is missing, or has no exports for that exporter and year.
    """
    path = _baci_file(str(file) if file is not None else None)
    if not path.is_file():
        raise CatalogueError(
            f"a catalogue figure is computed from CEPII BACI, but there is no file at {path}",
            expected="the BACI exporter x HS2 table (read in place, never copied)",
            got=str(path),
            fix="set HAIQUAN_SHARED_DATA to the folder holding trade/baci-hs2-exporter-2011-2020, "
                "name the file with `file:`, or replace `from_baci` by {value: ..., source: ...}",
        )
    try:
        table = _exports_by_chapter(str(path), path.stat().st_mtime)
    except DataFileError as error:
        raise CatalogueError(
            f"the BACI file a catalogue figure is computed from cannot be read: {error.summary}",
            expected="a CEPII BACI exporter x HS2 table", got=str(path),
            fix="point `file:` (or HAIQUAN_SHARED_DATA) at an intact BACI file",
        ) from error
    rows = table[(table["reporter"] == exporter) & (table["year"] == year)]
    total = float(rows["value_usd"].sum())
    if total <= 0:
        years = sorted(table.loc[table["reporter"] == exporter, "year"].unique().tolist())
        raise CatalogueError(
            f"BACI has no exports of {exporter} in {year}",
            expected=f"a year BACI covers for {exporter}", got=str(year),
            fix=f"use one of {years}" if years else "check the exporter's ISO alpha-3 code",
        )
    part = float(rows.loc[rows["commodity"].isin(chapters), "value_usd"].sum())
    return part / total, part, total, path


def _country_code(code: Any) -> str | None:
    """``code`` as alpha-3, or None when it is no country (validation names it later)."""
    from haiquan.reference import country

    try:
        return country(str(code)).alpha_3
    except (HaiquanError, LookupError):
        return None


def _allowed_exporters(item: Mapping[str, Any], home: str | None) -> list[str] | None:
    """Whose exports may stand for an initiative's trade: home's, and for imports or total
    trade also the partners' (groups expanded). None when home is unknown (validation says so).
    """
    if home is None:
        return None
    benefit = item.get("benefit")
    flow = benefit.get("flow") if isinstance(benefit, Mapping) else None
    allowed = [home]
    if flow == "export":
        return allowed
    from haiquan.reference import group_members

    partners = item.get("partners")
    for code in partners if isinstance(partners, list) else []:
        text = str(code).strip().upper()
        try:
            members = [text] if len(text) == 3 else group_members(text)
        except (HaiquanError, LookupError):
            continue
        allowed.extend(m for m in members if m not in allowed)
    return allowed


def _check_exporter(exporter: str, allowed: list[str] | None, where: str) -> None:
    """Refuse another country's export mix as the proxy of home's trade.

    A catalogue copied from the Vietnam example keeps ``exporter: VNM``: loaded for another home,
    Vietnam's export shares would silently size that administration's benefits.
    """
    if allowed is None or exporter in allowed:
        return
    home = allowed[0]
    others = (f", or a partner's ({', '.join(allowed[1:])})" if len(allowed) > 1
              else " (the benefit is on home's exports)")
    raise CatalogueError(
        f"{where}: `from_baci` computes the share from {exporter}'s exports, but this "
        f"catalogue's home is {home}",
        expected=f"exporter: {home}, home's own exports{others}",
        got=f"exporter: {exporter}",
        fix=f"write exporter: {home} (a catalogue copied from another administration keeps its "
            "exporter), or give the share as {value: ..., source: ...}",
    )


def _resolve_share(spec: Any, where: str, allowed: list[str] | None = None) -> dict[str, Any]:
    if not isinstance(spec, Mapping) or not _KEYS >= set(spec) or not {
        "exporter", "year", "chapters"} <= set(spec):
        raise CatalogueError(
            f"{where}: `from_baci` must name exporter, year and chapters",
            expected="from_baci: {exporter: VNM, year: 2020, chapters: ['85']} (file: optional)",
            got=repr(spec)[:120], fix="write the three keys (and only these, plus file)",
        )
    chapters = [str(c) for c in spec["chapters"]] if isinstance(spec["chapters"], list) else []
    if not chapters or not all(c.isdigit() and len(c) == 2 for c in chapters):
        raise CatalogueError(
            f"{where}: `from_baci` chapters must be two-digit HS chapters written as text",
            expected="chapters: ['64', '94']", got=repr(spec["chapters"]),
            fix="quote each chapter and keep its leading zero",
        )
    try:
        year = int(spec["year"])
    except (TypeError, ValueError):
        raise CatalogueError(
            f"{where}: `from_baci` year must be a year", expected="year: 2020",
            got=repr(spec["year"]), fix="write the year as a number",
        ) from None
    exporter = str(spec["exporter"]).strip().upper()
    _check_exporter(exporter, allowed, where)
    share, part, total, path = baci_export_share(exporter, year, chapters, spec.get("file"))
    listed = " + ".join(f"HS {c}" for c in chapters)
    return {
        "value": round(share, 4),
        "source": (f"CEPII BACI {year}, computed when the catalogue was loaded from "
                   f"{path.name}: {listed} is {part / 1e6:,.0f} of {exporter}'s "
                   f"{total / 1e6:,.0f} M USD exports"),
    }


def resolve_computed_figures(data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of catalogue data with every ``{from_baci: ...}`` figure computed.

    Only ``benefit.share_affected`` may be computed (it is the one trade statistic a catalogue
    quotes). The ``note`` beside ``from_baci`` is appended to the generated source. The exporter
    must be the catalogue's ``home`` or, unless the benefit's flow is ``export``, one of the
    initiative's partners.

    Raises:
        CatalogueError: a malformed ``from_baci`` entry, another country's exports standing for
            home's trade, or a missing BACI file, naming the initiative.
    """
    out = copy.deepcopy(dict(data))
    items = out.get("initiatives")
    if not isinstance(items, list):
        return out
    home = _country_code(out["home"]) if out.get("home") is not None else None
    for index, item in enumerate(items):
        benefit = item.get("benefit") if isinstance(item, Mapping) else None
        if not isinstance(benefit, dict):
            continue
        share = benefit.get("share_affected")
        if not isinstance(share, Mapping) or "from_baci" not in share:
            continue
        label = item.get("id", index)
        where = f"initiatives[{index}] (id {label!r}).benefit.share_affected"
        extra = set(share) - {"from_baci", "note"}
        if extra:
            raise CatalogueError(
                f"{where}: a computed figure has `from_baci` and an optional `note` only",
                expected="from_baci: {...} and note: '...'", got=", ".join(sorted(extra)),
                fix="remove the other keys (the value and source are computed)",
            )
        figure = _resolve_share(share["from_baci"], where, _allowed_exporters(item, home))
        if share.get("note"):
            figure["source"] += f"; {share['note']}"
        benefit["share_affected"] = figure
    return out
