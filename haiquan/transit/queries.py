"""What the transit dashboard and the national ACTS coordinator read: open movements page by
page, counts by route and border crossing, transit times per route, guarantee use.

Grouping is done by the database (``GROUP BY`` route and state), so the overview costs the same
with a hundred or a hundred thousand open movements; the page of open movements reads one index
range (``ix_transit_movements_state``) and stops at its limit.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from sqlalchemy import func, select

from haiquan.transit.models import OPEN_STATES, GuaranteeUse, MovementPublic, Role, State
from haiquan.transit.reference import ActsReference, acts_reference
from haiquan.transit.steps import movement_public
from haiquan.transit.store import TransitStore, movements

__all__ = ["CrossingFigures", "MovementPage", "RouteFigures", "TransitOverview", "guarantee_use",
           "open_movements", "transit_overview"]


@dataclass(frozen=True)
class MovementPage:
    """One page of movements and how many match in all."""

    total: int
    movements: list[MovementPublic]


def open_movements(store: TransitStore, *, role: Role = Role.DEPARTURE,
                   states: list[State] | None = None, office: str | None = None,
                   limit: int = 100, offset: int = 0) -> MovementPage:
    """Open movements held in ``role``, oldest time limit first.

    Args:
        states: only these states (default: every open state of the role).
        office: only movements whose route names this office.
    """
    wanted = states or (sorted(OPEN_STATES) if role is Role.DEPARTURE
                        else [State.ANTICIPATED, State.CROSSED, State.ARRIVED,
                              State.CONTROLLED])
    where = [movements.c.role == role.value,
             movements.c.state.in_([s.value for s in wanted])]
    if office:
        where.append((movements.c.office_of_departure == office)
                     | (movements.c.office_of_destination == office)
                     | movements.c.offices_of_transit.contains(office))
    with store.read() as conn:
        total = int(conn.execute(select(func.count()).select_from(movements).where(*where))
                    .scalar() or 0)
        rows = conn.execute(select(movements).where(*where)
                            .order_by(movements.c.time_limit, movements.c.mrn)
                            .limit(limit).offset(offset)).mappings().all()
    return MovementPage(total, [movement_public(r) for r in rows])


@dataclass
class RouteFigures:
    """Movements on one route: open ones by state, and transit times of those arrived."""

    route: str
    countries: str
    open: int = 0
    overdue: int = 0
    enquiry: int = 0
    recovery: int = 0
    discharged: int = 0
    transit_hours: list[float] = field(default_factory=list)

    @property
    def median_hours(self) -> float | None:
        return statistics.median(self.transit_hours) if self.transit_hours else None

    @property
    def p90_hours(self) -> float | None:
        if len(self.transit_hours) < 2:
            return self.transit_hours[0] if self.transit_hours else None
        return statistics.quantiles(self.transit_hours, n=10, method="inclusive")[-1]


@dataclass(frozen=True)
class CrossingFigures:
    """Open movements routed through one border crossing."""

    code: str
    name: str
    open: int
    overdue: int
    enquiry: int


@dataclass(frozen=True)
class TransitOverview:
    """The coordinator's view on a day: counts by state, route and crossing."""

    on: dt.date
    by_state: dict[str, int]
    routes: list[RouteFigures]
    crossings: list[CrossingFigures]
    synthetic: int

    @property
    def open(self) -> int:
        return sum(n for s, n in self.by_state.items() if State(s) in OPEN_STATES)


def _route(key: str) -> str:
    """``VNDAD001>LADSH001,THMDH001>THBKK001`` -> ``VNDAD001>LADSH001>THMDH001>THBKK001``."""
    return key.replace(",", ">").replace(">>", ">")


def _countries(route: str, reference: ActsReference) -> str:
    names: list[str] = []
    for office in route.split(">"):
        found = reference.offices.get(office)
        country = found.country if found else "?"
        if not names or names[-1] != country:
            names.append(country)
    return " > ".join(names)


