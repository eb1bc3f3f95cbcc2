"""Eight concurrent first requests to the dashboard on a fresh HAIQUAN_HOME (issue 18, point 5):
they gave HTTP 500s ("cannot open the AEO registry … table aeo_operators already exists"). Every
page answers 200, whichever request creates its store."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import httpx

from haiquan.web.server import ServerHandle

from .conftest import Account, login

PAGES = ["/aeo", "/gateway", "/risk", "/commitments"]


def test_concurrent_first_requests_on_a_fresh_home(
    live_server: ServerHandle, make_account: Callable[..., Account]
) -> None:
    account = make_account("administrator")
    with httpx.Client(base_url=live_server.url, timeout=60, trust_env=False) as first:
        login(first, account)
        cookies = dict(first.cookies)
    barrier = threading.Barrier(len(PAGES) * 2)
    answers: list[tuple[str, int]] = []

    def get(path: str) -> None:
        with httpx.Client(
            base_url=live_server.url, timeout=60, trust_env=False, cookies=cookies
        ) as client:
            barrier.wait()
            answers.append((path, client.get(path).status_code))

    threads = [threading.Thread(target=get, args=(path,)) for path in PAGES * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == len(PAGES) * 2
    assert [a for a in answers if a[1] != 200] == [], answers


def test_overview_without_trade_once_the_warehouse_exists(
    live_server: ServerHandle, make_account: Callable[..., Account], shared_data: Path
) -> None:
    """A warehouse holding only a commitment status record (as ``haiquan commitments`` writes
    it: the file exists, without any trade table) made ``/`` answer 500: the overview says no
    trade data is loaded and how to load it; the priorities and the plan (500 too) read the
    shared example trade."""
    import datetime as dt

    from haiquan.commitments import StatusRecord, record_status

    record_status(
        StatusRecord(
            catalogue="wto_tfa",
            item="1.1",
            country="VNM",
            effective_date=dt.date(2017, 2, 22),
            category="A",
        )
    )
    account = make_account("viewer")
    with httpx.Client(base_url=live_server.url, timeout=60, trust_env=False) as client:
        login_answer = client.post(
            "/login", data={"username": account.user.username, "password": account.password}
        )
        assert login_answer.status_code == 303, login_answer.text
        page = client.get("/")
        # The priorities read the shared example trade when the warehouse holds none.
        others = {path: client.get(path) for path in ("/priorities", "/plan")}
    assert page.status_code == 200, page.text[-2000:]
    assert "no trade data is loaded" in page.text
    assert "haiquan load" in page.text
    assert {path: a.status_code for path, a in others.items()} == {
        "/priorities": 200,
        "/plan": 200,
    }, {path: a.text[-500:] for path, a in others.items()}
