"""Customs declarations: the canonical layout, readers for source layouts, a synthetic generator.

>>> from haiquan.declarations import DECLARATION_COLUMNS
>>> DECLARATION_COLUMNS[:3]
('declaration_id', 'item_number', 'date')
"""

from haiquan.declarations.columns import (
    DECLARATION_COLUMNS,
    KCS_COLUMNS,
    LABEL_COLUMNS,
    REQUIRED_COLUMNS,
    UNKNOWN_COUNTRY,
)
from haiquan.declarations.reader import (
    Layout,
    missing_optional_columns,
    normalise_declarations,
    read_declarations,
    synthetic_provenance,
)
from haiquan.declarations.records import (
    DeclarationRecord,
    records_to_columns,
    records_to_frame,
)
from haiquan.declarations.synthetic import (
    SYNTHETIC_ID_PREFIX,
    SYNTHETIC_LABEL,
    generate_synthetic_declarations,
    is_generated,
)

__all__ = [
    "DECLARATION_COLUMNS",
    "KCS_COLUMNS",
    "LABEL_COLUMNS",
    "REQUIRED_COLUMNS",
    "SYNTHETIC_ID_PREFIX",
    "SYNTHETIC_LABEL",
    "UNKNOWN_COUNTRY",
    "DeclarationRecord",
    "Layout",
    "generate_synthetic_declarations",
    "is_generated",
    "missing_optional_columns",
    "normalise_declarations",
    "read_declarations",
    "records_to_columns",
    "records_to_frame",
    "synthetic_provenance",
]
