"""``/api/aeo``: the AEO registry — home operators, status changes, consent, partner AEOs."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from haiquan.aeo import (
    AeoRegistry,
    AeoStatus,
    ConsentRecord,
    OperatorCreate,
    OperatorPublic,
    PartnerOperator,
    StatusChange,
)
from haiquan.aeo.registry import configured_database_url
from haiquan.web.deps import CurrentUser, RiskOfficerUser
from haiquan.web.pagination import Page, Paging
from haiquan.web.responses import error_responses

router = APIRouter(prefix="/api/aeo", tags=["aeo"])

AeoId = Annotated[str, Path(pattern=r"^[A-Za-z0-9/_-]{3,35}$")]


_REGISTRIES: dict[str, AeoRegistry] = {}


def registry() -> AeoRegistry:
    """The configured registry, opened once per database URL in this process."""
    url = configured_database_url()
    found = _REGISTRIES.get(url)
    if found is None:
        found = _REGISTRIES.setdefault(url, AeoRegistry(url))
    return found


@router.get("/operators", response_model=Page[OperatorPublic])
def list_aeo_operators(
    _: CurrentUser,
    paging: Paging,
    on: Annotated[dt.date | None, Query(description="status on this day (default today)")] = None,
    state: Annotated[AeoStatus | None, Query(alias="status")] = None,
) -> Page[OperatorPublic]:
    """Home AEOs with their status on a day."""
    return paging.page_of(registry().operators(on, status=state))


@router.get("/operators/{aeo_id}", response_model=OperatorPublic,
            responses=error_responses(404, 422))
def get_aeo_operator(
    aeo_id: AeoId, _: CurrentUser, on: Annotated[dt.date | None, Query()] = None
) -> OperatorPublic:
    """One home AEO, its status on a day and its full history."""
    return registry().operator(aeo_id, on=on)


@router.post("/operators", response_model=OperatorPublic, status_code=status.HTTP_201_CREATED,
             responses=error_responses(409, 422))
def add_aeo_operator(body: OperatorCreate, _: RiskOfficerUser) -> OperatorPublic:
    """Register a newly authorised operator (risk officer or administrator)."""
    return registry().add_operator(body)


@router.post("/operators/{aeo_id}/status", response_model=OperatorPublic,
             responses=error_responses(404, 422))
def change_aeo_status(aeo_id: AeoId, body: StatusChange, _: RiskOfficerUser) -> OperatorPublic:
    """Record a suspension, reinstatement, revocation or expiry."""
    return registry().change_status(aeo_id, body)


@router.post("/operators/{aeo_id}/consent", response_model=ConsentRecord,
             responses=error_responses(404, 422))
def set_aeo_consent(
    aeo_id: AeoId, _: RiskOfficerUser,
    mra_id: Annotated[str, Query(pattern=r"^[A-Z0-9_-]{3,40}$")],
    consent: Annotated[bool, Query()],
    effective: Annotated[dt.date | None, Query()] = None,
) -> ConsentRecord:
    """Record the operator's consent (or its withdrawal) to be shared under an MRA."""
    return registry().set_consent(aeo_id, mra_id, consent, effective)


@router.get("/partners", response_model=Page[PartnerOperator],
            responses=error_responses(404, 422))
def list_partner_aeos(
    _: CurrentUser,
    paging: Paging,
    country: Annotated[str | None, Query(
        pattern=r"^[A-Za-z0-9]{2,3}$", title="Partner country",
        description="an ISO 3166 code of the partner (KOR, KR or 410, in any case)")] = None,
) -> Page[PartnerOperator]:
    """Partners' AEOs as their latest lists report them."""
    from haiquan.reference.countries import country as lookup_country

    return paging.page_of(
        registry().partner_operators(lookup_country(country).alpha_3 if country else None)
    )
