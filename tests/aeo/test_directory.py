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
