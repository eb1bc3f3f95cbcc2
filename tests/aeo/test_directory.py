"""A person's question to the directory checks the country; the risk engine's does not raise."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from haiquan.aeo import AeoRegistry, RegistryAeoDirectory
from haiquan.errors import UnknownCodeError


def test_an_unknown_country_is_an_error_not_a_no(
    registry_factory: Callable[[str], AeoRegistry],
) -> None:
    directory = RegistryAeoDirectory(registry_factory("VNM"))
    day = dt.date(2025, 3, 1)
    with pytest.raises(UnknownCodeError, match="XXX"):
        directory.check_partner_aeo("KR-AEO-0042", "XXX", day)
    assert directory.check_partner_aeo("KR-AEO-0042", "kr", day) == ("KOR", False)
    # Selectivity scores declarations whose departure country may be blank or odd: no error.
    assert directory.is_partner_aeo("KR-AEO-0042", "XXX", day) is False


def test_a_home_check_reads_the_number_as_the_registry_does_and_names_an_unknown_one(
    registry_factory: Callable[[str], AeoRegistry],
) -> None:
    from haiquan.aeo import OperatorCreate
    from haiquan.errors import NotFoundError

    registry = registry_factory("VNM")
    registry.add_operator(OperatorCreate(aeo_id="VN-AEO-0001", name="Saigon Garment JSC",
                                         granted_on=dt.date(2024, 1, 15)))
    directory = RegistryAeoDirectory(registry)
    day = dt.date(2025, 3, 1)
    assert directory.check_home_aeo(" vn-aeo-0001 ", day) == ("VN-AEO-0001", True)
    assert directory.check_home_aeo("VN-AEO-0001", dt.date(2024, 1, 14)) == ("VN-AEO-0001",
                                                                             False)
    with pytest.raises(NotFoundError, match="no AEO VN-AEO-0010 in the registry"):
        directory.check_home_aeo("VN-AEO-0010", day)  # a typo is not a "no"
