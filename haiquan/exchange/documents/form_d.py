"""ATIGA e-Form D: the certificate of origin ASEAN member states exchange through the ASW.

The schema (``schemas/atiga-form-d.schema.json``) carries the boxes of Form D; the rules here are
those a schema cannot say: the certificate travels from the issuing member state to the importing
one, both (and the country of origin) are ASEAN members on the day of certification, the parties'
countries are ISO 3166-1 codes and the currencies ISO 4217 codes, an RVC criterion states its
percentage and the FOB value, item numbers are unique, the exporter declares before the authority
certifies, nothing is certified in the future, and a certificate issued more than a few days after
shipment is flagged "issued retroactively" and is at most a year late. The dated ATIGA facts are in
``atiga_form_d_rules.yaml``, with their sources.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from typing import Any

import pycountry

from haiquan import yaml_text
from haiquan.errors import CatalogueError, UnknownCodeError
from haiquan.exchange.documents._base import DocumentContext, JsonDocumentType, problem
from haiquan.reference.countries import country, country_group

__all__ = ["FORM_D", "form_d_rules"]

#: Days a certification date may run ahead of this node's clock (time zones of the region).
_CLOCK_TOLERANCE = dt.timedelta(days=1)


def form_d_rules(text: str | None = None) -> dict[str, Any]:
    """The dated ATIGA facts of ``atiga_form_d_rules.yaml`` (or of ``text``), checked.

    >>> form_d_rules()["retroactive_issue"]["grace_days"]
    3
    """
    if text is None:
        return _packaged_rules()
    return _check_rules(text)


@cache
def _packaged_rules() -> dict[str, Any]:
    path = resources.files("haiquan.exchange.documents").joinpath("atiga_form_d_rules.yaml")
    return _check_rules(path.read_text(encoding="utf-8"))


_RULE_KEYS = {
    "retroactive_issue": {"valid_from": dt.date, "grace_days": int,
                          "latest_years_after_shipment": int, "source": str},
    "fob_value_for_rvc_only": {"valid_from": dt.date, "source": str},
}


def _check_rules(text: str) -> dict[str, Any]:
    where = "haiquan/exchange/documents/atiga_form_d_rules.yaml"
    data = yaml_text.parse(text, source=where)
    for rule, keys in _RULE_KEYS.items():
        entry = data.get(rule) if isinstance(data, dict) else None
        for key, kind in keys.items():
            value = entry.get(key) if isinstance(entry, dict) else None
            if not isinstance(value, kind) or isinstance(value, bool) or value in ("", None):
                raise CatalogueError(
                    f"{where}: {rule}.{key} is missing or of the wrong type",
                    expected=f"{rule}.{key} as {kind.__name__}"
                    + (" (YYYY-MM-DD)" if kind is dt.date else ""),
                    got=repr(value),
                    fix=f"give {rule}.{key}, with the rule's source",
                )
    return data  # type: ignore[no-any-return]


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February -> 28 February
        return day.replace(year=day.year + years, day=28)


def _route(document: dict[str, Any], context: DocumentContext) -> list[str]:
    problems = []
    if document["issuing_country"] != context.sender:
        problems.append(problem(
            "/issuing_country",
            f"the certificate is issued in {document['issuing_country']} but sent by "
            f"{context.sender}; only the issuing member state sends its e-Form D",
        ))
    if document["importing_country"] != context.receiver:
        problems.append(problem(
            "/importing_country",
            f"the importing member state is {document['importing_country']} but the message goes "
            f"to {context.receiver}",
        ))
    # Membership on the day of certification, not today's: Timor-Leste (2025-10-26) could not
    # issue a Form D before it joined.
    certified = _date(document["certification"]["date"])
    members = set(country_group("ASEAN").members_on(certified))
    fields = {"/issuing_country": document["issuing_country"],
              "/importing_country": document["importing_country"],
              "/declaration/origin_country": document["declaration"]["origin_country"]}
    for path, code in fields.items():
        if code not in members:
            problems.append(problem(
                path, f"{code} is not an ASEAN member state on {certified.isoformat()} "
                "(box 12 certification date); Form D covers goods traded between members",
            ))
    return problems


def _codes(document: dict[str, Any], context: DocumentContext) -> list[str]:
    """Country codes are ISO 3166-1 alpha-3 and currencies ISO 4217: the schema checks the form."""
    problems = []
    for party in ("exporter", "consignee"):
        code = document[party]["country"]
        try:
            known = country(code).alpha_3 == code
        except UnknownCodeError:
            known = False
        if not known:
            problems.append(problem(
                f"/{party}/country", f"{code} is not an ISO 3166-1 alpha-3 country code "
                "(e.g. VNM, THA)",
            ))
    for index, item in enumerate(document["items"]):
        currency = item.get("fob_value", {}).get("currency")
        if currency is not None and pycountry.currencies.get(alpha_3=currency) is None:
            problems.append(problem(
                f"/items/{index}/fob_value/currency",
                f"{currency} is not an ISO 4217 currency code (e.g. USD, VND, THB)",
            ))
    return problems


def _dates(document: dict[str, Any], context: DocumentContext) -> list[str]:
    problems = []
    rule = form_d_rules()["retroactive_issue"]
    certified = _date(document["certification"]["date"])
    declared = _date(document["declaration"]["date"])
    shipped = _date(document["transport"]["departure_date"])
    latest_today = dt.date.today() + _CLOCK_TOLERANCE
    if certified > latest_today:
        problems.append(problem(
            "/certification/date", f"{certified.isoformat()} is in the future; a certificate is "
            "exchanged once the issuing authority has certified it",
        ))
    if declared > certified:
        problems.append(problem(
            "/declaration/date", f"the exporter's declaration (box 11, {declared.isoformat()}) is "
            f"after the certification (box 12, {certified.isoformat()}); the authority certifies "
            "a declaration already made",
        ))
    if certified < rule["valid_from"]:
        return problems
    latest = _add_years(shipped, rule["latest_years_after_shipment"])
    retroactive = bool(document.get("flags", {}).get("issued_retroactively"))
    if certified > latest:
        problems.append(problem(
            "/certification/date", f"certified {certified.isoformat()}, more than "
            f"{rule['latest_years_after_shipment']} year(s) after shipment on "
            f"{shipped.isoformat()}; ATIGA allows a retroactive issue up to "
            f"{latest.isoformat()} (Annex 8 Rule 10)",
        ))
    elif certified > shipped + dt.timedelta(days=rule["grace_days"]) and not retroactive:
        problems.append(problem(
            "/flags/issued_retroactively", f"certified {certified.isoformat()}, more than "
            f"{rule['grace_days']} days after shipment on {shipped.isoformat()}: tick box 13 "
            "'Issued Retroactively' (issued_retroactively: true; ATIGA Annex 8 Rule 10)",
        ))
    return problems


def _items(document: dict[str, Any], context: DocumentContext) -> list[str]:
    problems = []
    seen: set[int] = set()
    # Box 9 shows the FOB value only when the criterion is RVC (all criteria before 2014).
    fob_rule = form_d_rules()["fob_value_for_rvc_only"]
    fob_for_all = _date(document["certification"]["date"]) < fob_rule["valid_from"]
    for index, item in enumerate(document["items"]):
        number = item["item_number"]
        if number in seen:
            problems.append(problem(f"/items/{index}/item_number", f"item {number} appears twice"))
        seen.add(number)
        criterion = item["origin_criterion"]
        if criterion["code"] == "RVC" and "rvc_percent" not in criterion:
            problems.append(problem(
                f"/items/{index}/origin_criterion",
                "an RVC criterion must state rvc_percent (box 8 shows e.g. 'RVC 40%')",
            ))
        if "fob_value" not in item and (criterion["code"] == "RVC" or fob_for_all):
            why = ("the criterion is RVC" if criterion["code"] == "RVC" else
                   f"the certificate is certified before {fob_rule['valid_from'].isoformat()}")
            problems.append(problem(
                f"/items/{index}/fob_value",
                f"box 9 must show the FOB value because {why}",
            ))
    return problems


FORM_D = JsonDocumentType(
    name="atiga-form-d",
    version="1",
    schema_file="atiga-form-d.schema.json",
    description="ATIGA e-Form D certificate of origin (issuing to importing member state)",
    rules=[_route, _codes, _items, _dates],
)
