"""Each document type accepts a good document and refuses bad ones with the field at fault;
WCO DM declarations are checked against the real WCO DM 3.6 XSDs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from haiquan.errors import ConfigurationError, UnknownCodeError, ValidationError
from haiquan.exchange import DOCUMENT_TYPES, document_type
from haiquan.exchange.documents import DocumentContext, JsonDocumentType, WcoDeclarationType

from ..conftest import require_shared
from . import samples

VN_TH = DocumentContext("VNM", "THA")
TH_VN = DocumentContext("THA", "VNM")
DECLARATIONS = "exchange/wco-dm-3.6-hmrc-cds/samples/declarations"

GOOD: dict[str, tuple[Any, DocumentContext]] = {
    "atiga-form-d": (samples.form_d(), VN_TH),
    "atiga-form-d-notification": (samples.form_d_notification(), TH_VN),
    "aeo-operator-list": (samples.aeo_list(), VN_TH),
    "risk-alert": (samples.risk_alert(), VN_TH),
    "origin-verification-request": (samples.origin_request(), TH_VN),
    "origin-verification-reply": (samples.origin_reply(), VN_TH),
}


def _check(name: str, document: Any, context: DocumentContext) -> Any:
    doc = document_type(name)
    return doc.validate(doc.serialise(document), context)


def test_every_packaged_json_schema_is_a_valid_json_schema() -> None:
    json_types = [d for d in DOCUMENT_TYPES.values() if isinstance(d, JsonDocumentType)]
    assert len(json_types) == 6 + 9  # nine ACTS transit messages (tests/transit)
    for doc in json_types:
        Draft202012Validator.check_schema(doc.schema)


@pytest.mark.parametrize("name", sorted(GOOD))
def test_good_documents_pass(name: str) -> None:
    document, context = GOOD[name]
    assert _check(name, document, context) == document


def _broken(name: str) -> list[tuple[dict[str, Any], DocumentContext, str]]:
    """(document, context, text expected in the problems) per broken case of ``name``."""
    doc, ctx = GOOD[name]
    d = json.loads(json.dumps(doc))
    cases: list[tuple[dict[str, Any], DocumentContext, str]] = []
    if name == "atiga-form-d":
        cases.append(({**d, "items": [{**d["items"][0], "hs_code": "6109.10"}]}, ctx, "hs_code"))
        cases.append((d, DocumentContext("THA", "VNM"), "issuing_country"))
        cases.append(({**d, "issuing_country": "CHN", "exporter": d["exporter"]},
                      DocumentContext("CHN", "THA"), "not an ASEAN member"))
        twice = [d["items"][0], {**d["items"][1], "item_number": 1}]
        cases.append(({**d, "items": twice}, ctx, "appears twice"))
        rvc = {**d["items"][0], "origin_criterion": {"code": "RVC"}}
        cases.append(({**d, "items": [rvc]}, ctx, "rvc_percent"))
        cases.append(({**d, "extra_box": 1}, ctx, "Additional properties"))
    elif name == "atiga-form-d-notification":
        cases.append(({**d, "status": "rejected"}, ctx, "reason"))
        cases.append((d, DocumentContext("THA", "MYS"), "issuing member state"))
        cases.append(({k: v for k, v in d.items() if k != "import_declaration"}, ctx,
                      "import declaration"))
    elif name == "aeo-operator-list":
        cases.append(({**d, "list_type": "delta", "sequence": 2, "base_sequence": 1}, ctx,
                      "needs an action"))
        ops = [d["operators"][0], d["operators"][0]]
        cases.append(({**d, "operators": ops}, ctx, "appears twice"))
        cases.append(({**d, "list_type": "delta"}, ctx, "base_sequence"))
        cases.append(({**d, "operators": [{**ops[0], "valid_until": "2020-01-01"}]}, ctx,
                      "ends before"))
    elif name == "risk-alert":
        cases.append(({**d, "severity": "extreme"}, ctx, "severity"))
        ship = {"transport_document": "SYNBL1"}
        cases.append(({**d, "requested_action": "hold", "shipment": ship}, ctx, "container_ids"))
        cases.append(({**d, "issued_at": "yesterday"}, ctx, "issued_at"))
    elif name == "origin-verification-request":
        cases.append(({**d, "reply_due": "2020-01-01"}, ctx, "reply_due"))
        cases.append((d, DocumentContext("THA", "MYS"), "must go"))
        cases.append(({**d, "reasons": []}, ctx, "reasons"))
    else:
        cases.append(({**d, "outcome": "more_time_needed"}, ctx, "new_reply_due"))
        cases.append(({**d, "outcome": "partially_confirmed"}, ctx, "confirmed_items"))
        cases.append(({**d, "replied_on": "10/12/2026"}, ctx, "replied_on"))
    return cases


@pytest.mark.parametrize("name", sorted(GOOD))
def test_broken_documents_are_refused_naming_the_problem(name: str) -> None:
    cases = _broken(name)
    assert len(cases) >= 3
    for document, context, text in cases:
        with pytest.raises(ValidationError) as caught:
            _check(name, document, context)
        problems = " ".join(caught.value.details["problems"])
        assert text in problems, (text, problems)
        assert caught.value.fix


def test_unknown_types_and_versions_are_refused() -> None:
    with pytest.raises(UnknownCodeError, match="unknown document type"):
        document_type("bill-of-lading")
    with pytest.raises(UnknownCodeError, match="unsupported version"):
        document_type("atiga-form-d", "2")


def test_the_real_wco_dm_sample_declarations_validate() -> None:
    files = sorted(require_shared(DECLARATIONS).glob("*.xml"))
    assert len(files) == 5
    doc = document_type("wco-declaration")
    for path in files:
        root = doc.validate(doc.serialise(path.read_bytes()), VN_TH)
        assert root.tag.endswith("MetaData")


def _sample_xml() -> str:
    return (require_shared(DECLARATIONS) / "TT_EX001a.xml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "text"),
    [
        (("<FunctionCode>9</FunctionCode>", "<FunctionCode>9</FunctionCode><Bogus>1</Bogus>"),
         "Bogus"),
        (("<TypeCode>EXD</TypeCode>", "<TypeCode>EXDXXXXXXXX</TypeCode>"), "maxLength"),
        (("</md:MetaData>", ""), "malformed XML"),
    ],
)
def test_a_declaration_breaking_the_xsd_is_refused(change: tuple[str, str], text: str) -> None:
    bad = _sample_xml().replace(*change, 1)
    doc = document_type("wco-declaration")
    with pytest.raises(ValidationError) as caught:
        doc.validate(bad, VN_TH)
    assert text in str(caught.value) + json.dumps(caught.value.details)


def test_hostile_xml_is_refused_without_reading_files() -> None:
    doc = document_type("wco-declaration")
    xxe = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<Declaration xmlns="urn:wco:datamodel:WCO:DEC-DMS:2">&x;</Declaration>')
    with pytest.raises(ValidationError, match="DOCTYPE") as caught:
        doc.validate(xxe, VN_TH)
    assert "root:" not in str(caught.value)
    with pytest.raises(ValidationError, match="not a WCO DM declaration"):
        doc.validate("<Invoice/>", VN_TH)
    with pytest.raises(ValidationError, match="UTF-8"):
        doc.serialise("é".encode("latin-1"))


def test_missing_wco_schemas_are_a_clear_configuration_error(tmp_path: Path) -> None:
    doc = WcoDeclarationType(schema_dir=tmp_path)
    with pytest.raises(ConfigurationError, match="HAIQUAN_GATEWAY_WCO_SCHEMA_DIR"):
        doc.validate(_sample_xml(), VN_TH)


scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-1, 1e6, allow_nan=False) | (
    st.sampled_from(["", "2026-02-30", "2026-02-28", "WO", "RVC", "VNM", "vnm", "610910", "6109.10",
                     "full", "delta", "high", "MSCU1234566", "x" * 600, "VN-2026-000123"])
)


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(sorted(GOOD)), data=st.data())
def test_the_fast_check_agrees_with_jsonschema(name: str, data: st.DataObject) -> None:
    """Valid payloads are checked by generated code, invalid ones explained by jsonschema: both
    must give the same verdict on any document, here a good one with fields replaced at random."""
    doc = document_type(name)
    assert isinstance(doc, JsonDocumentType)
    document = json.loads(json.dumps(GOOD[name][0]))
    target = document
    path = data.draw(st.lists(st.integers(0, 20), min_size=1, max_size=3))
    for step in path:
        if isinstance(target, dict) and target:
            key = sorted(target)[step % len(target)]
            if isinstance(target[key], dict | list) and step % 3:
                target = target[key]
                continue
            target[key] = data.draw(scalars)
            break
        if isinstance(target, list) and target:
            target[step % len(target)] = data.draw(scalars)
            break
    fast_ok = doc.schema_problems(document) == []
    full_ok = not list(doc._validator.iter_errors(document))
    assert fast_ok == full_ok


# --- QA sweep: what an origin-verification officer and a partner's gateway would refuse ---------

def _form_d(**changes: Any) -> dict[str, Any]:
    """The sample e-Form D with nested changes given as 'box/field' paths."""
    document = samples.form_d()
    for path, value in changes.items():
        *parents, last = path.split("__")
        target: Any = document
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return document


def _problems(name: str, document: Any, context: DocumentContext) -> str:
    with pytest.raises(ValidationError) as caught:
        _check(name, document, context)
    return " ".join(caught.value.details["problems"])


@pytest.mark.parametrize(
    ("payload", "text"),
    [
        ('{"a": NaN}', "NaN is not a JSON number"),
        ('{"a": -Infinity}', "-Infinity is not a JSON number"),
        ('{"hs_code": "610910", "hs_code": "999999"}', "'hs_code' appears twice"),
        ('{"a": "\\ud800x"}', "unpaired surrogate"),
        ("[" * 100_000, "nested too deeply"),
    ],
)
def test_payloads_other_parsers_read_differently_are_refused(payload: str, text: str) -> None:
    """Python's json reads NaN, duplicated members (keeping the last) and lone surrogates; a
    partner's parser refuses them or reads the first member: one signed payload, two meanings."""
    with pytest.raises(ValidationError) as caught:
        document_type("atiga-form-d").validate(payload, VN_TH)
    assert text in str(caught.value)


