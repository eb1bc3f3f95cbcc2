"""``POST /api/commitments/status``: a bad record is a 422 naming the field; nothing stored."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from haiquan.commitments import status_history
from haiquan.commitments.records import field_expectation
from haiquan.settings import Settings
from haiquan.web.app import create_app
from haiquan.web.auth import Role, open_user_store

GOOD: dict[str, Any] = {
    "catalogue": "asean",
    "item": "AAMRA.1",
    "country": "VNM",
    "effective_date": "2024-01-01",
    "status": "implemented",
}


@pytest.fixture
def client(isolated_settings: Settings) -> Iterator[TestClient]:
    store = open_user_store(isolated_settings)
    store.add_user("analyst", "a-long-test-passphrase", Role.parse("analyst"))
    token, _ = store.create_token("analyst", "test")
    with TestClient(create_app(isolated_settings)) as test_client:
        test_client.headers["Authorization"] = f"Bearer {token}"
        yield test_client


def test_a_good_record_is_stored(client: TestClient) -> None:
    answer = client.post("/api/commitments/status", json=GOOD)
    assert answer.status_code == 201, answer.text
    assert len(status_history()) == 1


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"effective_date": "2999-01-01"}, "2200-12-31"),
        ({"definitive_date": "2999-12-31"}, "2200-12-31"),
        ({"effective_date": "1900-01-01"}, "1947-01-01"),
        ({"country": "XX"}, "no country is known by the name 'XX'"),
        ({"status": None}, "records nothing"),
    ],
)
def test_a_bad_record_is_a_422_and_stores_nothing(
    client: TestClient, change: dict[str, Any], expected: str
) -> None:
    answer = client.post("/api/commitments/status", json={**GOOD, **change})
    assert answer.status_code == 422, answer.text
    error = answer.json()
    assert error["code"] == "validation_failed"
    assert expected in error["detail"]
    assert "Value error" not in error["expected"] and "datetime.date(" not in error["got"]
    # `expected` says what the field accepts, not the complaint again.
    field = next(iter(change))
    if field != "status":
        assert field in error["detail"] and error["expected"] == field_expectation(field)
    assert len(status_history()) == 0


def test_the_same_record_posted_twice_is_a_409_and_stored_once(client: TestClient) -> None:
    assert client.post("/api/commitments/status", json=GOOD).status_code == 201
    again = client.post("/api/commitments/status", json=GOOD)
    assert again.status_code == 409, again.text
    error = again.json()
    assert error["code"] == "conflict" and "already recorded" in error["detail"]
    assert len(status_history()) == 1


def test_a_draft_posted_then_approved_counts(client: TestClient) -> None:
    draft = {**GOOD, "item": "AAMRA.4", "approval": "draft", "gap": "pilot not joined",
             "planned_action": "finish on-site validation", "target_date": "2025-06-30"}
    assert client.post("/api/commitments/status", json=draft).status_code == 201
    approval = {"catalogue": "asean", "item": "AAMRA.4", "country": "vn",
                "effective_date": "2024-01-01", "approved_by": "Director General"}
    answer = client.post("/api/commitments/status/approve", json=approval)
    assert answer.status_code == 201, answer.text
    assert client.post("/api/commitments/status/approve", json=approval).status_code == 409
    missing = {**approval, "effective_date": "2024-01-02"}
    assert client.post("/api/commitments/status/approve", json=missing).status_code == 404
    history = status_history()
    assert history["approval"].tolist() == ["draft", "approved"]
    # The name in the body is free text; the account that approved is recorded beside it.
    assert history["approved_by"].tolist()[-1] == "Director General (account analyst)"


def test_an_approval_naming_nobody_records_the_account_that_sent_it(client: TestClient) -> None:
    draft = {**GOOD, "item": "AAMRA.4", "approval": "draft"}
    assert client.post("/api/commitments/status", json=draft).status_code == 201
    approval = {"catalogue": "asean", "item": "AAMRA.4", "country": "VNM",
                "effective_date": "2024-01-01", "approved_by": "   "}
    assert client.post("/api/commitments/status/approve", json=approval).status_code == 201
    assert status_history()["approved_by"].tolist()[-1] == "account analyst"
