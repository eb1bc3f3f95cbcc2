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
from typing import Any

from sqlalchemy import Connection, func, insert, select

from haiquan.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from haiquan.transit.inbound import PartnerMessages
from haiquan.transit.models import (
    OPEN_STATES,
    GuaranteeCreate,
    GuaranteePublic,
    MovementPublic,
    Role,
    State,
    TransitDeclaration,
)
from haiquan.transit.mrn import allocate_mrn
from haiquan.transit.steps import iso
from haiquan.transit.store import TransitStore, guarantees, movements, serials

__all__ = ["TransitService", "configured_service"]


class TransitService(PartnerMessages):
    """The transit work of the administration of ``country`` over one store.

    Args:
        store: the transit store.
        country: ISO alpha-3 of this administration (VNM, LAO, THA ...).
        reference: ACTS reference data (default: the shipped file).
        clock: the current UTC time (tests and the demo set it).
    """

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
            record.update(mrn=row["mrn"], released_at=iso(now),
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
                       {"mrn": row["mrn"], "office_of_transit": office, "crossed_at": iso(now)},
                       self._departure_country(row), f"{row['mrn']}-NCF-{office}")
            return {"last_crossing": office}

        return self._step(mrn, Role.TRANSIT, "crossing", office, None, effects=effects)

    def record_arrival(self, mrn: str, office: str) -> MovementPublic:
        """The goods were presented at destination (arrival notification accepted)."""
        def effects(conn: Connection, row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
            self._check_office(row, office, "destination")
            self._send(conn, "transit-arrival-advice",
                       {"mrn": row["mrn"], "office_of_destination": office,
                        "arrived_at": iso(now)},
                       self._departure_country(row), f"{row['mrn']}-IE006")
            return {"arrived_at": now}

        return self._step(mrn, Role.DESTINATION, "arrival", office, None, effects=effects)

    def record_control(self, mrn: str, *, satisfactory: bool, remarks: str = ""
                       ) -> MovementPublic:
        """Control results at destination, sent to the office of departure."""
        def effects(conn: Connection, row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
            payload: dict[str, Any] = {
                "mrn": row["mrn"], "office_of_destination": row["office_of_destination"],
                "controlled_at": iso(now), "result": "A1" if satisfactory else "B1"}
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
                                row["office_of_destination"], "sent_at": iso(now),
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


def configured_service() -> TransitService:
    """The service of ``HAIQUAN_HOME_COUNTRY`` over ``HAIQUAN_TRANSIT_DATABASE_URL``."""
    from haiquan.settings import get_settings

    return TransitService(TransitStore(), get_settings().home_country)
