"""Catalogues of international commitments, as validated YAML data.

A catalogue lists what an administration is tracked against — the TFA's articles and measures,
the RKC General Annex's standards, the SAFE pillars, ASEAN milestones — each item with its source
and what about it is verified. Catalogues are data, not code, because the owners revise them
(new editions, new milestones) and people who know the domain must be able to correct them
without reading Python. Every file is validated on load; a bad file raises
:class:`~haiquan.errors.CatalogueError` saying where and how to fix it.

The packaged catalogues live in ``haiquan/commitments/catalogues/``. An administration can install
its own copy of a catalogue (for example the SAFE standards it tracks) into
``HAIQUAN_HOME/commitments/catalogues/``; a file there replaces the packaged one with the same id.

>>> tfa = load_catalogue("wto_tfa")
>>> len(tfa.groups), len(tfa.items())
(12, 36)
"""

from __future__ import annotations

import shutil
from functools import lru_cache
from pathlib import Path

import pandas as pd
from pydantic import ValidationError as PydanticValidationError

from haiquan import yaml_text
from haiquan.commitments._models import (
    AcceptedAnnex,
    Catalogue,
    CatalogueGroup,
    CatalogueItem,
    ImplementationPeriods,
    MemberType,
    Party,
    Source,
    TfaRules,
)
from haiquan.commitments._shared_items import expand_items_from
from haiquan.errors import CatalogueError, NotFoundError
from haiquan.rules import validation_error
from haiquan.settings import get_settings

__all__ = [
    "AcceptedAnnex",
    "Catalogue",
    "CatalogueGroup",
    "CatalogueItem",
    "ImplementationPeriods",
    "MemberType",
    "Party",
    "Source",
    "TfaRules",
    "catalogue_ids",
    "catalogue_items",
    "catalogue_summary",
    "install_catalogue",
    "list_catalogues",
    "load_catalogue",
    "parts_of",
    "read_catalogue_file",
    "user_catalogue_dir",
]

_PACKAGED = Path(__file__).resolve().parent / "catalogues"

def user_catalogue_dir() -> Path:
    """Where an administration's own catalogues live: ``HAIQUAN_HOME/commitments/catalogues``."""
    return get_settings().home / "commitments" / "catalogues"


