"""Envelopes: serialise → parse round trips, and the digest binds the payload."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haiquan.errors import ValidationError
from haiquan.exchange import Envelope
from haiquan.exchange.envelope import parse_envelope

countries = st.sampled_from(["VNM", "THA", "MYS", "SGP", "IDN"])


@given(sender=countries, receiver=countries, payload=st.text(max_size=3000),
       fmt=st.sampled_from(["json", "xml"]), conversation=st.none() | st.uuids().map(str))
def test_an_envelope_round_trips_through_its_json(sender: str, receiver: str, payload: str,
                                                  fmt: str, conversation: str | None) -> None:
    envelope = Envelope.build(sender=sender, receiver=receiver, document_type="risk-alert",
                              document_version="1", payload_format=fmt,  # type: ignore[arg-type]
                              payload=payload, conversation_id=conversation)
    parsed = parse_envelope(envelope.to_json().encode("utf-8"))
    assert parsed == envelope
    assert parsed.to_json() == envelope.to_json()
    assert parsed.conversation_id == (conversation or envelope.message_id)


@given(payload=st.text(min_size=1, max_size=200), other=st.text(min_size=1, max_size=200))
def test_a_changed_payload_no_longer_matches_its_digest(payload: str, other: str) -> None:
    envelope = Envelope.build(sender="VNM", receiver="THA", document_type="risk-alert",
                              document_version="1", payload_format="json", payload=payload)
    changed = envelope.model_copy(update={"payload": other}).to_json()
    if other == payload:
        assert parse_envelope(changed) == envelope
    else:
        with pytest.raises(ValidationError, match="digest"):
            parse_envelope(changed)


@given(payload=st.text(max_size=500) | st.sampled_from(
    ['"payload_digest":"sha-256:forged"', '{"payload_digest":"x"}', '\\"payload_digest\\":\\"']))
def test_the_digest_read_from_a_stored_envelope_is_its_own(payload: str) -> None:
    """The dispatcher reads ``payload_digest`` from the stored envelope text without parsing
    it; a payload that mentions the key must not be mistaken for it."""
    from haiquan.exchange.rows import ClaimedMessage

    envelope = Envelope.build(sender="VNM", receiver="THA", document_type="risk-alert",
                              document_version="1", payload_format="json", payload=payload)
    claimed = ClaimedMessage(envelope.message_id, "THA", envelope.to_json(), 0)
    assert claimed.payload_digest == envelope.payload_digest


def test_an_envelope_that_is_not_json_or_not_an_envelope_is_refused_precisely() -> None:
    with pytest.raises(ValidationError, match="not JSON"):
        parse_envelope(b"{not json")
    with pytest.raises(ValidationError, match="envelope is invalid at message_id") as caught:
        parse_envelope(b'{"protocol": "haiquan-c2c/1", "sender": "vietnam"}')
    fields = {p["field"] for p in caught.value.details["problems"]}
    assert {"sender", "message_id", "payload"} <= fields
