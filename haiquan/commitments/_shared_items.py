"""Catalogue items read in place from the public data sets (``items_from`` in a catalogue YAML).

The TFA measures and the RKC General Annex provisions are listed in ``../shared/data/commitments``
(HAIQUAN_SHARED_DATA). haiquan commits none of that data: a packaged catalogue names the file and
its layout, and the items are built from it when the catalogue is read. Without the data set the
catalogue cannot be read, and the error says where to point HAIQUAN_SHARED_DATA.

::

    items_from:
      file: commitments/wto-tfa/tfa_section1_measures.csv   # under HAIQUAN_SHARED_DATA
      layout: tfa_measures          # or rkc_provisions
      source: tfa_measures          # the catalogue source each item cites
      overrides:                    # extra fields for some items (facts from other sources)
        "7.7": {units: 6, units_verified: true, units_source: tfad_vnm_7_7}
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from haiquan.errors import CatalogueError
from haiquan.settings import get_settings

__all__ = ["expand_items_from"]

_LAYOUTS: dict[str, dict[str, str]] = {
    # layout: column names for group id, group title, item id, item title, item type
    "tfa_measures": {"group": "article", "group_title": "article_title", "item": "measure",
                     "title": "measure_title"},
    "rkc_provisions": {"group": "chapter", "group_title": "chapter_title", "item": "provision",
                       "title": "section", "type": "type"},
}


def _clean_title(text: str) -> str:
    """Undo an OCR slip of the shared RKC text: sections 9.1-9.7 read "lnformation" (a lower-case
    L for a capital I). Only whole words known to be misread this way are corrected, so a real
    "ln" elsewhere stays as written."""
    return re.sub(r"\bln(formation|spection|terpretation)", r"In\1", text)


def _number_key(text: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in text.split("."))


def expand_items_from(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """Replace ``items_from`` by the groups and items it names (other groups are kept)."""
    spec = data.get("items_from")
    if spec is None:
        return data
    if not isinstance(spec, dict) or spec.get("layout") not in _LAYOUTS or not spec.get("file"):
        raise CatalogueError(
            f"{path}: items_from is malformed",
            expected="items_from with file (under HAIQUAN_SHARED_DATA), layout ("
            + ", ".join(_LAYOUTS) + ") and source",
            got=repr(spec)[:200], fix="see haiquan/commitments/_shared_items.py",
        )
    columns = _LAYOUTS[spec["layout"]]
    file = get_settings().shared_data / spec["file"]
    try:
        table = pd.read_csv(file, dtype=str, keep_default_na=False)
    except OSError as error:
        raise CatalogueError(
            f"{path}: the items of this catalogue are read from the public data set, which is "
            "not here",
            expected=f"{file}", got=str(error).splitlines()[0],
            fix="set HAIQUAN_SHARED_DATA to the folder holding commitments/ (../shared/data)",
            details={"needs_shared_data": str(file)},
        ) from error
    missing = [c for c in columns.values() if c not in table.columns]
    if missing:
        raise CatalogueError(f"{file} lacks columns {missing}",
                             expected="the columns of layout " + spec["layout"],
                             got=", ".join(table.columns), fix="check the data set's version")
    overrides: dict[str, dict[str, Any]] = spec.get("overrides") or {}
    groups: dict[str, dict[str, Any]] = {}
    for row in table.to_dict("records"):
        group = groups.setdefault(str(row[columns["group"]]), {
            "id": str(row[columns["group"]]), "title": row[columns["group_title"]], "items": []})
        item_id = str(row[columns["item"]])
        item: dict[str, Any] = {
            "id": item_id,
            "title": _clean_title(row[columns["title"]] or row[columns["group_title"]]),
            "type": row[columns["type"]] if "type" in columns else "measure",
            "source": spec.get("source"),
        }
        if spec["layout"] == "tfa_measures" and row.get("tfad_measure_id"):
            item["ref"] = f"tfad measure {row['tfad_measure_id']}"
        item.update(overrides.get(item_id, {}))
        group["items"].append(item)
    unknown = sorted(set(overrides) - {i["id"] for g in groups.values() for i in g["items"]})
    if unknown:
        raise CatalogueError(f"{path}: overrides name items that are not in {file.name}",
                             expected="item ids of the data set", got=", ".join(unknown),
                             fix="correct the ids under items_from.overrides")
    for extra in data.get("groups") or []:
        groups.setdefault(str(extra["id"]), extra)
    result = {k: v for k, v in data.items() if k != "items_from"}
    result["groups"] = sorted(groups.values(), key=lambda g: _number_key(str(g["id"])))
    return result
