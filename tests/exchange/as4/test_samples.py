"""ebMS messages written by another AS4 implementation (phase4's test resources) read the way
haiquan's receiver reads them: valid ones parsed and valid against the OASIS ebMS 3.0 header
schema, malformed ones answered with the ebMS error phase4's authors meant them to cause."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from haiquan.exchange.as4.ebms import EbmsProblem, inspect_messaging

SAMPLES = "exchange/ebms3-samples-phase4"
XSD = "exchange/oasis-ebms3-as4-xsd"

#: file -> what haiquan finds: a kind of message, or the ebMS error answered.
EXPECTED = {
    "soap11/UserMessage.xml": ("user", "UUID-1@requester.example.com"),
    "soap11/UserMessageResponse.xml": ("user", "UUID-2@responder.example.com"),
    "soap11/ReceiptMessage.xml": ("receipt", "uiwtoruiopwr2543890@b.example.com"),
    "soap11/ErrorMessage.xml": ("error", "UUID-2@receiver.example.com"),
    "soap11/PullRequest.xml": ("pull", "UUID-2@initiator.example.com"),
    "soap12/UserMessage12.xml": ("user", "2011-921@5209999001264.example.com"),
    "soap12/test-2023-03-15.xml": ("user", "49267c79-d822-45d9-aa91-c57b3ca508db"),
    "soap11/BundledMessage.xml": "EBMS:0002",  # three units in one header: not in AS4
    "soap11/EmptyMessaging.xml": "EBMS:0009",
    "soap11/NoMessaging.xml": "EBMS:0009",
    "soap11/UserMessage-no-soap.xml": "EBMS:0009",
    "soap11/MessageInfoMissing.xml": "EBMS:0009",
    "soap11/MessageInfoIDMissing.xml": "EBMS:0009",
    "soap11/MessageInfoImaginaryTimestamp.xml": "EBMS:0009",
    "soap12/PullRequest12.xml": "EBMS:0009",  # a namespace URI broken over two lines
    "soap12/UserMessageWithCompressedPayload12.xml": "EBMS:0009",  # Property tags not closed
}


def _paths() -> tuple[Path, Path]:
    from tests.conftest import require_shared as need

    return need(SAMPLES), need(XSD)


def test_every_sample_is_covered() -> None:
    samples, _ = _paths()
    found = {str(p.relative_to(samples)) for p in samples.glob("*/*.xml")}
    assert found == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample(name: str) -> None:
    samples, xsd = _paths()
    data = (samples / name).read_bytes()
    expected = EXPECTED[name]
    if isinstance(expected, str):
        with pytest.raises(EbmsProblem) as caught:
            inspect_messaging(data, xsd)
        assert caught.value.code == expected
        return
    found = inspect_messaging(data, xsd)
    assert (found.kind, found.message_id) == expected


def test_valid_samples_validate_against_the_oasis_schema_alone() -> None:
    """The schema check itself, without haiquan's reading: each valid header is valid."""
    samples, xsd = _paths()
    schema = etree.XMLSchema(etree.parse(str(xsd / "ebms3-bundle.xsd")))
    for name, expected in EXPECTED.items():
        if isinstance(expected, tuple):
            root = etree.parse(str(samples / name)).getroot()
            header = root.find("{*}Header/{http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/"
                               "core/200704/}Messaging")
            assert header is not None and schema.validate(header), name
