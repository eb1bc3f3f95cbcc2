"""API requests scored through the library path of ``haiquan risk score``: capacity in batch
mode, kept decisions in every mode, and a stream's answer saying why it applies no capacity."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

from haiquan.declarations import DeclarationRecord
from haiquan.risk.model import RiskModel
from haiquan.risk.outcomes import read_decisions
from haiquan.risk.request_scoring import STREAM_CAPACITY_NOTE, score_request
from haiquan.risk.store import default_model_dir, save_model
from haiquan.settings import Settings
from haiquan.web import start_server
from haiquan.web.auth import open_user_store

_TIGHT = (
    "kind: capacity\nrule_sets:\n  - name: tight\n    valid_from: 2020-01-01\n"
    "    source: test capacity of one inspection a day\n"
    "    escalate_to: duty officer of the risk division\n"
    "    default: {red_per_day: 1}\n"
)


def _records(frame: pd.DataFrame) -> list[DeclarationRecord]:
    fields = DeclarationRecord.model_fields
    out = []
    for row in frame.to_dict("records"):
        data = {k: v for k, v in row.items() if k in fields and v is not None and v == v}
        data["date"] = pd.Timestamp(row["date"]).date()
        out.append(
            DeclarationRecord.model_validate(
                {k: v.item() if isinstance(v, np.generic) else v for k, v in data.items()}
            )
        )
    return out


def test_batch_requests_get_capacity_and_stream_requests_say_why_not(
    isolated_settings: Settings,
    small_model: RiskModel,
    synthetic_later: pd.DataFrame,
    tmp_path: Path,
) -> None:
    records = _records(synthetic_later.head(400))
    capacity = tmp_path / "capacity.yaml"
    capacity.write_text(_TIGHT, encoding="utf-8")
    batch = score_request(
        records,
        small_model,
        mode="batch",
        capacity_path=capacity,
        decisions_folder=tmp_path / "decisions",
    )
    assert batch.capacity_rules == "tight" and batch.left_out
    red = (
        pd.DataFrame(batch.rows)
        .assign(office=[r.office for r in records], day=[r.date for r in records])
        .query("channel == 'red'")
    )
    assert red.groupby(["office", "day"]).size().max() == 1  # within capacity
    assert "left out" in batch.capacity_note
    stream = score_request(
        records, small_model, mode="stream", decisions_folder=tmp_path / "stream"
    )
    assert stream.capacity_rules is None and stream.capacity_note == STREAM_CAPACITY_NOTE
    # every red or yellow declaration is kept, with how it was selected
    inspected = [r for r in stream.rows if r["channel"] in ("red", "yellow")]
    kept = read_decisions(tmp_path / "stream")
    assert stream.decisions_kept == len(inspected) == len(kept) > 0
    assert set(kept["declaration_id"]) == {r["declaration_id"] for r in inspected}


@pytest.fixture
def http(isolated_settings: Settings) -> Iterator[httpx.Client]:
    handle = start_server("127.0.0.1", 0)
    try:
        with httpx.Client(base_url=handle.url, timeout=30, trust_env=False) as client:
            yield client
    finally:
        handle.stop()


def _headers(settings: Settings) -> dict[str, str]:
    store = open_user_store(settings)
    store.add_user("officer", "a-long-test-passphrase", "risk_officer")
    secret, _ = store.create_token("officer", "test")
    return {"Authorization": f"Bearer {secret}"}


def _body(frame: pd.DataFrame, mode: str) -> dict[str, Any]:
    return {"declarations": [r.model_dump(mode="json") for r in _records(frame)], "mode": mode}


def test_the_api_answers_capacity_and_kept_decisions(
    http: httpx.Client,
    isolated_settings: Settings,
    small_model: RiskModel,
    synthetic_train: pd.DataFrame,
    synthetic_later: pd.DataFrame,
) -> None:
    save_model(small_model, default_model_dir(), synthetic_train)
    headers = _headers(isolated_settings)
    frame = synthetic_later.head(200)
    stream = http.post("/api/risk/score", json=_body(frame, "stream"), headers=headers).json()
    assert stream["capacity_applied"] is False and "stream mode" in stream["capacity"]
    inspected = sum(r["channel"] in ("red", "yellow") for r in stream["results"])
    assert stream["decisions_kept"] == inspected > 0
    batch = http.post("/api/risk/score", json=_body(frame, "batch"), headers=headers).json()
    assert batch["capacity_applied"] is True and batch["capacity_left_out"] == []
    assert "no-limit" in batch["capacity"]
