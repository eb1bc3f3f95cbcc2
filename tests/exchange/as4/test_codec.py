"""The eDelivery AS4 codec: sign + compress + encrypt and back, receipts checked against the
digests sent, and every refusal answered with its ebMS error."""

from __future__ import annotations

import gzip
import re
from typing import Any

import pytest
from as4.errors import ReceiptVerificationError, UntrustedSignerError
from cryptography import x509

from haiquan.exchange.as4 import codec
from haiquan.exchange.as4.ebms import EbmsProblem, delivery_outcome
from haiquan.exchange.as4.pmode import DEFAULT_PARTY_TYPE, default_leg


@pytest.fixture
def pair(identity: Any) -> tuple[Any, Any]:
    return identity("VNM", key=0), identity("THA", key=1)


def _send(sender: Any, receiver: Any, payload: bytes = b'{"alert": 1}', *,
          document: str = "risk-alert", encrypt: bool = True,
          message_id: str = "m-000001@vnm.haiquan") -> codec.OutgoingMessage:
    return codec.build_user_message(
        payload, me=sender.me(), partner=receiver.them(), leg=default_leg(document),
        message_id=message_id, conversation_id="conv-1", original_sender=sender.country,
        final_recipient=receiver.country, party_type=DEFAULT_PARTY_TYPE, encrypt=encrypt)


def _pinned(cert: x509.Certificate) -> Any:
    def check(embedded: x509.Certificate | None) -> x509.Certificate:
        if embedded != cert:
            raise UntrustedSignerError("not the pinned certificate")
        return cert
    return check


def _read(out: codec.OutgoingMessage, receiver: Any, sender_cert: x509.Certificate, *,
          body: bytes | None = None, encrypt_required: bool = True, limit: int = 1 << 20
          ) -> codec.IncomingDocument:
    return codec.read_user_message(out.headers, out.body if body is None else body,
                                   me=receiver.me(), signer=_pinned(sender_cert),
                                   encrypt_required=encrypt_required, max_payload_bytes=limit)


@pytest.mark.parametrize("document,payload", [
    ("risk-alert", '{"title": "Tiếng Việt ✓"}'.encode()),
    ("wco-declaration", b"<Declaration xmlns='urn:wco:datamodel:WCO:DEC-DMS:2'/>"),
])
def test_round_trip_with_receipt(pair: Any, document: str, payload: bytes) -> None:
    vnm, tha = pair
    out = _send(vnm, tha, payload, document=document)
    assert b"application/soap+xml" in out.body and payload not in out.body  # encrypted
    incoming = _read(out, tha, vnm.certificate)
    assert incoming.payload == payload
    assert incoming.message_id == "m-000001@vnm.haiquan"
    assert incoming.action == default_leg(document).action
    assert incoming.from_party == ("VNM", DEFAULT_PARTY_TYPE)
    assert incoming.properties == {"originalSender": "VNM", "finalRecipient": "THA"}
    assert incoming.mime_type == default_leg(document).mime_type
    _, signal = codec.build_receipt(incoming, tha.me())
    reading = codec.read_signal(signal, partner_certificate=tha.certificate,
                                message_id=out.message_id, signed_references=out.signed_references)
    assert reading.error_code is None and "NonRepudiationInformation" in reading.proof


def test_receipt_must_acknowledge_the_digests_sent(pair: Any) -> None:
    vnm, tha = pair
    first, second = _send(vnm, tha, b'{"a": 1}'), _send(vnm, tha, b'{"a": 2}')
    _, signal = codec.build_receipt(_read(second, tha, vnm.certificate), tha.me())
    with pytest.raises(ReceiptVerificationError):
        codec.read_signal(signal, partner_certificate=tha.certificate,
                          message_id=first.message_id, signed_references=first.signed_references)


def test_receipt_signed_by_another_certificate_is_refused(pair: Any, identity: Any) -> None:
    vnm, tha = pair
    out = _send(vnm, tha)
    _, signal = codec.build_receipt(_read(out, tha, vnm.certificate), tha.me())
    other = identity("THA", key=2)
    with pytest.raises(ReceiptVerificationError):
        codec.read_signal(signal, partner_certificate=other.certificate,
                          message_id=out.message_id, signed_references=out.signed_references)


