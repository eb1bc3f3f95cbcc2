"""Schemathesis against the OpenAPI spec, sent to a real uvicorn on 127.0.0.1.

One test per documented operation (taken from ``create_app().openapi()`` at collection); each
generated request carries a fresh administrator token, so operations that revoke tokens or end
sessions cannot lock the rest of the run out.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from haiquan.web import ServerHandle, create_app
from haiquan.web.auth import UserStore

from .conftest import Account

#: Operations whose valid-looking input may still name something unknown to the reference data
#: (a commitment item id checked against its catalogue, a trade year against the warehouse, an
#: AEO partner country against ISO 3166), or break a rule across fields that JSON Schema cannot
#: state (an AEO authorisation's valid_until on or after its grant date): answered 404 or 422.
CHECKED_AGAINST_DATA = {
    "POST /api/commitments/status",
    "POST /api/commitments/status/approve",
    "GET /api/trade/partners",
    "GET /api/trade/commodities",
    "POST /api/aeo/operators",
    "GET /api/aeo/partners",
    # A fraud type and duty recovered only when the inspection found fraud (a rule across
    # fields), for a declaration risk score kept (tests/risk/test_outcomes.py).
    "POST /api/risk/outcomes",
    # An MRN's check digit, offices and states against the ACTS reference data, a time limit
    # not in the past (tests/transit, tests/web/routers/test_transit.py).
    "POST /api/transit/declarations",
    "GET /api/transit/movements/{mrn}",
    "GET /api/transit/movements/{mrn}/tad",
    "POST /api/transit/movements/{mrn}/release",
    "POST /api/transit/movements/{mrn}/crossing",
    "POST /api/transit/movements/{mrn}/arrival",
    "POST /api/transit/movements/{mrn}/control",
    "POST /api/transit/movements/{mrn}/recovered",
}

#: Operations whose library models break their own OpenAPI schema; reported to their owners.
#: Not strict: random inputs may miss the bug in one run; remove an entry once it is fixed.
KNOWN_SCHEMA_BUGS = {
    "POST /api/risk/score": "country codes are checked against ISO 3166, which the schema's "
    "pattern cannot list: a well-formed unknown code such as 'AA' is refused with 422",
}

SCHEMA = schemathesis.openapi.from_dict(create_app().openapi())
LABELS = sorted(result.ok().label for result in SCHEMA.get_all_operations())


def test_every_operation_is_fuzzed() -> None:
    assert len(LABELS) >= 9 and "GET /api/health" in LABELS


@pytest.mark.parametrize(
    "label",
    [
        pytest.param(
            label,
            marks=pytest.mark.xfail(reason=KNOWN_SCHEMA_BUGS[label], strict=False),
        )
        if label in KNOWN_SCHEMA_BUGS
        else label
        for label in LABELS
    ],
)
def test_operation_conforms_to_the_spec(
    label: str,
    live_server: ServerHandle,
    store: UserStore,
    make_account: Callable[..., Account],
) -> None:
    operation = SCHEMA.find_operation_by_label(label)
    assert operation is not None
    admin = make_account("administrator").user.username

    @settings(
        max_examples=8,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case) -> None:  # type: ignore[no-untyped-def]
        secret, _ = store.create_token(admin, "schemathesis")
        case.call_and_validate(
            base_url=live_server.url,
            headers={"Authorization": f"Bearer {secret}"},
            timeout=120,  # the first partner scoring or plan of a run takes seconds
            excluded_checks=[positive_data_acceptance] if label in CHECKED_AGAINST_DATA else [],
        )

    check()
