"""A disk that fills while a store is open: the AEO registry's and the users store's writes
say "the disk ... is full" in the operator's words (issue 18, point 7), not a bare
``OperationalError`` from the driver.

The disk is a small tmpfs mounted for the test, which needs root; elsewhere the tests are
skipped with that reason.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from haiquan.aeo.models import OperatorCreate
from haiquan.aeo.registry import AeoRegistry
from haiquan.errors import StorageError
from haiquan.web.auth.store import UserStore
from tests.exchange.test_storage import _fill, small_disk  # noqa: F401 - the fixture

pytestmark = pytest.mark.skipif(
    os.name != "posix" or os.geteuid() != 0,
    reason="mounting a small tmpfs (a disk to fill) needs root",
)


def _operator(number: int) -> OperatorCreate:
    return OperatorCreate(aeo_id=f"VN-AEO-{number:04d}", name="X" * 130 + str(number),
                          address="A" * 500, granted_on=dt.date(2024, 1, 1))


def test_the_aeo_registry_names_a_disk_that_filled_while_it_was_open(
    small_disk: Path,  # noqa: F811 - the fixture imported above
) -> None:
    registry = AeoRegistry(f"sqlite:///{small_disk / 'aeo.sqlite'}")
    registry.add_operator(_operator(1))
    _fill(small_disk)
    with pytest.raises(StorageError) as caught:
        for number in range(2, 2000):  # a page or two more is enough to need the disk
            registry.add_operator(_operator(number))
    assert "full" in str(caught.value) and "AEO registry" in str(caught.value)
    assert caught.value.status == 507
    registry.close()


def test_the_users_store_names_a_disk_that_filled_while_it_was_open(
    small_disk: Path,  # noqa: F811 - the fixture imported above
) -> None:
    store = UserStore(f"sqlite:///{small_disk / 'users.sqlite'}")
    store.add_user("first", "a long enough password 1", "viewer")
    _fill(small_disk)
    with pytest.raises(StorageError) as caught:
        for number in range(2000):
            store.add_user(f"user{number}", "a long enough password 1", "viewer",
                           display_name="D" * 200)
    assert "full" in str(caught.value) and "users store" in str(caught.value)
