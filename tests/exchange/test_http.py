"""Three real nodes on loopback (separate processes, real HTTP) exchange every document type."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import httpx
import pytest

from haiquan.exchange import DOCUMENT_TYPES, GatewayNode

from ..conftest import require_shared
from . import samples
from .conftest import NodeFactory, link
from .helpers import wait_delivered
from .test_receiver import envelope, sign

DECLARATIONS = "exchange/wco-dm-3.6-hmrc-cds/samples/declarations"


@pytest.mark.slow
def test_every_document_type_round_trips_between_three_nodes(make_node: NodeFactory,
                                                             serve) -> None:
    vnm, tha, mys = make_node("VNM"), make_node("THA"), make_node("MYS", algorithm="ES256")
    link(vnm, tha, mys)
    for proc in [serve(node, wait=False) for node in (vnm, tha, mys)]:
        proc.wait_ready()
    declarations = sorted(require_shared(DECLARATIONS).glob("*.xml"))
    assert len(declarations) == 5
    plan: list[tuple[GatewayNode, str, object, str]] = [
        (vnm, "atiga-form-d", samples.form_d("VNM", "THA"), "THA"),
        (mys, "atiga-form-d", samples.form_d("MYS", "VNM", ref="MY-2026-000042"), "VNM"),
        (tha, "atiga-form-d-notification", samples.form_d_notification("VNM"), "VNM"),
        (vnm, "aeo-operator-list", samples.aeo_list(), "THA"),
        (vnm, "aeo-operator-list", samples.aeo_list(delta=True), "THA"),
        (mys, "risk-alert", samples.risk_alert(), "THA"),
        (tha, "origin-verification-request", samples.origin_request("VNM"), "VNM"),
        (vnm, "origin-verification-reply", samples.origin_reply(), "THA"),
    ] + [(vnm, "wco-declaration", path.read_bytes(), "MYS") for path in declarations]
    # The transit-* messages travel between real nodes in tests/transit/test_gateway_nodes.py.
    assert {p[1] for p in plan} == {n for n in DOCUMENT_TYPES if not n.startswith("transit-")}
    sent: dict[str, tuple[GatewayNode, str, object, str]] = {}
    for sender, doc_type, document, receiver in plan:
        sent[sender.send(doc_type, document, receiver=receiver)] = (sender, doc_type, document,
                                                                    receiver)
    for sender in (vnm, tha, mys):
        wait_delivered(sender, [m for m, p in sent.items() if p[0] is sender])

    by_country = {n.country: n for n in (vnm, tha, mys)}
    for mid, (sender, _type, document, receiver) in sent.items():
        detail = sender.message(mid)
        assert detail.state == "delivered" and detail.receipt_jws
        # The receipt verifies with the receiver's trusted key and names this exact payload.
        verified = sender.trust.verify(detail.receipt_jws)
        assert verified.partner == receiver
        entries = json.loads(verified.payload)["results"]
        receipt = next(e for e in entries if e["message_id"] == mid)
        assert receipt["type"] == "receipt" and receipt["status"] == "accepted"
        assert receipt["payload_digest"] == detail.envelope.payload_digest
        # The receiver holds the document exactly as sent, and the sender's signature on it.
        held = by_country[receiver].message(mid)
        assert held.direction == "in" and held.envelope == detail.envelope
        assert held.received_jws and by_country[receiver].trust.verify(held.received_jws)
        if isinstance(document, bytes):
            assert held.envelope.payload == document.decode("utf-8")
        else:
            assert json.loads(held.envelope.payload) == document

    thai_inbox = tha.inbox()
    assert {m.document_type for m in thai_inbox} == {
        "atiga-form-d", "aeo-operator-list", "risk-alert", "origin-verification-reply"}
    assert tha.acknowledge([m.message_id for m in thai_inbox[:2]]) == 2
    assert [m.seq for m in tha.inbox()] == [m.seq for m in thai_inbox[2:]]
    assert tha.inbox(after=thai_inbox[-1].seq) == []


def test_the_http_edge_answers_with_signed_errors(make_node: NodeFactory, serve) -> None:
    vnm, tha = make_node("VNM"), make_node("THA", max_payload_bytes=1000, max_batch=5)
    link(vnm, tha)
    proc = serve(tha)
    url = proc.url + "/exchange/v1/messages"
    too_big = b'{"messages": ["' + b"x" * (tha.receiver.max_request_bytes + 10) + b'"]}'
    json_type = {"content-type": "application/json"}
    cases = [
        (b"{not json", json_type, 400, "bad_input"),
        (b'{"messages": "x"}', json_type, 400, "bad_input"),
        (b"<xml/>", {"content-type": "application/xml"}, 400, "bad_input"),
        (too_big, json_type, 413, "payload_too_large"),  # refused on its Content-Length
        (iter([too_big[:20000], too_big[20000:]]), json_type, 413, "payload_too_large"),  # chunked
    ]
    for body, headers, status, code in cases:
        response = httpx.post(url, headers=headers, content=body)
        assert response.status_code == status, response.text
        answer = response.json()
        assert answer["error"]["code"] == code
        signed = json.loads(vnm.trust.verify(answer["jws"]).payload)
        assert signed["error"]["code"] == code and signed["receiver"] == "THA"
    jwks = httpx.get(proc.url + "/.well-known/jwks.json").json()
    assert [k["kid"] for k in jwks["keys"]] == [tha.keyring.active.kid]
    about = httpx.get(proc.url + "/exchange/v1/node").json()
    assert about["country"] == "THA" and len(about["document_types"]) == len(DOCUMENT_TYPES)
    assert tha.inbox() == []

    # Attacks over real HTTP: each envelope of the batch is refused on its own, in order, and
    # the batch result is signed by THA.
    good = envelope(payload=json.dumps(samples.risk_alert()), document_type="risk-alert")
    header, _, signature = sign(vnm, good).split(".")
    forged = base64.urlsafe_b64encode(envelope().to_json().encode()).rstrip(b"=").decode()
    batch = [
        good.to_json(),  # unsigned
        f"{header}.{forged}.{signature}",  # tampered
        sign(vnm, envelope(receiver="MYS")),  # wrong receiver
        sign(vnm, good, iat=int(time.time()) - 3600),  # replay outside the window
        sign(vnm, good),  # the genuine one
    ]
    answer = httpx.post(url, json={"messages": batch}).json()
    assert [r["status"] for r in answer["results"]] == ["refused"] * 4 + ["accepted"]
    assert [r["error"]["code"] for r in answer["results"][:4]] == [
        "bad_signature", "bad_signature", "permission_denied", "conflict"]
    signed = json.loads(vnm.trust.verify(answer["receipt"]).payload)
    assert [e["type"] for e in signed["results"]] == ["error"] * 4 + ["receipt"]
    assert [m.message_id for m in tha.inbox()] == [good.message_id]
    assert tha.acknowledge([good.message_id]) == 1

    # A receiver whose store breaks answers 500 with a signed error; the sender keeps the
    # message pending (a 5xx is never final) with the reason.
    with tha.store.write() as conn:
        conn.exec_driver_sql("DROP TABLE gw_inbox")
    mid = vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    report = vnm.dispatch_once()
    assert (report.delivered, report.failed, report.retried) == (0, 0, 1)
    view = vnm.message(mid)
    assert view.state == "pending" and "HTTP 500" in (view.last_error or "")
    assert "failed while handling" in (view.last_error or "")


def test_key_rotation_with_a_served_node(make_node: NodeFactory, serve, tmp_path: Path) -> None:
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    for proc in [serve(vnm, wait=False), serve(tha, wait=False)]:
        proc.wait_ready()
    before = vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    wait_delivered(vnm, [before])
    old_kid = vnm.keyring.active.kid
    new_key = vnm.rotate_key()
    # THA refreshes VNM's keys over HTTP from the running VNM node: both keys are published.
    partner = tha.refresh_partner("VNM")
    assert {k.kid for k in partner.keys} == {old_kid, new_key.kid}
    after = vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    wait_delivered(vnm, [after])
    held = tha.message(after)
    assert held.received_jws and tha.trust.verify(held.received_jws).kid == new_key.kid
    assert tha.trust.verify(tha.message(before).received_jws or "").kid == old_kid


def test_an_unknown_path_answers_in_the_gateway_error_shape(
    make_node: NodeFactory, serve
) -> None:
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    proc = serve(tha)
    for method, path, status, code in [
        ("GET", "/nowhere", 404, "not_found"),
        ("POST", "/exchange/v2/messages", 404, "not_found"),
        ("GET", "/exchange/v1/messages", 405, "bad_request"),
    ]:
        response = httpx.request(method, proc.url + path)
        assert response.status_code == status, response.text
        answer = response.json()
        assert set(answer) == {"error", "jws"}
        error = answer["error"]
        assert error["code"] == code and error["status"] == status
        assert path in error["got"] and "/exchange/v1/messages" in error["expected"]
        assert set(error) == {"code", "status", "message", "expected", "got", "fix", "details"}
        signed = json.loads(vnm.trust.verify(answer["jws"]).payload)
        assert signed["error"]["code"] == code and signed["receiver"] == "THA"


def test_deeply_nested_json_is_bad_input_over_http(make_node: NodeFactory, serve) -> None:
    """Anyone can post JSON nested beyond Python's recursion limit; the node answered it with a
    500 (which a sender retries for ever) and logged a stack trace per request."""
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    proc = serve(tha)
    url = proc.url + "/exchange/v1/messages"
    deep = b"[" * 100_000
    answer = httpx.post(url, content=b'{"messages": ' + deep,
                        headers={"content-type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "bad_input"
    bomb = (base64.urlsafe_b64encode(deep).rstrip(b"=").decode() + ".e30."
            + base64.urlsafe_b64encode(b"x" * 64).rstrip(b"=").decode())
    good = envelope()
    answer = httpx.post(url, json={"messages": [bomb, sign(vnm, good)]})
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["refused", "accepted"]
    assert results[0]["error"]["code"] == "bad_signature"
    assert [m.message_id for m in tha.inbox()] == [good.message_id]
    assert "RecursionError" not in proc.log.read_text()
