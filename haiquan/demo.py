"""``haiquan demo``: build a small demo warehouse and show what the platform does on it.

Real public data is used where it is found (``HAIQUAN_SHARED_DATA``): the IMF DOTS rows of
Vietnam and its partners (for any other home country, the full DOTS table of every reporter),
and the U.S. Census monthly file. Where it is not, synthetic trade is
generated instead. Declarations are always synthetic (the real KCS files are inspection samples
of another country). Synthetic data is labelled as such in every output.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from haiquan.settings import get_settings
from haiquan.warehouse.loading import LoadResult, load_trade_file, load_trade_frame
from haiquan.warehouse.store import Warehouse

__all__ = [
    "DEMO_FILES",
    "DEMO_OTHER_HOME_DOTS",
    "DemoSection",
    "DemoWarehouse",
    "build_demo_warehouse",
    "demo_files",
    "latest_periods",
    "mirror_partner",
    "tour",
]

#: Real files the demo loads when they are present, relative to the shared data folder.
DEMO_FILES = (
    ("trade/imf-dots-annual-1960-2020/vietnam_dots_annual_reported_and_mirror.csv", "dots"),
    ("trade/us-census-country-monthly/us_census_goods_by_country_monthly_long.csv.gz", "census"),
    ("trade/baci-hs2-exporter-2011-2020/baci_hs92_hs2_exporter_year_2011_2020.csv.gz", "baci"),
)

#: The DOTS file the demo loads for a home country other than Vietnam: the Vietnam extract holds
#: only that country's trade with Vietnam, so the tour would show one partner (or none).
DEMO_OTHER_HOME_DOTS = "trade/imf-dots-annual-1960-2020/dots_bilateral_annual_1960_2020.parquet"


def demo_files(home: str) -> tuple[tuple[str, str], ...]:
    """The real files the demo loads for ``home``: :data:`DEMO_FILES`, with the full DOTS table
    instead of the Vietnam extract when home is not Vietnam.

    >>> [path.rsplit("/", 1)[-1] for path, _ in demo_files("THA")][0]
    'dots_bilateral_annual_1960_2020.parquet'
    """
    if home == "VNM":
        return DEMO_FILES
    return tuple((DEMO_OTHER_HOME_DOTS, name) if name == "dots" else (relative, name)
                 for relative, name in DEMO_FILES)


@dataclass
class DemoWarehouse:
    """What the demo loaded."""

    path: Path
    loads: list[LoadResult] = field(default_factory=list)
    synthetic_trade: bool = False
    synthetic_declarations: int = 0


def build_demo_warehouse(
    shared_data: Path | None = None, *, declarations: int = 3000, seed: int = 7
) -> DemoWarehouse:
    """Load the demo data into the configured warehouse (idempotent: reruns change nothing)."""
    settings = get_settings()
    folder = shared_data if shared_data is not None else settings.shared_data
    demo = DemoWarehouse(path=settings.warehouse_file)
    with Warehouse.open() as warehouse:
        found = [(folder / relative, name) for relative, name in demo_files(settings.home_country)
                 if (folder / relative).is_file()]
        for path, name in found:
            demo.loads.append(load_trade_file(path, name, warehouse=warehouse))
        # The tour is about home's annual trade by partner, which only DOTS gives.
        if not any(name == "dots" for _, name in found):
            from haiquan.warehouse.synthetic import generate_synthetic_trade

            rows = generate_synthetic_trade(home=settings.home_country, seed=seed)
            digest = hashlib.sha256(f"synthetic-trade-{settings.home_country}-{seed}".encode())
            demo.loads.append(load_trade_frame(rows, label="synthetic demo trade",
                                               sha256=digest.hexdigest(), synthetic=True,
                                               warehouse=warehouse))
            demo.synthetic_trade = True
        if declarations:
            from haiquan.declarations import generate_synthetic_declarations
            from haiquan.warehouse.loading import store_declarations_frame

            frame = generate_synthetic_declarations(declarations, seed=seed)
            digest = hashlib.sha256(f"synthetic-declarations-{declarations}-{seed}".encode())
            demo.loads.append(store_declarations_frame(
                frame, label="synthetic demo declarations", sha256=digest.hexdigest(),
                synthetic=True, warehouse=warehouse))
            demo.synthetic_declarations = declarations
    if settings.home_country == "VNM":  # the examples are Vietnam's own records
        _load_commitment_examples(folder)
    if declarations:
        _ensure_risk_model(seed)
    from haiquan.transit.generator import demo_movements

    demo_movements(settings.home_country, seed=seed)  # synthetic ACTS movements, idempotent
    return demo


def _ensure_risk_model(seed: int) -> None:
    """A risk model for the demo's risk queue, trained on synthetic labelled declarations that
    end before the demo's own (synthetic) declarations begin."""
    from haiquan.declarations import generate_synthetic_declarations
    from haiquan.risk.model import train_model
    from haiquan.risk.store import default_model_dir, save_model

    model_dir = default_model_dir()
    if (model_dir / "CURRENT").exists():
        return
    training = generate_synthetic_declarations(3000, seed=seed + 1, start="2023-01-01")
    save_model(train_model(training), model_dir, training, synthetic=True)


