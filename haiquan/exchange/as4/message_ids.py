"""How a haiquan message id and an AS4 ``eb:MessageId`` map onto each other.

A haiquan node's ids are short tokens; AS4 wants RFC 2822 ``left@right`` ids, and a foreign
access point sends ids of its own. The mapping is stable both ways so a duplicate sent by a
partner is recognised as the same message whichever side minted its id.
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["ebms_message_id", "haiquan_message_id", "is_haiquan_id"]

_ID = re.compile(r"^[A-Za-z0-9._:-]{8,100}$")


def ebms_message_id(message_id: str, sender: str) -> str:
    """The ``eb:MessageId`` of a haiquan message (RFC 2822 form ``left@right``).

    >>> ebms_message_id("0b7c-42", "VNM")
    '0b7c-42@vnm.haiquan'
    """
    return f"{message_id}@{sender.lower()}.haiquan"


def haiquan_message_id(ebms_id: str, sender: str) -> str:
    """The haiquan message id of a received ``eb:MessageId``: the original id for a message
    from a haiquan node, the same text with ``@`` as ``:`` when that fits haiquan's id syntax,
    else a digest of it (stable, so a duplicate is still recognised).

    >>> haiquan_message_id("0b7c-4242@vnm.haiquan", "VNM")
    '0b7c-4242'
    >>> haiquan_message_id("2011-921@5209999001264.example.com", "THA")
    '2011-921:5209999001264.example.com'
    """
    suffix = f"@{sender.lower()}.haiquan"
    if ebms_id.endswith(suffix) and _ID.match(ebms_id[: -len(suffix)]):
        return ebms_id[: -len(suffix)]
    mapped = ebms_id.replace("@", ":")
    if _ID.match(mapped):
        return mapped
    return "as4-" + hashlib.sha256(ebms_id.encode("utf-8")).hexdigest()[:60]


def is_haiquan_id(text: str) -> bool:
    """Whether ``text`` fits haiquan's id syntax as it is (8 to 100 letters, digits, ``._:-``).

    >>> is_haiquan_id("0b7c-4242"), is_haiquan_id("a@b")
    (True, False)
    """
    return _ID.match(text) is not None
