"""The receiver refuses every kind of bad input with a precise, signed error and stores nothing.

These run the receiver in process (the HTTP edge is covered in test_http.py); each case checks the
error code, that the refusal verifies with the receiver's key, and that the inbox is unchanged.
"""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from haiquan.errors import InputError, PayloadTooLargeError
from haiquan.exchange import Envelope, GatewayNode
from haiquan.exchange._util import digest_text, dump_json
from haiquan.exchange.envelope import ENVELOPE_TYP
from haiquan.exchange.trust import PartnerConfig, TrustedKey, TrustStore

from .conftest import NodeFactory, link
from .samples import form_d, risk_alert


def envelope(sender: str = "VNM", receiver: str = "THA", **changes: Any) -> Envelope:
    payload = changes.pop("payload", None)
    doc_type = changes.pop("document_type", "atiga-form-d")
    fmt = changes.pop("payload_format", "json")
    text = payload if payload is not None else json.dumps(form_d(sender, receiver))
    return Envelope.build(sender=sender, receiver=receiver, document_type=doc_type,
                          document_version=changes.pop("document_version", "1"),
                          payload_format=fmt, payload=text, **changes)


def sign(node: GatewayNode, body: Envelope | dict[str, Any] | str, *, iat: int | None = None,
         typ: str = ENVELOPE_TYP) -> str:
    if isinstance(body, Envelope):
        text = body.to_json()
    elif isinstance(body, dict):
        text = dump_json(body)
    else:
        text = body
    return node.keyring.sign(text.encode(), {"typ": typ, "iat": iat or int(time.time())})


def post(node: GatewayNode, *tokens: Any) -> list[dict[str, Any]]:
    """Post a batch; return its results, each with ``signed``: its entry in the receiver's
    batch receipt, verified with the receiver's published key."""
    answer = node.receive_body(json.dumps({"messages": list(tokens)}).encode())
    trust = TrustStore(node.home / "verifier.yaml", {})
    trust.set_partner(node.country, PartnerConfig(
        endpoint=node.config.endpoint, keys=[
            TrustedKey(kid=k["kid"], expires_at=datetime.fromtimestamp(k["exp"], UTC), jwk=k)
            for k in node.jwks()["keys"]]))
    verified = trust.verify(answer["receipt"])
    batch = json.loads(verified.payload)
    assert batch["type"] == "batch-result" and batch["receiver"] == node.country
    assert len(batch["results"]) == len(answer["results"]) == len(tokens)
    for result, entry in zip(answer["results"], batch["results"], strict=True):
        result["signed"] = entry
        assert entry["message_id"] == result["message_id"]
    return list(answer["results"])


@pytest.fixture
def nodes(make_node: NodeFactory) -> tuple[GatewayNode, GatewayNode, GatewayNode]:
    vnm, tha, mys = make_node("VNM"), make_node("THA"), make_node("MYS")
    link(vnm, tha)
    mys.add_partner("THA", tha.config.endpoint, jwks=tha.jwks())
    return vnm, tha, mys


def refused(sender: GatewayNode, receiver: GatewayNode, result: dict[str, Any], code: str,
            status: int) -> dict[str, Any]:
    """Check a refusal: its code and status, and that it is signed by the receiver."""
    assert result["status"] == "refused", result
    assert result["error"]["code"] == code, result["error"]
    assert result["error"]["status"] == status
    assert result["error"]["expected"] and result["error"]["fix"]
    signed = result["signed"]
    assert signed["type"] == "error" and signed["error"] == result["error"]
    assert receiver.inbox(include_acknowledged=True) == []
    return result["error"]


def test_a_valid_envelope_is_accepted_once_and_a_retry_is_a_duplicate(nodes) -> None:
    vnm, tha, _ = nodes
    env = envelope()
    first = post(tha, sign(vnm, env))
    again = post(tha, sign(vnm, env))
    assert [first[0]["status"], again[0]["status"]] == ["accepted", "duplicate"]
    receipt = again[0]["signed"]
    assert receipt["type"] == "receipt" and receipt["status"] == "duplicate"
    assert receipt["payload_digest"] == env.payload_digest
    inbox = tha.inbox()
    assert [m.message_id for m in inbox] == [env.message_id]
    assert tha.message(env.message_id).duplicates_received == 1


def test_the_signed_batch_result_is_the_documented_model(nodes) -> None:
    """The receiver writes its batch result as plain data for speed; it must stay exactly a
    ``BatchResult`` of receipts and errors (what a partner validates)."""
    from haiquan.exchange.envelope import BatchResult, Receipt, SignedError

    vnm, tha, _ = nodes
    env = envelope()
    answer = tha.receive_body(json.dumps({"messages": [sign(vnm, env), "not a jws"]}).encode())
    payload = vnm.trust.verify(answer["receipt"]).payload
    batch = BatchResult.model_validate_json(payload)
    receipt, error = batch.results
    assert isinstance(receipt, Receipt) and isinstance(error, SignedError)
    assert (receipt.message_id, receipt.payload_digest, receipt.status) == (
        env.message_id, env.payload_digest, "accepted")
    assert error.error["code"] == "bad_signature"
    assert json.loads(payload) == json.loads(batch.model_dump_json())  # nothing dropped