def _load_commitment_examples(folder: Path) -> None:
    """Vietnam's known TFA notifications (real, when found) and the ASEAN example (packaged)."""
    from haiquan.commitments import load_example

    if (folder / "commitments" / "wto-tfa").is_dir():
        load_example("vietnam-tfa")
    load_example("vietnam-asean")


def latest_periods(series: pd.DataFrame, periods: int) -> pd.DataFrame:
    """Every flow's rows in the ``periods`` latest periods of a partner series, newest last.

    (The series comes sorted by flow, then period, so its last rows are one flow's only.)

    >>> frame = pd.DataFrame({"period": ["2019", "2020", "2019", "2020"],
    ...                       "flow": ["export", "export", "import", "import"]})
    >>> latest_periods(frame, 1).to_dict("list")
    {'period': ['2020', '2020'], 'flow': ['export', 'import']}
    """
    latest = sorted(series["period"].unique())[-periods:]
    chosen = series[series["period"].isin(latest)].sort_values(["period", "flow"])
    return chosen.reset_index(drop=True)


#: The partner whose mirror figures the tour shows (the example of the docs).
DEMO_MIRROR_PARTNER = "KOR"


def mirror_partner(home: str, top: pd.DataFrame) -> str:
    """The partner of the tour's mirror table: Korea, or home's largest partner when Korea is
    home or not among ``top`` (home's partners, largest first).

    A home country has no trade with itself, and a home without trade with Korea in the
    warehouse has no Korean mirror figures to show.

    >>> top = pd.DataFrame({"partner": ["VNM", "CHN", "KOR"]})
    >>> mirror_partner("VNM", top), mirror_partner("KOR", top)
    ('KOR', 'VNM')
    >>> mirror_partner("THA", pd.DataFrame({"partner": ["VNM"]}))
    'VNM'
    """
    if top.empty or (home != DEMO_MIRROR_PARTNER
                     and DEMO_MIRROR_PARTNER in set(top["partner"])):
        return DEMO_MIRROR_PARTNER
    return str(top["partner"].iloc[0])


@dataclass
class DemoSection:
    """One table the demo shows: a title, the table, a line on how to read it, and whether
    generated data is behind it (the CLI labels it SYNTHETIC)."""

    title: str
    table: pd.DataFrame
    note: str = ""
    synthetic: bool = False


def tour(home: str | None = None) -> list[DemoSection]:
    """What the platform does on the demo warehouse, as tables (each from one library call)."""
    from haiquan.analytics import load_flows, mirror_gaps, partner_indicators
    from haiquan.warehouse.queries import partner_series, top_commodities, top_partners
    from haiquan.warehouse.schema import is_synthetic

    code = (home or get_settings().home_country).upper()
    partners = top_partners(code, n=1000)
    top = partners.head(10)
    partner = mirror_partner(code, partners)
    sections = [
        DemoSection(f"Top 10 partners of {code} (latest year)", top),
        DemoSection(f"{code}–{partner} trade with {partner}'s mirror figures",
                    latest_periods(partner_series(partner, code), 3),
                    f"mirror = what {partner} reports for the same flow"),
    ]
    commodities = top_commodities(code, n=8)
    if not commodities.empty:
        sections.append(DemoSection(f"{code}'s largest export chapters (HS2)", commodities))
    year = int(top["period"].iloc[0])
    flows = load_flows(first_year=year - 6, last_year=year)
    indicators = partner_indicators(flows, code, year).table
    columns = ["partner", "total_trade", "trade_share", "export_cagr", "import_cagr",
               "grubel_lloyd", "mirror_flag"]
    sections.append(DemoSection(
        f"Indicators of {code}'s ten largest relationships in {year}",
        indicators[indicators["partner"].isin(top["partner"])][columns]
        .rename(columns={"total_trade": "total_trade_usd"}),
        "CAGR over 5 years; Grubel-Lloyd 1 = balanced intra-industry trade"))
    gaps = mirror_gaps(flows, code, year).table
    flagged = gaps[gaps["flag"]].sort_values("gap_usd", key=abs, ascending=False).head(8)
    sections.append(DemoSection(
        f"Largest flagged mirror-data gaps in {year}",
        flagged[["partner", "direction", "home_reported", "partner_reported", "cif_fob_ratio",
                 "reading"]].rename(columns={"home_reported": "home_reported_usd",
                                             "partner_reported": "partner_reported_usd"}),
        "a gap beyond the normal CIF/FOB margin is a classic signal of mis-declaration"))
    sections.extend(_priorities_and_plan(code))
    sections.append(_risk_queue())
    sections.append(_commitments(code))
    transit = _transit(code)
    if transit is not None:
        sections.append(transit)
    for section in sections:
        section.synthetic = (section.synthetic or is_synthetic(section.table)
                             or is_synthetic(flows))
    return sections


