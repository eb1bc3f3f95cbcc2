"""The machinery every transit step shares: one transaction that checks the movement's state
and route, applies the change, writes its history line and queues the partners' messages.

:class:`MovementSteps` is what the office verbs (:mod:`haiquan.transit.service`) and the
partners' messages (:mod:`haiquan.transit.inbound`) both stand on; a message id already in the
history makes a step a repeat that changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pycountry
from sqlalchemy import Connection, insert, select, update

from haiquan.errors import NotFoundError, PermissionDeniedError
from haiquan.transit.lifecycle import next_state
from haiquan.transit.models import (
    MovementEvent,
    MovementPublic,
    Role,
    State,
)
from haiquan.transit.mrn import check_mrn
from haiquan.transit.reference import ActsReference, acts_reference
from haiquan.transit.store import TransitStore, events, movements, outbox

__all__ = ["Clock", "MovementSteps", "movement_public", "utc_now"]

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The current UTC time, naive, as the store keeps times."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def iso(moment: dt.datetime) -> str:
    """A stored (UTC) time as the messages carry it: ISO 8601 ending in ``Z``."""
    return moment.replace(tzinfo=None).isoformat() + "Z"


def parse_time(text: str) -> dt.datetime:
    """A message's ISO 8601 time as a naive UTC time, as the store keeps times."""
    return (
        dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        .astimezone(dt.UTC)
        .replace(tzinfo=None)
    )


def alpha2(alpha3: str) -> str:
    """The two-letter country code an MRN carries for an ISO alpha-3 code."""
    found = pycountry.countries.get(alpha_3=alpha3)
    return found.alpha_2 if found else alpha3[:2]