def test_tampered_receipt_is_refused(pair: Any) -> None:
    vnm, tha = pair
    out = _send(vnm, tha)
    _, signal = codec.build_receipt(_read(out, tha, vnm.certificate), tha.me())
    forged = re.sub(rb"<eb3:Timestamp>[^<]+", b"<eb3:Timestamp>2020-01-01T00:00:00Z", signal)
    assert forged != signal
    with pytest.raises(ReceiptVerificationError):
        codec.read_signal(forged, partner_certificate=tha.certificate,
                          message_id=out.message_id, signed_references=out.signed_references)


def test_error_signal_is_read_and_mapped(pair: Any) -> None:
    vnm, tha = pair
    out = _send(vnm, tha)
    _, signal = codec.build_error_signal(EbmsProblem("EBMS:0101", "not trusted"), tha.me(),
                                         out.message_id)
    reading = codec.read_signal(signal, partner_certificate=tha.certificate,
                                message_id=out.message_id, signed_references=out.signed_references)
    assert reading.error_code == "EBMS:0101" and "not trusted" in reading.error_detail
    assert delivery_outcome("EBMS:0101") == "failed"
    assert delivery_outcome("EBMS:0202") == "retry"


def _problem(call: Any) -> str:
    with pytest.raises(EbmsProblem) as caught:
        call()
    return caught.value.code


def test_tampered_header_is_failed_authentication(pair: Any) -> None:
    vnm, tha = pair
    out = _send(vnm, tha)
    body = out.body.replace(b"conv-1", b"conv-2")
    assert _problem(lambda: _read(out, tha, vnm.certificate, body=body)) == "EBMS:0101"


def test_tampered_payload_is_refused(pair: Any) -> None:
    vnm, tha = pair
    out = _send(vnm, tha, b'{"a": "' + b"x" * 200 + b'"}')
    cut = out.body.rindex(b"\r\n--")
    body = out.body[:cut - 20] + bytes([out.body[cut - 20] ^ 1]) + out.body[cut - 19:]
    assert _problem(lambda: _read(out, tha, vnm.certificate, body=body)) in (
        "EBMS:0102", "EBMS:0101")


def test_untrusted_signer_is_failed_authentication(pair: Any, identity: Any) -> None:
    vnm, tha = pair
    out = _send(identity("VNM", key=2), tha)
    assert _problem(lambda: _read(out, tha, vnm.certificate)) == "EBMS:0101"


def test_unencrypted_where_required_is_policy_noncompliance(pair: Any) -> None:
    vnm, tha = pair
    out = _send(vnm, tha, encrypt=False)
    assert _problem(lambda: _read(out, tha, vnm.certificate)) == "EBMS:0103"
    # where the agreement allows it, the same message is accepted
    assert _read(out, tha, vnm.certificate, encrypt_required=False).payload == b'{"alert": 1}'


def test_doctype_is_refused_before_anything_is_parsed(pair: Any) -> None:
    vnm, tha = pair
    out = _send(vnm, tha)
    body = out.body.replace(b"<S12:Envelope", b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/'
                            b'passwd">]><S12:Envelope', 1)
    assert _problem(lambda: _read(out, tha, vnm.certificate, body=body)) == "EBMS:0009"


def test_decompression_bomb_is_refused(pair: Any) -> None:
    vnm, tha = pair
    out = _send(vnm, tha, b"{" + b" " * 200_000 + b"}")
    assert _problem(lambda: _read(out, tha, vnm.certificate, limit=1000)) == "EBMS:0303"
    assert len(gzip.compress(b" " * 200_000)) < 1000  # it was small on the wire


def test_expired_partner_certificate_is_refused(identity: Any) -> None:
    from datetime import UTC, datetime

    from haiquan.exchange.as4.certificates import partner_signer_check
    from haiquan.exchange.as4.pmode import As4Agreement

    old = identity("VNM", key=0, days=-1, starts=-10)
    check = partner_signer_check(As4Agreement(party_id="VNM", certificate=old.pem))
    with pytest.raises(UntrustedSignerError, match="validity"):
        check(old.certificate, datetime.now(UTC))


