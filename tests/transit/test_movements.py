"""A movement's life across VNM -> LAO -> THA, with every message through the gateway's document
validation (in process), guarantees, time limits, enquiries, and refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from haiquan.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    UnknownCodeError,
    ValidationError,
)
from haiquan.transit import (
    TRANSITIONS,
    GuaranteeCreate,
    Role,
    State,
    TransitService,
    exchange_locally,
    next_state,
)
from haiquan.transit.store import events, movements, outbox

from .conftest import Clock, declaration

Offices = dict[str, TransitService]


def _released(offices: Offices, **changes: object) -> str:
    mrn = offices["VNM"].declare(declaration(**changes)).mrn
    offices["VNM"].release(mrn)
    report = exchange_locally(offices)
    assert not report.refused
    return mrn


def _rows(service: TransitService) -> tuple[int, int, int]:
    with service.store.read() as conn:
        return tuple(int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)
                     for t in (movements, events, outbox))  # type: ignore[return-value]


def test_declaration_to_discharge_across_three_administrations(offices: Offices) -> None:
    vnm, lao, tha = offices["VNM"], offices["LAO"], offices["THA"]
    accepted = vnm.declare(declaration())
    assert accepted.state is State.ACCEPTED and accepted.mrn.startswith("26VNDAD001")
    assert vnm.guarantee("GRN-VN-1").engaged_usd == 60_000
    vnm.release(accepted.mrn)
    exchange_locally(offices)
    assert lao.movement(accepted.mrn).state is State.ANTICIPATED
    assert tha.movement(accepted.mrn, Role.DESTINATION).state is State.ANTICIPATED
    lao.record_crossing(accepted.mrn, "LADSH001")
    tha.record_crossing(accepted.mrn, "THMDH001")
    exchange_locally(offices)
    assert vnm.movement(accepted.mrn).last_crossing == "THMDH001"
    tha.record_arrival(accepted.mrn, "THBKK001")
    tha.record_control(accepted.mrn, satisfactory=True)
    report = exchange_locally(offices)
    assert not report.refused
    done = vnm.movement(accepted.mrn)
    assert done.state is State.DISCHARGED
    assert [e.kind for e in done.events] == ["accept", "release", "crossing", "crossing",
                                             "arrival_advice", "control_satisfactory"]
    assert vnm.guarantee("GRN-VN-1").engaged_usd == 0
    assert lao.movement(accepted.mrn).state is State.DISCHARGED
    assert tha.movement(accepted.mrn, Role.DESTINATION).state is State.DISCHARGED


def test_guarantee_exhausted_refused_with_balance_then_released(offices: Offices) -> None:
    vnm = offices["VNM"]
    first = _released(offices)
    before = _rows(vnm)
    with pytest.raises(ConflictError, match=r"at most USD 40,000\.00") as refused:
        vnm.declare(declaration(lrn="LRN-2"))
    assert refused.value.details["balance_usd"] == 40_000
    assert _rows(vnm) == before  # nothing changed
    offices["THA"].record_arrival(first, "THBKK001")
    offices["THA"].record_control(first, satisfactory=True)
    exchange_locally(offices)
    assert vnm.declare(declaration(lrn="LRN-2")).state is State.ACCEPTED


def test_overdue_enquiry_no_trace_then_recovery(offices: Offices, clock: Clock) -> None:
    vnm = offices["VNM"]
    mrn = _released(offices)
    clock.advance(days=9)
    assert vnm.check_deadlines()["overdue"] == [mrn]
    assert vnm.movement(mrn).state is State.OVERDUE
    clock.advance(days=7)
    assert vnm.check_deadlines()["enquiry"] == [mrn]
    assert vnm.movement(mrn).enquiry_deadline is not None
    exchange_locally(offices)  # THA answers: not presented here
    assert vnm.movement(mrn).state is State.RECOVERY
    assert vnm.guarantee("GRN-VN-1").engaged_usd == 60_000  # still engaged until recovered
    assert offices["LAO"].movement(mrn).state is State.RECOVERED
    assert vnm.record_recovered(mrn, "duties paid by the holder").state is State.RECOVERED
    assert vnm.guarantee("GRN-VN-1").engaged_usd == 0


def test_enquiry_answered_goods_arrived_discharges(offices: Offices, clock: Clock) -> None:
    vnm = offices["VNM"]
    mrn = _released(offices)
    clock.advance(days=17)
    vnm.check_deadlines()
    vnm.check_deadlines()
    assert vnm.movement(mrn).state is State.ENQUIRY
    # the goods arrive but THA's arrival advice is lost before it is sent
    offices["THA"].record_arrival(mrn, "THBKK001")
    with offices["THA"].store.write() as conn:
        conn.execute(outbox.delete())
    exchange_locally(offices)  # THA replies "arrived" from its own record
    done = vnm.movement(mrn)
    assert done.state is State.DISCHARGED and done.arrived_at is not None
    assert vnm.guarantee("GRN-VN-1").engaged_usd == 0


def test_no_reply_by_the_deadline_starts_recovery(offices: Offices, clock: Clock) -> None:
    vnm = offices["VNM"]
    mrn = _released(offices)
    clock.advance(days=17)
    vnm.check_deadlines()
    vnm.check_deadlines()
    with vnm.store.write() as conn:  # the enquiry never reaches THA
        conn.execute(outbox.update().values(handed_over=True))
    clock.advance(days=29)
    assert vnm.check_deadlines()["recovery"] == [mrn]
    assert vnm.movement(mrn).state is State.RECOVERY


def test_discrepancies_then_resolved(offices: Offices) -> None:
    mrn = _released(offices)
    offices["THA"].record_arrival(mrn, "THBKK001")
    offices["THA"].record_control(mrn, satisfactory=False, remarks="2 packages missing")
    exchange_locally(offices)
    assert offices["VNM"].movement(mrn).state is State.DISCREPANCIES
    assert offices["VNM"].resolve_discrepancies(mrn, "packages found").state \
        is State.DISCHARGED


def test_repeated_messages_and_acts_change_nothing(offices: Offices) -> None:
    vnm, lao = offices["VNM"], offices["LAO"]
    mrn = _released(offices)
    assert vnm.release(mrn).state is State.RELEASED
    lao.record_crossing(mrn, "LADSH001")
    lao.record_crossing(mrn, "LADSH001")
    exchange_locally(offices)
    before = _rows(vnm)
    doc = {"mrn": mrn, "office_of_transit": "LADSH001", "crossed_at": "2026-12-01T09:00:00Z"}
    vnm.receive("transit-crossing-frontier", doc, sender="LAO",
                message_id="LAO-" + mrn + "-NCF-LADSH001")
    vnm.receive("transit-crossing-frontier", doc, sender="LAO", message_id="another-id")
    assert _rows(vnm) == before
    assert [e.kind for e in vnm.movement(mrn).events].count("crossing") == 1


def test_wrong_state_is_refused_naming_the_state(offices: Offices) -> None:
    vnm = offices["VNM"]
    mrn = vnm.declare(declaration()).mrn
    doc = {"mrn": mrn, "office_of_destination": "THBKK001", "arrived_at": "2026-12-01T09:00:00Z"}
    with pytest.raises(ConflictError, match=f"movement {mrn} is accepted"):
        vnm.receive("transit-arrival-advice", doc, sender="THA", message_id="m1")
    # arrival at destination before release: THA holds no record yet
    with pytest.raises(NotFoundError, match="no movement"):
        offices["THA"].record_arrival(mrn, "THBKK001")


def test_message_from_an_office_not_on_the_route_is_refused(offices: Offices) -> None:
    mrn = _released(offices)
    before = _rows(offices["VNM"])
    doc = {"mrn": mrn, "office_of_transit": "LASAV001", "crossed_at": "2026-12-01T09:00:00Z"}
    with pytest.raises(PermissionDeniedError, match="not an office of transit"):
        offices["VNM"].receive("transit-crossing-frontier", doc, sender="LAO", message_id="x")
    doc = {"mrn": mrn, "office_of_transit": "LADSH001", "crossed_at": "2026-12-01T09:00:00Z"}
    with pytest.raises(PermissionDeniedError, match="cannot speak for office LADSH001"):
        offices["VNM"].receive("transit-crossing-frontier", doc, sender="THA", message_id="y")
    assert _rows(offices["VNM"]) == before


@pytest.mark.parametrize(("changes", "error", "text"), [
    ({"office_of_destination": "THXXX001"}, UnknownCodeError, "unknown customs office"),
    ({"offices_of_transit": ["VNDAD001"]}, ValidationError, "cannot act as office of transit"),
    ({"office_of_departure": "LADSH001"}, PermissionDeniedError, "not an office of VNM"),
    ({"guarantee_reference": "GRN-NONE"}, NotFoundError, "no guarantee"),
    ({"items": None}, None, ""),
])
def test_bad_declarations_are_refused_and_change_nothing(
        offices: Offices, changes: dict[str, object], error: type[Exception] | None,
        text: str) -> None:
    if error is None:
        with pytest.raises(Exception, match="items"):
            declaration(**changes)
        return
    before = _rows(offices["VNM"])
    with pytest.raises(error, match=text):
        offices["VNM"].declare(declaration(**changes))
    assert _rows(offices["VNM"]) == before


def test_route_through_a_state_outside_acts_is_refused(offices: Offices) -> None:
    from dataclasses import replace

    ref = offices["VNM"].reference
    states = {k: v for k, v in ref.states.items() if k != "LAO"}
    vnm = TransitService(offices["VNM"].store, "VNM", reference=replace(ref, states=states),
                         clock=offices["VNM"].clock)
    with pytest.raises(ValidationError, match="LAO does not take part in ACTS"):
        vnm.declare(declaration())


def test_guarantee_of_another_holder_and_duplicates(offices: Offices) -> None:
    offices["VNM"].register_guarantee(GuaranteeCreate(reference="GRN-2", holder="OTHER",
                                                      reference_amount_usd=1e6))
    with pytest.raises(PermissionDeniedError, match="not the holder's"):
        offices["VNM"].declare(declaration(guarantee_reference="GRN-2"))
    with pytest.raises(ConflictError, match="already registered"):
        offices["VNM"].register_guarantee(GuaranteeCreate(reference="GRN-2", holder="X",
                                                          reference_amount_usd=1))
    offices["VNM"].declare(declaration())
    with pytest.raises(ConflictError, match="already declared"):
        offices["VNM"].declare(declaration())


@pytest.mark.parametrize(("role", "event"), sorted(TRANSITIONS, key=str))
def test_every_transition_and_every_refusal(role: Role, event: str) -> None:
    table = TRANSITIONS[(role, event)]
    for before, after in table.items():
        move = next_state(role, event, before, mrn="26VNDAD001000001J6")
        assert move.after is after and move.changes
    for state in [None, *State]:
        if state in table:
            continue
        if state is not None and state in table.values():
            assert not next_state(role, event, state).changes  # a repeat
        else:
            with pytest.raises(ConflictError) as refused:
                next_state(role, event, state, mrn="26VNDAD001000001J6")
            assert refused.value.details["state"] == (state.value if state else
                                                      "not known here")


def test_crossings_heard_out_of_route_order_keep_the_furthest_and_count_once(
        offices: Offices) -> None:
    # LAO's and THA's notifications reach the departure office through two gateways, in either
    # order: THA's (further along the route) first must stay the last crossing.
    vnm = offices["VNM"]
    mrn = _released(offices)
    later = {"mrn": mrn, "office_of_transit": "THMDH001", "crossed_at": "2026-12-01T15:00:00Z"}
    earlier = {"mrn": mrn, "office_of_transit": "LADSH001", "crossed_at": "2026-12-01T09:00:00Z"}
    vnm.receive("transit-crossing-frontier", later, sender="THA", message_id="tha-1")
    vnm.receive("transit-crossing-frontier", earlier, sender="LAO", message_id="lao-1")
    moved = vnm.movement(mrn)
    assert moved.state is State.IN_TRANSIT and moved.last_crossing == "THMDH001"
    # ... and LAO's notice again under another id is a repeat, not a third crossing.
    vnm.receive("transit-crossing-frontier", earlier, sender="LAO", message_id="lao-2")
    assert [e.kind for e in vnm.movement(mrn).events].count("crossing") == 2
