"""Reference data: countries and groups, the HS nomenclature, agreements and MRAs."""

from haiquan.reference.countries import (
    Country,
    CountryGroup,
    country,
    country_group,
    country_groups,
    find_country,
    group_members,
    partner_code,
)

__all__ = [
    "Country",
    "CountryGroup",
    "country",
    "country_group",
    "country_groups",
    "find_country",
    "group_members",
    "partner_code",
]
