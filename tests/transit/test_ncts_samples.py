"""Every NCTS sample of HMRC's validator is accepted or refused as its name says.

The folder's XSDs are version 60.4.16 (NCTS phase 6) while five "valid" samples were written for
phase 5: the phase 6 schemas refuse them for elements phase 6 changed. Those five are listed with
the element each trips on, so the test fails if the schemas or the samples change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from haiquan.errors import UnknownCodeError, ValidationError
from haiquan.transit import check_ncts_message

from ..conftest import require_shared

FOLDER = "exchange/ncts-p5-xsd-hmrc"

#: Phase 5 samples refused by the phase 6 (60.4.16) schemas, and the element that changed.
PHASE5_ONLY = {
    "cc007c-valid-xi.xml": "incidentFlag",        # incidents left the arrival notification
    "cc013c-valid-mrn.xml": "amountToBeCovered",  # the guarantee amount became required
    "cc025c-valid.xml": "GoodsMeasure",           # every commodity now states its measures
    "cc029c-valid.xml": "countryOfDispatch",      # lower-case country codes no longer pass
    "cc043c-valid.xml": "GoodsMeasure",
}


def _samples() -> list[Path]:
    return sorted((require_shared(FOLDER) / "samples").glob("*.xml"))


def test_there_are_32_samples() -> None:
    assert len(_samples()) == 32


@pytest.mark.parametrize("name", [
    "cc007c-invalid-message-sender.xml", "cc007c-invalid-recipient.xml",
    "cc007c-invalid-ref-office.xml", "cc007c-invalid-reference.xml", "cc007c-invalid.xml",
    "cc007c-tooManyNodes.xml", "cc007c-valid-xi.xml", "cc007c-valid.xml",
    "cc013c-invalid-both-mrn-and-lrn.xml", "cc013c-invalid-message-sender.xml",
    "cc013c-invalid-no-mrn-lrn.xml", "cc013c-invalid.xml", "cc013c-valid-mrn.xml",
    "cc013c-valid.xml", "cc014c-invalid-message-sender.xml", "cc014c-invalid.xml",
    "cc014c-valid.xml", "cc015c-invalid-lrn.xml", "cc015c-invalid-message-sender.xml",
    "cc015c-invalid-reference-departure.xml", "cc015c-invalid.xml", "cc015c-valid-2.xml",
    "cc015c-valid.xml", "cc025c-valid.xml", "cc029c-valid.xml", "cc043c-valid.xml",
    "cc044c-invalid-message-sender.xml", "cc044c-invalid.xml", "cc044c-valid.xml",
    "cc170c-invalid-message-sender.xml", "cc170c-invalid.xml", "cc170c-valid.xml",
])
def test_sample_accepted_or_refused_as_named(name: str) -> None:
    path = require_shared(FOLDER) / "samples" / name
    check = check_ncts_message(path.read_bytes())
    assert check.message_type == name.split("-")[0].upper()
    if name in PHASE5_ONLY:
        assert not check.valid
        assert any(PHASE5_ONLY[name] in p for p in check.problems), check.problems
    elif "-invalid" in name or "tooManyNodes" in name:
        assert not check.valid, f"{name} should be refused"
        assert all(p.startswith("/ncts:") for p in check.problems)
    else:
        assert check.valid, check.problems


def test_a_declaration_with_a_missing_office_is_refused_with_its_path() -> None:
    text = (require_shared(FOLDER) / "samples" / "cc015c-valid.xml").read_text()
    broken = text.replace("<CustomsOfficeOfDeparture>\n        <referenceNumber>GB3KMA8M"
                          "</referenceNumber>\n    </CustomsOfficeOfDeparture>", "")
    assert broken != text
    check = check_ncts_message(broken)
    assert not check.valid and "CustomsOfficeOfDeparture" in " ".join(check.problems)


def test_not_xml_and_not_ncts_are_refused_clearly() -> None:
    require_shared(FOLDER)
    with pytest.raises(ValidationError, match="not well-formed"):
        check_ncts_message("<CC015C>")
    with pytest.raises(UnknownCodeError, match="not an NCTS message"):
        check_ncts_message("<Declaration xmlns='urn:x'/>")
    with pytest.raises(UnknownCodeError, match="no schema for CC999C"):
        check_ncts_message("<CC999C xmlns='http://ncts.dgtaxud.ec'/>")
