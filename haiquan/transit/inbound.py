"""Messages from partner administrations: anticipated records, crossings, arrival advice,
control results, enquiries and replies, write-off and recovery notices.

Each is applied once: a message id already in a movement's history changes nothing, so a node
that crashed after applying a message and before acknowledging it may apply it again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, insert, select

from haiquan.errors import NotFoundError, PermissionDeniedError, ValidationError
from haiquan.transit.models import (
    MovementPublic,
    Role,
    State,
)
from haiquan.transit.mrn import check_mrn
from haiquan.transit.steps import MovementSteps, iso, parse_time
from haiquan.transit.store import events, movements

__all__ = ["PartnerMessages"]


class PartnerMessages(MovementSteps):
    """Applies what the partner administrations send about the movements held here."""

    def receive(
        self, document_type: str, document: dict[str, Any], *, sender: str, message_id: str
    ) -> MovementPublic | None:
        """Apply one message received through the gateway (idempotent by ``message_id``).

        Raises:
            ConflictError: the message does not fit the movement's state (the state is named).
            PermissionDeniedError: it comes from an office not on the movement's route.
            NotFoundError: it names a movement this administration does not hold.
        """
        with self.store.read() as conn:
            if conn.execute(
                select(events.c.event_id).where(events.c.message_id == message_id)
            ).first():
                return None
        mrn = check_mrn(document["mrn"])
        handler = _HANDLERS.get(document_type)
        if handler is None:
            raise ValidationError(
                f"{document_type} is not a transit message",
                expected="a transit-* document type",
                got=document_type,
                fix="route other documents to their own back office",
            )
        return handler(self, mrn, document, sender, message_id)

    def _anticipated(
        self, role: Role, mrn: str, doc: dict[str, Any], sender: str, message_id: str
    ) -> MovementPublic:
        office = doc["office_of_transit"] if role is Role.TRANSIT else doc["office_of_destination"]
        if self.reference.office(office).country != self.country:
            raise PermissionDeniedError(
                f"{office} is not an office of {self.country}",
                expected=f"a record for an office of {self.country}",
                got=office,
                fix="send the record to the office's administration",
            )
        now = self.clock()
        with self.store.write() as conn:
            if conn.execute(
                select(movements.c.mrn).where(
                    movements.c.mrn == mrn, movements.c.role == role.value
                )
            ).first():
                return self._repeat(conn, mrn, role)
            self._departure_is(sender, mrn)
            conn.execute(
                insert(movements).values(
                    mrn=mrn,
                    role=role.value,
                    state=State.ANTICIPATED.value,
                    lrn="",
                    office_of_departure=doc["office_of_departure"],
                    offices_of_transit=",".join(doc["offices_of_transit"]),
                    office_of_destination=doc["office_of_destination"],
                    holder=doc["holder"]["identification"],
                    guarantee_reference=doc["guarantee_reference"],
                    amount_engaged_usd=0.0,
                    time_limit=dt.date.fromisoformat(doc["time_limit"]),
                    released_at=parse_time(doc["released_at"]),
                    declaration=json.dumps(doc),
                    synthetic=bool(doc.get("synthetic")),
                )
            )
            self._event(
                conn,
                mrn,
                role,
                "anticipated",
                doc["office_of_departure"],
                State.ANTICIPATED,
                now,
                message_id,
                f"record for {office}",
            )
        return self.movement(mrn, role)

    def _on_crossing(
        self, mrn: str, doc: dict[str, Any], sender: str, message_id: str
    ) -> MovementPublic:
        office = doc["office_of_transit"]

        def effects(conn: Connection, row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
            self._from_route(row, office, "transit")
            # Notifications from two administrations travel through two gateways and may arrive
            # in either order: the last crossing is the one furthest along the declared route,
            # not the one heard of last.
            route = row["offices_of_transit"].split(",")
            current = row["last_crossing"]
            if current in route and route.index(current) > route.index(office):
                return {}
            return {"last_crossing": office}

        return self._step(
            mrn,
            Role.DEPARTURE,
            "crossing",
            office,
            message_id,
            effects=effects,
            detail=f"crossed at {doc['crossed_at']}",
            sender=sender,
        )

    def _on_arrival_advice(
        self, mrn: str, doc: dict[str, Any], sender: str, message_id: str
    ) -> MovementPublic:
        office = doc["office_of_destination"]

        def effects(conn: Connection, row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
            self._from_route(row, office, "destination")
            return {"arrived_at": parse_time(doc["arrived_at"])}

        return self._step(
            mrn,
            Role.DEPARTURE,
            "arrival_advice",
            office,
            message_id,
            effects=effects,
            sender=sender,
        )

    def _on_control(
        self, mrn: str, doc: dict[str, Any], sender: str, message_id: str
    ) -> MovementPublic:
        office = doc["office_of_destination"]
        ok = doc["result"] == "A1"
        close = self._close_effects("transit-write-off") if ok else None

        def effects(conn: Connection, row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
            self._from_route(row, office, "destination")
            return close(conn, row, now) if close else {}

        return self._step(
            mrn,
            Role.DEPARTURE,
            "control_satisfactory" if ok else "control_discrepancies",
            office,
            message_id,
            effects=effects,
            sender=sender,
            detail=doc["result"] + (f" {doc['remarks']}" if doc.get("remarks") else ""),
        )

    def _on_enquiry(
        self, mrn: str, doc: dict[str, Any], sender: str, message_id: str
    ) -> MovementPublic:
        """At destination: answer at once from what this office holds."""
        now = self.clock()
        with self.store.write() as conn:
            row = (
                conn.execute(
                    select(movements).where(
                        movements.c.mrn == mrn, movements.c.role == Role.DESTINATION.value
                    )
                )
                .mappings()
                .first()
            )
            arrived = row is not None and row["arrived_at"] is not None
            office = doc["office_of_destination"]
            self._send(
                conn,
                "transit-enquiry-reply",
                {
                    "mrn": mrn,
                    "office_of_destination": office,
                    "replied_at": iso(now),
                    "goods_arrived": arrived,
                    "arrived_at": iso(row["arrived_at"]) if arrived and row else None,
                },
                sender,
                f"{mrn}-ENQ-REPLY",
            )
            self._event(
                conn,
                mrn,
                Role.DESTINATION,
                "enquiry_answered",
                office,
                State(row["state"]) if row else State.ANTICIPATED,
                now,
                message_id,
                "goods arrived" if arrived else "goods not presented here",
            )
        return self.movement(mrn, Role.DESTINATION) if row else None  # type: ignore[return-value]

    def _on_reply(
        self, mrn: str, doc: dict[str, Any], sender: str, message_id: str
    ) -> MovementPublic:
        office = doc["office_of_destination"]
        if doc["goods_arrived"]:
            close = self._close_effects("transit-write-off")

            def effects(conn: Connection, row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
                self._from_route(row, office, "destination")
                return {**close(conn, row, now), "arrived_at": parse_time(doc["arrived_at"])}

            return self._step(
                mrn,
                Role.DEPARTURE,
                "reply_arrived",
                office,
                message_id,
                effects=effects,
                sender=sender,
                detail="goods arrived",
            )
        recover = self._recovery_effects("the office of destination has no trace of the goods")

        def not_arrived(conn: Connection, row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
            self._from_route(row, office, "destination")
            return recover(conn, row, now)

        return self._step(
            mrn,
            Role.DEPARTURE,
            "reply_not_arrived",
            office,
            message_id,
            effects=not_arrived,
            sender=sender,
            detail="goods not arrived",
        )

    def _on_notice(self, event: str) -> Callable[..., MovementPublic | None]:
        def handle(
            self: PartnerMessages, mrn: str, doc: dict[str, Any], sender: str, message_id: str
        ) -> MovementPublic | None:
            self._departure_is(sender, mrn)
            result = None
            for role in (Role.TRANSIT, Role.DESTINATION):
                with self.store.read() as conn:
                    held = conn.execute(
                        select(movements.c.state).where(
                            movements.c.mrn == mrn, movements.c.role == role.value
                        )
                    ).first()
                if held is not None:
                    result = self._step(
                        mrn,
                        role,
                        event,
                        doc["office_of_departure"],
                        f"{message_id}:{role.value}",
                        effects=lambda c, r, n: {"closed_at": n},
                    )
            if result is None:
                raise NotFoundError(
                    f"no movement {mrn} here",
                    expected="a movement held here",
                    got=mrn,
                    fix="check the receiver of the notice",
                )
            return result

        return handle


_HANDLERS: dict[str, Callable[..., MovementPublic | None]] = {
    "transit-anticipated-transit-record": lambda s, m, d, snd, mid: s._anticipated(
        Role.TRANSIT, m, d, snd, mid
    ),
    "transit-anticipated-arrival-record": lambda s, m, d, snd, mid: s._anticipated(
        Role.DESTINATION, m, d, snd, mid
    ),
    "transit-crossing-frontier": PartnerMessages._on_crossing,
    "transit-arrival-advice": PartnerMessages._on_arrival_advice,
    "transit-control-results": PartnerMessages._on_control,
    "transit-enquiry-request": PartnerMessages._on_enquiry,
    "transit-enquiry-reply": PartnerMessages._on_reply,
    "transit-write-off": lambda s, m, d, snd, mid: s._on_notice("write_off")(s, m, d, snd, mid),
    "transit-recovery": lambda s, m, d, snd, mid: s._on_notice("recovery")(s, m, d, snd, mid),
}
