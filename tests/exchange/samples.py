"""Synthetic example documents (made up for tests; not real certificates or operators)."""

from __future__ import annotations

from typing import Any


def form_d(
    issuer: str = "VNM", importer: str = "THA", ref: str = "VN-2026-000123"
) -> dict[str, Any]:
    """A synthetic e-Form D for two HS lines."""
    return {
        "reference_number": ref,
        "issuing_country": issuer,
        "importing_country": importer,
        "exporter": {"name": "SYNTHETIC Saigon Textiles JSC", "address": "1 Le Loi, HCMC",
                     "country": issuer},
        "consignee": {"name": "SYNTHETIC Bangkok Garments Co", "address": "9 Silom, Bangkok",
                      "country": importer},
        "transport": {"departure_date": "2026-11-20", "mode": "sea",
                      "vessel_or_flight": "SYNTHETIC STAR V.12",
                      "port_of_loading": "VNSGN", "port_of_discharge": "THLCH"},
        "items": [
            {"item_number": 1, "description": "Cotton T-shirts, knitted", "hs_code": "610910",
             "origin_criterion": {"code": "RVC", "rvc_percent": 45.5},
             "quantity": {"value": 1200, "unit": "KGM"},
             "fob_value": {"amount": 18500.0, "currency": "USD"},
             "invoice": {"number": "INV-7781", "date": "2026-11-18"}},
            {"item_number": 2, "description": "Men's trousers of cotton", "hs_code": "62034200",
             "origin_criterion": {"code": "CTH"},
             "quantity": {"value": 800, "unit": "KGM"},
             "fob_value": {"amount": 9100.0, "currency": "USD"},
             "invoice": {"number": "INV-7781", "date": "2026-11-18"}},
        ],
        "flags": {"third_country_invoicing": False},
        "declaration": {"origin_country": issuer, "place": "Ho Chi Minh City",
                        "date": "2026-11-19", "signatory": "SYNTHETIC Nguyen Van A"},
        "certification": {"authority": "SYNTHETIC Issuing Authority", "place": "Ho Chi Minh City",
                          "date": "2026-11-19", "signatory": "SYNTHETIC Tran Thi B"},
    }


def form_d_notification(issuer: str = "VNM", ref: str = "VN-2026-000123") -> dict[str, Any]:
    return {
        "certificate_reference": ref,
        "issuing_country": issuer,
        "status": "utilised",
        "status_date": "2026-11-24",
        "import_declaration": {"number": "SYN-IMP-000991", "date": "2026-11-24"},
        "utilised_items": [{"item_number": 1, "quantity": 1200, "preference_granted": True}],
    }


def aeo_list(delta: bool = False) -> dict[str, Any]:
    operators: list[dict[str, Any]] = [
        {"aeo_id": "VN-AEO-0001", "name": "SYNTHETIC Mekong Logistics", "status": "valid",
         "roles": ["exporter"], "valid_from": "2025-01-01", "valid_until": "2028-01-01"},
        {"aeo_id": "VN-AEO-0002", "name": "SYNTHETIC Hanoi Electronics", "status": "suspended"},
    ]
    if delta:
        for op in operators:
            op["action"] = "update"
        return {"mra_id": "VNM-THA-AEO-MRA", "list_type": "delta", "sequence": 2,
                "base_sequence": 1, "as_of": "2026-11-25", "operators": operators}
    return {"mra_id": "VNM-THA-AEO-MRA", "list_type": "full", "sequence": 1,
            "as_of": "2026-11-01", "operators": operators}


def risk_alert() -> dict[str, Any]:
    return {
        "alert_id": "VN-RA-2026-0042",
        "risk_category": "drugs",
        "severity": "high",
        "issued_at": "2026-11-25T08:00:00Z",
        "shipment": {"transport_document": "SYNBL123456", "container_ids": ["MSCU1234566"],
                     "port_of_loading": "VNSGN", "port_of_discharge": "THLCH",
                     "hs_codes": ["0904"]},
        "indicators": ["SYNTHETIC: new consignor, route through transit hub, cash payment"],
        "requested_action": "examine",
        "handling": "customs_only",
    }


def origin_request(issuer: str = "VNM") -> dict[str, Any]:
    return {
        "request_id": "TH-OV-2026-0007",
        "certificate_reference": "VN-2026-000123",
        "issuing_country": issuer,
        "item_numbers": [1],
        "reasons": ["rvc_calculation"],
        "requested_on": "2026-11-25",
        "reply_due": "2027-01-24",
    }


def origin_reply() -> dict[str, Any]:
    return {
        "request_id": "TH-OV-2026-0007",
        "certificate_reference": "VN-2026-000123",
        "outcome": "confirmed",
        "replied_on": "2026-12-10",
        "findings": "SYNTHETIC: cost records checked; RVC 45.5 % confirmed.",
    }
