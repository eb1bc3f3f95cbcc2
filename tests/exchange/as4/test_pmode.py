"""P-Modes are validated when trust.yaml is read; certificates are created, installed and
reported; partner show gives the complete agreement."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from pydantic import ValidationError as PydanticError
from typer.testing import CliRunner

from haiquan.errors import ConfigurationError, ConflictError, InputError
from haiquan.exchange.as4 import As4Agreement, create_key_and_request, install_certificate
from haiquan.exchange.as4.binding import AS4_PATH, add_as4_partner
from haiquan.exchange.as4.views import certificate_report, partner_agreement
from haiquan.exchange.trust import TrustStore

from ..conftest import NodeFactory


def test_defaults_fill_every_document_type(identity: Any) -> None:
    agreement = As4Agreement(party_id="THA", certificate=identity("THA").pem,
                             documents={"risk-alert": {"action": "urn:x:RiskAlert"}})
    assert agreement.leg("risk-alert").action == "urn:x:RiskAlert"
    assert agreement.leg("wco-declaration").mime_type == "application/xml"
    assert agreement.document_for("urn:haiquan:c2c:service", "urn:x:RiskAlert") == "risk-alert"


@pytest.mark.parametrize("change,message", [
    ({"documents": {"no-such-type": {}}}, "not one of"),
    ({"documents": {"risk-alert": {"mime_type": "application/xml"}}}, "does not carry"),
    ({"documents": {"risk-alert": {"version": "9"}}}, "not the version"),
    ({"documents": {"risk-alert": {"action": "a"}, "aeo-operator-list": {"action": "a"}}},
     "apart"),
    ({"certificate": "not a certificate"}, "PEM"),
    ({"security": {"sign": False}}, "sign"),
    ({"unknown": 1}, "unknown"),
])
def test_a_bad_agreement_is_refused(identity: Any, change: dict[str, Any], message: str
                                    ) -> None:
    block = {"party_id": "THA", "certificate": identity("THA").pem, **change}
    with pytest.raises(PydanticError, match=message):
        As4Agreement.model_validate(block)


def test_a_bad_as4_block_in_trust_yaml_is_refused_at_load(tmp_path: Any) -> None:
    path = tmp_path / "trust.yaml"
    path.write_text("partners: {THA: {protocol: as4, endpoint: 'https://ap.example', "
                    "as4: {party_id: THA, certificate: nope}}}\n")
    with pytest.raises(ConfigurationError, match="partners.THA.as4"):
        TrustStore.load(path)
    path.write_text("partners: {THA: {protocol: as4, endpoint: 'https://ap.example'}}\n")
    with pytest.raises(ConfigurationError, match="as4 block"):
        TrustStore.load(path)


def test_key_request_and_ca_issued_certificate(tmp_path: Any, identity: Any) -> None:
    csr_path = create_key_and_request(tmp_path, "VNM", organisation="Viet Nam Customs")
    with pytest.raises(ConflictError):
        create_key_and_request(tmp_path, "VNM")  # a key is never overwritten
    csr = x509.load_pem_x509_csr(csr_path.read_bytes())
    ca = identity("CA", key=3, ca=True, days=400)
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    issued = (x509.CertificateBuilder().subject_name(csr.subject)
              .issuer_name(ca.certificate.subject).public_key(csr.public_key())
              .serial_number(5).not_valid_before(now - timedelta(days=1))
              .not_valid_after(now + timedelta(days=10)).sign(ca.key, hashes.SHA256()))
    with pytest.raises(InputError, match="not for this node"):
        install_certificate(tmp_path, identity("VNM").certificate.public_bytes(
            serialization.Encoding.PEM))
    status = install_certificate(tmp_path, issued.public_bytes(serialization.Encoding.PEM))
    assert status.state == "near-expiry" and status.days_left in (9, 10)
    assert (tmp_path / "as4" / "key.pem").stat().st_mode & 0o777 == 0o600


def test_partner_show_and_status(make_node: NodeFactory, identity: Any) -> None:
    from haiquan.cli import app

    vnm = make_node("VNM")
    tha = identity("THA", days=20)
    add_as4_partner(vnm, "THA", "http://127.0.0.1:9" + AS4_PATH, tha.pem)
    view = partner_agreement(vnm, "THA")
    assert view.protocol == "as4" and view.trust == "pinned certificate"
    assert view.documents is not None and len(view.documents) >= 7
    report = certificate_report(vnm)
    assert report.own is None and report.partners["THA"].state == "near-expiry"
    assert any("THA" in line for line in report.attention)
    result = CliRunner().invoke(app, ["gateway", "partner", "show", "THA", "--home",
                                      str(vnm.home)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    flat = "".join(result.output.split())  # the table folds to the terminal's width
    assert "risk-alert" in flat and "aes128-gcm" in flat and "pinnedcertificate" in flat


def test_a_node_speaks_as_the_party_it_is_set_to(make_node: NodeFactory) -> None:
    """A node on a network naming members by an ISO 6523 id is addressed by that id: a
    message to it under its country code is no longer for it."""
    import json
    import re

    from haiquan.exchange.as4 import codec, node_party, self_sign, set_node_party
    from haiquan.exchange.as4.binding import as4_gateway, ebms_message_id
    from haiquan.exchange.as4.pmode import DEFAULT_PARTY_TYPE, default_leg

    from .. import samples

    gln = "urn:oasis:names:tc:ebcore:partyid-type:iso6523:0088"
    vnm, tha = make_node("VNM"), make_node("THA")
    for node in (vnm, tha):
        self_sign(node.home, node.country)
    assert node_party(tha.home, "THA").party_id == "THA"
    set_node_party(tha.home, "8934567890123", gln)
    add_as4_partner(tha, "VNM", "http://127.0.0.1:9" + AS4_PATH,
                    (vnm.home / "as4" / "certificate.pem").read_text())
    tha_cert = (tha.home / "as4" / "certificate.pem").read_text()
    me = as4_gateway(vnm).me()

    def post(to: tuple[str, str], number: int) -> bytes:
        them = codec.remote_party(to[0], to[1], x509.load_pem_x509_certificate(
            tha_cert.encode()))
        mid = f"party-test-{number:04d}"
        out = codec.build_user_message(
            json.dumps(samples.risk_alert()).encode(), me=me, partner=them,
            leg=default_leg("risk-alert"), message_id=ebms_message_id(mid, "VNM"),
            conversation_id=mid, original_sender="VNM", final_recipient="THA",
            party_type=DEFAULT_PARTY_TYPE)
        return as4_gateway(tha).receive(out.headers, out.body).body

    refused = post(("THA", DEFAULT_PARTY_TYPE), 1)
    assert re.search(rb'errorCode="EBMS:0010"', refused)
    accepted = post(("8934567890123", gln), 2)
    assert b"NonRepudiationInformation" in accepted
    assert [m.message_id for m in tha.inbox()] == ["party-test-0002"]
