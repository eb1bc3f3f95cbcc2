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
    assert len(json_types) == 6
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
                     "full", "delta", "high", "MSCU1234567", "x" * 600, "VN-2026-000123"])
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
