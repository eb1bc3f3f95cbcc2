"""The AEO programme at a glance: home operators by status and each MRA partner's list exchange.

What an AEO programme manager asks first — how many operators hold the status today, whose status
runs out soon, and for each mutual recognition partner whether lists are flowing both ways and
whether the benefits apply yet — computed from the registry (:class:`AeoRegistry`) and the
exchange arrangements (``mra_exchange.yaml``). The dashboard's ``/aeo`` page shows it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from pydantic import BaseModel

from haiquan.aeo.arrangements import load_arrangements
from haiquan.aeo.models import AeoStatus, OperatorPublic
from haiquan.aeo.registry import AeoRegistry

__all__ = ["AeoOverview", "MraPartnerState", "aeo_overview"]

#: Days ahead within which an operator's authorisation counts as "expiring soon".
EXPIRY_WINDOW_DAYS = 90


class MraPartnerState(BaseModel):
    """One partner under one MRA: benefits, and the lists exchanged each way."""

    mra_id: str
    partner: str
    frequency: str
    benefits_from: dt.date | None
    benefits_apply: bool
    home_operators_consenting: int
    last_sent_sequence: int | None
    last_received_sequence: int | None
    last_received_as_of: dt.date | None
    partner_operators: int
    source: str
    assumption: str | None = None


class AeoOverview(BaseModel):
    """Home operators by status on a day, those expiring soon, and every MRA partner's state."""

    on: dt.date
    by_status: dict[str, int]
    expiring: list[OperatorPublic]
    operators: list[OperatorPublic]
    partners: list[MraPartnerState]

    @property
    def valid(self) -> int:
        """Operators holding the status (granted, not suspended) on the day."""
        return self.by_status.get(AeoStatus.granted.value, 0)


def aeo_overview(registry: AeoRegistry, on: dt.date | None = None) -> AeoOverview:
    """The programme on ``on`` (default today).

    ``expiring`` lists granted operators whose ``valid_until`` falls within
    :data:`EXPIRY_WINDOW_DAYS`, soonest first: they need re-validation before their benefits lapse.
    """
    day = on or dt.date.today()
    operators = registry.operators(day)
    counts = Counter(o.status.value for o in operators)
    by_status = {status.value: counts.get(status.value, 0) for status in AeoStatus}
    horizon = day + dt.timedelta(days=EXPIRY_WINDOW_DAYS)
    expiring = sorted(
        (o for o in operators if o.status == AeoStatus.granted and o.valid_until is not None
         and day <= o.valid_until <= horizon),
        key=lambda o: (o.valid_until or day, o.aeo_id),
    )
    partners = []
    for item in load_arrangements():
        for partner in item.partners:
            last = registry.last_received_list(partner, item.mra_id)
            partners.append(MraPartnerState(
                mra_id=item.mra_id,
                partner=partner,
                frequency=item.frequency,
                benefits_from=item.benefits_from,
                benefits_apply=item.grants_benefits(day),
                home_operators_consenting=sum(
                    1 for o in operators
                    if o.status == AeoStatus.granted and o.consents.get(item.mra_id)),
                last_sent_sequence=registry.last_sent_sequence(item.mra_id, partner),
                last_received_sequence=last[0] if last else None,
                last_received_as_of=last[1] if last else None,
                partner_operators=len(registry.partner_state(partner, item.mra_id)),
                source=item.source,
                assumption=item.assumption,
            ))
    return AeoOverview(on=day, by_status=by_status, expiring=expiring, operators=operators,
                       partners=partners)