def test_ca_trust_checks_issuer_validity_and_revocation(identity: Any, tmp_path: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from cryptography.hazmat.primitives import hashes, serialization

    from haiquan.exchange.as4.certificates import partner_signer_check
    from haiquan.exchange.as4.pmode import As4Agreement

    ca = identity("CA", key=3, ca=True, days=100)
    leaf = identity("VNM", key=0, issuer=ca, serial=77)
    stranger = identity("VNM", key=1)
    crl_path = tmp_path / "ca.crl"
    now = datetime.now(UTC)
    builder = (x509.CertificateRevocationListBuilder().issuer_name(ca.certificate.subject)
               .last_update(now).next_update(now + timedelta(days=1)))
    crl_path.write_bytes(builder.sign(ca.key, hashes.SHA256()).public_bytes(
        serialization.Encoding.PEM))
    agreement = As4Agreement(party_id="VNM", certificate=leaf.pem, ca_certificates=[ca.pem],
                             crl_file=str(crl_path))
    check = partner_signer_check(agreement)
    assert check(leaf.certificate, now) == leaf.certificate
    with pytest.raises(UntrustedSignerError):
        check(stranger.certificate, now)
    revoked = (x509.RevokedCertificateBuilder().serial_number(77).revocation_date(now).build())
    crl_path.write_bytes(builder.add_revoked_certificate(revoked).sign(
        ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
    import os
    os.utime(crl_path, ns=(1, 2))  # a new CRL is read again even within the same second
    with pytest.raises(UntrustedSignerError, match="revoked"):
        check(leaf.certificate, now)


def _wrap_messaging(soap: bytes, change: Any) -> bytes:
    """XML signature wrapping: the signed eb:Messaging moved into another header block, a
    forged copy (``change`` applied) put in its place."""
    import copy

    from lxml import etree

    eb = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/"
    root = etree.fromstring(soap)
    header = root.find("{http://www.w3.org/2003/05/soap-envelope}Header")
    signed = header.find(f"{{{eb}}}Messaging")
    forged = copy.deepcopy(signed)
    forged.set("{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-"
               "1.0.xsd}Id", "forged")
    change(forged, eb)
    header.replace(signed, forged)
    etree.SubElement(header, "{urn:example:wrapper}Wrapper").append(signed)
    return bytes(etree.tostring(root))


def test_signature_wrapping_of_the_header_is_refused(pair: Any) -> None:
    """A captured message replayed under a new MessageId, its signed header hidden in another
    header block, must not verify (it would pass the duplicate check)."""
    vnm, tha = pair
    out = _send(vnm, tha)
    soap, _ = codec.unpack(out.headers, out.body)

    def new_id(forged: Any, eb: str) -> None:
        forged.find(f".//{{{eb}}}MessageId").text = "replayed-2@vnm.haiquan"

    body = out.body.replace(soap, _wrap_messaging(soap, new_id))
    assert _problem(lambda: _read(out, tha, vnm.certificate, body=body)) == "EBMS:0101"


def test_signature_wrapping_of_a_signal_is_refused(pair: Any) -> None:
    """A genuine signed signal rewrapped to answer another message proves nothing."""
    vnm, tha = pair
    first, second = _send(vnm, tha, b'{"a": 1}'), _send(vnm, tha, b'{"a": 2}',
                                                         message_id="m-000002@vnm.haiquan")
    _, signal = codec.build_error_signal(EbmsProblem("EBMS:0004", "refused"), tha.me(),
                                         first.message_id)

    def retarget(forged: Any, eb: str) -> None:
        for element in forged.iter(f"{{{eb}}}RefToMessageId"):
            element.text = second.message_id
        forged.find(f".//{{{eb}}}Error").set("refToMessageInError", second.message_id)

    wrapped = _wrap_messaging(signal, retarget)
    with pytest.raises(ReceiptVerificationError):
        codec.read_signal(wrapped, partner_certificate=tha.certificate,
                          message_id=second.message_id,
                          signed_references=second.signed_references)
