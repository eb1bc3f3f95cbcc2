"""The rows the store hands out and takes in: a claimed outbox message, a new inbox row."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ClaimedMessage", "InboxRow"]

_DIGEST_KEY = '"payload_digest":"'


def _envelope_digest(envelope: str) -> str:
    """The ``payload_digest`` of an envelope written by :meth:`Envelope.to_json`.

    The envelope's keys are sorted and ``payload_digest`` comes after ``payload``, so its last
    occurrence as a key is the member itself (a quote inside the payload string is escaped and
    cannot end the key). Reading it this way spares parsing the whole envelope per message.
    """
    at = envelope.rfind(_DIGEST_KEY)
    if at < 0:
        import json

        return str(json.loads(envelope).get("payload_digest", ""))
    start = at + len(_DIGEST_KEY)
    return envelope[start : envelope.index('"', start)]


@dataclass(frozen=True)
class ClaimedMessage:
    """An outbox row a worker has claimed for one delivery attempt."""

    message_id: str
    receiver: str
    envelope: str
    attempts: int

    @property
    def payload_digest(self) -> str:
        return _envelope_digest(self.envelope)


@dataclass(frozen=True)
class InboxRow:
    """A new inbox row, ready to insert."""

    sender: str
    message_id: str
    conversation_id: str
    document_type: str
    document_version: str
    created_at: float
    payload_digest: str
    envelope: str
    jws: str
