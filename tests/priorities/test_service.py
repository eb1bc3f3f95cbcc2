"""Where the one-call entry points take their trade data from: file, warehouse, then example."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from haiquan.errors import InputError
from haiquan.priorities import rank_partners
from haiquan.settings import reset_settings
from haiquan.warehouse.loading import load_trade_frame


def _rows(factory: Callable[..., pd.DataFrame]) -> pd.DataFrame:
    rows = []
    for partner, level in (("KOR", 100.0), ("JPN", 50.0), ("THA", 20.0)):
        for year in range(2012, 2021):
            rows.append(("VNM", partner, "export", str(year), level * 1.05 ** (year - 2012)))
            rows.append(("VNM", partner, "import", str(year), level))
    return factory(rows)


def test_the_warehouse_is_used_when_no_file_is_given(
    flows_factory: Callable[..., pd.DataFrame],
) -> None:
    load_trade_frame(_rows(flows_factory), label="test rows", sha256="0" * 64)
    report = rank_partners(forecast="trend", sensitivity=None, min_share=0.0)
    assert report.data_source.startswith("warehouse ")
    assert set(report.scores["partner"]) == {"KOR", "JPN", "THA"}
    assert report.sensitivity is None


def test_without_any_data_the_error_says_how_to_get_some(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAIQUAN_SHARED_DATA", str(tmp_path / "nowhere"))
    reset_settings()
    with pytest.raises(InputError) as caught:
        rank_partners(forecast="trend")
    assert "haiquan load" in str(caught.value) and "HAIQUAN_SHARED_DATA" in str(caught.value)
