"""``/api/commitments``: implementation rates, progress, deadlines, and recording status."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import pydantic
from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from haiquan.commitments import (
    ImplementationRate,
    LoadResult,
    StatusRecord,
    deadlines,
    load_catalogue,
    progress_by_group,
    record_status,
)
from haiquan.commitments.assessment import approve_record
from haiquan.commitments.records import field_expectation
from haiquan.errors import ValidationError
from haiquan.refresh import COMMITMENTS_KIND
from haiquan.settings import get_settings
from haiquan.web._cache import cached, clear_cache
from haiquan.web._results import start_background_refresh, versions
from haiquan.web.dashboard.commitments import commitments_overview
from haiquan.web.deps import AnalystUser, CurrentUser, SettingsDep
from haiquan.web.pagination import Page, Paging
from haiquan.web.responses import error_responses

router = APIRouter(prefix="/api/commitments", tags=["commitments"])

CatalogueId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9_.-]+$")]


class GroupProgress(BaseModel):
    """Units (or items) of one article, chapter or pillar in each counting class."""

    group: str
    title: str
    items: int
    total: float
    classes: dict[str, float]
    rate: float | None


class Deadline(BaseModel):
    """An item due soon or overdue."""

    catalogue: str
    country: str
    group: str | None
    item: str
    title: str
    due: dt.date
    due_kind: str | None
    status: str | None
    responsible_unit: str | None
    days_left: int
    state: str


class StatusCreate(BaseModel):
    """The state of one item for one country from ``effective_date`` on (TFA: the category and
    dates notified; others: the status reported), with its evidence."""

    model_config = ConfigDict(extra="forbid")

    catalogue: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_.-]+$")
    item: str = Field(min_length=1, max_length=32, pattern=r"^\S+$")
    country: str = Field(
        min_length=2,
        max_length=3,
        pattern=r"^([A-Za-z]{2,3}|[0-9]{3})$",
        description="ISO 3166-1 alpha-2, alpha-3 or numeric code, in any case (VN, VNM, 704).",
    )
    effective_date: dt.date
    category: Literal["A", "B", "C"] | None = None
    indicative_date: dt.date | None = None
    definitive_date: dt.date | None = None
    status: Literal["implemented", "partially", "not_yet"] | None = None
    evidence: str | None = Field(default=None, max_length=2000)
    responsible_unit: str | None = Field(default=None, max_length=200)
    source: str | None = Field(default=None, max_length=500)
    note: str | None = Field(default=None, max_length=2000)
    legal_basis: str | None = Field(default=None, max_length=2000)
    current_practice: str | None = Field(default=None, max_length=2000)
    gap: str | None = Field(default=None, max_length=2000)
    planned_action: str | None = Field(default=None, max_length=2000)
    target_date: dt.date | None = None
    approval: Literal["draft", "approved"] = Field(
        default="approved",
        description="draft: kept but not counted until approved (POST /status/approve).",
    )


def _clean(value: Any) -> Any:
    return None if value != value else value  # NaN -> None


@router.get("/rates", response_model=Page[ImplementationRate])
def list_implementation_rates(_: CurrentUser, paging: Paging) -> Page[ImplementationRate]:
    """Today's implementation rate of every catalogue for the home country."""
    return paging.page_of(list(commitments_overview()["rates"]))


@router.get(
    "/{catalogue}/progress", response_model=Page[GroupProgress], responses=error_responses(404)
)
def list_catalogue_progress(
    catalogue: CatalogueId, _: CurrentUser, settings: SettingsDep, paging: Paging
) -> Page[GroupProgress]:
    """Progress of one catalogue by article, chapter or pillar for the home country."""
    frame = cached(
        "commitments.progress",
        lambda: progress_by_group(load_catalogue(catalogue), settings.home_country),
        catalogue,
        dt.date.today(),
        versions()[COMMITMENTS_KIND],
    )
    fixed = {"group", "title", "items", "total", "rate"}
    return paging.page_of([
        GroupProgress(
            group=str(row["group"]),
            title=str(row["title"]),
            items=int(row["items"]),
            total=float(row["total"]),
            classes={k: float(v) for k, v in row.items() if k not in fixed},
            rate=_clean(row["rate"]),
        )
        for row in frame.to_dict(orient="records")
    ])


@router.get("/deadlines", response_model=Page[Deadline])
def list_commitment_deadlines(
    _: CurrentUser,
    settings: SettingsDep,
    paging: Paging,
    months: Annotated[int, Query(ge=0, le=120, description="How far ahead to look.")] = 6,
) -> Page[Deadline]:
    """Items of every catalogue due within ``months`` and items overdue, soonest first."""
    frame = cached(
        "commitments.deadlines",
        lambda: deadlines(None, settings.home_country, months=months),
        months,
        dt.date.today(),
        versions()[COMMITMENTS_KIND],
    )
    return paging.page_of([
        Deadline(**{k: _clean(v) for k, v in row.items()})
        for row in frame.to_dict(orient="records")
    ])


class ApprovalCreate(BaseModel):
    """Approve the latest draft of one item's state for one effective date."""

    model_config = ConfigDict(extra="forbid")

    catalogue: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_.-]+$")
    item: str = Field(min_length=1, max_length=32, pattern=r"^\S+$")
    country: str = Field(min_length=2, max_length=3, pattern=r"^([A-Za-z]{2,3}|[0-9]{3})$")
    effective_date: dt.date
    approved_by: str | None = Field(
        default=None,
        max_length=200,
        description="The name or post of the person approving; the logged-in account is "
        "recorded beside it (and alone when this is empty).",
    )


@router.post(
    "/status/approve",
    response_model=LoadResult,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(404, 409, 422),
)
def approve_commitment_status(body: ApprovalCreate, user: AnalystUser) -> LoadResult:
    """Approve a draft self-assessment record: from now on it counts in states and rates.

    The approver named in the body is free text, so the account that sent the approval is
    recorded with it: an approval always says who really gave it.
    """
    named = (body.approved_by or "").strip()
    account = f"account {user.username}"
    result = approve_record(
        body.catalogue,
        body.item,
        body.country,
        body.effective_date,
        approved_by=f"{named} ({account})" if named else account,
    )
    _records_changed()
    return result


@router.post(
    "/status",
    response_model=LoadResult,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(404, 409, 422),
)
def record_commitment_status(body: StatusCreate, _: AnalystUser) -> LoadResult:
    """Record the state of one item from a date on (history is kept; nothing is overwritten).

    The same state sent twice for the same effective date (a replayed request) answers 409.
    """
    try:
        record = StatusRecord(**body.model_dump())
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "record"
        raise ValidationError(
            f"bad {field} in the status record: " + str(first["msg"]).removeprefix("Value error, "),
            expected=field_expectation(field),
            got=str(first.get("input"))[:200],
            fix=f"correct the field {field}",
        ) from None
    result = record_status(record)
    _records_changed()
    return result


def _records_changed() -> None:
    """The status records changed: compute the stored rates again now, in the background (the
    pages say how far it has got meanwhile), not when the next reader asks."""
    clear_cache("commitments")
    if get_settings().background_results:
        start_background_refresh()
