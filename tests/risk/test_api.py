"""``POST /api/risk/score`` on a real uvicorn server on 127.0.0.1, with real API tokens."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

from haiquan.declarations import DeclarationRecord, records_to_frame
from haiquan.risk.model import RiskModel
from haiquan.risk.partner_alerts import default_alerts_file
from haiquan.risk.service import score_declarations
from haiquan.risk.store import default_model_dir, load_model, save_model, use_version
from haiquan.settings import Settings
from haiquan.web import start_server
from haiquan.web.auth import open_user_store


def _token(settings: Settings, role: str) -> dict[str, str]:
    store = open_user_store(settings)
    name = f"{role.replace('_', '-')}-user"
    store.add_user(name, "a-long-test-passphrase", role)
    secret, _ = store.create_token(name, "test")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def http(isolated_settings: Settings) -> Iterator[httpx.Client]:
    handle = start_server("127.0.0.1", 0)
    try:
        with httpx.Client(base_url=handle.url, timeout=20, trust_env=False) as client:
            yield client
    finally:
        handle.stop()


def _declaration(row: pd.Series) -> dict[str, Any]:
    fields = DeclarationRecord.model_fields
    out = {k: row[k] for k in fields if k in row.index and row[k] is not None}
    out["date"] = str(pd.Timestamp(row["date"]).date())
    out["item_number"] = int(out["item_number"])
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in out.items()}


def test_score_one_declaration_like_the_library(
    http: httpx.Client, isolated_settings: Settings, small_model: RiskModel,
    synthetic_train: pd.DataFrame, synthetic_later: pd.DataFrame,
) -> None:
    save_model(small_model, default_model_dir(), synthetic_train)
    headers = _token(isolated_settings, "risk_officer")
    body = {"declarations": [_declaration(synthetic_later.iloc[0])], "explain": True}
    answer = http.post("/api/risk/score", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["model_version"] == "v0001"
    result = data["results"][0]
    assert result["declaration_id"] == synthetic_later.iloc[0]["declaration_id"]
    record = DeclarationRecord.model_validate(body["declarations"][0])
    expected = score_declarations(records_to_frame([record]), load_model(), mode="stream",
                                  explain="all")
    assert result["score"] == pytest.approx(float(expected["score"].iloc[0]))
    assert result["channel"] == expected["channel"].iloc[0]
    assert result["level"] in ("low", "medium", "high", "very high")
    assert "(odds x" in result["reasons"]
    info = http.get("/api/risk/model", headers=headers)
    assert info.status_code == 200 and info.json()["version"] == "v0001"
    # reasons cost far more than the score: only when asked, in the body or the query
    plain = http.post("/api/risk/score", json={"declarations": body["declarations"]},
                      headers=headers).json()["results"][0]
    assert plain["score"] == result["score"] and plain["channel"] == result["channel"]
    assert "(odds x" not in plain["reasons"]
    asked = http.post("/api/risk/score?explain=true", json={"declarations": body["declarations"]},
                      headers=headers).json()["results"][0]
    assert asked["reasons"] == result["reasons"]


def test_revoked_token_stops_at_once_despite_the_token_cache(
    http: httpx.Client, isolated_settings: Settings, small_model: RiskModel,
    synthetic_train: pd.DataFrame, synthetic_later: pd.DataFrame,
) -> None:
    save_model(small_model, default_model_dir(), synthetic_train)
    headers = _token(isolated_settings, "risk_officer")
    body = {"declarations": [_declaration(synthetic_later.iloc[0])]}
    for _ in range(3):  # the token is now remembered by the server process
        assert http.post("/api/risk/score", json=body, headers=headers).status_code == 200
    tokens = http.get("/api/me/tokens", headers=headers).json()["items"]
    assert http.delete(f"/api/me/tokens/{tokens[0]['id']}", headers=headers).status_code == 200
    refused = http.post("/api/risk/score", json=body, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["code"] == "not_authenticated"
    # a change made through the store (as `haiquan users` does) is seen at once as well
    other = _token(isolated_settings, "analyst")
    assert http.post("/api/risk/score", json=body, headers=other).status_code == 200
    open_user_store(isolated_settings).update_user("analyst-user", role="viewer")
    assert http.post("/api/risk/score", json=body, headers=other).status_code == 403


def test_roles_bad_input_and_missing_model(
    http: httpx.Client, isolated_settings: Settings, synthetic_later: pd.DataFrame
) -> None:
    body = {"declarations": [_declaration(synthetic_later.iloc[0])]}
    assert http.post("/api/risk/score", json=body).status_code == 401
    viewer = _token(isolated_settings, "viewer")
    assert http.post("/api/risk/score", json=body, headers=viewer).status_code == 403
    officer = _token(isolated_settings, "risk_officer")
    missing = http.post("/api/risk/score", json=body, headers=officer)
    assert missing.status_code == 404
    assert "haiquan risk train" in missing.json()["fix"]
    bad = {"declarations": [dict(body["declarations"][0], hs_code="8471")]}
    refused = http.post("/api/risk/score", json=bad, headers=officer)
    assert refused.status_code == 422
    assert refused.json()["code"] == "validation_failed"


def test_the_server_follows_the_current_version_and_scores_several(
    http: httpx.Client, isolated_settings: Settings, small_model: RiskModel,
    synthetic_train: pd.DataFrame, synthetic_later: pd.DataFrame,
) -> None:
    root = default_model_dir()
    save_model(small_model, root, synthetic_train)
    save_model(small_model, root, synthetic_train)
    headers = _token(isolated_settings, "risk_officer")
    one = {"declarations": [_declaration(synthetic_later.iloc[0])]}

    def version() -> str:
        return str(http.post("/api/risk/score", json=one, headers=headers).json()["model_version"])

    assert version() == "v0002"
    use_version(root, "v0001")  # as `haiquan risk use v0001` does, while the server runs
    assert version() == "v0001"
    # several declarations (the worker-thread path): each as the library scores the batch
    rows = [synthetic_later.iloc[i] for i in range(3)]
    answer = http.post(
        "/api/risk/score", json={"declarations": [_declaration(r) for r in rows]}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    records = [DeclarationRecord.model_validate(_declaration(r)) for r in rows]
    expected = score_declarations(records_to_frame(records), load_model(root), mode="stream",
                                  explain="none")
    got = answer.json()["results"]
    assert [r["score"] for r in got] == pytest.approx(expected["score"].tolist())
    assert [r["channel"] for r in got] == expected["channel"].tolist()


def test_pulled_alerts_and_a_synthetic_model_reach_the_api(
    http: httpx.Client, isolated_settings: Settings, small_model: RiskModel,
    synthetic_train: pd.DataFrame, synthetic_later: pd.DataFrame,
) -> None:
    save_model(small_model, default_model_dir(), synthetic_train)  # synthetic training data
    headers = _token(isolated_settings, "risk_officer")
    row = synthetic_later.iloc[0]
    one = {"declarations": [_declaration(row)]}
    first = http.post("/api/risk/score", json=one, headers=headers).json()
    assert first["alerts_applied"] == 0 and first["model_synthetic"] is True
    assert first["results"][0]["selection"] != "alert"
    kept = default_alerts_file()  # what `haiquan alerts pull` fills
    kept.parent.mkdir(parents=True)
    kept.write_text(
        f"- alert_id: KR-9\n  issuing_country: KOR\n  valid_from: 2025-01-01\n"
        f"  valid_to: 2025-12-31\n  hs_prefix: '{row['hs_code'][:6]}'\n  reason: test\n",
        encoding="utf-8",
    )
    for body in (one, {**one, "mode": "batch"}, {**one, "explain": True}):
        answer = http.post("/api/risk/score", json=body, headers=headers).json()
        assert answer["alerts_applied"] == 1
        assert answer["results"][0]["selection"] == "alert"
        assert answer["results"][0]["channel"] == "red"
        assert "KR-9" in answer["results"][0]["reasons"]
    off = http.post("/api/risk/score", json={**one, "partner_alerts": False},
                    headers=headers).json()
    assert off["alerts_applied"] == 0 and off["results"][0]["selection"] != "alert"
    info = http.get("/api/risk/model", headers=headers).json()
    assert info["synthetic"] is True
    # a damaged file on the server is the operator's to fix, not the caller's: 500, explained
    kept.write_text("- alert_id: KR-9\n  valid_from: [2025\n", encoding="utf-8")
    broken = http.post("/api/risk/score", json=one, headers=headers)
    assert broken.status_code == 500
    error = broken.json()
    assert str(kept) in error["detail"] and error["fix"]


def test_the_api_applies_the_aeo_registry_by_the_importers_code(
    http: httpx.Client, isolated_settings: Settings, small_model: RiskModel,
    synthetic_train: pd.DataFrame, synthetic_later: pd.DataFrame,
) -> None:
    import datetime as dt

    from haiquan.aeo import AeoRegistry, OperatorCreate

    save_model(small_model, default_model_dir(), synthetic_train)
    headers = _token(isolated_settings, "risk_officer")
    row = synthetic_later.iloc[0]
    body = {"declarations": [_declaration(row), _declaration(synthetic_later.iloc[1])]}
    before = http.post("/api/risk/score", json=body, headers=headers).json()
    assert before["aeo_matched"] == 0 and "no AEO registry yet" in before["aeo_registry"]
    registry = AeoRegistry()
    registry.add_operator(OperatorCreate(aeo_id="VN-AEO-0001", name="Importer", tin=row["importer"],
                                         granted_on=dt.date(2020, 1, 1)))
    registry.close()
    after = http.post("/api/risk/score", json=body, headers=headers).json()
    assert after["aeo_matched"] >= 1
    assert after["results"][0]["aeo"] == "importer"
    assert "AEO importer" in after["results"][0]["reasons"]
    assert after["results"][0]["duty_at_stake"] == pytest.approx(
        round(float(row["value"]) * float(row["tax_rate"]) / 100, 2))
    off = http.post("/api/risk/score", json={**body, "aeo_benefit": False},
                    headers=headers).json()
    assert off["aeo_matched"] == 0 and off["results"][0]["aeo"] == ""


def test_outcomes_through_the_api(
    http: httpx.Client, isolated_settings: Settings, small_model: RiskModel,
    synthetic_train: pd.DataFrame, synthetic_later: pd.DataFrame, tmp_path: Any,
) -> None:
    from haiquan.risk.service import score_file

    save_model(small_model, default_model_dir(), synthetic_train)
    path = tmp_path / "day.csv"
    day = synthetic_later.copy()
    day["date"] = pd.to_datetime(day["date"]).dt.strftime("%Y-%m-%d")
    day.to_csv(path, index=False)
    score_file(path, tmp_path / "s.csv", layout="canonical", explain="none")
    scores = pd.read_csv(tmp_path / "s.csv", keep_default_na=False, dtype={"declaration_id": str})
    red = scores[scores["channel"] == "red"].iloc[0]
    officer = _token(isolated_settings, "risk_officer")
    body = {"declaration_id": red["declaration_id"], "item_number": int(red["item_number"]),
            "found": True, "duty_recovered": 120.5, "fraud_type": "intellectual property"}
    answer = http.post("/api/risk/outcomes", json=body, headers=officer)
    assert answer.status_code == 201, answer.text
    assert answer.json()["critical"] is True and answer.json()["channel"] == "red"
    missing = http.post("/api/risk/outcomes", json={**body, "declaration_id": "NOPE"},
                        headers=officer)
    assert missing.status_code == 404
    analyst = _token(isolated_settings, "analyst")
    assert http.post("/api/risk/outcomes", json=body, headers=analyst).status_code == 403
    report = http.get("/api/risk/results?by=channel", headers=analyst).json()
    red_row = next(r for r in report["rows"] if r["channel"] == "red")
    assert red_row["found"] == 1 and red_row["duty_recovered"] == 120.5
    assert http.get("/api/risk/results?by=weather", headers=analyst).status_code == 422
