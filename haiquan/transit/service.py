"""One administration's transit office work: declare, release, record crossings and arrivals,
apply the partners' messages, and chase movements past their time limit.

Each method is one transaction on the :class:`~haiquan.transit.store.TransitStore`: the check
(reference data, state, guarantee balance), the change, its history line and the messages for
the partner administrations are written together or not at all. Messages received through the
gateway carry their ``message_id``; one already applied is recognised and changes nothing, so a
node that crashed after applying a message and before acknowledging it may apply it again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pycountry
from sqlalchemy import Connection, func, insert, select, update

from haiquan.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from haiquan.transit.lifecycle import next_state
from haiquan.transit.models import (
    OPEN_STATES,
    GuaranteeCreate,
    GuaranteePublic,
    MovementEvent,
    MovementPublic,
    Role,
    State,
    TransitDeclaration,
)
from haiquan.transit.mrn import allocate_mrn, check_mrn
from haiquan.transit.reference import ActsReference, acts_reference
from haiquan.transit.store import TransitStore, events, guarantees, movements, outbox, serials

__all__ = ["Clock", "TransitService", "configured_service", "utc_now"]

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _iso(moment: dt.datetime) -> str:
    return moment.replace(tzinfo=None).isoformat() + "Z"


def _parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC).replace(
        tzinfo=None)


def _alpha2(alpha3: str) -> str:
    found = pycountry.countries.get(alpha_3=alpha3)
    return found.alpha_2 if found else alpha3[:2]


class TransitService:
    """The transit work of the administration of ``country`` over one store.

    Args:
        store: the transit store.
        country: ISO alpha-3 of this administration (VNM, LAO, THA ...).
        reference: ACTS reference data (default: the shipped file).
        clock: the current UTC time (tests and the demo set it).
    """

    def __init__(self, store: TransitStore, country: str, *,
                 reference: ActsReference | None = None, clock: Clock = utc_now) -> None:
        self.store = store
        self.country = country
        self.reference = reference or acts_reference()
        self.clock = clock

    # --- guarantees ------------------------------------------------------------------------
    def register_guarantee(self, guarantee: GuaranteeCreate) -> GuaranteePublic:
        """Register a guarantee at this administration (its office of guarantee)."""
        with self.store.write() as conn:
            if conn.execute(select(guarantees.c.reference).where(
                    guarantees.c.reference == guarantee.reference)).first():
                raise ConflictError(
                    f"guarantee {guarantee.reference} is already registered",
                    expected="a new guarantee reference number",
                    got=guarantee.reference,
                    fix="use `haiquan transit guarantee show GRN` to read the one registered",
                )
            conn.execute(insert(guarantees).values(
                reference=guarantee.reference, holder=guarantee.holder, country=self.country,
                reference_amount_usd=guarantee.reference_amount_usd,
                synthetic=guarantee.synthetic))
        return self.guarantee(guarantee.reference)

    def guarantee(self, reference: str, conn: Connection | None = None) -> GuaranteePublic:
        """A guarantee with the amount its open movements engage."""
        if conn is None:
            with self.store.read() as own:
                return self.guarantee(reference, own)
        row = conn.execute(self.store.for_update(select(guarantees).where(
            guarantees.c.reference == reference))).mappings().first()
        if row is None:
            raise NotFoundError(
                f"no guarantee {reference!r}",
                expected="a guarantee registered here",
                got=reference,
                fix="register it first (`haiquan transit guarantee add`)",
            )
        engaged, count = conn.execute(
            select(func.coalesce(func.sum(movements.c.amount_engaged_usd), 0.0), func.count())
            .where(movements.c.guarantee_reference == reference,
                   movements.c.role == Role.DEPARTURE.value,
                   movements.c.state.in_([s.value for s in OPEN_STATES]))).one()
        return GuaranteePublic(reference=row["reference"], holder=row["holder"],
                               country=row["country"],
                               reference_amount_usd=row["reference_amount_usd"],
                               engaged_usd=float(engaged), open_movements=int(count),
                               synthetic=row["synthetic"])

    # --- office of departure -----------------------------------------------------------------
    def _check_route(self, decl: TransitDeclaration, day: dt.date) -> str:
        ref = self.reference
        departure = ref.office(decl.office_of_departure, role="departure")
        if departure.country != self.country:
            raise PermissionDeniedError(
                f"office {departure.reference} is not an office of {self.country}",
                expected=f"an office of departure of {self.country}",
                got=f"{departure.reference} ({departure.country})",
                fix="lodge the declaration in the state of departure",
            )
        route = [departure] + [ref.office(o, role="transit") for o in decl.offices_of_transit]
        destination = ref.office(decl.office_of_destination, role="destination")
        for office in route + [destination]:
            ref.state(office.country, on=day)
        if len(set(decl.offices_of_transit)) != len(decl.offices_of_transit):
            raise ValidationError(
                "an office of transit is named twice",
                expected="each office of transit once, in route order",
                got=", ".join(decl.offices_of_transit),
                fix="remove the repeated office",
            )
        return destination.country

    def declare(self, decl: TransitDeclaration) -> MovementPublic:
        """Accept a declaration: check route and guarantee, allocate the MRN, engage the amount.

        Raises:
            UnknownCodeError: an office not in the ACTS reference data.
            ValidationError: an office without the role, a state outside ACTS, a time limit in
                the past.
            NotFoundError: the guarantee is not registered here.
            PermissionDeniedError: the guarantee belongs to another holder.
            ConflictError: the guarantee cannot cover the goods (the balance is shown), or the
                LRN was already declared.
        """
        now = self.clock()
        self._check_route(decl, now.date())
        time_limit = decl.time_limit or now.date() + dt.timedelta(
            days=int(self.reference.rule("default_time_limit_days")))
        if time_limit < now.date():
            raise ValidationError(
                "the time limit is in the past",
                expected=f"a date from {now.date().isoformat()} on",
                got=time_limit.isoformat(),
                fix="set the date by which the goods must reach the office of destination",
            )
        amount = round(decl.value_usd * self.reference.rule("guarantee_share_of_value"), 2)
        with self.store.write() as conn:
            if conn.execute(select(serials.c.serial).where(
                    serials.c.office == decl.office_of_departure,
                    serials.c.lrn == decl.lrn)).first():
                raise ConflictError(
                    f"LRN {decl.lrn} was already declared at {decl.office_of_departure}",
                    expected="a new local reference number",
                    got=decl.lrn,
                    fix="look the movement up by its MRN instead of declaring it again",
                )
            held = self.guarantee(decl.guarantee_reference, conn)
            if held.holder != decl.holder.identification:
                raise PermissionDeniedError(
                    f"guarantee {held.reference} is not the holder's",
                    expected=f"a guarantee of {decl.holder.identification}",
                    got=f"{held.reference} of {held.holder}",
                    fix="declare with the holder's own guarantee",
                )
            if amount > held.balance_usd + 1e-6:
                raise ConflictError(
                    f"guarantee {held.reference} cannot cover these goods",
                    expected=f"at most USD {held.balance_usd:,.2f} (reference amount "
                    f"{held.reference_amount_usd:,.2f}, engaged {held.engaged_usd:,.2f} by "
                    f"{held.open_movements} open movement(s))",
                    got=f"USD {amount:,.2f} to engage",
                    fix="wait for open movements to be discharged, raise the reference amount, "
                    "or split the consignment",
                    details={"balance_usd": held.balance_usd, "amount_usd": amount},
                )
            key = conn.execute(insert(serials).values(
                office=decl.office_of_departure, lrn=decl.lrn)).inserted_primary_key
            assert key is not None
            serial = key[0]
            mrn = allocate_mrn(now.year, decl.office_of_departure, int(serial))
            conn.execute(insert(movements).values(
                mrn=mrn, role=Role.DEPARTURE.value, state=State.ACCEPTED.value, lrn=decl.lrn,
                office_of_departure=decl.office_of_departure,
                offices_of_transit=",".join(decl.offices_of_transit),
                office_of_destination=decl.office_of_destination,
                holder=decl.holder.identification,
                guarantee_reference=decl.guarantee_reference, amount_engaged_usd=amount,
                time_limit=time_limit, accepted_at=now,
                declaration=decl.model_dump_json(), synthetic=decl.synthetic))
            self._event(conn, mrn, Role.DEPARTURE, "accept", decl.office_of_departure,
                        State.ACCEPTED, now, None, f"USD {amount:,.2f} engaged")
        return self.movement(mrn, Role.DEPARTURE)

    def release(self, mrn: str) -> MovementPublic:
        """Release for transit: send the anticipated records along the route."""
        def effects(conn: Connection, row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
            decl = json.loads(row["declaration"])
            record = {key: decl[key] for key in (
                "office_of_departure", "offices_of_transit", "office_of_destination", "holder",
                "consignor", "consignee", "carrier", "vehicle", "seals", "items",
                "guarantee_reference", "synthetic")}
            record.update(mrn=row["mrn"], released_at=_iso(now),
                          time_limit=row["time_limit"].isoformat())
            for office in decl["offices_of_transit"]:
                self._send(conn, "transit-anticipated-transit-record",
                           {**record, "office_of_transit": office},
                           self.reference.office(office).country, f"{row['mrn']}-ATR-{office}")
            self._send(conn, "transit-anticipated-arrival-record", record,
                       self.reference.office(decl["office_of_destination"]).country,
                       f"{row['mrn']}-AAR")
            return {"released_at": now}

        return self._step(mrn, Role.DEPARTURE, "release", None, None, effects=effects)

    # --- offices of transit and destination (officer's acts) --------------------------------
    def record_crossing(self, mrn: str, office: str) -> MovementPublic:
        """The goods entered at this office of transit: notify the office of departure."""
        def effects(conn: Connection, row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
            self._check_office(row, office, "transit")
            self._send(conn, "transit-crossing-frontier",
                       {"mrn": row["mrn"], "office_of_transit": office, "crossed_at": _iso(now)},
                       self._departure_country(row), f"{row['mrn']}-NCF-{office}")
            return {"last_crossing": office}

        return self._step(mrn, Role.TRANSIT, "crossing", office, None, effects=effects)

    def record_arrival(self, mrn: str, office: str) -> MovementPublic:
        """The goods were presented at destination (arrival notification accepted)."""
        def effects(conn: Connection, row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
            self._check_office(row, office, "destination")
            self._send(conn, "transit-arrival-advice",
                       {"mrn": row["mrn"], "office_of_destination": office,
                        "arrived_at": _iso(now)},
                       self._departure_country(row), f"{row['mrn']}-IE006")
            return {"arrived_at": now}

        return self._step(mrn, Role.DESTINATION, "arrival", office, None, effects=effects)

    def record_control(self, mrn: str, *, satisfactory: bool, remarks: str = ""
                       ) -> MovementPublic:
        """Control results at destination, sent to the office of departure."""
        def effects(conn: Connection, row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
            payload: dict[str, Any] = {
                "mrn": row["mrn"], "office_of_destination": row["office_of_destination"],
                "controlled_at": _iso(now), "result": "A1" if satisfactory else "B1"}
            if remarks:
                payload["remarks"] = remarks
            self._send(conn, "transit-control-results", payload, self._departure_country(row),
                       f"{row['mrn']}-IE018")
            return {}

        return self._step(mrn, Role.DESTINATION, "control", None, None, effects=effects,
                          detail="A1 satisfactory" if satisfactory else f"B1 {remarks}")

    def resolve_discrepancies(self, mrn: str, note: str) -> MovementPublic:
        """Discrepancies cleared at departure: discharge."""
        return self._step(mrn, Role.DEPARTURE, "resolve", None, None,
                          effects=self._close_effects("transit-write-off"), detail=note)

    def record_recovered(self, mrn: str, note: str) -> MovementPublic:
        """Duties recovered: the movement is closed and the guarantee released."""
        return self._step(mrn, Role.DEPARTURE, "recovered", None, None,
                          effects=lambda c, r, n: {"closed_at": n}, detail=note)

    # --- time limits -------------------------------------------------------------------------
    def check_deadlines(self) -> dict[str, list[str]]:
        """Mark movements past their time limit overdue, send enquiries, start recoveries.

        Returns the MRNs moved, by step (``overdue``, ``enquiry``, ``recovery``).
        """
        now = self.clock()
        today = now.date()
        after = dt.timedelta(days=int(self.reference.rule("enquiry_after_days")))
        reply = dt.timedelta(days=int(self.reference.rule("enquiry_reply_days")))
        done: dict[str, list[str]] = {"overdue": [], "enquiry": [], "recovery": []}
        with self.store.read() as conn:
            rows = conn.execute(select(movements.c.mrn, movements.c.state,
                                       movements.c.time_limit, movements.c.enquiry_deadline)
                                .where(movements.c.role == Role.DEPARTURE.value,
                                       movements.c.state.in_(["released", "in_transit",
                                                              "overdue", "enquiry"]))).all()
        for mrn, state, limit, deadline in rows:
            if state in ("released", "in_transit") and today > limit:
                self._step(mrn, Role.DEPARTURE, "overdue", None, None,
                           detail=f"time limit {limit.isoformat()} passed")
                done["overdue"].append(mrn)
                state = "overdue"
            if state == "overdue" and today > limit + after:
                reply_by = today + reply

                def enquire(conn: Connection, row: dict[str, Any], now: dt.datetime,
                            reply_by: dt.date = reply_by) -> dict[str, Any]:
                    self._send(conn, "transit-enquiry-request",
                               {"mrn": row["mrn"], "office_of_departure":
                                row["office_of_departure"], "office_of_destination":
                                row["office_of_destination"], "sent_at": _iso(now),
                                "reply_by": reply_by.isoformat()},
                               self.reference.office(row["office_of_destination"]).country,
                               f"{row['mrn']}-ENQ")
                    return {"enquiry_deadline": reply_by}

                self._step(mrn, Role.DEPARTURE, "enquiry", None, None, effects=enquire,
                           detail=f"reply by {reply_by.isoformat()}")
                done["enquiry"].append(mrn)
            elif state == "enquiry" and deadline is not None and today > deadline:
                self._step(mrn, Role.DEPARTURE, "no_reply", None, None,
                           effects=self._recovery_effects("no reply to the enquiry"),
                           detail=f"no reply by {deadline.isoformat()}")
                done["recovery"].append(mrn)
        return done

    # --- messages from partner administrations -----------------------------------------------
    def receive(self, document_type: str, document: dict[str, Any], *, sender: str,
                message_id: str) -> MovementPublic | None:
        """Apply one message received through the gateway (idempotent by ``message_id``).

        Raises:
            ConflictError: the message does not fit the movement's state (the state is named).
            PermissionDeniedError: it comes from an office not on the movement's route.
            NotFoundError: it names a movement this administration does not hold.
        """
        with self.store.read() as conn:
            if conn.execute(select(events.c.event_id).where(
                    events.c.message_id == message_id)).first():
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

    def _anticipated(self, role: Role, mrn: str, doc: dict[str, Any], sender: str,
                     message_id: str) -> MovementPublic:
        office = doc["office_of_transit"] if role is Role.TRANSIT else doc[
            "office_of_destination"]
        if self.reference.office(office).country != self.country:
            raise PermissionDeniedError(
                f"{office} is not an office of {self.country}",
                expected=f"a record for an office of {self.country}",
                got=office, fix="send the record to the office's administration")
        now = self.clock()
        with self.store.write() as conn:
            if conn.execute(select(movements.c.mrn).where(
                    movements.c.mrn == mrn, movements.c.role == role.value)).first():
                return self._repeat(conn, mrn, role)
            self._departure_is(sender, mrn)
            conn.execute(insert(movements).values(
                mrn=mrn, role=role.value, state=State.ANTICIPATED.value, lrn="",
                office_of_departure=doc["office_of_departure"],
                offices_of_transit=",".join(doc["offices_of_transit"]),
                office_of_destination=doc["office_of_destination"],
                holder=doc["holder"]["identification"],
                guarantee_reference=doc["guarantee_reference"],
                amount_engaged_usd=0.0, time_limit=dt.date.fromisoformat(doc["time_limit"]),
                released_at=_parse_time(doc["released_at"]),
                declaration=json.dumps(doc), synthetic=bool(doc.get("synthetic"))))
            self._event(conn, mrn, role, "anticipated", doc["office_of_departure"],
                        State.ANTICIPATED, now, message_id, f"record for {office}")
        return self.movement(mrn, role)

    def _repeat(self, conn: Connection, mrn: str, role: Role) -> MovementPublic:
        conn.rollback()
        return self.movement(mrn, role)

    def _departure_is(self, sender: str, mrn: str) -> None:
        if _alpha2(sender) != mrn[2:4]:
            raise PermissionDeniedError(
                f"{sender} did not allocate {mrn}",
                expected=f"the record from the state of departure ({mrn[2:4]})",
                got=sender, fix="only the state of departure sends anticipated records")

    def _from_route(self, row: dict[str, Any], office: str, role: str) -> None:
        wanted = (row["offices_of_transit"].split(",") if role == "transit"
                  else [row["office_of_destination"]])
        if office not in wanted:
            raise PermissionDeniedError(
                f"office {office} is not an office of {role} of {row['mrn']}",
                expected=f"one of {', '.join(w for w in wanted if w) or 'none declared'}",
                got=office,
                fix="check the MRN: the message is for another movement, or the route changed",
            )

    def _on_crossing(self, mrn: str, doc: dict[str, Any], sender: str,
                     message_id: str) -> MovementPublic:
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

        return self._step(mrn, Role.DEPARTURE, "crossing", office, message_id,
                          effects=effects, detail=f"crossed at {doc['crossed_at']}",
                          sender=sender)

    def _on_arrival_advice(self, mrn: str, doc: dict[str, Any], sender: str,
                           message_id: str) -> MovementPublic:
        office = doc["office_of_destination"]

        def effects(conn: Connection, row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
            self._from_route(row, office, "destination")
            return {"arrived_at": _parse_time(doc["arrived_at"])}

        return self._step(mrn, Role.DEPARTURE, "arrival_advice", office, message_id,
                          effects=effects, sender=sender)

    def _on_control(self, mrn: str, doc: dict[str, Any], sender: str,
                    message_id: str) -> MovementPublic:
        office = doc["office_of_destination"]
        ok = doc["result"] == "A1"
        close = self._close_effects("transit-write-off") if ok else None

        def effects(conn: Connection, row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
            self._from_route(row, office, "destination")
            return close(conn, row, now) if close else {}

        return self._step(mrn, Role.DEPARTURE,
                          "control_satisfactory" if ok else "control_discrepancies", office,
                          message_id, effects=effects, sender=sender,
                          detail=doc["result"] + (f" {doc['remarks']}" if doc.get("remarks")
                                                  else ""))

    def _on_enquiry(self, mrn: str, doc: dict[str, Any], sender: str,
                    message_id: str) -> MovementPublic:
        """At destination: answer at once from what this office holds."""
        now = self.clock()
        with self.store.write() as conn:
            row = conn.execute(select(movements).where(
                movements.c.mrn == mrn, movements.c.role == Role.DESTINATION.value)
            ).mappings().first()
            arrived = row is not None and row["arrived_at"] is not None
            office = doc["office_of_destination"]
            self._send(conn, "transit-enquiry-reply",
                       {"mrn": mrn, "office_of_destination": office, "replied_at": _iso(now),
                        "goods_arrived": arrived,
                        "arrived_at": _iso(row["arrived_at"]) if arrived and row else None},
                       sender, f"{mrn}-ENQ-REPLY")
            self._event(conn, mrn, Role.DESTINATION, "enquiry_answered", office,
                        State(row["state"]) if row else State.ANTICIPATED, now, message_id,
                        "goods arrived" if arrived else "goods not presented here")
        return self.movement(mrn, Role.DESTINATION) if row else None  # type: ignore[return-value]

    def _on_reply(self, mrn: str, doc: dict[str, Any], sender: str,
                  message_id: str) -> MovementPublic:
        office = doc["office_of_destination"]
        if doc["goods_arrived"]:
            close = self._close_effects("transit-write-off")

            def effects(conn: Connection, row: dict[str, Any], now: dt.datetime
                        ) -> dict[str, Any]:
                self._from_route(row, office, "destination")
                return {**close(conn, row, now), "arrived_at": _parse_time(doc["arrived_at"])}

            return self._step(mrn, Role.DEPARTURE, "reply_arrived", office, message_id,
                              effects=effects, sender=sender, detail="goods arrived")
        recover = self._recovery_effects("the office of destination has no trace of the goods")

        def not_arrived(conn: Connection, row: dict[str, Any], now: dt.datetime
                        ) -> dict[str, Any]:
            self._from_route(row, office, "destination")
            return recover(conn, row, now)

        return self._step(mrn, Role.DEPARTURE, "reply_not_arrived", office, message_id,
                          effects=not_arrived, sender=sender, detail="goods not arrived")

    def _on_notice(self, event: str) -> Callable[..., MovementPublic | None]:
        def handle(self: TransitService, mrn: str, doc: dict[str, Any], sender: str,
                   message_id: str) -> MovementPublic | None:
            self._departure_is(sender, mrn)
            result = None
            for role in (Role.TRANSIT, Role.DESTINATION):
                with self.store.read() as conn:
                    held = conn.execute(select(movements.c.state).where(
                        movements.c.mrn == mrn, movements.c.role == role.value)).first()
                if held is not None:
                    result = self._step(mrn, role, event, doc["office_of_departure"],
                                        f"{message_id}:{role.value}",
                                        effects=lambda c, r, n: {"closed_at": n})
            if result is None:
                raise NotFoundError(f"no movement {mrn} here", expected="a movement held here",
                                    got=mrn, fix="check the receiver of the notice")
            return result

        return handle

    # --- shared machinery ---------------------------------------------------------------------
    def _close_effects(self, document_type: str) -> Callable[..., dict[str, Any]]:
        def close(conn: Connection, row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
            self._notify_route(conn, row, document_type,
                               {"mrn": row["mrn"], "office_of_departure":
                                row["office_of_departure"], "written_off_at": _iso(now)})
            return {"closed_at": now}

        return close

    def _recovery_effects(self, reason: str) -> Callable[..., dict[str, Any]]:
        def recover(conn: Connection, row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
            self._notify_route(conn, row, "transit-recovery",
                               {"mrn": row["mrn"], "office_of_departure":
                                row["office_of_departure"], "started_at": _iso(now),
                                "reason": reason})
            return {}

        return recover

    def _notify_route(self, conn: Connection, row: dict[str, Any], document_type: str,
                      payload: dict[str, Any]) -> None:
        offices = [o for o in row["offices_of_transit"].split(",") if o]
        countries = {self.reference.office(o).country
                     for o in offices + [row["office_of_destination"]]}
        for country in sorted(countries - {self.country}):
            self._send(conn, document_type, payload, country,
                       f"{row['mrn']}-{document_type.removeprefix('transit-')}-{country}")

    def _check_office(self, row: dict[str, Any], office: str, role: str) -> None:
        if self.reference.office(office).country != self.country:
            raise PermissionDeniedError(
                f"office {office} is not an office of {self.country}",
                expected=f"an office of {self.country}", got=office,
                fix="record the step at the administration of that office")
        self._from_route(row, office, role)

    def _departure_country(self, row: dict[str, Any]) -> str:
        return self.reference.office(row["office_of_departure"]).country

    def _send(self, conn: Connection, document_type: str, payload: dict[str, Any],
              receiver: str, message_id: str) -> None:
        if receiver == self.country:
            return  # a movement within one administration needs no message to itself
        conn.execute(insert(outbox).values(
            message_id=f"{self.country}-{message_id}", document_type=document_type,
            receiver=receiver, payload=json.dumps(payload, separators=(",", ":")),
            created_at=self.clock(), handed_over=False))

    def _event(self, conn: Connection, mrn: str, role: Role, kind: str, office: str,
               state: State, at: dt.datetime, message_id: str | None, detail: str) -> None:
        conn.execute(insert(events).values(mrn=mrn, role=role.value, kind=kind, office=office,
                                           state=state.value, at=at, message_id=message_id,
                                           detail=detail))

    def _step(self, mrn: str, role: Role, event: str, office: str | None,
              message_id: str | None, *,
              effects: Callable[[Connection, dict[str, Any], dt.datetime], dict[str, Any]]
              | None = None, detail: str = "", sender: str | None = None) -> MovementPublic:
        mrn = check_mrn(mrn)
        now = self.clock()
        with self.store.write() as conn:
            if message_id and conn.execute(select(events.c.event_id).where(
                    events.c.message_id == message_id)).first():
                return self._repeat(conn, mrn, role)
            row = conn.execute(self.store.for_update(select(movements).where(
                movements.c.mrn == mrn, movements.c.role == role.value))).mappings().first()
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
                        got=sender, fix="each office's own administration sends its messages")
            move = next_state(role, event, State(row["state"]), mrn=mrn)
            repeat = not move.changes or (
                event == "crossing" and row["state"] == move.after.value
                and conn.execute(select(events.c.event_id).where(
                    events.c.mrn == mrn, events.c.role == role.value,
                    events.c.kind == "crossing", events.c.office == office)).first() is not None)
            if repeat:
                return self._repeat(conn, mrn, role)
            values = dict(effects(conn, dict(row), now)) if effects else {}
            values["state"] = move.after.value
            conn.execute(update(movements).where(movements.c.mrn == mrn,
                                                 movements.c.role == role.value).values(values))
            self._event(conn, mrn, role, event, office or row["office_of_departure"]
                        if role is Role.DEPARTURE else office or "", move.after, now,
                        message_id, detail)
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
                raise NotFoundError(f"no movement {mrn}", expected="an MRN held here",
                                    got=mrn, fix="check the MRN (`haiquan transit list`)")
            row = sorted(rows, key=lambda r: list(Role).index(Role(r["role"])))[0]
            history = conn.execute(select(events).where(
                events.c.mrn == mrn, events.c.role == row["role"]).order_by(
                events.c.event_id)).mappings().all()
        return movement_public(row, history)


def movement_public(row: Any, history: Any = ()) -> MovementPublic:
    """A stored row (and its events) as the public model."""
    return MovementPublic(
        mrn=row["mrn"], role=Role(row["role"]), state=State(row["state"]), lrn=row["lrn"],
        office_of_departure=row["office_of_departure"],
        offices_of_transit=[o for o in row["offices_of_transit"].split(",") if o],
        office_of_destination=row["office_of_destination"], holder=row["holder"],
        guarantee_reference=row["guarantee_reference"],
        amount_engaged_usd=row["amount_engaged_usd"], time_limit=row["time_limit"],
        accepted_at=row["accepted_at"], released_at=row["released_at"],
        arrived_at=row["arrived_at"], closed_at=row["closed_at"],
        enquiry_deadline=row["enquiry_deadline"], last_crossing=row["last_crossing"],
        synthetic=row["synthetic"],
        events=[MovementEvent(at=e["at"], kind=e["kind"], office=e["office"],
                              state=State(e["state"]), message_id=e["message_id"],
                              detail=e["detail"]) for e in history])


_HANDLERS: dict[str, Callable[..., MovementPublic | None]] = {
    "transit-anticipated-transit-record":
        lambda s, m, d, snd, mid: s._anticipated(Role.TRANSIT, m, d, snd, mid),
    "transit-anticipated-arrival-record":
        lambda s, m, d, snd, mid: s._anticipated(Role.DESTINATION, m, d, snd, mid),
    "transit-crossing-frontier": TransitService._on_crossing,
    "transit-arrival-advice": TransitService._on_arrival_advice,
    "transit-control-results": TransitService._on_control,
    "transit-enquiry-request": TransitService._on_enquiry,
    "transit-enquiry-reply": TransitService._on_reply,
    "transit-write-off": lambda s, m, d, snd, mid: s._on_notice("write_off")(s, m, d, snd, mid),
    "transit-recovery": lambda s, m, d, snd, mid: s._on_notice("recovery")(s, m, d, snd, mid),
}


def configured_service() -> TransitService:
    """The service of ``HAIQUAN_HOME_COUNTRY`` over ``HAIQUAN_TRANSIT_DATABASE_URL``."""
    from haiquan.settings import get_settings

    return TransitService(TransitStore(), get_settings().home_country)
