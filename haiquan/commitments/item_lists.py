"""An administration's item lists: the parts of catalogue items it holds.

The TFA Database counts 238 notifiable items and the SAFE Framework 79 contents; our sources list
few of them (docs/commitments.md). An administration that holds the list installs it as a CSV
(``item,part``); it is checked against the catalogue (see
:func:`haiquan.commitments._parts.read_item_list`) and applied whenever the catalogue is read.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pydantic import ValidationError as PydanticValidationError

from haiquan.commitments.catalogue import Catalogue, load_catalogue, parts_of
from haiquan.errors import CatalogueError
from haiquan.settings import get_settings

__all__ = ["install_item_list", "user_item_list", "with_item_list"]


def user_item_list(catalogue_id: str) -> Path:
    """Where an administration's item list for a catalogue is installed (CSV item,part)."""
    return get_settings().home / "commitments" / "item_lists" / f"{catalogue_id}.csv"


def with_item_list(catalogue: Catalogue, path: Path | str) -> Catalogue:
    """The catalogue with the parts of an item list (see :func:`install_item_list`) applied.

    An item the list names gets those parts and counts one unit per part; the others are
    unchanged. The result is validated again, so a list whose parts do not add up to the
    catalogue's ``total_units`` (the TFAD's 238) is refused.
    """
    from haiquan.commitments._parts import read_item_list

    listed = read_item_list(path, parts_of(catalogue))
    data = catalogue.model_dump()
    source_id = "installed_item_list"
    data["sources"] = [s for s in data["sources"] if s["id"] != source_id] + [
        {"id": source_id, "title": f"item list installed by the administration ({Path(path).name})"}
    ]
    for group in data["groups"]:
        for item in group["items"]:
            if item["id"] in listed:
                item["parts"] = listed[item["id"]]
                item["units"] = len(listed[item["id"]])
                item["units_verified"] = True
                item["units_source"] = source_id
    try:
        return Catalogue.model_validate(data)
    except PydanticValidationError as error:
        raise CatalogueError(
            f"the item list {path} does not fit catalogue {catalogue.id}",
            expected=f"parts that add up to {catalogue.total_units} {catalogue.unit_label}s",
            got=error.errors()[0]["msg"].removeprefix("Value error, "),
            fix="correct the item list; nothing was installed",
        ) from error


def install_item_list(catalogue_id: str, path: Path | str) -> Catalogue:
    """Validate an item list (CSV ``item,part``) against a catalogue and install it.

    From then on :func:`load_catalogue` returns the catalogue with those parts, and rates count
    them one by one. Nothing is copied when the list is invalid.
    """
    catalogue = with_item_list(load_catalogue(catalogue_id), path)
    target = user_item_list(catalogue_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    return catalogue
