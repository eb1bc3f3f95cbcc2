"""Check a catalogue's initiatives against what the reference data says already exists.

A plan that schedules "negotiate an AEO MRA with Korea" after the two signed one, or a bilateral
MRA with Thailand while both have signed the ASEAN-wide one, would be dismissed at first sight.
Before optimising, each initiative whose kind is an arrangement (AEO MRA, e-C/O exchange,
single-window connection) is compared with ``haiquan/reference/data/agreements.yaml`` on the
plan's first day:

* already applied with every partner → **excluded**, with the agreement named;
* signed but not applied yet → kept as an **implementation** initiative (its name says so, and
  its ``once_signed`` duration and costs replace the negotiation's when the catalogue gives them);
* a bilateral arrangement with a partner that home has already signed a group-wide arrangement
  of the same kind with (AAMRA covers Thailand) → **excluded**: the group arrangement is the
  commitment home tracks, and the bilateral one would duplicate it; the commitments catalogue
  item of that arrangement (same id) is named when there is one.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel

from haiquan.errors import HaiquanError
from haiquan.priorities.catalogue import Catalogue, Initiative

__all__ = ["InitiativeCheck", "check_against_reference"]

#: Initiative kind → agreement kind in the agreements catalogue.
_ARRANGEMENTS = {"aeo_mra": "aeo_mra", "eco_exchange": "eco_exchange",
                 "single_window": "single_window"}


class InitiativeCheck(BaseModel):
    """What the reference data says about one initiative, and what the plan does with it."""

    id: str
    action: Literal["excluded", "implementation"]
    reason: str
    agreements: list[str]
    new_name: str | None = None
    required: bool = False


def _commitment(agreement_id: str) -> str:
    """The commitments catalogue group tracking an agreement (same id), in words, or ''."""
    return _tracked(agreement_id)[0]


def _tracked(agreement_id: str) -> tuple[str, dt.date | None]:
    """The commitments group tracking an agreement in words, and its last due date."""
    try:
        from haiquan.commitments import load_catalogue

        catalogue = load_catalogue("asean")
    except (HaiquanError, ImportError, OSError):
        return "", None
    for group in catalogue.groups:
        if group.id == agreement_id:
            dated = [item for item in group.items if getattr(item, "due", None)]
            text = (f"tracked in the commitments catalogue 'asean' ({group.title}: "
                    + ", ".join(f"{i.id} due {i.due}" for i in dated[-2:]) + ")")
            dues = [i.due for i in dated if i.due is not None]
            return text, max(dues) if dues else None
    return "", None


def _check(item: Initiative, home: str, on: dt.date) -> InitiativeCheck | None:
    from haiquan.reference.agreements import load_agreements

    kind = _ARRANGEMENTS.get(item.kind)
    if kind is None:
        return None
    partners = [p for p in item.partner_countries(on) if p != home]
    if not partners:
        return None
    same_kind = [a for a in load_agreements() if a.kind == kind and a.lists(home)]
    applied = [a for a in same_kind if all(a.covers(home, p, on) for p in partners)]
    if applied:
        names = ", ".join(f"{a.id} ({a.name})" for a in applied)
        return InitiativeCheck(id=item.id, action="excluded", agreements=[a.id for a in applied],
                               reason=f"already applied with {', '.join(partners)} on {on}: "
                               f"{names}")
    bilateral = len(item.partners) == 1 and len(item.partners[0]) == 3
    # A group's members as of the signature: a member who joined later (Timor-Leste in ASEAN)
    # does not make the group-wide arrangement "not signed".
    signed = [a for a in same_kind if a.signed is not None and a.signed <= on
              and all(a.lists(p) for p in item.partner_countries(a.signed) if p != home)]
    group_wide = [a for a in signed if len(a.parties) > 2]
    if bilateral and group_wide:
        a = group_wide[0]
        tracked = _commitment(a.id)
        return InitiativeCheck(
            id=item.id, action="excluded", agreements=[a.id],
            reason=f"{home} and {partners[0]} have both signed the group-wide {a.id} "
            f"({a.name}, signed {a.signed}); a bilateral arrangement would duplicate it"
            + (f"; {tracked}" if tracked else ""))
    if signed:
        a = signed[0]
        tracked, due = _tracked(a.id)
        overdue = due is not None and due < on
        return InitiativeCheck(
            id=item.id, action="implementation", agreements=[a.id],
            new_name=f"Implement the {a.name} (signed {a.signed})",
            required=overdue,
            reason=f"{a.id} ({a.name}) was signed on {a.signed} and is not applied yet: "
            "the work left is implementation" + (f"; {tracked}" if tracked else "")
            + (f"; required: the commitment was due on {due}, so it starts as soon as its "
               "prerequisites allow" if overdue else ""))
    return None


def check_against_reference(catalogue: Catalogue, on: dt.date) -> tuple[Catalogue,
                                                                         list[InitiativeCheck]]:
    """The catalogue with excluded initiatives removed and signed ones renamed, and why.

    Exclusions and prerequisites naming a removed initiative are dropped with it; an initiative
    that another one needs as a prerequisite is kept (renamed if signed) so the plan still
    fits together.
    """
    checks = [c for c in (_check(item, catalogue.home, on) for item in catalogue.initiatives)
              if c is not None]
    needed = {p for item in catalogue.initiatives for p in item.prerequisites}
    removed = {c.id for c in checks if c.action == "excluded" and c.id not in needed}
    checks = [c for c in checks if c.action != "excluded" or c.id in removed]
    renamed = {c.id: c for c in checks if c.action == "implementation"}
    items = []
    for item in catalogue.initiatives:
        if item.id in removed:
            continue
        update: dict[str, object] = {
            "excludes": [x for x in item.excludes if x not in removed],
            "prerequisites": [x for x in item.prerequisites if x not in removed],
        }
        if item.id in renamed:
            update["name"] = renamed[item.id].new_name or item.name
            update["required"] = item.required or renamed[item.id].required
            signed = item.once_signed
            if signed is not None:
                # Negotiation is over: implementation's own duration and costs.
                update.update(duration_years=signed.duration_years,
                              staff_months_per_year=signed.staff_months_per_year,
                              budget_usd_per_year=signed.budget_usd_per_year)
        items.append(item.model_copy(update=update))
    return catalogue.model_copy(update={"initiatives": items}), checks
