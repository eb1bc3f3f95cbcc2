"""``/api/transit`` and the ``/transit`` page over HTTP: a movement declared, released,
arrived and controlled by officers; viewers read but cannot write; the refusals' JSON shape."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from ..conftest import Account, login

PARTY = {"identification": "VN0101", "name": "Example exporter", "country": "VNM"}
DECLARATION = {
    "lrn": "LRN-API-1", "office_of_departure": "VNDAD001",
    "offices_of_transit": ["LADSH001", "THMDH001"], "office_of_destination": "THBKK001",
    "holder": PARTY, "consignor": PARTY,
    "consignee": {"identification": "TH0909", "name": "Example importer", "country": "THA"},
    "carrier": {"identification": "VNCARRIER", "name": "Carrier", "country": "VNM"},
    "vehicle": "43C-12345", "seals": ["VN-S-1"],
    "items": [{"hs_code": "847130", "description": "portable computers", "packages": 10,
               "gross_mass_kg": 120.5, "value_usd": 60000}],
    "guarantee_reference": "GRN-API"}


def test_an_officer_declares_and_releases_a_viewer_reads(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    officer = make_account("risk_officer").headers
    viewer = make_account("viewer").headers
    made = http.post("/api/transit/guarantees", headers=officer, json={
        "reference": "GRN-API", "holder": "VN0101", "reference_amount_usd": 100000})
    assert made.status_code == 201, made.text
    refused = http.post("/api/transit/declarations", json=DECLARATION, headers=viewer)
    assert refused.status_code == 403
    accepted = http.post("/api/transit/declarations", json=DECLARATION, headers=officer)
    assert accepted.status_code == 201, accepted.text
    mrn = accepted.json()["mrn"]
    over = http.post("/api/transit/declarations", headers=officer,
                     json={**DECLARATION, "lrn": "LRN-API-2"})
    assert over.status_code == 409
    assert over.json()["details"]["balance_usd"] == 40000
    unknown = http.post("/api/transit/declarations", headers=officer,
                        json={**DECLARATION, "lrn": "LRN-API-3",
                              "office_of_destination": "THXXX001"})
    assert unknown.status_code == 404 and "unknown customs office" in unknown.text
    early = http.get(f"/api/transit/movements/{mrn}/tad", headers=viewer)
    assert early.status_code == 409
    released = http.post(f"/api/transit/movements/{mrn}/release", headers=officer)
    assert released.json()["state"] == "released"
    tad = http.get(f"/api/transit/movements/{mrn}/tad", headers=viewer)
    assert tad.status_code == 200 and tad.content.startswith(b"%PDF")
    typo = mrn[:17] + str((int(mrn[17]) + 1) % 10)
    wrong = http.get(f"/api/transit/movements/{typo}", headers=viewer)
    assert wrong.status_code == 422 and "check digit" in wrong.json()["detail"]
    listed = http.get("/api/transit/movements", headers=viewer).json()
    assert listed["total"] == 1 and listed["items"][0]["mrn"] == mrn
    # An offset past what the database's integers hold is a 422, not a 500 from SQLite.
    far = http.get("/api/transit/movements", params={"offset": 2**63}, headers=viewer)
    assert far.status_code == 422
    beyond = http.get("/api/transit/movements", params={"offset": 2**62}, headers=viewer)
    assert beyond.status_code == 200 and beyond.json()["items"] == []
    overview = http.get("/api/transit/overview", headers=viewer).json()
    assert overview["open"] == 1 and overview["routes"][0]["countries"] == "VNM > LAO > THA"
    assert http.get("/api/transit/guarantees/GRN-API", headers=viewer).json()[
        "engaged_usd"] == 60000


def test_transit_page_lists_routes_crossings_and_movements(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    officer = make_account("risk_officer")
    http.post("/api/transit/guarantees", headers=officer.headers, json={
        "reference": "GRN-API", "holder": "VN0101", "reference_amount_usd": 100000})
    mrn = http.post("/api/transit/declarations", json=DECLARATION,
                    headers=officer.headers).json()["mrn"]
    login(http, officer)
    page = http.get("/transit")
    assert page.status_code == 200
    assert mrn in page.text and "Lao Bao - Densavan" in page.text
    assert "VNM &gt; LAO &gt; THA" in page.text or "VNM > LAO > THA" in page.text
    assert http.get("/transit", params={"show": "overdue"}).text.count(mrn) == 0
    assert http.get("/transit", params={"show": "nonsense"}).status_code == 422