def test_a_form_d_amount_of_nan_is_refused_not_accepted() -> None:
    payload = json.dumps(samples.form_d()).replace('"amount": 18500.0', '"amount": NaN')
    with pytest.raises(ValidationError, match="not a JSON number"):
        document_type("atiga-form-d").validate(payload, VN_TH)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), Path("x"), "\ud800"])
def test_serialising_what_is_not_json_is_a_validation_error(value: Any) -> None:
    with pytest.raises(ValidationError, match="cannot be written as JSON"):
        document_type("risk-alert").serialise({**samples.risk_alert(), "handling": value})


def test_fob_value_is_optional_unless_the_criterion_is_rvc() -> None:
    # Revised box 9 (certificates from 2014): FOB only for RVC; item 2 is CTH.
    cth_without_fob = _form_d(items__1__fob_value=None)
    assert _check("atiga-form-d", cth_without_fob, VN_TH) == cth_without_fob
    rvc_without_fob = _form_d(items__0__fob_value=None)
    assert "/items/0/fob_value: box 9 must show the FOB value because the criterion is RVC" in (
        _problems("atiga-form-d", rvc_without_fob, VN_TH))


def test_asean_membership_is_judged_on_the_certification_date() -> None:
    # Timor-Leste joined on 2025-10-26: a certificate certified before that is not a Form D.
    early = _form_d(issuing_country="TLS", exporter__country="TLS",
                    declaration__origin_country="TLS", declaration__date="2025-10-01",
                    certification__date="2025-10-01", transport__departure_date="2025-10-01")
    tls_th = DocumentContext("TLS", "THA")
    assert "TLS is not an ASEAN member state on 2025-10-01" in (
        _problems("atiga-form-d", early, tls_th))
    member = json.loads(json.dumps(early).replace("2025-10-01", "2025-11-03"))
    assert _check("atiga-form-d", member, tls_th) == member