class MovementSteps:
    """The movements one administration holds, and how a step is written to them.

    Args:
        store: the transit store.
        country: ISO alpha-3 of this administration (VNM, LAO, THA ...).
        reference: ACTS reference data (default: the shipped file).
        clock: the current UTC time (tests and the demo set it).
    """

    def __init__(
        self,
        store: TransitStore,
        country: str,
        *,
        reference: ActsReference | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.store = store
        self.country = country
        self.reference = reference or acts_reference()
        self.clock = clock

    # --- shared machinery ---------------------------------------------------------------------
    def _repeat(self, conn: Connection, mrn: str, role: Role) -> MovementPublic:
        conn.rollback()
        return self.movement(mrn, role)

    def _departure_is(self, sender: str, mrn: str) -> None:
        if alpha2(sender) != mrn[2:4]:
            raise PermissionDeniedError(
                f"{sender} did not allocate {mrn}",
                expected=f"the record from the state of departure ({mrn[2:4]})",
                got=sender,
                fix="only the state of departure sends anticipated records",
            )

    def _from_route(self, row: dict[str, Any], office: str, role: str) -> None:
        wanted = (
            row["offices_of_transit"].split(",")
            if role == "transit"
            else [row["office_of_destination"]]
        )
        if office not in wanted:
            raise PermissionDeniedError(
                f"office {office} is not an office of {role} of {row['mrn']}",
                expected=f"one of {', '.join(w for w in wanted if w) or 'none declared'}",
                got=office,
                fix="check the MRN: the message is for another movement, or the route changed",
            )

    def _close_effects(self, document_type: str) -> Callable[..., dict[str, Any]]:
        def close(conn: Connection, row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
            self._notify_route(
                conn,
                row,
                document_type,
                {
                    "mrn": row["mrn"],
                    "office_of_departure": row["office_of_departure"],
                    "written_off_at": iso(now),
                },
            )
            return {"closed_at": now}

        return close

    def _recovery_effects(self, reason: str) -> Callable[..., dict[str, Any]]:
        def recover(conn: Connection, row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
            self._notify_route(
                conn,
                row,
                "transit-recovery",
                {
                    "mrn": row["mrn"],
                    "office_of_departure": row["office_of_departure"],
                    "started_at": iso(now),
                    "reason": reason,
                },
            )
            return {}

        return recover

    def _notify_route(
        self, conn: Connection, row: dict[str, Any], document_type: str, payload: dict[str, Any]
    ) -> None:
        offices = [o for o in row["offices_of_transit"].split(",") if o]
        countries = {
            self.reference.office(o).country for o in offices + [row["office_of_destination"]]
        }
        for country in sorted(countries - {self.country}):
            self._send(
                conn,
                document_type,
                payload,
                country,
                f"{row['mrn']}-{document_type.removeprefix('transit-')}-{country}",
            )

    def _check_office(self, row: dict[str, Any], office: str, role: str) -> None:
        if self.reference.office(office).country != self.country:
            raise PermissionDeniedError(
                f"office {office} is not an office of {self.country}",
                expected=f"an office of {self.country}",
                got=office,
                fix="record the step at the administration of that office",
            )
        self._from_route(row, office, role)

    def _departure_country(self, row: dict[str, Any]) -> str:
        return self.reference.office(row["office_of_departure"]).country

    def _send(
        self,
        conn: Connection,
        document_type: str,
        payload: dict[str, Any],
        receiver: str,
        message_id: str,
    ) -> None:
        if receiver == self.country:
            return  # a movement within one administration needs no message to itself
        conn.execute(
            insert(outbox).values(
                message_id=f"{self.country}-{message_id}",
                document_type=document_type,
                receiver=receiver,
                payload=json.dumps(payload, separators=(",", ":")),
                created_at=self.clock(),
                handed_over=False,
            )
        )

    def _event(
        self,
        conn: Connection,
        mrn: str,
        role: Role,
        kind: str,
        office: str,
        state: State,
        at: dt.datetime,
        message_id: str | None,
        detail: str,
    ) -> None:
        conn.execute(
            insert(events).values(
                mrn=mrn,
                role=role.value,
                kind=kind,
                office=office,
                state=state.value,
                at=at,
                message_id=message_id,
                detail=detail,
            )
        )

    def _step(
        self,
        mrn: str,
        role: Role,
        event: str,
        office: str | None,
        message_id: str | None,
        *,
        effects: Callable[[Connection, dict[str, Any], dt.datetime], dict[str, Any]] | None = None,
        detail: str = "",
        sender: str | None = None,
    ) -> MovementPublic:
        mrn = check_mrn(mrn)
        now = self.clock()
        with self.store.write() as conn:
            if (
                message_id
                and conn.execute(
                    select(events.c.event_id).where(events.c.message_id == message_id)
                ).first()
            ):
                return self._repeat(conn, mrn, role)
            row = (
                conn.execute(
                    self.store.for_update(
                        select(movements).where(
                            movements.c.mrn == mrn, movements.c.role == role.value
                        )
                    )
                )
                .mappings()
                .first()
            )
            if row is None:
                raise NotFoundError(
                    f"no movement {mrn} at this office of {role.value}",
                    expected=f"a movement {self.country} holds as office of {role.value}",
                    got=mrn,
                    fix="check the MRN; at transit or destination the record arrives when the "
                    "office of departure releases the goods",
                )
            if sender is not None and role is Role.DEPARTURE and office is not None:
                if self.reference.office(office).country != sender:
                    raise PermissionDeniedError(
                        f"{sender} cannot speak for office {office}",
                        expected=f"a message from {self.reference.office(office).country}",
                        got=sender,
                        fix="each office's own administration sends its messages",
                    )
            move = next_state(role, event, State(row["state"]), mrn=mrn)
            repeat = not move.changes or (
                event == "crossing"
                and row["state"] == move.after.value
                and conn.execute(
                    select(events.c.event_id).where(
                        events.c.mrn == mrn,
                        events.c.role == role.value,
                        events.c.kind == "crossing",
                        events.c.office == office,
                    )
                ).first()
                is not None
            )
            if repeat:
                return self._repeat(conn, mrn, role)
            values = dict(effects(conn, dict(row), now)) if effects else {}
            values["state"] = move.after.value
            conn.execute(
                update(movements)
                .where(movements.c.mrn == mrn, movements.c.role == role.value)
                .values(values)
            )
            self._event(
                conn,
                mrn,
                role,
                event,
                office or row["office_of_departure"] if role is Role.DEPARTURE else office or "",
                move.after,
                now,
                message_id,
                detail,
            )
        if message_id is not None:
            # Applying a partner's message: nobody reads the history now, skip re-reading it.
            return movement_public({**row, **values})
        return self.movement(mrn, role)

    # --- reading ------------------------------------------------------------------------------
    def movement(self, mrn: str, role: Role | None = None) -> MovementPublic:
        """A movement with its history (the departure record first when several are held)."""
        mrn = check_mrn(mrn)
        with self.store.read() as conn:
            query = select(movements).where(movements.c.mrn == mrn)
            if role is not None:
                query = query.where(movements.c.role == role.value)
            rows = conn.execute(query).mappings().all()
            if not rows:
                raise NotFoundError(
                    f"no movement {mrn}",
                    expected="an MRN held here",
                    got=mrn,
                    fix="check the MRN (`haiquan transit list`)",
                )
            row = sorted(rows, key=lambda r: list(Role).index(Role(r["role"])))[0]
            history = (
                conn.execute(
                    select(events)
                    .where(events.c.mrn == mrn, events.c.role == row["role"])
                    .order_by(events.c.event_id)
                )
                .mappings()
                .all()
            )
        return movement_public(row, history)


def movement_public(row: Any, history: Any = ()) -> MovementPublic:
    """A stored row (and its events) as the public model."""
    return MovementPublic(
        mrn=row["mrn"],
        role=Role(row["role"]),
        state=State(row["state"]),
        lrn=row["lrn"],
        office_of_departure=row["office_of_departure"],
        offices_of_transit=[o for o in row["offices_of_transit"].split(",") if o],
        office_of_destination=row["office_of_destination"],
        holder=row["holder"],
        guarantee_reference=row["guarantee_reference"],
        amount_engaged_usd=row["amount_engaged_usd"],
        time_limit=row["time_limit"],
        accepted_at=row["accepted_at"],
        released_at=row["released_at"],
        arrived_at=row["arrived_at"],
        closed_at=row["closed_at"],
        enquiry_deadline=row["enquiry_deadline"],
        last_crossing=row["last_crossing"],
        synthetic=row["synthetic"],
        events=[
            MovementEvent(
                at=e["at"],
                kind=e["kind"],
                office=e["office"],
                state=State(e["state"]),
                message_id=e["message_id"],
                detail=e["detail"],
            )
            for e in history
        ],
    )
