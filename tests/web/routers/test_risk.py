"""``/api/risk``: the request body's own rules (no model needed: the body is checked first)."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from ..conftest import Account
from ..test_error_shape import assert_error_shape

DECLARATION = {
    "declaration_id": "T-1", "item_number": 1, "date": "2024-03-01", "office": "01AB",
    "transport_mode": "sea", "declarant": "D1", "importer": "IMP00001", "hs_code": "850440",
    "departure_country": "CHN", "origin_country": "CN", "net_mass_kg": 100.0, "value": 5000.0,
    "tax_rate": 5.0, "tax_type": "import",
}


def test_a_misspelt_option_is_refused_not_ignored(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    # "explian" used to be dropped silently: the caller got scores without the reasons asked.
    analyst = make_account("analyst")
    body = {"declarations": [DECLARATION], "explian": True}
    error = assert_error_shape(
        http.post("/api/risk/score", headers=analyst.headers, json=body), 422, "validation_failed"
    )
    assert error["details"]["errors"][0]["loc"] == ["body", "explian"]