def test_unsigned_envelopes_are_refused(nodes) -> None:
    vnm, tha, _ = nodes
    plain = envelope().to_json()
    error = refused(vnm, tha, post(tha, plain)[0], "bad_signature", 401)
    assert "not signed" in error["message"]
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"haiquan-envelope+jws"}').decode()
    body = base64.urlsafe_b64encode(plain.encode()).decode()
    refused(vnm, tha, post(tha, f"{header}.{body}.")[0], "bad_signature", 401)
    refused(vnm, tha, post(tha, {"envelope": plain})[0], "bad_signature", 401)


def test_a_tampered_envelope_is_refused(nodes) -> None:
    vnm, tha, _ = nodes
    header, _, signature = sign(vnm, envelope()).split(".")
    changed = envelope(receiver="THA")  # another message id, same signature: forged
    body = base64.urlsafe_b64encode(changed.to_json().encode()).rstrip(b"=").decode()
    error = refused(vnm, tha, post(tha, f"{header}.{body}.{signature}")[0], "bad_signature", 401)
    assert "altered" in error["message"]


def test_an_unknown_sender_is_refused(nodes) -> None:
    vnm, tha, mys = nodes
    token = sign(mys, envelope(sender="MYS", document_type="risk-alert",
                               payload=json.dumps(risk_alert())))
    error = refused(mys, tha, post(tha, token)[0], "permission_denied", 403)
    assert "unknown sender" in error["message"]
    assert "partner add" in error["fix"] and "refresh" not in error["fix"]


def test_a_partner_key_not_yet_refreshed_suggests_partner_refresh(nodes) -> None:
    vnm, tha, _ = nodes
    new_key = vnm.rotate_key()  # VNM rotated; THA has not re-read VNM's JWKS
    error = refused(vnm, tha, post(tha, sign(vnm, envelope()))[0], "permission_denied", 403)
    assert "claims to come from partner VNM" in error["message"]
    assert error["got"] == repr(new_key.kid) and error["details"] == {"claimed_sender": "VNM"}
    assert "haiquan gateway partner refresh VNM" in error["fix"]
    assert "partner add" not in error["fix"]


def test_a_sender_cannot_sign_in_another_country_name(nodes) -> None:
    vnm, tha, _ = nodes
    token = sign(vnm, envelope(sender="MYS"))
    error = refused(vnm, tha, post(tha, token)[0], "permission_denied", 403)
    assert "not the signer" in error["message"]


def test_a_message_for_another_administration_is_refused(nodes) -> None:
    vnm, tha, _ = nodes
    token = sign(vnm, envelope(receiver="MYS"))
    error = refused(vnm, tha, post(tha, token)[0], "permission_denied", 403)
    assert "addressed to another" in error["message"] and error["got"] == "MYS"


def test_an_expired_key_is_refused(nodes) -> None:
    vnm, tha, _ = nodes
    partner = tha.trust.partner("VNM")
    past = datetime.now(UTC) - timedelta(seconds=5)
    keys = [k.model_copy(update={"expires_at": past}) for k in partner.keys]
    tha.trust.set_partner("VNM", PartnerConfig(endpoint=partner.endpoint, keys=keys))
    error = refused(vnm, tha, post(tha, sign(vnm, envelope()))[0], "bad_signature", 401)
    assert "expired" in error["message"]


@pytest.mark.parametrize("offset", [-3600, 3600])
def test_a_replay_outside_the_time_window_is_refused(nodes, offset: int) -> None:
    vnm, tha, _ = nodes
    token = sign(vnm, envelope(), iat=int(time.time()) + offset)
    error = refused(vnm, tha, post(tha, token)[0], "conflict", 409)
    assert "replay window" in error["message"]


def test_a_payload_failing_its_schema_is_refused_with_the_problems(nodes) -> None:
    vnm, tha, _ = nodes
    bad = form_d()
    del bad["items"][0]["hs_code"]
    bad["items"][1]["origin_criterion"] = {"code": "RVC"}
    error = refused(vnm, tha, post(tha, sign(vnm, envelope(payload=json.dumps(bad))))[0],
                    "validation_failed", 422)
    assert any("hs_code" in p for p in error["details"]["problems"])


def test_an_unknown_document_type_is_refused(nodes) -> None:
    vnm, tha, _ = nodes
    token = sign(vnm, envelope(document_type="bill-of-lading"))
    error = refused(vnm, tha, post(tha, token)[0], "unknown_code", 404)
    assert "bill-of-lading" in error["got"]
    token = sign(vnm, envelope(document_version="9"))
    refused(vnm, tha, post(tha, token)[0], "unknown_code", 404)


