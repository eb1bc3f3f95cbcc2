"""AEO lists under an MRA: building full and delta lists for a partner, applying a partner's.

The list travels as the gateway's ``aeo-operator-list`` document. Only operators who consented
to sharing under that MRA are listed, and only the fields the arrangement names. Each list sent to
a partner is numbered and its content kept, so the next delta is computed against exactly what the
partner holds; a received delta must build on the last list applied, or it is refused (a gap means
a lost list: ask the partner for a full list).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any, Protocol

from pydantic import BaseModel

from haiquan.aeo.arrangements import MraArrangement, arrangement
from haiquan.aeo.models import AeoStatus, OperatorPublic
from haiquan.aeo.registry import AeoRegistry
from haiquan.errors import ConflictError, PermissionDeniedError, ValidationError

__all__ = [
    "AEO_LIST_DOCUMENT",
    "AppliedList",
    "apply_inbox",
    "apply_partner_list",
    "build_list",
    "send_list",
]

AEO_LIST_DOCUMENT = "aeo-operator-list"


class AppliedList(BaseModel):
    """What applying one partner list did."""

    country: str
    mra_id: str
    sequence: int
    list_type: str
    added: int = 0
    updated: int = 0
    removed: int = 0
    #: Removals of operators the partner's lists did not hold (nothing changed for them).
    unknown_removed: int = 0


class _Sender(Protocol):
    def send(self, document_type_name: str, document: Any, *, receiver: str,
             conversation_id: str | None = None, message_id: str | None = None,
             document_version: str | None = None) -> str: ...


class _Inbox(Protocol):
    def inbox(self, *, after: int = 0, limit: int = 100,
              include_acknowledged: bool = False) -> list[Any]: ...

    def waiting(self) -> Iterator[Any]: ...

    def acknowledge(self, message_ids: list[str]) -> int: ...


def _consented(operator: OperatorPublic, mra_id: str) -> bool:
    return operator.consents.get(mra_id, False)


def _entry(operator: OperatorPublic, fields: tuple[str, ...]) -> dict[str, Any]:
    full: dict[str, Any] = {
        "aeo_id": operator.aeo_id,
        "name": operator.name,
        "address": operator.address,
        "tin": operator.tin,
        "roles": operator.roles,
        "status": operator.status.list_status,
        "valid_from": operator.granted_on.isoformat(),
        "valid_until": operator.valid_until.isoformat() if operator.valid_until else None,
    }
    return {k: full[k] for k in fields if full.get(k) not in (None, [])}


def _snapshot(registry: AeoRegistry, mra: MraArrangement, as_of: dt.date) -> dict[str, Any]:
    """What the partner should hold: consented operators that are valid or suspended."""
    return {
        o.aeo_id: _entry(o, mra.fields)
        for o in registry.operators(as_of)
        if _consented(o, mra.mra_id) and o.status in (AeoStatus.granted, AeoStatus.suspended)
    }


def build_list(
    registry: AeoRegistry, mra_id: str, partner: str, *, list_type: str = "delta",
    as_of: dt.date | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The next list for ``partner`` under ``mra_id`` and the snapshot it leaves the partner with.

    A delta is sent only when a previous list exists; otherwise the first list is full.
    Operators that were revoked travel once as an update with status ``revoked``; operators whose
    consent was withdrawn travel as a removal.
    """
    mra = arrangement(mra_id)
    if partner not in mra.partners:
        raise PermissionDeniedError(
            f"{partner} is not a partner under {mra_id}",
            expected="one of " + ", ".join(mra.partners), got=partner,
            fix="choose a partner of the MRA, or add it to the arrangements file",
        )
    day = as_of or dt.date.today()
    last_day = registry.last_sent_as_of(mra_id, partner)
    if last_day is not None and day < last_day:
        raise ConflictError(
            f"a list dated {day} would be older than the list already sent to {partner} "
            f"under {mra_id}",
            expected=f"a date on or after {last_day}", got=str(day),
            fix="build the list as of today (leave the date out); the partner keeps the newest",
        )
    current = _snapshot(registry, mra, day)
    previous = registry.last_sent(mra_id, partner)
    document: dict[str, Any] = {"mra_id": mra_id, "as_of": day.isoformat()}
    if previous is None or list_type == "full":
        sequence = 1 if previous is None else previous[0] + 1
        document |= {"list_type": "full", "sequence": sequence,
                     "operators": [current[k] for k in sorted(current)]}
        return document, current
    last_sequence, held = previous
    changes: list[dict[str, Any]] = []
    for aeo_id in sorted(set(held) | set(current)):
        if aeo_id in current and aeo_id not in held:
            changes.append(current[aeo_id] | {"action": "add"})
        elif aeo_id in current and current[aeo_id] != held[aeo_id]:
            changes.append(current[aeo_id] | {"action": "update"})
        elif aeo_id not in current:
            operator = registry.operator(aeo_id, on=day)
            if operator.status in (AeoStatus.revoked, AeoStatus.expired) and _consented(
                    operator, mra_id):
                changes.append(held[aeo_id] | {"status": "revoked", "action": "update"})
            else:
                changes.append({"aeo_id": aeo_id, "name": held[aeo_id]["name"],
                                "status": held[aeo_id]["status"], "action": "remove"})
    document |= {"list_type": "delta", "sequence": last_sequence + 1,
                 "base_sequence": last_sequence, "operators": changes}
    return document, current


