"""The AEO page over HTTP: operators, expiring authorisations, MRA partners, the filter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import httpx

from haiquan.aeo import AeoRegistry, OperatorCreate, apply_partner_list
from tests.aeo.conftest import operator

from ..conftest import Account, login


def _operators(registry: AeoRegistry) -> None:
    soon = dt.date.today() + dt.timedelta(days=30)
    registry.add_operator(operator("VN-AEO-0001", name="Saigon Textile Co", valid_until=soon))
    registry.add_operator(OperatorCreate.model_validate(
        {"aeo_id": "VN-AEO-0002", "name": "Hai Phong Logistics", "granted_on": "2024-01-15"}))
    registry.set_consent("VN-AEO-0001", "VN_KOR_AEO_MRA", True, dt.date(2024, 2, 1))


def test_aeo_page_shows_operators_partners_and_expiry(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    registry = AeoRegistry()
    _operators(registry)
    korea = {"mra_id": "VN_KOR_AEO_MRA", "list_type": "full", "sequence": 3,
             "as_of": "2025-12-20",
             "operators": [{"aeo_id": "KR-AEO-1", "name": "A", "status": "valid"}]}
    apply_partner_list(registry, "KOR", korea)
    registry.close()
    login(http, make_account("viewer"))
    page = http.get("/aeo")
    assert page.status_code == 200
    text = page.text
    assert "Saigon Textile Co" in text and "Hai Phong Logistics" in text
    expiring = text[text.index('id="expiring"'):text.index('id="operators"')]
    assert "VN-AEO-0001" in expiring and "VN-AEO-0002" not in expiring
    partners = text[text.index('id="partners"'):text.index('id="expiring"')]
    assert "VN_KOR_AEO_MRA" in partners and "AAMRA" in partners  # the shipped arrangements
    assert "2025-12-20" in partners


def test_aeo_page_filter_and_empty_registry(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    empty = http.get("/aeo")
    assert empty.status_code == 200 and "No AEO registered yet" in empty.text
    registry = AeoRegistry()
    _operators(registry)
    registry.close()
    found = http.get("/aeo", params={"q": "logistics"})
    table = found.text[found.text.index('id="operators"'):]
    assert "Hai Phong Logistics" in table and "Saigon Textile Co" not in table
    none = http.get("/aeo", params={"q": "<script>"})
    assert "No operator matches" in none.text and "<script>" not in none.text
