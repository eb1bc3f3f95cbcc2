"""haiquan's AS4 security checked by an XML security implementation haiquan did not write:
libxmlsec1 (through python-xmlsec). It verifies haiquan's signed receipts and error signals
and unwraps the RSA-OAEP session key of a haiquan message; and haiquan verifies a receipt whose
signature libxmlsec1 made. (libxmlsec1 has no SwA Attachment-Content-Signature-Transform, so
it cannot check a user message's signature over its payload part.)"""

from __future__ import annotations

import gzip
from typing import Any

import pytest
from as4.errors import ReceiptVerificationError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

from haiquan.exchange.as4 import codec
from haiquan.exchange.as4.ebms import EbmsProblem
from haiquan.exchange.as4.pmode import DEFAULT_PARTY_TYPE, default_leg

xmlsec = pytest.importorskip("xmlsec", reason="python-xmlsec (test extra) is not installed")

DS = "http://www.w3.org/2000/09/xmldsig#"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
PAYLOAD = b'{"alert": "interop"}'


@pytest.fixture
def exchange(identity: Any) -> tuple[Any, Any, codec.OutgoingMessage, codec.IncomingDocument]:
    vnm, tha = identity("VNM", key=0), identity("THA", key=1)
    out = codec.build_user_message(
        PAYLOAD, me=vnm.me(), partner=tha.them(), leg=default_leg("risk-alert"),
        message_id="interop-1@vnm.haiquan", conversation_id="interop-1",
        original_sender="VNM", final_recipient="THA", party_type=DEFAULT_PARTY_TYPE)
    incoming = codec.read_user_message(out.headers, out.body, me=tha.me(),
                                       signer=lambda cert: vnm.certificate,
                                       max_payload_bytes=1 << 20)
    return vnm, tha, out, incoming


def _pem(identity: Any) -> bytes:
    return identity.certificate.public_bytes(serialization.Encoding.PEM)


def _xmlsec_verify(xml: bytes, signer: Any) -> None:
    root = etree.fromstring(xml)
    xmlsec.tree.add_ids(root, ["Id"])
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_memory(_pem(signer), xmlsec.constants.KeyDataFormatCertPem)
    context.verify(xmlsec.tree.find_node(root, xmlsec.constants.NodeSignature))


def test_libxmlsec_verifies_a_haiquan_receipt_and_error(exchange: Any) -> None:
    vnm, tha, out, incoming = exchange
    _, receipt = codec.build_receipt(incoming, tha.me())
    _xmlsec_verify(receipt, tha)
    _, error = codec.build_error_signal(EbmsProblem("EBMS:0004", "refused"), tha.me(),
                                        out.message_id)
    _xmlsec_verify(error, tha)
    forged = receipt.replace(b"interop-1@vnm.haiquan", b"interop-2@vnm.haiquan")
    with pytest.raises(xmlsec.Error):
        _xmlsec_verify(forged, tha)
    with pytest.raises(xmlsec.Error):
        _xmlsec_verify(receipt, vnm)  # not VNM's signature


def test_libxmlsec_unwraps_the_session_key_of_a_haiquan_message(exchange: Any) -> None:
    _, tha, out, _ = exchange
    soap, attachments = codec.unpack(out.headers, out.body)
    encrypted_key = etree.fromstring(soap).find(".//{http://www.w3.org/2001/04/xmlenc#}"
                                                "EncryptedKey")
    context = xmlsec.EncryptionContext()
    context.key = xmlsec.Key.from_memory(
        tha.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()), xmlsec.constants.KeyDataFormatPem)
    session_key = context.decrypt(encrypted_key)  # RSA-OAEP, MGF1-SHA-256, as declared
    sealed = next(iter(attachments.values()))
    assert gzip.decompress(AESGCM(session_key).decrypt(sealed[:12], sealed[12:], None)) == PAYLOAD


def _resign_with_xmlsec(receipt: bytes, signer: Any) -> bytes:
    """The receipt with its ds:Signature replaced by one libxmlsec1 makes: exclusive C14N,
    RSA-SHA256, SHA-256 references to eb:Messaging and the SOAP body."""
    root = etree.fromstring(receipt)
    security = root.find(f".//{{{WSSE}}}Security")
    old = security.find(f"{{{DS}}}Signature")
    token = old.find(f".//{{{WSSE}}}Reference").get("URI")
    security.remove(old)
    signature = xmlsec.template.create(root, xmlsec.constants.TransformExclC14N,
                                       xmlsec.constants.TransformRsaSha256)
    ids = [e.get(f"{{{WSU}}}Id") for e in root.iter() if e.get(f"{{{WSU}}}Id")
           and etree.QName(e).localname in ("Messaging", "Body")]
    assert len(ids) == 2
    for target in ids:
        ref = xmlsec.template.add_reference(signature, xmlsec.constants.TransformSha256,
                                            uri="#" + target)
        xmlsec.template.add_transform(ref, xmlsec.constants.TransformExclC14N)
    key_info = xmlsec.template.ensure_key_info(signature)
    reference = etree.SubElement(etree.SubElement(key_info, f"{{{WSSE}}}SecurityTokenReference"),
                                 f"{{{WSSE}}}Reference")
    reference.set("URI", token)
    reference.set("ValueType", "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-"
                  "token-profile-1.0#X509v3")
    security.append(signature)
    xmlsec.tree.add_ids(root, ["Id"])
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_memory(
        signer.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()), xmlsec.constants.KeyDataFormatPem)
    context.sign(signature)
    return bytes(etree.tostring(root))


def test_haiquan_verifies_a_receipt_signed_by_libxmlsec(exchange: Any) -> None:
    vnm, tha, out, incoming = exchange
    _, receipt = codec.build_receipt(incoming, tha.me())
    signed = _resign_with_xmlsec(receipt, tha)
    assert signed != receipt
    reading = codec.read_signal(signed, partner_certificate=tha.certificate,
                                message_id=out.message_id,
                                signed_references=out.signed_references)
    assert reading.error_code is None
    stamp = signed.index(b"Timestamp>") + len(b"Timestamp>")
    altered = signed[:stamp] + b"1999" + signed[stamp + 4:]  # the signed header changed
    wrong_key = _resign_with_xmlsec(receipt, vnm)  # signed by a key that is not THA's
    for bad in (altered, wrong_key):
        with pytest.raises(ReceiptVerificationError):
            codec.read_signal(bad, partner_certificate=tha.certificate,
                              message_id=out.message_id, signed_references=out.signed_references)
