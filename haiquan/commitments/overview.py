"""The home country's commitments at a glance, and the version of the records behind it.

The commitments page and ``GET /api/commitments/rates`` show every catalogue's rate, its
progress by group, the rate's history and the deadlines of the next twelve months. Computing
them reads every catalogue and the whole status history, which takes seconds: too long for a
page. :func:`commitments_overview` computes them once; :mod:`haiquan.refresh` stores the result
in the warehouse under :func:`records_version` (what the figures were computed from), and pages
read it from there until a status record, an approval or an installed catalogue changes that
version (docs/commitments.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from haiquan.commitments.catalogue import list_catalogues, user_catalogue_dir
from haiquan.commitments.deadlines import deadlines, undated_reasons
from haiquan.commitments.rates import (
    ImplementationRate,
    implementation_rate,
    progress_by_group,
    rate_timeline,
)
from haiquan.settings import get_settings

__all__ = ["CommitmentsOverview", "commitments_overview", "records_version"]

#: Months ahead the overview's deadline list looks.
DEADLINE_MONTHS = 12


@dataclass(frozen=True)
class CommitmentsOverview:
    """Rates, progress by group, rate history and deadlines of one country on one day.

    Attributes:
        country: ISO alpha-3 code.
        on: the day the rates are for.
        rates: one rate per catalogue, in catalogue order.
        groups: progress by group (article, chapter, pillar) of each catalogue, by its id.
        timelines: each catalogue's rate over time (with the projection), by its id.
        titles: each catalogue's title, by its id.
        due: items due within :data:`DEADLINE_MONTHS` months and items overdue.
        undated: why items with due dates by rule have none (an unknown entry into force).
    """

    country: str
    on: dt.date
    rates: list[ImplementationRate]
    groups: dict[str, pd.DataFrame] = field(default_factory=dict)
    timelines: dict[str, pd.DataFrame] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    due: pd.DataFrame = field(default_factory=pd.DataFrame)
    undated: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The fields by name (what the page template reads)."""
        return {
            "rates": self.rates,
            "groups": self.groups,
            "timelines": self.timelines,
            "titles": self.titles,
            "due": self.due,
            "undated": self.undated,
        }


def commitments_overview(
    country: str | None = None, day: dt.date | None = None
) -> CommitmentsOverview:
    """Compute the overview of ``country`` (default the home country) on ``day`` (today)."""
    code = country or get_settings().home_country
    on = day or dt.date.today()
    rates: list[ImplementationRate] = []
    groups: dict[str, pd.DataFrame] = {}
    timelines: dict[str, pd.DataFrame] = {}
    titles: dict[str, str] = {}
    for catalogue in list_catalogues():
        titles[catalogue.id] = catalogue.title
        rates.append(implementation_rate(catalogue, code, on))
        groups[catalogue.id] = progress_by_group(catalogue, code, on)
        timelines[catalogue.id] = rate_timeline(catalogue, code, end=on)
    return CommitmentsOverview(
        country=code,
        on=on,
        rates=rates,
        groups=groups,
        timelines=timelines,
        titles=titles,
        due=deadlines(None, code, on, months=DEADLINE_MONTHS),
        undated=undated_reasons(None, code),
    )


def _files_digest(folder: Any) -> str:
    """Names, sizes and times of an administration's own catalogue files (or nothing)."""
    try:
        entries = sorted(p for p in folder.iterdir() if p.is_file())
    except OSError:
        return ""
    parts = []
    for path in entries:
        stat = path.stat()
        parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return ";".join(parts)


def records_version() -> str:
    """The version of what the commitment figures are computed from.

    A digest of the status-record loads in the warehouse (every record, approval and file load
    adds one), of the catalogues and item lists installed for this HOME, of the shared data
    folder (catalogues whose items come from a public data set) and of the code computing them
    (:func:`haiquan.warehouse.results.computation_code_digest`). Writes of anything else — trade
    loads, stored results, risk declarations — leave it as it is, so a stored overview is
    served until the records change.
    """
    from haiquan.warehouse.results import computation_code_digest
    from haiquan.warehouse.store import Warehouse

    settings = get_settings()
    loads: list[tuple[Any, ...]] = []
    if settings.warehouse_file.is_file():
        with Warehouse.open(read_only=True) as warehouse:
            if warehouse.has_table("commitment_loads"):
                loads = warehouse.connection.execute(
                    "SELECT load_id, loaded_at FROM commitment_loads ORDER BY load_id"
                ).fetchall()
    digest = hashlib.sha256()
    digest.update(";".join(f"{i}:{t}" for i, t in loads).encode())
    home = user_catalogue_dir()
    digest.update(_files_digest(home).encode())
    digest.update(_files_digest(home.parent / "item_lists").encode())
    digest.update(str(settings.shared_data).encode())
    return f"records-{len(loads)}-{digest.hexdigest()[:12]}-code-{computation_code_digest()[:8]}"
