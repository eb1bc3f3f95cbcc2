"""Two haiquan nodes (separate processes, real HTTP on loopback) exchange every document type
over AS4, with signed receipts verified by the sender; refusals are signed ebMS errors and
store nothing."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from haiquan.exchange import DOCUMENT_TYPES, GatewayNode
from haiquan.exchange.as4 import codec, self_sign
from haiquan.exchange.as4.binding import AS4_PATH, add_as4_partner, ebms_message_id
from haiquan.exchange.as4.certificates import NodeCredentials
from haiquan.exchange.as4.pmode import DEFAULT_PARTY_TYPE, default_leg

from ...conftest import require_shared
from .. import samples
from ..conftest import NodeFactory
from ..helpers import wait_delivered

DECLARATIONS = "exchange/wco-dm-3.6-hmrc-cds/samples/declarations"


def _pem(node: GatewayNode) -> str:
    return (node.home / "as4" / "certificate.pem").read_text()


def link_as4(*nodes: GatewayNode) -> None:
    """Every node trusts every other over AS4, pinning its self-signed certificate."""
    for node in nodes:
        self_sign(node.home, node.country)
    for a in nodes:
        for b in nodes:
            if a is not b:
                add_as4_partner(a, b.country, b.config.endpoint + AS4_PATH, _pem(b))


@pytest.fixture
def as4_pair(make_node: NodeFactory, serve: Any) -> tuple[GatewayNode, GatewayNode, str]:
    vnm, tha = make_node("VNM"), make_node("THA")
    link_as4(vnm, tha)
    proc = serve(tha)
    return vnm, tha, proc.url


@pytest.mark.slow
def test_every_document_type_over_as4_both_ways(make_node: NodeFactory, serve: Any) -> None:
    vnm, tha = make_node("VNM"), make_node("THA")
    link_as4(vnm, tha)
    for proc in [serve(node, wait=False) for node in (vnm, tha)]:
        proc.wait_ready()
    declarations = sorted(require_shared(DECLARATIONS).glob("*.xml"))
    plan: list[tuple[GatewayNode, str, object, str]] = [
        (vnm, "atiga-form-d", samples.form_d("VNM", "THA"), "THA"),
        (tha, "atiga-form-d-notification", samples.form_d_notification("VNM"), "VNM"),
        (vnm, "aeo-operator-list", samples.aeo_list(), "THA"),
        (vnm, "aeo-operator-list", samples.aeo_list(delta=True), "THA"),
        (tha, "risk-alert", samples.risk_alert(), "VNM"),
        (tha, "origin-verification-request", samples.origin_request("VNM"), "VNM"),
        (vnm, "origin-verification-reply", samples.origin_reply(), "THA"),
    ] + [(vnm, "wco-declaration", path.read_bytes(), "THA") for path in declarations]
    covered = {p[1] for p in plan}
    assert covered == {n for n in DOCUMENT_TYPES if not n.startswith("transit-")}
    sent = {sender.send(kind, document, receiver=to): (sender, kind, document, to)
            for sender, kind, document, to in plan}
    for sender in (vnm, tha):
        wait_delivered(sender, [m for m, p in sent.items() if p[0] is sender])
    by_country = {n.country: n for n in (vnm, tha)}
    for mid, (sender, kind, document, to) in sent.items():
        detail = sender.message(mid)
        assert detail.state == "delivered"
        proof = detail.receipt_jws or ""
        assert "NonRepudiationInformation" in proof and ebms_message_id(
            mid, sender.country) in proof  # the signed receipt is kept as the proof
        held = by_country[to].message(mid)  # same message id on both sides
        assert held.direction == "in" and held.envelope.document_type == kind
        assert held.envelope.payload_digest == detail.envelope.payload_digest
        if isinstance(document, bytes):
            assert held.envelope.payload == document.decode("utf-8")
        else:
            assert json.loads(held.envelope.payload) == document
        assert "eb3:Messaging" in (held.received_jws or "")  # the signed SOAP header
    assert {m.document_type for m in tha.inbox()} >= {"atiga-form-d", "wco-declaration"}


def _post(url: str, out: codec.OutgoingMessage, body: bytes | None = None) -> bytes:
    answer = httpx.post(url + AS4_PATH, content=out.body if body is None else body,
                        headers=out.headers, timeout=30)
    assert answer.status_code == 200
    return answer.content


def _message(vnm: GatewayNode, tha: GatewayNode, *, mid: str = "as4-test-0001",
             document: Any = None, kind: str = "risk-alert", to: str = "THA",
             encrypt: bool = True) -> codec.OutgoingMessage:
    creds = NodeCredentials.load(vnm.home)
    me = codec.local_party("VNM", DEFAULT_PARTY_TYPE, creds.key, creds.certificate)
    them = NodeCredentials.load(tha.home).certificate
    payload = json.dumps(document if document is not None else samples.risk_alert()).encode()
    return codec.build_user_message(
        payload, me=me, partner=codec.remote_party(to, DEFAULT_PARTY_TYPE, them),
        leg=default_leg(kind), message_id=ebms_message_id(mid, "VNM"), conversation_id=mid,
        original_sender="VNM", final_recipient=to, party_type=DEFAULT_PARTY_TYPE,
        encrypt=encrypt)


def _error(signal: bytes) -> str | None:
    import re

    found = re.search(rb'errorCode="(EBMS:\d{4})"', signal)
    return found.group(1).decode() if found else None


def test_duplicate_is_acknowledged_once_stored(as4_pair: Any) -> None:
    vnm, tha, url = as4_pair
    out = _message(vnm, tha)
    first, again = _post(url, out), _post(url, out)
    for signal in (first, again):
        assert _error(signal) is None and b"NonRepudiationInformation" in signal
    assert [m.message_id for m in tha.inbox()] == ["as4-test-0001"]
    other = _message(vnm, tha, document=dict(samples.risk_alert(), alert_id="OTHER-1"))
    assert _error(_post(url, other)) == "EBMS:0004"  # same id, another document
    assert len(tha.inbox()) == 1


REFUSALS = {
    "tampered header": "EBMS:0101",
    "another party": "EBMS:0010",
    "unknown action": "EBMS:0010",
    "invalid document": "EBMS:0004",
    "doctype": "EBMS:0009",
    "oversized": "EBMS:0004",
    "unencrypted": "EBMS:0103",
    "untrusted signer": "EBMS:0101",
}


def test_refusals_are_signed_ebms_errors_and_store_nothing(as4_pair: Any, tmp_path: Any
                                                           ) -> None:
    vnm, tha, url = as4_pair
    for case, code in REFUSALS.items():
        _refuse(vnm, tha, url, case, code, tmp_path)


def _refuse(vnm: GatewayNode, tha: GatewayNode, url: str, case: str, code: str,
            tmp_path: Any) -> None:
    body = None
    if case == "tampered header":
        out = _message(vnm, tha)
        body = out.body.replace(b"as4-test-0001</eb3:ConversationId>",
                                b"as4-test-0002</eb3:ConversationId>")
        assert body != out.body
    elif case == "another party":
        out = _message(vnm, tha, to="SGP")
    elif case == "unknown action":
        out = _unknown_action(vnm, tha)  # signed as sent: the action itself is unknown
    elif case == "invalid document":
        out = _message(vnm, tha, document={"not": "a risk alert"})
    elif case == "doctype":
        out = _message(vnm, tha)
        body = out.body.replace(b"<S12:Envelope", b'<!DOCTYPE S12:Envelope [<!ENTITY x '
                                b'SYSTEM "file:///etc/passwd">]><S12:Envelope', 1)
    elif case == "oversized":
        out = _message(vnm, tha)
        body = out.body + b" " * (3 * 1_048_576)
    elif case == "unencrypted":
        out = _message(vnm, tha, encrypt=False)
    else:
        stranger = tmp_path / "stranger"
        self_sign(stranger, "VNM")
        creds = NodeCredentials.load(stranger)
        me = codec.local_party("VNM", DEFAULT_PARTY_TYPE, creds.key, creds.certificate)
        them = NodeCredentials.load(tha.home).certificate
        out = codec.build_user_message(
            json.dumps(samples.risk_alert()).encode(), me=me,
            partner=codec.remote_party("THA", DEFAULT_PARTY_TYPE, them),
            leg=default_leg("risk-alert"), message_id="x-0001@vnm.haiquan",
            conversation_id="c-0001", original_sender="VNM", final_recipient="THA",
            party_type=DEFAULT_PARTY_TYPE)
    signal = _post(url, out, body)
    assert _error(signal) == code, case
    # the error is signed by THA's certificate
    reading = codec.read_signal(signal, partner_certificate=NodeCredentials.load(
        tha.home).certificate, message_id=out.message_id, signed_references=[])
    assert reading.error_code == code
    assert tha.inbox() == [], case


def _unknown_action(vnm: GatewayNode, tha: GatewayNode) -> codec.OutgoingMessage:
    creds = NodeCredentials.load(vnm.home)
    me = codec.local_party("VNM", DEFAULT_PARTY_TYPE, creds.key, creds.certificate)
    them = NodeCredentials.load(tha.home).certificate
    leg = default_leg("risk-alert").model_copy(update={"action": "urn:example:unknown"})
    return codec.build_user_message(
        json.dumps(samples.risk_alert()).encode(), me=me,
        partner=codec.remote_party("THA", DEFAULT_PARTY_TYPE, them), leg=leg,
        message_id="x-0002@vnm.haiquan", conversation_id="c-0002", original_sender="VNM",
        final_recipient="THA", party_type=DEFAULT_PARTY_TYPE)


def test_phase4_samples_posted_to_a_node_get_the_right_error(as4_pair: Any) -> None:
    """The malformed phase4 messages, posted as an AS4 request, are answered with the ebMS
    error the sample was written to cause (and valid unsigned ones with PolicyNoncompliance
    or FeatureNotSupported: SOAP 1.1 is not eDelivery AS4)."""
    _, tha, url = as4_pair
    folder = require_shared("exchange/ebms3-samples-phase4")
    expected = {
        # valid ebMS 3.0, but from parties this node has no agreement with
        "soap12/UserMessage12.xml": "EBMS:0010",
        "soap12/test-2023-03-15.xml": "EBMS:0010",
        "soap12/PullRequest12.xml": "EBMS:0009",
        "soap12/UserMessageWithCompressedPayload12.xml": "EBMS:0009",
        "soap11/UserMessage.xml": "EBMS:0002",
        "soap11/BundledMessage.xml": "EBMS:0002",
        "soap11/NoMessaging.xml": "EBMS:0009",
        "soap11/EmptyMessaging.xml": "EBMS:0009",
        "soap11/MessageInfoIDMissing.xml": "EBMS:0009",
    }
    for name, code in expected.items():
        soap = (folder / name).read_bytes()
        boundary = "haiquan-test-boundary"
        body = (f"--{boundary}\r\nContent-Type: application/soap+xml; charset=UTF-8\r\n\r\n"
                ).encode() + soap + (
            f"\r\n--{boundary}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-ID: <payload@example.com>\r\n\r\n").encode() + b"payload" + (
            f"\r\n--{boundary}--\r\n").encode()
        answer = httpx.post(url + AS4_PATH, content=body, headers={
            "Content-Type": f'multipart/related; type="application/soap+xml"; '
                            f'boundary="{boundary}"'}, timeout=30)
        assert _error(answer.content) == code, (name, answer.content[:2000])
    assert tha.inbox() == []


@pytest.mark.slow
def test_refused_message_fails_with_the_reason_then_requeue_delivers(
        make_node: NodeFactory, serve: Any, tmp_path: Any) -> None:
    """An ebMS error makes the message failed (the partner's reason kept); once the cause is
    fixed, requeue delivers it. A partner that cannot be reached keeps it pending."""
    vnm, tha = make_node("VNM"), make_node("THA")
    link_as4(vnm, tha)
    stranger = tmp_path / "stranger"
    self_sign(stranger, "VNM")
    right = _pem(vnm)
    add_as4_partner(tha, "VNM", vnm.config.endpoint + AS4_PATH,
                    (stranger / "as4" / "certificate.pem").read_text())  # THA pins the wrong one
    mid = vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    vnm.dispatch_until_idle()  # THA is not running: unreachable, stays pending
    assert vnm.message(mid).state == "pending"
    serve(tha)
    deadline = time.monotonic() + 120
    while vnm.message(mid).state == "pending":  # probed, then sent when THA answers
        assert time.monotonic() < deadline, vnm.message(mid)
        vnm.dispatch_once()
        time.sleep(0.2)
    failed = vnm.message(mid)
    assert failed.state == "failed" and "EBMS:0101" in (failed.last_error or "")
    add_as4_partner(tha, "VNM", vnm.config.endpoint + AS4_PATH, right)  # fixed on THA's side
    assert vnm.requeue([mid]) == 1
    deadline = time.monotonic() + 120
    while vnm.message(mid).state != "delivered":  # this test is VNM's only dispatcher
        assert time.monotonic() < deadline, vnm.message(mid)
        vnm.dispatch_once()
        time.sleep(0.2)
    assert [m.message_id for m in tha.inbox()] == [mid]


def test_a_silent_partner_holds_the_batch_after_the_first_timeouts(make_node: NodeFactory
                                                                   ) -> None:
    """A partner that accepts connections and never answers costs one timeout, not one per
    queued message: the rest is held for the circuit's probe, nothing lost."""
    import socket

    vnm, tha = make_node("VNM", request_timeout_seconds=1.0), make_node("THA")
    link_as4(vnm, tha)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        port = silent.getsockname()[1]
        add_as4_partner(vnm, "THA", f"http://127.0.0.1:{port}{AS4_PATH}", _pem(tha))
        ids = vnm.send_many("risk-alert", [dict(samples.risk_alert(), alert_id=f"RA-{i:04d}")
                                           for i in range(24)], receiver="THA")
        started = time.monotonic()
        report = vnm.dispatch_once()
        took = time.monotonic() - started
    assert "THA" in report.unreachable
    assert took < 4.0, f"{took:.1f} s: each message waited for its own timeout"
    assert {vnm.message(m).state for m in ids} == {"pending"}
    assert "THA" in vnm.partners_down