def test_the_country_of_origin_must_be_an_asean_member() -> None:
    assert "/declaration/origin_country: CHN is not an ASEAN member" in (
        _problems("atiga-form-d", _form_d(declaration__origin_country="CHN"), VN_TH))


@pytest.mark.parametrize(
    ("change", "text"),
    [
        ({"exporter__country": "ZZZ"}, "/exporter/country: ZZZ is not an ISO 3166-1"),
        ({"consignee__country": "XYZ"}, "/consignee/country: XYZ is not an ISO 3166-1"),
        ({"items__0__fob_value__currency": "USX"}, "/items/0/fob_value/currency: USX is not"),
    ],
)
def test_unknown_country_and_currency_codes_are_refused(change: dict[str, Any], text: str) -> None:
    assert text in _problems("atiga-form-d", _form_d(**change), VN_TH)


@pytest.mark.parametrize(
    ("change", "text"),
    [
        # shipped 2026-11-20; certified 10 days later without the box 13 tick
        ({"transport__departure_date": "2026-11-09"}, "tick box 13 'Issued Retroactively'"),
        # more than a year after shipment, even when ticked
        ({"transport__departure_date": "2025-11-18", "flags__issued_retroactively": True},
         "ATIGA allows a retroactive issue up to 2026-11-18"),
        ({"declaration__date": "2026-11-20"}, "/declaration/date: the exporter's declaration"),
        ({"certification__date": "2099-01-01", "declaration__date": "2099-01-01",
          "transport__departure_date": "2099-01-01"}, "2099-01-01 is in the future"),
    ],
)
def test_certificate_dates_follow_atiga_rule_10(change: dict[str, Any], text: str) -> None:
    assert text in _problems("atiga-form-d", _form_d(**change), VN_TH)


