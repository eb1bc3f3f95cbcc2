"""``/api/commitments``: recording status takes the country codes its errors name."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from haiquan.commitments import status_history

from ..conftest import Account


@pytest.mark.parametrize("code", ["704", "vn", "VNM"])
def test_status_takes_a_numeric_or_any_case_country_code(
    http: httpx.Client, make_account: Callable[..., Account], code: str
) -> None:
    # The library's own error says "an ISO 3166-1 code (VN, VNM, 704)"; the body pattern used
    # to refuse 704 with 422 before the library saw it.
    analyst = make_account("analyst")
    body = {"catalogue": "asean", "item": "AAMRA.1", "country": code,
            "effective_date": "2024-01-01", "status": "implemented"}
    answer = http.post("/api/commitments/status", headers=analyst.headers, json=body)
    assert answer.status_code == 201, answer.text
    assert status_history()["country"].tolist() == ["VNM"]
