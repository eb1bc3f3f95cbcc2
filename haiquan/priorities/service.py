"""One-call entry points for the CLI and the web: read the inputs, score or plan, return results.

The CLI and HTTP edges call exactly one of these. Without an input file they use the ready
example data in the shared data folder (``HAIQUAN_SHARED_DATA``): the IMF DOTS Vietnam subset
for Vietnam, the full IMF DOTS table for any other home country; the shipped weights and the
shipped example catalogue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pydantic

from haiquan.errors import InputError
from haiquan.priorities.catalogue import load_catalogue
from haiquan.priorities.plan import Plan, PlanLimits, optimise_plan
from haiquan.priorities.scoring import (
    PriorityScores,
    partner_criteria,
    score_criteria,
    weight_sensitivity,
)
from haiquan.priorities.template import (
    CatalogueTemplate,
    refuse_existing,
    template_partners,
    write_catalogue_template,
)
from haiquan.priorities.trade import ForecastMethod, partner_trade_forecast
from haiquan.priorities.weights import load_weights
from haiquan.reference.countries import resolve_home

__all__ = ["ALL_REPORTERS_TRADE_FILE", "EXAMPLE_TRADE_FILE", "PriorityReport",
           "plan_cooperation", "rank_partners", "start_catalogue"]

#: The Vietnam example's trade data, relative to the shared data folder.
EXAMPLE_TRADE_FILE = "trade/imf-dots-annual-1960-2020/vietnam_dots_annual_reported_and_mirror.csv"

#: The full IMF DOTS table (every reporter), relative to the shared data folder: the example
#: data of any other home country, since the Vietnam extract holds only trade with Vietnam.
ALL_REPORTERS_TRADE_FILE = (
    "trade/imf-dots-annual-1960-2020/dots_bilateral_annual_1960_2020.parquet")


@dataclass(frozen=True)
class PriorityReport:
    """Priorities per instrument and overall and, when asked for, their weight sensitivity.

    ``scores`` is a :class:`~haiquan.priorities.scoring.PriorityScores`: ``scores.instruments``
    ranks partners per cooperation instrument by USD at stake, ``scores.overall`` combines them.
    ``synthetic`` says some of the trade rows behind them are generated demo data (a ``source``
    starting ``synthetic``), so every output that shows the ranking must carry the
    SYNTHETIC label: it is a field, not a phrase in ``data_source`` a reader may miss.
    """

    scores: PriorityScores
    sensitivity: pd.DataFrame | None
    data_source: str
    synthetic: bool = False


def _flows(input: str | Path | None, format: str | None,
           home: str) -> tuple[pd.DataFrame, str]:
    """Trade rows and a description of where they came from.

    In order: the ``input`` file; else the warehouse's annual TOTAL rows when it holds any; else
    the example data in the shared data folder: the Vietnam DOTS extract for Vietnam, the full
    DOTS table for any other ``home`` (the extract holds another country's trade with Vietnam
    only, which would rank one partner).
    """
    from haiquan.settings import get_settings
    from haiquan.warehouse.sources import read_trade_file

    if input is not None:
        return read_trade_file(input, format), f"file {input}"
    settings = get_settings()
    if settings.warehouse_file.is_file():
        from haiquan.warehouse.queries import query_flows
        from haiquan.warehouse.schema import is_synthetic

        rows = query_flows(frequency="A", commodity="TOTAL")
        if len(rows):
            label = " (SYNTHETIC demo rows included)" if is_synthetic(rows) else ""
            return rows, f"warehouse {settings.warehouse_file}{label}"
    shared = Path(settings.shared_data)
    candidates = ([EXAMPLE_TRADE_FILE, ALL_REPORTERS_TRADE_FILE] if home == "VNM"
                  else [ALL_REPORTERS_TRADE_FILE])
    for relative in candidates:
        path = shared / relative
        if path.is_file():
            return read_trade_file(path, "dots"), f"IMF DOTS example {path}"
    raise InputError(
        f"no trade data given, none in the warehouse, and no example data covering {home} "
        "where expected",
        expected=f"--input FILE, a loaded warehouse, or the shared file {candidates[0]}",
        got=f"nothing at {shared / candidates[0]}",
        fix="pass --input FILE --input-format dots, run `haiquan load FILE` with a file that "
        f"covers {home}'s trade, or set HAIQUAN_SHARED_DATA to ../shared/data",
    )


def _synthetic(flows: pd.DataFrame) -> bool:
    """Whether any trade row is generated demo data, whatever file or table it came from."""
    from haiquan.warehouse.schema import is_synthetic

    return is_synthetic(flows)


def rank_partners(
    *,
    input: str | Path | None = None,
    format: str | None = None,
    home: str | None = None,
    horizon: int = 5,
    year: int | None = None,
    weights: str | Path | None = None,
    min_share: float = 0.001,
    sensitivity: float | None = 0.5,
    on: dt.date | None = None,
    forecast: ForecastMethod = "model",
) -> PriorityReport:
    """Score partners from a trade file, the warehouse, or the example data (in that order).

    Args:
        input: trade file; format from ``format`` or detected.
        format: a name of :data:`haiquan.warehouse.sources.TRADE_FORMATS`.
        home, horizon, year, min_share, on, forecast: see
            :func:`~haiquan.priorities.partner_criteria`.
        weights: weights YAML (the shipped defaults when None).
        sensitivity: relative weight change for the sensitivity table; None skips it.
    """
    home = resolve_home(home)
    flows, source = _flows(input, format, home)
    scoring = load_weights(weights)
    criteria = partner_criteria(flows, home=home, horizon=horizon, year=year, on=on,
                                min_share=min_share, forecast=forecast)
    scores = score_criteria(criteria, scoring)
    table = (weight_sensitivity(criteria, scoring, change=sensitivity)
             if sensitivity is not None else None)
    return PriorityReport(scores=scores, sensitivity=table, data_source=source,
                          synthetic=_synthetic(flows))


def plan_cooperation(
    *,
    catalogue: str | Path | None = None,
    input: str | Path | None = None,
    format: str | None = None,
    first_year: int | None = None,
    years: int = 5,
    staff_months: float | None = None,
    budget_usd: float | None = None,
    analyse: bool = True,
    forecast: ForecastMethod = "model",
) -> Plan:
    """Optimise a plan from a catalogue and trade data (file, warehouse, or the example data).

    The limits default to the catalogue's ``resources``; the first plan year defaults to next
    calendar year (or the year after the trade data ends, when that is later). ``forecast``
    chooses how partner trade is projected (:data:`~haiquan.priorities.trade.ForecastMethod`).
    """
    from haiquan.priorities.plan import ReferenceCheck
    from haiquan.priorities.present import check_against_reference

    listed = load_catalogue(catalogue)
    home_warning = _home_mismatch(listed.home, catalogue)
    # What exists today: an arrangement signed or applied already changes the initiative.
    items, checks = check_against_reference(listed, dt.date.today())
    if staff_months is None or budget_usd is None:
        if items.resources is None:
            raise InputError(
                "no staff or budget limits",
                expected="--staff and --budget, or a `resources` section in the catalogue",
                got="neither", fix="pass --staff 96 --budget 900000",
            )
        staff_months = staff_months if staff_months is not None else (
            items.resources.staff_months_per_year.value)
        budget_usd = budget_usd if budget_usd is not None else (
            items.resources.budget_usd_per_year.value)
    flows, source = _flows(input, format, items.home)
    if first_year is None:
        # A plan is made for the years ahead: next calendar year, or the year after the data
        # ends if the data runs later; years between the data's end and the plan are forecast.
        probe = partner_trade_forecast(flows, home=items.home, years=[], method="trend")
        first_year = max(probe.base_year + 1, dt.date.today().year + 1)
    try:
        limits = PlanLimits(first_year=first_year, years=years,
                            staff_months_per_year=staff_months, budget_usd_per_year=budget_usd)
    except pydantic.ValidationError as error:
        problem = error.errors()[0]
        raise InputError(
            "bad plan limits",
            expected="a first year 1990-2200, 1-30 plan years, staff and budget: finite "
            "numbers of 0 or more",
            got=f"{'.'.join(map(str, problem['loc']))}: "
            + str(problem["msg"]).removeprefix("Value error, "),
            fix="correct --first-year, --years, --staff or --budget",
        ) from error
    overdue = {check.id for check in checks if check.required}
    if overdue:
        # An overdue commitment is not left to the last plan year: it starts as soon as its
        # prerequisites can be finished, counted from the first plan year.
        by_id = items.by_id()

        def lead(ident: str) -> int:
            return max((by_id[p].duration + lead(p) for p in by_id[ident].prerequisites),
                       default=0)

        items = items.model_copy(update={"initiatives": [
            item.model_copy(update={"start_by": first_year + lead(item.id)})
            if item.id in overdue else item for item in items.initiatives]})
        # The reason names the year, so it cannot be read as "from the plan's first year".
        starts = {item.id: item.start_by for item in items.initiatives if item.id in overdue}
        checks = [check.model_copy(update={"reason": f"{check.reason} (in {starts[check.id]} "
                                                     "at the latest)"})
                  if check.id in starts else check for check in checks]
    trade = partner_trade_forecast(flows, home=items.home, years=limits.plan_years,
                                   method=forecast)
    plan = optimise_plan(items, limits, trade.table, analyse=analyse)
    return plan.model_copy(update={
        "data_source": source,
        "synthetic": _synthetic(flows),
        "warnings": [*home_warning, *trade.warnings, *plan.warnings],
        "reference_checks": [ReferenceCheck(**check.model_dump()) for check in checks],
    })


def start_catalogue(
    path: str | Path,
    *,
    home: str | None = None,
    input: str | Path | None = None,
    format: str | None = None,
) -> CatalogueTemplate:
    """Write a starting catalogue for ``home`` (default ``HAIQUAN_HOME_COUNTRY``) at ``path``.

    The partners are home's five largest by trade in the data ``haiquan plan`` would read (the
    ``input`` file, else the warehouse, else the example data in the shared data folder); with
    no trade of home in any of them, placeholder codes the file tells the user to replace
    (:func:`~haiquan.priorities.template.write_catalogue_template`).

    Raises:
        ConflictError: a file already exists at ``path`` (checked before any data is read).
    """
    home = resolve_home(home)
    file = refuse_existing(path)  # before reading data: a refusal should not take seconds
    try:
        flows, source = _flows(input, format, home)
    except InputError:
        if input is not None:
            raise  # the file asked for is wrong: say so rather than fall back
        return write_catalogue_template(
            file, home, partners_note=f"no trade data of {home} found (no warehouse rows, no "
            "example data)")
    partners = template_partners(flows, home)
    if not partners:
        return write_catalogue_template(
            file, home, partners_note=f"the {source} holds no trade of {home}")
    return write_catalogue_template(
        file, home, partners,
        partners_note=f"{home}'s {len(partners)} largest partners by trade (exports + imports) "
        f"in the base year of the {source}; reorder or replace them as {home}'s priorities "
        "require (`haiquan priorities` ranks them)")


def _home_mismatch(home: str, catalogue: str | Path | None) -> list[str]:
    """A warning when the catalogue plans for another country than ``HAIQUAN_HOME_COUNTRY``.

    A plan is always for its catalogue's ``home`` (the initiatives, partners and costs are that
    administration's); an analyst who set another home country must not mistake it for theirs.
    """
    from haiquan.priorities.catalogue import example_catalogue_path
    from haiquan.settings import get_settings

    setting = get_settings().home_country
    if home == setting:
        return []
    which = (f"the catalogue {catalogue}" if catalogue is not None
             else "the bundled Vietnam example catalogue")
    start = (f"pass the Vietnam example {example_catalogue_path()} (or your edited copy)"
             if setting == "VNM" else
             f"start a catalogue with `haiquan plan-template FILE --home {setting}` (not a copy "
             f"of {example_catalogue_path()}, whose partners and trade shares are Vietnam's), "
             f"put in {setting}'s initiatives, costs and resources, and pass it")
    return [f"this plan is for {home}, the home of {which}, not for {setting} "
            f"(HAIQUAN_HOME_COUNTRY); for a plan for {setting}, {start} with --catalogue FILE"]