def test_a_retroactive_certificate_within_a_year_passes_when_flagged() -> None:
    late = _form_d(transport__departure_date="2026-01-20", flags__issued_retroactively=True)
    assert _check("atiga-form-d", late, VN_TH) == late


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("fob_value_for_rvc_only: {valid_from: 2014-01-01}\n", "retroactive_issue.valid_from"),
        ("retroactive_issue: {valid_from: 2010-05-17, grace_days: three, "
         "latest_years_after_shipment: 1, source: x}\n", "retroactive_issue.grace_days"),
        ("retroactive_issue: {valid_from: 2010-05-17, grace_days: 3, "
         "latest_years_after_shipment: 1, source: x}\nfob_value_for_rvc_only: {source: x}\n",
         "fob_value_for_rvc_only.valid_from"),
    ],
)
def test_a_broken_form_d_rules_file_is_a_catalogue_error(text: str, field: str) -> None:
    from haiquan.errors import CatalogueError
    from haiquan.exchange.documents.form_d import form_d_rules

    with pytest.raises(CatalogueError, match=field.replace(".", r"\.")):
        form_d_rules(text)


@pytest.mark.parametrize(
    ("name", "document", "context", "text"),
    [
        ("origin-verification-request", {**samples.origin_request(), "item_numbers": [1, 1]},
         TH_VN, "non-unique"),
        ("origin-verification-request", {**samples.origin_request(), "requested_on": "2099-01-01",
                                         "reply_due": "2099-04-01"}, TH_VN, "in the future"),
        ("origin-verification-reply", {**samples.origin_reply(), "outcome": "more_time_needed",
                                       "new_reply_due": "2026-12-01"}, VN_TH,
         "/new_reply_due: 2026-12-01 is not after replied_on"),
        ("origin-verification-reply", {**samples.origin_reply(), "outcome": "partially_confirmed",
                                       "confirmed_items": [1, 1]}, VN_TH, "non-unique"),
        ("atiga-form-d-notification", {**samples.form_d_notification(), "utilised_items": [
            {"item_number": 1, "quantity": 600}, {"item_number": 1, "quantity": 600}]}, TH_VN,
         "item 1 appears twice"),
        ("risk-alert", {**samples.risk_alert(), "issued_at": "2026-13-45T99:99:99Z"}, VN_TH,
         "not a real date and time"),
        ("risk-alert", {**samples.risk_alert(), "valid_until": "2026-11-24"}, VN_TH,
         "/valid_until: 2026-11-24 is before the alert was issued"),
        # ISO 6346: a mistyped digit keeps the shape but not the check digit
        ("risk-alert", {**samples.risk_alert(), "shipment": {
            **samples.risk_alert()["shipment"], "container_ids": ["MSCU1234567"]}}, VN_TH,
         "MSCU1234567: the check digit is 7, but ISO 6346 gives 6"),
        ("risk-alert", {**samples.risk_alert(), "shipment": {
            **samples.risk_alert()["shipment"], "container_ids": ["CSQA3054383"]}}, VN_TH,
         "the fourth letter is the equipment category"),
    ],
)
def test_incoherent_verification_notification_and_alert_documents_are_refused(
    name: str, document: dict[str, Any], context: DocumentContext, text: str
) -> None:
    assert text in _problems(name, document, context)
