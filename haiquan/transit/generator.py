"""Synthetic transit movements for the demo and the benchmark — labelled synthetic everywhere.

Holders, consignees, vehicles and goods are made up (identification numbers start with ``SYN``);
routes use the offices of the ACTS reference data (themselves synthetic reference numbers at real
UN/LOCODE places). Every declaration has ``synthetic=True``: the store, the dashboard and the
accompanying document say so.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from haiquan.errors import ConflictError
from haiquan.transit.gateway import exchange_locally
from haiquan.transit.models import ConsignmentItem, GuaranteeCreate, Party, TransitDeclaration
from haiquan.transit.reference import acts_reference
from haiquan.transit.service import TransitService

__all__ = ["ROUTES", "SyntheticRun", "demo_movements", "run_synthetic", "synthetic_declarations"]

#: (office of departure, offices of transit, office of destination) along the corridor.
ROUTES: dict[str, list[tuple[str, list[str], str]]] = {
    "VNM": [("VNDAD001", ["LADSH001", "THMDH001"], "THBKK001"),
            ("VNDAD001", ["LADSH001", "THMDH001"], "THLCH001"),
            ("VNSGN001", ["LADSH001"], "LAVTE001"),
            ("VNDAD001", ["LADSH001"], "LASAV001")],
    "THA": [("THBKK001", ["LASAV001", "VNLAO001"], "VNDAD001"),
            ("THLCH001", ["LASAV001"], "LAVTE001")],
    "LAO": [("LAVTE001", ["VNLAO001"], "VNSGN001"),
            ("LASAV001", ["THMDH001"], "THBKK001")],
}

_GOODS = [("847130", "portable computers (synthetic)", 8_000),
          ("851712", "mobile phones (synthetic)", 12_000),
          ("610910", "cotton T-shirts (synthetic)", 900),
          ("090111", "coffee, not roasted (synthetic)", 2_500),
          ("400122", "technically specified natural rubber (synthetic)", 1_700),
          ("870899", "motor vehicle parts (synthetic)", 3_000)]


def _holder(country: str, index: int) -> str:
    return f"SYN{country}{index:03d}"


def synthetic_declarations(country: str, count: int, *, seed: int = 0, holders: int = 5
                           ) -> Iterator[TransitDeclaration]:
    """``count`` synthetic declarations departing from ``country``, reproducible from ``seed``."""
    rng = random.Random(seed)
    routes = ROUTES[country]
    offices = acts_reference().offices
    for number in range(count):
        departure, transit, destination = routes[number % len(routes)]
        holder = _holder(country, rng.randrange(holders))
        lines = []
        for _ in range(rng.randint(1, 3)):
            hs, text, per_ton = rng.choice(_GOODS)
            mass = round(rng.uniform(200, 4_000), 1)
            lines.append(ConsignmentItem(hs_code=hs, description=text,
                                         packages=rng.randint(1, 40), gross_mass_kg=mass,
                                         value_usd=round(mass / 1000 * per_ton, 2)))
        yield TransitDeclaration(
            lrn=f"SYN-{country}-{seed}-{number}", office_of_departure=departure,
            offices_of_transit=transit, office_of_destination=destination,
            holder=Party(identification=holder, name=f"Synthetic holder {holder}",
                         country=country),
            consignor=Party(identification=holder, name=f"Synthetic holder {holder}",
                            country=country),
            consignee=Party(identification=f"SYNC{number % 97:03d}",
                            name="Synthetic consignee", country=offices[destination].country),
            carrier=Party(identification=f"SYNT{number % 13:02d}", name="Synthetic carrier",
                          country=country),
            vehicle=f"SYN-{rng.randint(10000, 99999)}",
            seals=[f"SYN-SEAL-{number:06d}-{i}" for i in range(rng.randint(1, 2))],
            items=lines, guarantee_reference=f"GRN-{holder}", synthetic=True)


@dataclass(frozen=True)
class SyntheticRun:
    """How far the synthetic movements went."""

    declared: int
    discharged: int
    open: int
    refused: int


def run_synthetic(services: Mapping[str, TransitService], country: str, count: int, *,
                  seed: int = 0, discharge_share: float = 0.6, cross_share: float = 0.8,
                  reference_amount_usd: float = 5_000_000,
                  journey: Callable[[float], None] | None = None) -> SyntheticRun:
    """Declare and release ``count`` movements from ``country``; carry a share of them to
    discharge and a share across the first frontier, exchanging messages in process.

    ``journey(hours)`` (optional) is called before each movement's crossings and arrival with
    a synthetic journey time after release (18-60 h), so a settable clock can give the
    transit-time figures something other than zero.
    """
    rng = random.Random(seed + 1)
    departure = services[country]
    for index in range(5):
        try:
            departure.register_guarantee(GuaranteeCreate(
                reference=f"GRN-{_holder(country, index)}", holder=_holder(country, index),
                reference_amount_usd=reference_amount_usd, synthetic=True))
        except ConflictError:
            pass  # registered by an earlier run
    mrns, refused = [], 0
    for decl in synthetic_declarations(country, count, seed=seed):
        try:
            mrn = departure.declare(decl).mrn
        except ConflictError:
            refused += 1  # guarantee exhausted, or this LRN declared by an earlier run
            continue
        departure.release(mrn)
        mrns.append(mrn)
    exchange_locally(services)
    discharged = 0
    for mrn in mrns:
        moved = departure.movement(mrn)
        roll = rng.random()
        if journey is not None:
            journey(rng.uniform(18, 60))
        if roll < cross_share:
            first = moved.offices_of_transit[0]
            services[departure.reference.office(first).country].record_crossing(mrn, first)
        if roll < discharge_share:
            for office in moved.offices_of_transit[1:]:
                services[departure.reference.office(office).country].record_crossing(
                    mrn, office)
            destination = services[departure.reference.office(
                moved.office_of_destination).country]
            destination.record_arrival(mrn, moved.office_of_destination)
            destination.record_control(mrn, satisfactory=True)
            discharged += 1
    exchange_locally(services)
    return SyntheticRun(len(mrns), discharged, len(mrns) - discharged, refused)


def demo_movements(home: str, *, count: int = 12, seed: int = 7) -> SyntheticRun | None:
    """The demo's movements: ``count`` synthetic movements departing from ``home``.

    The partner administrations on the routes are simulated on this machine, each with its
    own store beside the home's (``HOME/transit-demo-LAO.sqlite`` ...), and messages are
    exchanged in process. The movements are declared twelve days ago, so those still open are
    past their time limit today and :meth:`TransitService.check_deadlines` marks them overdue.
    Idempotent: a second run declares nothing again. None when ``home`` has no demo route.
    """
    from haiquan.settings import get_settings
    from haiquan.transit.steps import utc_now
    from haiquan.transit.store import TransitStore

    if home not in ROUTES:
        return None
    folder = get_settings().home
    folder.mkdir(parents=True, exist_ok=True)
    past = utc_now() - dt.timedelta(days=12)
    moment = [past]

    def journey(hours: float) -> None:
        moment[0] = past + dt.timedelta(hours=hours)

    countries = {home} | {c for c in ROUTES if c != home}
    stores = {c: TransitStore() if c == home
              else TransitStore(f"sqlite:///{folder / f'transit-demo-{c}.sqlite'}")
              for c in countries}
    try:
        then = {c: TransitService(stores[c], c, clock=lambda: moment[0]) for c in countries}
        run = run_synthetic(then, home, count, seed=seed, journey=journey)
        today = {c: TransitService(stores[c], c) for c in countries}
        today[home].check_deadlines()
        exchange_locally(today)
    finally:
        for store in stores.values():
            store.close()
    return run