def transit_overview(store: TransitStore, *, on: dt.date | None = None,
                     reference: ActsReference | None = None,
                     times_since: dt.date | None = None) -> TransitOverview:
    """Counts of the movements this administration departs, by state, route and crossing.

    Args:
        times_since: transit times from movements arrived since this day (default 90 days
            before ``on``).
    """
    ref = reference or acts_reference()
    day = on or dt.date.today()
    since = times_since or day - dt.timedelta(days=90)
    departure = movements.c.role == Role.DEPARTURE.value
    route_key = (movements.c.office_of_departure + ">" + movements.c.offices_of_transit + ">"
                 + movements.c.office_of_destination)
    with store.read() as conn:
        grouped = conn.execute(
            select(movements.c.office_of_departure, movements.c.offices_of_transit,
                   movements.c.office_of_destination, movements.c.state,
                   movements.c.synthetic, func.count())
            .where(departure)
            .group_by(movements.c.state, movements.c.office_of_departure,
                      movements.c.offices_of_transit, movements.c.office_of_destination,
                      movements.c.synthetic)).all()
        arrived = conn.execute(
            select(route_key, movements.c.released_at, movements.c.arrived_at)
            .where(departure, movements.c.arrived_at >= dt.datetime.combine(since, dt.time()),
                   movements.c.released_at.is_not(None))).all()
    by_state: dict[str, int] = {}
    synthetic = 0
    for _, _, _, state, is_synthetic, count in grouped:
        by_state[state] = by_state.get(state, 0) + count
        synthetic += count if is_synthetic else 0
    routes: dict[str, RouteFigures] = {}
    crossing_counts: dict[str, list[int]] = {}
    for departure_office, transit, destination, state, _, count in grouped:
        key = _route(f"{departure_office}>{transit}>{destination}")
        figures = routes.setdefault(key, RouteFigures(key, _countries(key, ref)))
        state = State(state)
        if state in OPEN_STATES:
            figures.open += count
        if state is State.OVERDUE:
            figures.overdue += count
        elif state is State.ENQUIRY:
            figures.enquiry += count
        elif state is State.RECOVERY:
            figures.recovery += count
        elif state is State.DISCHARGED:
            figures.discharged += count
        if state in OPEN_STATES:
            for office in filter(None, transit.split(",")):
                crossing = ref.crossing_into(office)
                if crossing is None:
                    continue
                tally = crossing_counts.setdefault(crossing.code, [0, 0, 0])
                tally[0] += count
                tally[1] += count if state is State.OVERDUE else 0
                tally[2] += count if state is State.ENQUIRY else 0
    for key, released, arrived_at in arrived:
        key = _route(key)
        figures = routes.setdefault(key, RouteFigures(key, _countries(key, ref)))
        figures.transit_hours.append((arrived_at - released).total_seconds() / 3600)
    names = {c.code: c.name for c in ref.crossings}
    crossings = [CrossingFigures(code, names[code], *tally)
                 for code, tally in sorted(crossing_counts.items())]
    return TransitOverview(day, by_state, sorted(routes.values(), key=lambda r: -r.open),
                           crossings, synthetic)


def guarantee_use(store: TransitStore, reference: ActsReference | None = None
                  ) -> list[GuaranteeUse]:
    """Amounts engaged by open movements, by holder and state of destination."""
    ref = reference or acts_reference()
    with store.read() as conn:
        rows = conn.execute(
            select(movements.c.holder, movements.c.office_of_destination, func.count(),
                   func.sum(movements.c.amount_engaged_usd))
            .where(movements.c.role == Role.DEPARTURE.value,
                   movements.c.state.in_([s.value for s in OPEN_STATES]))
            .group_by(movements.c.holder, movements.c.office_of_destination)).all()
    merged: dict[tuple[str, str], list[float]] = {}
    for holder, office, count, amount in rows:
        found = ref.offices.get(office)
        tally = merged.setdefault((holder, found.country if found else "?"), [0, 0.0])
        tally[0] += count
        tally[1] += float(amount or 0)
    return [GuaranteeUse(holder=h, destination_country=c, open_movements=int(n),
                         engaged_usd=round(a, 2)) for (h, c), (n, a) in sorted(merged.items())]