def test_an_oversized_payload_is_refused(make_node: NodeFactory) -> None:
    vnm, tha = make_node("VNM"), make_node("THA", max_payload_bytes=4000)
    link(vnm, tha)
    big = form_d()
    big["items"][0]["description"] = "x" * 500
    big["items"] = [dict(big["items"][0], item_number=i + 1) for i in range(12)]
    refused(vnm, tha, post(tha, sign(vnm, envelope(payload=json.dumps(big))))[0],
            "payload_too_large", 413)
    with pytest.raises(PayloadTooLargeError):
        tha.receive_body(b"x" * (tha.receiver.max_request_bytes + 1))


def test_malformed_json_and_xml_payloads_are_refused(nodes) -> None:
    vnm, tha, _ = nodes
    error = refused(vnm, tha, post(tha, sign(vnm, envelope(payload='{"reference_number": ')))[0],
                    "validation_failed", 422)
    assert "malformed JSON" in error["message"]
    xml = envelope(document_type="wco-declaration", document_version="3.6",
                   payload_format="xml", payload="<Declaration><unclosed></Declaration>")
    error = refused(vnm, tha, post(tha, sign(vnm, xml))[0], "validation_failed", 422)
    assert "malformed XML" in error["message"]


def test_a_malformed_envelope_or_digest_is_refused(nodes) -> None:
    vnm, tha, _ = nodes
    raw = json.loads(envelope().to_json())
    raw["payload_digest"] = digest_text("something else")
    error = refused(vnm, tha, post(tha, sign(vnm, raw))[0], "validation_failed", 422)
    assert "digest" in error["message"]
    refused(vnm, tha, post(tha, sign(vnm, "not json at all"))[0], "validation_failed", 422)
    raw = json.loads(envelope().to_json())
    raw["message_id"] = "x"
    refused(vnm, tha, post(tha, sign(vnm, raw))[0], "validation_failed", 422)


def test_a_reused_message_id_with_other_content_is_refused(nodes) -> None:
    vnm, tha, _ = nodes
    first = envelope()
    assert post(tha, sign(vnm, first))[0]["status"] == "accepted"
    other = form_d(ref="VN-2026-999999")
    second = envelope(payload=json.dumps(other), message_id=first.message_id)
    result = post(tha, sign(vnm, second))[0]
    assert result["status"] == "refused" and result["error"]["code"] == "conflict"
    assert [m.message_id for m in tha.inbox()] == [first.message_id]


def test_one_bad_envelope_does_not_spoil_its_batch(nodes) -> None:
    vnm, tha, _ = nodes
    good = envelope()
    results = post(tha, sign(vnm, envelope(receiver="MYS")), sign(vnm, good), "garbage")
    assert [r["status"] for r in results] == ["refused", "accepted", "refused"]
    assert [m.message_id for m in tha.inbox()] == [good.message_id]


def test_a_malformed_body_is_refused_as_a_whole(nodes) -> None:
    _, tha, _ = nodes
    for body in (b"{not json", b'{"messages": []}', b"[1, 2]"):
        with pytest.raises(InputError):
            tha.receive_body(body)
    assert tha.inbox() == []


@pytest.mark.parametrize("iat", [float("nan"), True], ids=["NaN", "true"])
def test_a_signing_time_that_is_no_time_is_refused(nodes, iat: float) -> None:
    # NaN compared false with the window, so such a message passed the replay check whenever
    # it was (re)played; true is an int to Python (1 s after 1970) and was refused by luck.
    vnm, tha, _ = nodes
    error = refused(vnm, tha, post(tha, sign(vnm, envelope(), iat=iat))[0], "conflict", 409)
    assert error["details"]["reason"] == "replay"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_json_nested_too_deeply_is_refused_not_a_crash(nodes) -> None:
    """Unsigned input nested deeper than Python's parser goes (RecursionError) is bad input:
    in a JWS header it refuses that envelope alone, in a body the request, never a 500."""
    vnm, tha, _ = nodes
    deep = b"[" * 100_000
    good = envelope()
    header_bomb = f"{_b64(deep)}.{_b64(b'{}')}.{_b64(b'x' * 64)}"
    results = post(tha, header_bomb, sign(vnm, good))
    assert [r["status"] for r in results] == ["refused", "accepted"]
    assert results[0]["error"]["code"] == "bad_signature"
    with pytest.raises(InputError):
        tha.receive_body(b'{"messages": ' + deep)
    # signed by a trusted partner: the envelope is refused (422), the batch still answered
    nested = json.loads(envelope().to_json())
    text = dump_json(nested)[:-1] + ',"x":' + "[" * 100_000 + "]" * 100_000 + "}"
    result = post(tha, sign(vnm, text))[0]
    assert result["status"] == "refused" and result["error"]["code"] == "validation_failed"
    assert [m.message_id for m in tha.inbox()] == [good.message_id]
