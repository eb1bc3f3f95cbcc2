"""Issue 16 item 5: stored results are kept by the web under their data version, not the
warehouse file's time, and the commitments page says "being computed" instead of waiting."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable

import httpx
import pytest

from haiquan.commitments import StatusRecord, record_status
from haiquan.commitments.overview import commitments_overview, records_version
from haiquan.refresh import COMMITMENTS_KIND, _exclusive, refresh, step
from haiquan.settings import reset_settings
from haiquan.warehouse.results import save_result
from haiquan.web._cache import warehouse_stamp

from .conftest import Account, login


@pytest.fixture
def background(monkeypatch: pytest.MonkeyPatch, isolated_settings) -> None:
    monkeypatch.setenv("HAIQUAN_BACKGROUND_RESULTS", "true")
    reset_settings()


def _touch_later(before: tuple[float, float]) -> None:
    """Make sure the file's time moved (coarse clocks): the test must see a changed stamp."""
    from haiquan.settings import get_settings

    path = get_settings().warehouse_file
    if warehouse_stamp() == before:
        later = before[0] + 1
        os.utime(path, (later, later))
    assert warehouse_stamp() != before


def test_a_stored_result_survives_a_write_of_another_result(background) -> None:
    from haiquan.web._results import stored_value

    key = step(COMMITMENTS_KIND).key
    save_result(COMMITMENTS_KIND, key, records_version(), {"rates": ["stored"]}, seconds=1.0)
    first = stored_value(COMMITMENTS_KIND)
    assert first == {"rates": ["stored"]}
    before = warehouse_stamp()
    # The refresh writes states and other results into the same file all the time.
    save_result("priorities.scores", "VNM", "another-version", {"scores": [1]}, seconds=1.0)
    _touch_later(before)
    assert stored_value(COMMITMENTS_KIND) is first  # not read (and unpickled) again


def test_records_version_follows_status_records_not_other_writes(isolated_settings) -> None:
    empty = records_version()
    save_result("priorities.scores", "VNM", "v", {"scores": [1]}, seconds=1.0)
    assert records_version() == empty
    record_status(
        StatusRecord(
            catalogue="wto_tfa",
            item="1.1",
            country="VNM",
            effective_date=dt.date(2017, 2, 22),
            category="A",
        )
    )
    assert records_version() != empty


def test_commitments_page_says_being_computed_then_serves_the_stored_rates(
    background, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    viewer = make_account("viewer")
    # Another refresh holds the lock: nothing can be computed, the page must not wait.
    with _exclusive() as free:
        assert free
        login(http, viewer)
        record_status(
            StatusRecord(
                catalogue="wto_tfa",
                item="1.1",
                country="VNM",
                effective_date=dt.date(2017, 2, 22),
                category="A",
            )
        )
        started = time.monotonic()
        page = http.get("/commitments")
        assert time.monotonic() - started < 5
        assert page.status_code == 200
        assert "being computed" in page.text and "<progress" in page.text
        assert 'http-equiv="refresh"' in page.text  # a refresh is running: it reloads itself
        answer = http.get("/api/commitments/rates", headers=viewer.headers)
        assert answer.status_code == 503
        body = answer.json()
        problem = body  # RFC 9457 problem details (issue 22)
        steps = {s["kind"]: s for s in problem["details"]["steps"]}
        assert steps[COMMITMENTS_KIND]["status"] == "pending"

    report = refresh([COMMITMENTS_KIND])
    assert [s.status for s in report.states] == ["done"]
    rates = http.get("/api/commitments/rates", headers=viewer.headers)
    assert rates.status_code == 200, rates.text
    expected = commitments_overview("VNM").rates
    assert [(r["catalogue"], r["implemented"], r["total"]) for r in rates.json()["items"]] == [
        (r.catalogue, r.implemented, r.total) for r in expected
    ]
    page = http.get("/commitments")
    assert "being computed" not in page.text and "Implementation rate" in page.text
