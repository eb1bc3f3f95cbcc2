"""``/api/aeo`` over HTTP: register, change status, record consent, read partners' AEOs."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from haiquan.aeo import AeoRegistry, apply_partner_list
from haiquan.web.routers.aeo import registry

from ..conftest import Account

NEW = {"aeo_id": "VN-AEO-0101", "name": "Da Nang Seafood JSC", "granted_on": "2024-03-01",
       "address": "2 Bach Dang, Da Nang"}


def test_a_risk_officer_registers_and_manages_an_operator(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    officer = make_account("risk_officer").headers
    created = http.post("/api/aeo/operators", json=NEW, headers=officer)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "granted"
    again = http.post("/api/aeo/operators", json=NEW, headers=officer)
    assert again.status_code == 409
    assert "status change" in again.json()["fix"]

    suspended = http.post(
        "/api/aeo/operators/VN-AEO-0101/status", headers=officer,
        json={"status": "suspended", "effective": "2024-06-01", "reason": "audit findings"})
    assert suspended.status_code == 200
    on_may = http.get("/api/aeo/operators/VN-AEO-0101", params={"on": "2024-05-31"},
                      headers=officer).json()
    on_june = http.get("/api/aeo/operators/VN-AEO-0101", params={"on": "2024-06-01"},
                       headers=officer).json()
    assert (on_may["status"], on_june["status"]) == ("granted", "suspended")

    consent = http.post("/api/aeo/operators/VN-AEO-0101/consent", headers=officer,
                        params={"mra_id": "VN_KOR_AEO_MRA", "consent": "true",
                                "effective": "2024-03-02"})
    assert consent.status_code == 200, consent.text
    listed = http.get("/api/aeo/operators", params={"status": "suspended", "on": "2024-07-01"},
                      headers=officer).json()["items"]
    assert [o["aeo_id"] for o in listed] == ["VN-AEO-0101"]
    assert listed[0]["consents"] == {"VN_KOR_AEO_MRA": True}


def test_a_viewer_reads_but_cannot_write(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    viewer = make_account("viewer").headers
    assert http.get("/api/aeo/operators", headers=viewer).json()["items"] == []
    refused = http.post("/api/aeo/operators", json=NEW, headers=viewer)
    assert refused.status_code == 403
    assert http.get("/api/aeo/operators", headers=viewer).json()["items"] == []
    missing = http.get("/api/aeo/operators/VN-AEO-9999", headers=viewer)
    assert missing.status_code == 404


def test_partner_aeos_come_from_the_latest_list(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    store = AeoRegistry()
    apply_partner_list(store, "KOR", {
        "mra_id": "VN_KOR_AEO_MRA", "list_type": "full", "sequence": 1, "as_of": "2025-12-20",
        "operators": [{"aeo_id": "KR-AEO-1", "name": "Busan Shipping", "status": "valid"}]})
    store.close()
    viewer = make_account("viewer").headers
    korea = http.get("/api/aeo/partners", params={"country": "KOR"}, headers=viewer).json()["items"]
    assert [(p["aeo_id"], p["name"]) for p in korea] == [("KR-AEO-1", "Busan Shipping")]
    assert http.get("/api/aeo/partners", params={"country": "JPN"},
                    headers=viewer).json()["items"] == []
    # any ISO code, in any case, as the CLI takes it
    assert http.get("/api/aeo/partners", params={"country": "kr"},
                    headers=viewer).json()["items"] == korea
    bad = http.get("/api/aeo/partners", params={"country": "korea"}, headers=viewer)
    assert bad.status_code == 422
    unknown = http.get("/api/aeo/partners", params={"country": "XXX"}, headers=viewer)
    assert unknown.status_code == 404 and "XXX" in unknown.json()["detail"]


def test_one_registry_per_database_in_the_process(isolated_settings: object) -> None:
    # Opening a registry builds an engine and checks the tables; the web app does it once per
    # database, not once per request.
    first = registry()
    assert registry() is first
