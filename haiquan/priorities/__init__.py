"""Cooperation priorities: partner scoring and the cooperation-plan optimiser.

Two entry points for the CLI and the web: :func:`score_partners` (partners ranked per
cooperation instrument by the USD at stake, and overall with each criterion's points) and
:func:`optimise_plan` (the best schedule of initiatives within yearly staff and budget, as a
:class:`Plan`). :func:`rank_partners` and :func:`plan_cooperation` do the same from a file,
the warehouse or the Vietnam example;
:func:`start_catalogue` writes another administration's starting catalogue.
See docs/priorities.md.
"""

from haiquan.priorities.catalogue import (
    INITIATIVE_KINDS,
    Benefit,
    Catalogue,
    Initiative,
    InitiativeKind,
    Resources,
    Sourced,
    example_catalogue_path,
    load_catalogue,
    parse_catalogue,
)
from haiquan.priorities.instruments import INSTRUMENTS, instrument_exposure
from haiquan.priorities.plan import (
    BindingConstraint,
    ChosenInitiative,
    Plan,
    PlanLimits,
    ShadowValue,
    WhatIf,
    YearUse,
    build_problem,
    optimise_plan,
)
from haiquan.priorities.scoring import (
    COOPERATION_FLAGS,
    STATISTIC,
    DroppedCriterion,
    InstrumentRanking,
    PartnerCriteria,
    PriorityScores,
    partner_criteria,
    score_criteria,
    score_partners,
    weight_sensitivity,
)
from haiquan.priorities.service import (
    ALL_REPORTERS_TRADE_FILE,
    EXAMPLE_TRADE_FILE,
    PriorityReport,
    plan_cooperation,
    rank_partners,
    start_catalogue,
)
from haiquan.priorities.standing import partner_standing
from haiquan.priorities.template import (
    PLACEHOLDER_PARTNERS,
    TEMPLATE_PARTNERS,
    CatalogueTemplate,
    catalogue_template_path,
    template_partners,
    write_catalogue_template,
)
from haiquan.priorities.trade import (
    ForecastMethod,
    PartnerTradeForecast,
    forecast_growth,
    partner_trade_forecast,
)
from haiquan.priorities.weights import (
    CRITERIA,
    MONEY_CRITERIA,
    Criterion,
    ScoringWeights,
    criterion_label,
    default_weights_path,
    load_weights,
    parse_weights,
)

__all__ = [
    "ALL_REPORTERS_TRADE_FILE",
    "COOPERATION_FLAGS",
    "CRITERIA",
    "EXAMPLE_TRADE_FILE",
    "INITIATIVE_KINDS",
    "INSTRUMENTS",
    "MONEY_CRITERIA",
    "PLACEHOLDER_PARTNERS",
    "STATISTIC",
    "TEMPLATE_PARTNERS",
    "Benefit",
    "BindingConstraint",
    "Catalogue",
    "CatalogueTemplate",
    "ChosenInitiative",
    "Criterion",
    "DroppedCriterion",
    "ForecastMethod",
    "Initiative",
    "InitiativeKind",
    "InstrumentRanking",
    "PartnerCriteria",
    "PartnerTradeForecast",
    "Plan",
    "PlanLimits",
    "PriorityReport",
    "PriorityScores",
    "Resources",
    "ScoringWeights",
    "ShadowValue",
    "Sourced",
    "WhatIf",
    "YearUse",
    "build_problem",
    "catalogue_template_path",
    "criterion_label",
    "default_weights_path",
    "example_catalogue_path",
    "forecast_growth",
    "instrument_exposure",
    "load_catalogue",
    "load_weights",
    "optimise_plan",
    "parse_catalogue",
    "parse_weights",
    "partner_criteria",
    "partner_standing",
    "partner_trade_forecast",
    "plan_cooperation",
    "rank_partners",
    "score_criteria",
    "score_partners",
    "start_catalogue",
    "template_partners",
    "weight_sensitivity",
    "write_catalogue_template",
]