#: The share of trade an initiative covers, assumed in the demo where the example catalogue
#: computes it from CEPII BACI and the BACI file is not there. A round placeholder, not a
#: statistic: the demo labels the plan SYNTHETIC and names the file to install.
DEMO_ASSUMED_SHARE = 0.2


def _demo_catalogue() -> tuple[Path | None, list[str]]:
    """The initiatives catalogue the demo plans with, and what it assumed.

    The example catalogue computes some trade shares from CEPII BACI (``from_baci``). Without
    that file the demo still shows a plan: it writes a copy of the example into
    ``HOME/demo/`` whose computed shares are replaced by :data:`DEMO_ASSUMED_SHARE`, each marked
    as a SYNTHETIC assumption. ``(None, [])`` means the example is used as shipped.
    """
    import yaml

    from haiquan import yaml_text
    from haiquan.priorities.catalogue import example_catalogue_path
    from haiquan.priorities.computed import BACI_EXPORTS_FILE

    settings = get_settings()
    example = example_catalogue_path()
    data = yaml_text.read(example, what="the example catalogue")
    assumed: list[str] = []
    for item in data.get("initiatives", []):
        share = item.get("benefit", {}).get("share_affected")
        if not isinstance(share, dict) or "from_baci" not in share:
            continue
        spec = share["from_baci"]
        baci = Path(spec.get("file") or settings.shared_data / BACI_EXPORTS_FILE)
        if baci.is_file():
            continue
        chapters = " + ".join(f"HS {c}" for c in spec.get("chapters", []))
        item["benefit"]["share_affected"] = {
            "value": DEMO_ASSUMED_SHARE,
            "assumption": f"SYNTHETIC demo value: the {chapters} share would be computed from "
            f"CEPII BACI {spec.get('year')}, but there is no file at {baci}",
        }
        assumed.append(str(item.get("id")))
    if not assumed:
        return None, []
    path = settings.home / "demo" / "initiatives_with_assumed_shares.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (f"# Written by `haiquan demo` from {example}: CEPII BACI was not found, so the\n"
              f"# trade shares it computes are SYNTHETIC assumed values ({DEMO_ASSUMED_SHARE}).\n")
    path.write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                    encoding="utf-8")
    return path, assumed


