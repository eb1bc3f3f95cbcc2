"""Tracking international commitments: catalogues as data, status history, rates, reports.

The public functions return DataFrames or pydantic models so the CLI and web layers only format:

* catalogues — :func:`load_catalogue`, :func:`list_catalogues`, :func:`catalogue_items`,
  :func:`install_catalogue`, :func:`install_item_list`;
* status — :func:`record_status`, :func:`load_status_file`, :func:`status_history`,
  :func:`state_on` (the state on any past date, from an append-only history);
* rates — :func:`implementation_rate`, :func:`progress_by_group`, :func:`progress_by_item`
  (parts rolled up to their item: SAFE contents to standards), :func:`rate_timeline`,
  :func:`rates_by_country`;
* official figures — :func:`official_figures`, :func:`compare_with_official` (published
  figures beside computed rates, in every :class:`ImplementationRate`'s ``official``);
* deadlines — :func:`deadlines`;
* reports — :func:`render_report`, :func:`write_report`, :func:`export_csv`;
* examples — :func:`load_example` (Viet Nam's known TFA notifications, ASEAN milestones).

See docs/commitments.md.
"""

from haiquan.commitments.catalogue import (
    Catalogue,
    CatalogueGroup,
    CatalogueItem,
    catalogue_items,
    catalogue_summary,
    install_catalogue,
    list_catalogues,
    load_catalogue,
    read_catalogue_file,
)
from haiquan.commitments.compare import rates_by_country
from haiquan.commitments.deadlines import deadlines, due_dates
from haiquan.commitments.examples import EXAMPLES, load_example, tfa_notification_records
from haiquan.commitments.item_lists import install_item_list
from haiquan.commitments.official import (
    OfficialComparison,
    OfficialFigure,
    compare_with_official,
    official_figures,
)
from haiquan.commitments.rates import (
    ImplementationRate,
    implementation_rate,
    progress_by_group,
    rate_timeline,
)
from haiquan.commitments.records import StatusRecord
from haiquan.commitments.report import export_csv, export_frame, render_report, write_report
from haiquan.commitments.rollup import progress_by_item, rolled_up_status
from haiquan.commitments.status import (
    LoadResult,
    load_records,
    load_status_file,
    record_status,
    state_on,
    status_history,
)
from haiquan.commitments.status_file import read_status_file

__all__ = [
    "EXAMPLES",
    "Catalogue",
    "CatalogueGroup",
    "CatalogueItem",
    "ImplementationRate",
    "LoadResult",
    "OfficialComparison",
    "OfficialFigure",
    "StatusRecord",
    "catalogue_items",
    "catalogue_summary",
    "compare_with_official",
    "deadlines",
    "due_dates",
    "export_csv",
    "export_frame",
    "implementation_rate",
    "install_catalogue",
    "install_item_list",
    "list_catalogues",
    "load_catalogue",
    "load_example",
    "load_records",
    "load_status_file",
    "official_figures",
    "progress_by_group",
    "progress_by_item",
    "rate_timeline",
    "rates_by_country",
    "read_catalogue_file",
    "read_status_file",
    "record_status",
    "render_report",
    "rolled_up_status",
    "state_on",
    "status_history",
    "tfa_notification_records",
    "write_report",
]