def send_list(
    node: _Sender, registry: AeoRegistry, mra_id: str, partner: str, *,
    list_type: str = "delta", as_of: dt.date | None = None,
) -> tuple[str, dict[str, Any]]:
    """Build the next list, put it in the gateway's outbox, remember what the partner will hold.

    Returns the gateway message id and the document sent.
    """
    document, snapshot = build_list(registry, mra_id, partner, list_type=list_type, as_of=as_of)
    message_id = node.send(AEO_LIST_DOCUMENT, document, receiver=partner,
                           conversation_id=f"{mra_id}-{partner}")
    registry.record_sent(mra_id, partner, document["sequence"], document["list_type"],
                         dt.date.fromisoformat(document["as_of"]), snapshot, message_id)
    return message_id, document


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def apply_partner_list(
    registry: AeoRegistry, sender: str, document: dict[str, Any], *,
    message_id: str | None = None,
) -> AppliedList:
    """Apply a partner's list to its history (all entries or none)."""
    mra_id = document["mra_id"]
    mra = arrangement(mra_id)
    if sender not in mra.partners:
        raise PermissionDeniedError(
            f"{sender} is not a partner under {mra_id}",
            expected="a list from one of " + ", ".join(mra.partners), got=sender,
            fix="add the partner to the MRA's arrangement if the MRA covers it",
        )
    sequence = int(document["sequence"])
    last = registry.last_received(sender, mra_id)
    if last is not None and sequence <= last:
        raise ConflictError(
            f"{sender}'s list {sequence} under {mra_id} is not newer than the last one applied",
            expected=f"sequence {last + 1} or later", got=str(sequence),
            fix="nothing to do if it is a copy; otherwise ask the partner to renumber",
        )
    as_of = dt.date.fromisoformat(document["as_of"])
    last_list = registry.last_received_list(sender, mra_id)
    if last_list is not None and as_of < last_list[1]:
        # A list numbered later but dated earlier would put an older state on top of a newer
        # one (the risk engine reads lists by date, the deltas build on them by number).
        raise ConflictError(
            f"{sender}'s list {sequence} under {mra_id} is dated {as_of}, before list "
            f"{last_list[0]} already applied",
            expected=f"a list dated on or after {last_list[1]}", got=str(as_of),
            fix="ask the partner to check its list dates and send a full list as of today",
        )
    kind = document["list_type"]
    if kind == "delta" and document.get("base_sequence") != last:
        raise ValidationError(
            f"{sender}'s delta list {sequence} does not build on the last list applied",
            expected=f"base_sequence {last}", got=str(document.get("base_sequence")),
            fix="a list was lost: ask the partner for a full list",
        )
    state = registry.partner_state(sender, mra_id)
    result = AppliedList(country=sender, mra_id=mra_id, sequence=sequence, list_type=kind)
    entries: list[dict[str, Any]] = []
    listed: set[str] = set()
    for operator in document["operators"]:
        aeo_id = operator["aeo_id"]
        listed.add(aeo_id)
        if operator.get("action") == "remove":
            if aeo_id not in state:
                # Nothing to take away (never listed, or removed already): counting it as a
                # removal would tell the officer a recognised operator went.
                result.unknown_removed += 1
                continue
            entries.append({"aeo_id": aeo_id, "name": operator["name"], "status": "removed",
                            "valid_from": None, "valid_until": None})
            result.removed += 1
            continue
        entries.append({"aeo_id": aeo_id, "name": operator["name"], "status": operator["status"],
                        "valid_from": _date(operator.get("valid_from")),
                        "valid_until": _date(operator.get("valid_until"))})
        if aeo_id in state:
            result.updated += 1
        else:
            result.added += 1
    if kind == "full":
        for aeo_id, held in state.items():
            if aeo_id not in listed:
                entries.append({"aeo_id": aeo_id, "name": held["name"], "status": "removed",
                                "valid_from": None, "valid_until": None})
                result.removed += 1
    registry.record_received(country=sender, mra_id=mra_id, sequence=sequence, list_type=kind,
                             as_of=as_of, message_id=message_id, entries=entries)
    return result


def apply_inbox(node: _Inbox, registry: AeoRegistry) -> list[AppliedList]:
    """Apply every AEO list waiting in the gateway inbox, acknowledging each one applied.

    A list that cannot be applied (a gap, an unknown MRA) stays unacknowledged in the inbox, so
    nothing is lost; the error of the first such list is raised after the others are applied.
    """
    applied: list[AppliedList] = []
    failure: Exception | None = None
    for message in node.waiting():
        if message.document_type != AEO_LIST_DOCUMENT:
            continue
        try:
            result = apply_partner_list(registry, message.sender, json.loads(message.payload),
                                        message_id=message.message_id)
        except (ConflictError, ValidationError, PermissionDeniedError) as error:
            failure = failure or error
            continue
        node.acknowledge([message.message_id])
        applied.append(result)
    if failure is not None and not applied:
        raise failure
    return applied
