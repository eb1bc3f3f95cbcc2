"""The movement's state machine: which event moves which state, for each office's role.

Pure data and one function, so every transition is listed in one table a test walks through.
An event whose target state the movement already holds is a repeat (a message sent twice, a
button pressed twice) and changes nothing; any other event that does not fit the state is
refused with the state named.
"""

from __future__ import annotations

from haiquan.errors import ConflictError
from haiquan.transit.models import Role, State

__all__ = ["TRANSITIONS", "Move", "next_state"]

S = State

#: (role, event) -> {state before: state after}. ``None`` before means "no record yet".
TRANSITIONS: dict[tuple[Role, str], dict[State | None, State]] = {
    # office of departure
    (Role.DEPARTURE, "accept"): {None: S.ACCEPTED},
    (Role.DEPARTURE, "release"): {S.ACCEPTED: S.RELEASED},
    (Role.DEPARTURE, "crossing"): {S.RELEASED: S.IN_TRANSIT, S.IN_TRANSIT: S.IN_TRANSIT,
                                   S.OVERDUE: S.OVERDUE, S.ENQUIRY: S.ENQUIRY},
    (Role.DEPARTURE, "arrival_advice"): {S.RELEASED: S.ARRIVED, S.IN_TRANSIT: S.ARRIVED,
                                         S.OVERDUE: S.ARRIVED, S.ENQUIRY: S.ARRIVED},
    (Role.DEPARTURE, "control_satisfactory"): {S.ARRIVED: S.DISCHARGED},
    (Role.DEPARTURE, "control_discrepancies"): {S.ARRIVED: S.DISCREPANCIES},
    (Role.DEPARTURE, "resolve"): {S.DISCREPANCIES: S.DISCHARGED},
    (Role.DEPARTURE, "overdue"): {S.RELEASED: S.OVERDUE, S.IN_TRANSIT: S.OVERDUE},
    (Role.DEPARTURE, "enquiry"): {S.OVERDUE: S.ENQUIRY},
    (Role.DEPARTURE, "reply_arrived"): {S.ENQUIRY: S.DISCHARGED},
    (Role.DEPARTURE, "reply_not_arrived"): {S.ENQUIRY: S.RECOVERY},
    (Role.DEPARTURE, "no_reply"): {S.ENQUIRY: S.RECOVERY},
    (Role.DEPARTURE, "recover_discrepancies"): {S.DISCREPANCIES: S.RECOVERY},
    (Role.DEPARTURE, "recovered"): {S.RECOVERY: S.RECOVERED},
    # office of transit
    (Role.TRANSIT, "anticipated"): {None: S.ANTICIPATED},
    (Role.TRANSIT, "crossing"): {S.ANTICIPATED: S.CROSSED},
    (Role.TRANSIT, "write_off"): {S.ANTICIPATED: S.DISCHARGED, S.CROSSED: S.DISCHARGED},
    (Role.TRANSIT, "recovery"): {S.ANTICIPATED: S.RECOVERED, S.CROSSED: S.RECOVERED},
    # office of destination
    (Role.DESTINATION, "anticipated"): {None: S.ANTICIPATED},
    (Role.DESTINATION, "arrival"): {S.ANTICIPATED: S.ARRIVED},
    (Role.DESTINATION, "control"): {S.ARRIVED: S.CONTROLLED},
    (Role.DESTINATION, "write_off"): {S.ARRIVED: S.DISCHARGED, S.CONTROLLED: S.DISCHARGED},
    (Role.DESTINATION, "recovery"): {S.ANTICIPATED: S.RECOVERED, S.ARRIVED: S.RECOVERED,
                                     S.CONTROLLED: S.RECOVERED},
}


class Move:
    """The outcome of an event: the state after it, and whether anything changes."""

    __slots__ = ("after", "before", "changes")

    def __init__(self, before: State | None, after: State, changes: bool) -> None:
        self.before, self.after, self.changes = before, after, changes


def next_state(role: Role, event: str, state: State | None, *, mrn: str = "") -> Move:
    """Where ``event`` takes a movement in ``state`` at an office of ``role``.

    Raises:
        ConflictError: the event does not fit the state (the state is named, and what it needs).
    """
    table = TRANSITIONS.get((role, event))
    if table is None:
        raise ConflictError(
            f"the office of {role.value} has no '{event}' step",
            expected="one of " + ", ".join(sorted(e for r, e in TRANSITIONS if r == role)),
            got=event,
            fix="send the message to the office whose role it is",
        )
    if state in table:
        after = table[state]
        return Move(state, after, changes=True)
    if state is not None and state in table.values():
        return Move(state, state, changes=False)
    shown = state.value if state is not None else "not known here"
    needed = ", ".join(s.value if s is not None else "not yet known" for s in table)
    raise ConflictError(
        f"movement {mrn or '?'} is {shown}: '{event}' does not fit",
        expected=f"the movement in state {needed}",
        got=shown,
        fix="check the movement's history (`haiquan transit show MRN`); the step that must "
        "come first is missing or the movement is already closed",
        details={"mrn": mrn, "state": shown, "event": event, "role": role.value},
    )
