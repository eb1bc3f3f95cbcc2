"""The demo tour's sections (the full command is run in tests/cli/test_warehouse_commands.py)."""

from __future__ import annotations

import pandas as pd

from haiquan.demo import _commitments


def test_commitments_section_gives_no_rate_for_a_catalogue_without_items() -> None:
    frame = _commitments("VNM").table
    safe = frame.set_index("catalogue").loc["wco_safe"]
    # The SAFE catalogue ships its pillars only: 0 of 0 is not a 0 % implementation rate.
    assert safe["total"] == 0
    assert pd.isna(safe["implementation_rate"])  # printed blank, not 0.0 %
    assert "no items" in safe["note"]
    others = frame[frame["catalogue"] != "wco_safe"]
    assert others["implementation_rate"].notna().all()
    assert all(isinstance(v, int) for v in frame["total"] if float(v).is_integer())
