"""The AEO programme registry and mutual recognition with partners.

Home operators with their status history and consent to share, MRA exchange arrangements (YAML),
full and delta lists sent to partners through the gateway, partners' lists applied with history,
and :class:`RegistryAeoDirectory`, which gives the risk engine the benefits MRAs promise.
"""

from haiquan.aeo.arrangements import (
    EXCHANGEABLE_FIELDS,
    MraArrangement,
    arrangement,
    load_arrangements,
)
from haiquan.aeo.csv_io import CSV_COLUMNS, export_operators_csv, import_operators_csv
from haiquan.aeo.directory import RegistryAeoDirectory
from haiquan.aeo.lists import (
    AEO_LIST_DOCUMENT,
    AppliedList,
    apply_inbox,
    apply_partner_list,
    build_list,
    send_list,
)
from haiquan.aeo.models import (
    AeoStatus,
    ConsentRecord,
    OperatorCreate,
    OperatorPublic,
    PartnerOperator,
    StatusChange,
    StatusEvent,
)
from haiquan.aeo.overview import AeoOverview, MraPartnerState, aeo_overview
from haiquan.aeo.registry import AeoRegistry

__all__ = [
    "AEO_LIST_DOCUMENT",
    "CSV_COLUMNS",
    "EXCHANGEABLE_FIELDS",
    "AeoOverview",
    "AeoRegistry",
    "AeoStatus",
    "AppliedList",
    "ConsentRecord",
    "MraArrangement",
    "MraPartnerState",
    "OperatorCreate",
    "OperatorPublic",
    "PartnerOperator",
    "RegistryAeoDirectory",
    "StatusChange",
    "StatusEvent",
    "aeo_overview",
    "apply_inbox",
    "apply_partner_list",
    "arrangement",
    "build_list",
    "export_operators_csv",
    "import_operators_csv",
    "load_arrangements",
    "send_list",
]
