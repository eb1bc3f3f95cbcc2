"""Hostile partners over real HTTP: ambiguous signed JSON, one message twice in a batch, and
the paths a gateway must not serve. Each case fails without its fix (issue 18, points 1-3)."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from haiquan.errors import ValidationError
from haiquan.exchange import GatewayNode
from haiquan.exchange._util import dump_json
from haiquan.exchange.dispatcher import _read_receipt
from haiquan.exchange.envelope import RESULT_TYP

from .conftest import NodeFactory, link
from .samples import aeo_list, form_d
from .test_receiver import envelope, sign


@pytest.fixture
def served(make_node: NodeFactory, serve) -> tuple[GatewayNode, GatewayNode, str]:
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    proc = serve(tha)
    return vnm, tha, proc.url


def _post(url: str, *tokens: str) -> list[dict[str, Any]]:
    answer = httpx.post(url + "/exchange/v1/messages", json={"messages": list(tokens)})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["results"])


def _twice(text: str, member: str, value: Any) -> str:
    """``text`` (an object's JSON) with ``member`` given once more, before the real one."""
    assert text.startswith("{")
    return "{" + json.dumps(member) + ":" + json.dumps(value) + "," + text[1:]


def test_an_envelope_naming_a_member_twice_is_refused_over_http(served) -> None:
    vnm, tha, url = served
    good = envelope()
    text = good.to_json()
    assert json.loads(_twice(text, "receiver", "SGP"))["receiver"] == "THA"  # last one wins
    other = envelope(payload=json.dumps({"not": "the signed document"}))
    hostile = [
        _twice(text, "receiver", "SGP"),  # a first-member parser reads another receiver
        _twice(text, "payload", other.payload),  # ... or another document
        text[:-1] + ',"sender":"VNM"}',  # the same value twice is refused too
    ]
    results = _post(url, *(sign(vnm, body) for body in hostile), sign(vnm, good))
    assert [r["status"] for r in results] == ["refused"] * 3 + ["accepted"]
    for result in results[:3]:
        assert result["error"]["code"] == "validation_failed"
        assert "names a member twice" in result["error"]["message"]
    assert [m.message_id for m in tha.inbox()] == [good.message_id]


def test_an_aeo_list_naming_a_member_twice_is_refused_over_http(served) -> None:
    vnm, tha, url = served
    text = json.dumps(aeo_list())
    doubled = _twice(text, "mra_id", "ANOTHER_MRA")
    env = envelope(payload=doubled, document_type="aeo-operator-list")
    results = _post(url, sign(vnm, env))
    assert results[0]["status"] == "refused"
    assert results[0]["error"]["code"] == "validation_failed"
    assert "twice" in results[0]["error"]["got"]
    assert tha.inbox() == []


def test_a_jws_header_naming_a_member_twice_is_refused_over_http(served) -> None:
    vnm, tha, url = served
    token = sign(vnm, envelope())
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    doubled = '{"kid":"MYS-forged",' + dump_json(header)[1:]
    part = base64.urlsafe_b64encode(doubled.encode()).rstrip(b"=").decode()
    results = _post(url, part + token[token.index("."):])
    assert results[0]["status"] == "refused"
    assert results[0]["error"]["code"] == "bad_signature"
    assert "twice" in results[0]["error"]["message"]
    assert tha.inbox() == []


def test_a_request_body_naming_messages_twice_is_refused(served) -> None:
    vnm, tha, url = served
    body = '{"messages":["x"],"messages":[' + json.dumps(sign(vnm, envelope())) + "]}"
    answer = httpx.post(url + "/exchange/v1/messages", content=body,
                        headers={"content-type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert tha.inbox() == []


def test_a_receipt_naming_a_member_twice_is_not_proof_of_delivery(make_node) -> None:
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    good = {"type": "batch-result", "receiver": "THA", "issued_at": "2026-01-01T00:00:00Z",
            "results": []}
    assert _read_receipt(vnm, "THA", tha.keyring.sign(
        dump_json(good).encode(), {"typ": RESULT_TYP})).receiver == "THA"
    doubled = _twice(dump_json(good), "receiver", "SGP")
    token = tha.keyring.sign(doubled.encode(), {"typ": RESULT_TYP})
    assert vnm.trust.verify(token).partner == "THA"  # the signature is fine, the text is not
    with pytest.raises(ValidationError, match="names a member twice"):
        _read_receipt(vnm, "THA", token)


def test_the_same_jws_twice_in_one_batch_is_a_duplicate_the_second_time(served) -> None:
    vnm, tha, url = served
    env = envelope()
    token = sign(vnm, env)
    results = _post(url, token, token)
    assert [r["status"] for r in results] == ["accepted", "duplicate"]
    assert tha.message(env.message_id).duplicates_received == 0
    assert [m.message_id for m in tha.inbox()] == [env.message_id]
    # A later batch holding it twice: both are duplicates of the copy held.
    assert [r["status"] for r in _post(url, token, sign(vnm, env))] == ["duplicate"] * 2


def test_one_id_twice_in_a_batch_with_other_content_is_a_conflict(served) -> None:
    vnm, tha, url = served
    first = envelope()
    other = envelope(message_id=first.message_id,
                     payload=json.dumps(form_d("VNM", "THA", ref="VN-2026-999999")))
    results = _post(url, sign(vnm, first), sign(vnm, other))
    assert [r["status"] for r in results] == ["accepted", "refused"]
    assert results[1]["error"]["code"] == "conflict"
    assert tha.message(first.message_id).envelope.payload_digest == first.payload_digest


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"])
def test_the_gateway_serves_no_api_browser(served, path: str) -> None:
    vnm, _, url = served
    answer = httpx.get(url + path)
    assert answer.status_code == 404, answer.text
    body = answer.json()
    assert body["error"]["code"] == "not_found" and path in body["error"]["got"]
    assert json.loads(vnm.trust.verify(body["jws"]).payload)["receiver"] == "THA"
