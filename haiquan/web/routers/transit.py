"""``/api/transit``: ACTS movements at this administration — declare, release, record crossings,
arrivals and control results, chase deadlines, read movements, guarantees and the overview.

Reads need a signed-in user; writes a risk officer or an administrator (the customs officers'
role today; there is no separate transit role yet).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from haiquan.transit import (
    GuaranteeCreate,
    GuaranteePublic,
    MovementPublic,
    Role,
    State,
    TransitDeclaration,
    TransitService,
    TransitStore,
)
from haiquan.transit.queries import open_movements, transit_overview
from haiquan.transit.tad import movement_tad
from haiquan.web.deps import CurrentUser, RiskOfficerUser
from haiquan.web.pagination import Page, Paging
from haiquan.web.responses import error_responses

router = APIRouter(prefix="/api/transit", tags=["transit"])

Mrn = Annotated[str, Path(pattern=r"^[0-9]{2}[A-Za-z]{2}[A-Za-z0-9]{13}[0-9]$",
                          description="Movement Reference Number; its last character is a "
                          "check digit (docs/transit.md), a wrong one is refused with 422")]
OfficeRef = Annotated[str, Query(pattern=r"^[A-Z]{2}[A-Z0-9]{6}$",
                                 description="office reference number, e.g. LADSH001")]

_SERVICES: dict[tuple[str, str], TransitService] = {}


def service() -> TransitService:
    """The configured service, opened once per store URL and country in this process."""
    from haiquan.settings import get_settings
    from haiquan.transit.store import default_database_url

    settings = get_settings()
    url = settings.transit_database_url or default_database_url()
    key = (url, settings.home_country)
    found = _SERVICES.get(key)
    if found is None:
        found = _SERVICES.setdefault(key, TransitService(TransitStore(url),
                                                         settings.home_country))
    return found


class ControlResult(BaseModel):
    """Control results at destination."""

    model_config = ConfigDict(extra="forbid")

    satisfactory: bool
    remarks: str = Field(default="", max_length=512)


class Note(BaseModel):
    """Why an officer closes a step."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=512)


class RouteOut(BaseModel):
    route: str
    countries: str
    open: int
    overdue: int
    enquiry: int
    recovery: int
    discharged: int
    median_transit_hours: float | None
    p90_transit_hours: float | None


class CrossingOut(BaseModel):
    code: str
    name: str
    open: int
    overdue: int
    enquiry: int


class OverviewOut(BaseModel):
    """Open, overdue, under-enquiry movements by route and border crossing."""

    on: dt.date
    open: int
    by_state: dict[str, int]
    routes: list[RouteOut]
    crossings: list[CrossingOut]
    synthetic: int


@router.get("/movements", response_model=Page[MovementPublic], responses=error_responses(422))
def list_transit_movements(
    _: CurrentUser,
    paging: Paging,
    state: Annotated[State | None, Query()] = None,
    office: Annotated[str | None, Query(pattern=r"^[A-Z]{2}[A-Z0-9]{6}$")] = None,
    role: Annotated[Role, Query()] = Role.DEPARTURE,
) -> Page[MovementPublic]:
    """Open movements held in a role (without their history), oldest time limit first."""
    page = open_movements(service().store, role=role, states=[state] if state else None,
                          office=office, limit=paging.limit, offset=paging.offset)
    return paging.page(page.movements, page.total)


@router.get("/movements/{mrn}", response_model=MovementPublic,
            responses=error_responses(404, 422))
def get_transit_movement(mrn: Mrn, _: CurrentUser) -> MovementPublic:
    """One movement with its history."""
    return service().movement(mrn)


@router.post("/declarations", response_model=MovementPublic,
             status_code=status.HTTP_201_CREATED, responses=error_responses(403, 404, 409, 422))
def declare_transit(body: TransitDeclaration, _: RiskOfficerUser) -> MovementPublic:
    """Accept a declaration: the MRN is allocated and the guarantee engaged."""
    return service().declare(body)


@router.post("/movements/{mrn}/release", response_model=MovementPublic,
             responses=error_responses(404, 409, 422))
def release_movement(mrn: Mrn, _: RiskOfficerUser) -> MovementPublic:
    """Release for transit; the anticipated records are queued for the route."""
    return service().release(mrn)


@router.post("/movements/{mrn}/crossing", response_model=MovementPublic,
             responses=error_responses(403, 404, 409, 422))
def record_crossing(mrn: Mrn, office: OfficeRef, _: RiskOfficerUser) -> MovementPublic:
    """At an office of transit: the goods entered."""
    return service().record_crossing(mrn, office)


@router.post("/movements/{mrn}/arrival", response_model=MovementPublic,
             responses=error_responses(403, 404, 409, 422))
def record_arrival(mrn: Mrn, office: OfficeRef, _: RiskOfficerUser) -> MovementPublic:
    """At the office of destination: the goods were presented."""
    return service().record_arrival(mrn, office)


@router.post("/movements/{mrn}/control", response_model=MovementPublic,
             responses=error_responses(404, 409, 422))
def record_control_result(mrn: Mrn, body: ControlResult, _: RiskOfficerUser) -> MovementPublic:
    """At destination: control results for the office of departure."""
    return service().record_control(mrn, satisfactory=body.satisfactory, remarks=body.remarks)


@router.post("/movements/{mrn}/recovered", response_model=MovementPublic,
             responses=error_responses(404, 409, 422))
def record_recovery(mrn: Mrn, body: Note, _: RiskOfficerUser) -> MovementPublic:
    """At departure: duties recovered; the movement is closed."""
    return service().record_recovered(mrn, body.note)


@router.get("/movements/{mrn}/tad", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}},
                       **error_responses(404, 409, 422)})
def get_transit_document(mrn: Mrn, _: CurrentUser) -> Response:
    """The Transit Accompanying Document (PDF) of a released movement."""
    return Response(movement_tad(service(), mrn), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="TAD-{mrn.upper()}.pdf"'})


@router.post("/deadlines", response_model=dict[str, list[str]])
def check_transit_deadlines(_: RiskOfficerUser) -> dict[str, list[str]]:
    """Mark overdue movements, send enquiries, start recoveries (run daily)."""
    return service().check_deadlines()


@router.post("/guarantees", response_model=GuaranteePublic,
             status_code=status.HTTP_201_CREATED, responses=error_responses(409, 422))
def add_guarantee(body: GuaranteeCreate, _: RiskOfficerUser) -> GuaranteePublic:
    """Register a guarantee with its reference amount."""
    return service().register_guarantee(body)


@router.get("/guarantees/{reference}", response_model=GuaranteePublic,
            responses=error_responses(404, 422))
def get_guarantee(reference: Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,24}$")],
                  _: CurrentUser) -> GuaranteePublic:
    """A guarantee: reference amount, amount engaged by open movements."""
    return service().guarantee(reference)


@router.get("/overview", response_model=OverviewOut)
def get_transit_overview(_: CurrentUser) -> OverviewOut:
    """Counts by state, route and border crossing; transit times per route."""
    view = transit_overview(service().store)
    return OverviewOut(
        on=view.on, open=view.open, by_state=view.by_state, synthetic=view.synthetic,
        routes=[RouteOut(route=r.route, countries=r.countries, open=r.open, overdue=r.overdue,
                         enquiry=r.enquiry, recovery=r.recovery, discharged=r.discharged,
                         median_transit_hours=r.median_hours, p90_transit_hours=r.p90_hours)
                for r in view.routes],
        crossings=[CrossingOut(code=c.code, name=c.name, open=c.open, overdue=c.overdue,
                               enquiry=c.enquiry) for c in view.crossings])