def read_catalogue_file(path: Path | str) -> Catalogue:
    """Read and validate one catalogue file.

    Raises:
        CatalogueError: the file is not YAML, not a mapping, or breaks the catalogue rules; the
            message names the file, the place in it and the fix.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CatalogueError(
            f"cannot read catalogue file {path}",
            expected="a readable YAML file",
            got=str(error),
            fix="check the path",
        ) from error
    data = yaml_text.parse(text, source=path, expected="a YAML mapping")
    if not isinstance(data, dict):
        raise CatalogueError(
            f"{path} is not a catalogue",
            expected="a YAML mapping with schema_version, id, title, sources and groups",
            got=type(data).__name__,
            fix="start from a packaged catalogue in haiquan/commitments/catalogues/",
            details={"path": str(path)},
        )
    data = expand_items_from(data, path)
    try:
        return Catalogue.model_validate(data)
    except PydanticValidationError as error:
        raise validation_error(error, source=path, data=data, what="catalogue",
                               docs="docs/commitments.md", model=Catalogue) from error


def _catalogue_files() -> dict[str, Path]:
    files = {p.stem: p for p in sorted(_PACKAGED.glob("*.yaml"))}
    user = user_catalogue_dir()
    if user.is_dir():
        files.update({p.stem: p for p in sorted(user.glob("*.yaml"))})
    return files


def catalogue_ids() -> list[str]:
    """The ids of every catalogue there is, packaged and installed, without reading them."""
    return sorted(_catalogue_files())


@lru_cache(maxsize=32)
def _cached(
    path: str, mtime: float, shared_data: str, item_list: str, list_mtime: float
) -> Catalogue:
    # shared_data is part of the key: some catalogues read their items from that folder.
    catalogue = read_catalogue_file(path)
    if not item_list:
        return catalogue
    from haiquan.commitments.item_lists import with_item_list

    return with_item_list(catalogue, item_list)


def load_catalogue(catalogue_id: str) -> Catalogue:
    """The catalogue with this id: the user's copy if installed, else the packaged one.

    Raises:
        NotFoundError: no catalogue has this id.
        CatalogueError: the file is malformed.
    """
    files = _catalogue_files()
    path = files.get(catalogue_id)
    if path is None:
        raise NotFoundError(
            f"no catalogue {catalogue_id!r}",
            expected=f"one of {', '.join(sorted(files))}",
            got=repr(catalogue_id),
            fix="list them with `haiquan commitments catalogues`",
        )
    listed = get_settings().home / "commitments" / "item_lists" / f"{catalogue_id}.csv"
    catalogue = _cached(
        str(path),
        path.stat().st_mtime,
        str(get_settings().shared_data),
        str(listed) if listed.is_file() else "",
        listed.stat().st_mtime if listed.is_file() else 0.0,
    )
    if catalogue.id != catalogue_id:
        raise CatalogueError(
            f"{path} declares id {catalogue.id!r}",
            expected=f"id: {catalogue_id} (the file name without .yaml)",
            got=catalogue.id,
            fix=f"rename the file to {catalogue.id}.yaml or change its id",
        )
    return catalogue


def parts_of(catalogue: Catalogue) -> dict[str, list[str]]:
    """Item id -> its listed parts (empty when the item is not itemised)."""
    return {item.id: list(item.parts) for item in catalogue.items()}


def list_catalogues() -> list[Catalogue]:
    """Every available catalogue, packaged and installed.

    A packaged catalogue whose items are read from the public data set is left out when that data
    set is absent (``load_catalogue`` on it says so); any other problem is raised.
    """
    found = []
    for name in _catalogue_files():
        try:
            found.append(load_catalogue(name))
        except CatalogueError as error:
            if "needs_shared_data" not in error.details:
                raise
    return found


def install_catalogue(path: Path | str) -> Catalogue:
    """Validate a catalogue file and install it for this HAIQUAN_HOME, replacing one with its id.

    Nothing is copied when the file is invalid.
    """
    catalogue = read_catalogue_file(path)
    target = user_catalogue_dir() / f"{catalogue.id}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    return catalogue


def catalogue_items(catalogue: Catalogue | str) -> pd.DataFrame:
    """One row per item: group, item, title, type, units, due date, source, verification."""
    cat = load_catalogue(catalogue) if isinstance(catalogue, str) else catalogue
    rows = []
    for group in cat.groups:
        for item in group.items:
            rows.append(
                {
                    "catalogue": cat.id,
                    "group": group.id,
                    "group_title": group.title,
                    "item": item.id,
                    "title": item.title,
                    "type": item.type,
                    "units": item.units,
                    "units_verified": item.units_verified,
                    "due": item.due,
                    "source": cat.source(item.source).title,
                    "verified": item.verified,
                }
            )
    frame = pd.DataFrame(
        rows,
        columns=[
            "catalogue",
            "group",
            "group_title",
            "item",
            "title",
            "type",
            "units",
            "units_verified",
            "due",
            "source",
            "verified",
        ],
    )
    frame["units"] = frame["units"].astype("Int64")
    return frame


def catalogue_summary(catalogue: Catalogue | str) -> pd.DataFrame:
    """Per group: how many items and how many units are known."""
    items = catalogue_items(catalogue)
    cat = load_catalogue(catalogue) if isinstance(catalogue, str) else catalogue
    rows = []
    for group in cat.groups:
        part = items[items["group"] == group.id]
        rows.append(
            {
                "group": group.id,
                "title": group.title,
                "items": len(part),
                "units_known": int(part["units"].sum()) if len(part) else 0,
            }
        )
    return pd.DataFrame(rows, columns=["group", "title", "items", "units_known"])