def _priorities_and_plan(home: str) -> list[DemoSection]:
    from haiquan.priorities import plan_cooperation, rank_partners
    from haiquan.priorities.catalogue import example_catalogue_path, load_catalogue
    from haiquan.priorities.computed import BACI_EXPORTS_FILE

    report = rank_partners(home=home, forecast="trend", sensitivity=None)
    scores = report.scores.overall.head(10)
    criteria = list(report.scores.weights)
    keep = ["rank", "partner", "name", "score", *criteria]
    ranking = DemoSection(f"Cooperation priorities of {home} (score out of 100, by criterion)",
                          scores[keep].rename(columns={c: f"{c}_points" for c in criteria}),
                          "weights and reasons: haiquan/priorities/data/scoring_weights.yaml; "
                          "growth from a log-linear trend (fast demo setting)")
    catalogue, assumed = _demo_catalogue()
    owner = load_catalogue(catalogue or example_catalogue_path()).home
    if owner != home:
        # The example initiatives are Vietnam's: planning them for another home would show
        # Vietnam's plan under that country's name.
        return [ranking, DemoSection(
            f"Optimal cooperation plan: not shown, the example catalogue is {owner}'s",
            pd.DataFrame({"initiatives": []}),
            f"write an initiatives catalogue for {home} (docs/priorities.md) and run "
            "haiquan plan --catalogue FILE")]
    plan = plan_cooperation(catalogue=catalogue, forecast="trend", analyse=False)
    chosen = pd.DataFrame([c.model_dump(include={"id", "name", "partners", "start_year",
                                                 "completion_year", "benefit_usd"})
                           for c in plan.chosen])
    note = ("example catalogue: every number sourced or marked as an assumption to replace "
            "(haiquan plan lists them); partner trade from a log-linear trend (fast demo "
            "setting): `haiquan plan` and the dashboard forecast it with the ensemble, so their "
            "years and benefits differ; `haiquan plan --forecast trend` gives these")
    title = (f"Optimal cooperation plan {plan.first_year}–{plan.first_year + plan.years - 1} "
             f"({plan.status}, gap {plan.mip_gap:.1e})")
    if assumed:
        title += " with SYNTHETIC trade shares"
        note = (f"CEPII BACI not found, so the trade shares of {', '.join(assumed)} are "
                f"SYNTHETIC assumed values ({DEMO_ASSUMED_SHARE:.0%}), not statistics; install "
                f"{BACI_EXPORTS_FILE} under HAIQUAN_SHARED_DATA to compute them. " + note)
    return [ranking, DemoSection(title, chosen, note, synthetic=bool(assumed))]


def _count(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _commitments(home: str) -> DemoSection:
    from haiquan.commitments import implementation_rate, list_catalogues

    rows = []
    for entry in list_catalogues():
        rate = implementation_rate(entry, home)
        empty = rate.total == 0
        rows.append({"catalogue": rate.catalogue,
                     # Counts are whole unless TFA units weigh measures; show them as counted.
                     "implemented": _count(rate.implemented), "total": _count(rate.total),
                     "implementation_rate": None if empty else rate.rate,
                     "note": ("the catalogue lists no items yet: enter the ones tracked "
                              "(docs/commitments.md)" if empty else (rate.note or "")[:90])})
    if home == "VNM":
        note = ("TFA counted the TFA Database way; only notifications in the shared data are "
                "loaded, so this is not Vietnam's official percentage")
    else:
        note = (f"the examples loaded are Vietnam's, so nothing is recorded for {home} yet: "
                "record its statuses with `haiquan commitments record` or `load-status` "
                "(docs/commitments.md)")
    return DemoSection(f"Implementation of international commitments by {home} today",
                       pd.DataFrame(rows), note)


def _transit(home: str) -> DemoSection | None:
    """ACTS movements home departs, by route (the demo's are synthetic, and say so)."""
    from haiquan.transit.queries import transit_overview
    from haiquan.transit.store import TransitStore

    store = TransitStore()
    try:
        view = transit_overview(store)
    finally:
        store.close()
    if not view.routes:
        return None
    table = pd.DataFrame([{"route": r.countries, "destination": r.route.rsplit(">", 1)[-1],
                           "open": r.open, "overdue": r.overdue, "enquiry": r.enquiry,
                           "discharged": r.discharged, "median_transit_hours": r.median_hours}
                          for r in view.routes])
    label = " (SYNTHETIC movements)" if view.synthetic else ""
    return DemoSection(f"ACTS transit movements departing {home}{label}", table,
                       "haiquan transit overview, and the Transit page of the dashboard")


def _risk_queue() -> DemoSection:
    from haiquan.risk.service import score_declarations
    from haiquan.risk.store import load_model
    from haiquan.warehouse.queries import recent_declarations

    recent = recent_declarations(1000)
    declarations = recent.rows
    scored = score_declarations(declarations, load_model())
    merged = scored.merge(declarations[["declaration_id", "item_number", "importer", "hs_code",
                                        "origin_country"]],
                          on=["declaration_id", "item_number"])
    top = merged.sort_values("score", ascending=False).head(8)
    table = top[["declaration_id", "importer", "hs_code", "origin_country", "score", "level",
                 "channel", "reasons"]].reset_index(drop=True)
    counts = scored["channel"].value_counts().to_dict()
    return DemoSection("Risk queue: the highest-scored of the latest 1,000 declarations", table,
                       "channels filled at the configured rates: " + ", ".join(
                           f"{k} {v}" for k, v in counts.items()),
                       synthetic=recent.synthetic)
