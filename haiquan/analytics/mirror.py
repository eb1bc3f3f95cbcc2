"""Mirror-data gaps: what the partner recorded against what the home country recorded.

Rows are stored as each reporter reported them, so the mirror of the home country's exports to
KOR is KOR's imports from the home country, and the mirror of its imports from KOR is KOR's
exports to it. The import side is valued CIF and the export side FOB, so for the same goods
``CIF / FOB`` should sit near the freight-and-insurance factor (1.06 in IMF DOTS). A ratio far
above it means the importer recorded more than the exporter declared (under-declared exports,
goods routed through third countries, or origin attributed differently); far below it, the
reverse (e.g. under-valued imports) — a classic signal of mis-declaration worth a closer look,
never proof of it. The factor and the band are data (``data/mirror_thresholds.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from haiquan import yaml_text
from haiquan.analytics._frames import (
    annual_values,
    is_country,
    is_synthetic,
    resolve_home,
    resolve_year,
)
from haiquan.analytics.results import MirrorGaps
from haiquan.errors import CatalogueError

__all__ = ["MirrorThresholds", "load_thresholds", "mirror_gaps"]


@dataclass(frozen=True)
class MirrorThresholds:
    """The normal CIF/FOB factor and the band around it beyond which a gap is flagged."""

    cif_fob_factor: float
    tolerance: float
    min_value_usd: float
    sources: dict[str, str]

    @property
    def band(self) -> tuple[float, float]:
        """The (low, high) CIF/FOB ratios still considered normal."""
        return (self.cif_fob_factor / (1 + self.tolerance),
                self.cif_fob_factor * (1 + self.tolerance))


_RULES = {
    "cif_fob_factor": (1.0, 2.0, "a CIF/FOB factor between 1 and 2, e.g. 1.06"),
    "tolerance": (0.0, 10.0, "a relative tolerance above 0, e.g. 0.25"),
    "min_value_usd": (0.0, float("inf"), "a value in US dollars of zero or more"),
}


def load_thresholds(path: str | Path | None = None) -> MirrorThresholds:
    """Read the mirror thresholds from YAML (the packaged file by default).

    Each entry needs a numeric ``value`` in its range and a ``source`` saying where it comes from
    (a publication, or "Assumption of ..." when it is a choice).

    Raises:
        CatalogueError: a missing entry, value or source, or a value out of range.
    """
    where = str(path) if path else "haiquan/analytics/data/mirror_thresholds.yaml"
    if path is None:
        text = resources.files("haiquan.analytics.data").joinpath(
            "mirror_thresholds.yaml").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    data: Any = yaml_text.parse(text, source=where, expected="keys " + ", ".join(_RULES))
    if not isinstance(data, dict):
        raise CatalogueError(f"{where} must be a mapping", expected="keys " + ", ".join(_RULES),
                             got=type(data).__name__, fix="see the packaged file for the shape")
    values: dict[str, float] = {}
    sources: dict[str, str] = {}
    for key, (low, high, wanted) in _RULES.items():
        entry = data.get(key)
        value = entry.get("value") if isinstance(entry, dict) else None
        source = entry.get("source") if isinstance(entry, dict) else None
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool)
              and low <= float(value) <= high and (key != "tolerance" or value > 0))
        if not ok:
            raise CatalogueError(f"{where}: {key} has no valid value", expected=wanted,
                                 got=repr(value), fix=f"set {key}.value")
        if not isinstance(source, str) or not source.strip():
            raise CatalogueError(f"{where}: {key} has no source",
                                 expected="a source: a publication, or 'Assumption of ...'",
                                 got=repr(source), fix=f"add {key}.source")
        values[key] = float(value)  # type: ignore[arg-type]
        sources[key] = source.strip()
    return MirrorThresholds(values["cif_fob_factor"], values["tolerance"],
                            values["min_value_usd"], sources)


def _reading(row: pd.Series, low: float, high: float) -> str:
    if pd.isna(row["home_reported"]) or pd.isna(row["partner_reported"]):
        return "reported by one side only"
    ratio = row["cif_fob_ratio"]
    if pd.isna(ratio):
        return "no trade on the FOB side"
    if ratio > high:
        return "importer records more than the exporter declared"
    if ratio < low:
        return "importer records less than the exporter declared"
    return "within the normal CIF/FOB margin"


def mirror_gaps(
    flows: pd.DataFrame,
    home: str | None = None,
    year: int | None = None,
    *,
    thresholds: MirrorThresholds | None = None,
    annual: pd.DataFrame | None = None,
) -> MirrorGaps:
    """Compare each partner's reports of its trade with the home country to the home's reports.

    Args:
        flows: canonical rows holding the home country's TOTAL rows by partner and the partners'
            own TOTAL rows with the home country (e.g. DOTS, or the Vietnam DOTS extract).
        home: alpha-3 code; defaults to the ``home_country`` setting.
        year: defaults to the latest year the home country reported.
        thresholds: defaults to :func:`load_thresholds`.
        annual: the result of ``annual_values(flows)`` when the caller already has it.

    Returns:
        A :class:`~haiquan.analytics.results.MirrorGaps` whose ``table`` has one row per
        partner and direction (``export``: home exports vs partner imports;
        ``import``: home imports vs partner exports) with ``home_reported``,
        ``partner_reported``, ``fob_value``, ``cif_value``, ``gap_usd`` (CIF - FOB),
        ``cif_fob_ratio``, ``excess`` (ratio over the normal factor, minus 1), ``flag`` (both
        sides reported, the larger value reaches ``min_value_usd`` and the ratio is outside the
        band) and ``reading``; flagged rows first, then by the size of the gap.
    """
    rules = thresholds or load_thresholds()
    table = annual if annual is not None else annual_values(flows)
    code = resolve_home(home)
    chosen = resolve_year(table, code, year)
    total = table.loc[(table["commodity"] == "TOTAL") & (table["year"] == chosen)]
    own = total.loc[(total["reporter"] == code) & is_country(total["partner"])
                    & (total["partner"] != code)]
    theirs = total.loc[(total["partner"] == code) & is_country(total["reporter"])
                       & (total["reporter"] != code)]
    low, high = rules.band
    pieces = []
    for direction, their_flow in (("export", "import"), ("import", "export")):
        home_side = own.loc[own["flow"] == direction].set_index("partner")["value_usd"]
        partner_side = theirs.loc[theirs["flow"] == their_flow].set_index("reporter")["value_usd"]
        partners = sorted(set(home_side.index) | set(partner_side.index))
        piece = pd.DataFrame({
            "partner": pd.Series(partners, dtype="string"),
            "year": chosen,
            "direction": direction,
            "home_reported": home_side.reindex(partners).to_numpy(dtype="float64"),
            "partner_reported": partner_side.reindex(partners).to_numpy(dtype="float64"),
        })
        # Exports are FOB on the exporter's side; imports CIF on the importer's side.
        fob, cif = (("home_reported", "partner_reported") if direction == "export"
                    else ("partner_reported", "home_reported"))
        piece["fob_value"] = piece[fob]
        piece["cif_value"] = piece[cif]
        pieces.append(piece)
    gaps = pd.concat(pieces, ignore_index=True)
    gaps["gap_usd"] = gaps["cif_value"] - gaps["fob_value"]
    with np.errstate(divide="ignore", invalid="ignore"):
        gaps["cif_fob_ratio"] = np.where(gaps["fob_value"] > 0,
                                         gaps["cif_value"] / gaps["fob_value"], np.nan)
    gaps["excess"] = gaps["cif_fob_ratio"] / rules.cif_fob_factor - 1
    largest = gaps[["fob_value", "cif_value"]].max(axis=1).fillna(0)
    # Only two independent reports make a gap: a partner that reported nothing that year is
    # not evidence of anything, so one-sided rows keep their reading but are not flagged.
    outside = gaps["cif_fob_ratio"].notna() & ~gaps["cif_fob_ratio"].between(low, high)
    gaps["flag"] = (largest >= rules.min_value_usd) & outside
    gaps["reading"] = [_reading(row, low, high) for _, row in gaps.iterrows()]
    order = gaps.assign(_size=gaps["gap_usd"].abs().fillna(largest)).sort_values(
        ["flag", "_size"], ascending=[False, False], kind="stable")
    return MirrorGaps(table=order.drop(columns="_size").reset_index(drop=True), home=code,
                      year=chosen, synthetic=is_synthetic(flows))
