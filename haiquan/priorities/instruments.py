"""Cooperation instruments and the trade, in USD, each would touch with each partner.

A partner is a priority *for something*. For every instrument below, the money at stake with a
partner is the trade the instrument would act on, read from the base-year trade and the dated
reference data (:mod:`haiquan.priorities.standing`):

==================  =================================================================
e-C/O exchange      trade with a partner under an FTA in force, while no electronic
                    certificate-of-origin exchange applies between the two
AEO MRA             trade with a partner that runs an AEO programme, while no AEO
                    mutual recognition arrangement applies
single window       trade with a partner whose single window is not connected to home's
enforcement         the mirror discrepancy in USD: |home imports − partner's reported
                    exports| + |home exports − partner's reported imports|, at most the
                    trade home records with the partner
port-pair pilot     trade with the partner (the trade statistics carry no transport mode,
                    so all of it counts; a port-pair pilot acts on a part of it)
capacity building   trade with a partner that signed an arrangement of home's group but
                    does not apply it yet (e.g. still building its AEO programme)
==================  =================================================================

Where an arrangement is already signed but not yet applied, its trade still counts and the
driver says "signed, to implement": the work left is implementation, not negotiation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["INSTRUMENTS", "instrument_exposure"]

#: Instrument id → (label, what the USD figure counts).
INSTRUMENTS: dict[str, tuple[str, str]] = {
    "eco_exchange": ("e-C/O exchange", "preferential trade (FTA in force) without electronic "
                     "certificate-of-origin exchange"),
    "aeo_mra": ("AEO mutual recognition", "trade with a partner running an AEO programme, no "
                "MRA applied"),
    "single_window": ("single window / data exchange", "trade with a partner whose single "
                      "window is not connected"),
    "enforcement": ("enforcement cooperation", "mirror discrepancy in USD (home-reported vs "
                    "partner-reported flows)"),
    "port_pair": ("port-pair pilots", "total trade (no transport mode in the statistics)"),
    "capacity_building": ("capacity building", "trade with a partner that signed home's group "
                          "arrangement but does not apply it yet"),
}


def _money(value: float) -> str:
    return f"{value / 1e6:,.0f} M USD"


def _discrepancy(row: pd.Series) -> tuple[float, str]:
    """The mirror discrepancy in USD, at most the trade home records with the partner.

    An enforcement arrangement acts on the goods that cross home's border. A partner-reported
    figure many times home's own is far more often a recording difference (country of origin
    against country of consignment, re-exports, a unit error) than money to recover; counted
    in full, that one figure would outweigh every other instrument and rank a small partner
    among the first (a Kuwaiti export figure 100,000 times too large put Kuwait, 0.6 % of
    Vietnam's trade, second). The cap is stated in the driver whenever it applies.
    """
    pairs = (("imports", "partner_reported_exports", "imports"),
             ("exports", "partner_reported_imports", "exports"))
    gap, parts = 0.0, []
    for own, mirror, label in pairs:
        if pd.notna(row.get(own)) and pd.notna(row.get(mirror)):
            gap += abs(float(row[own]) - float(row[mirror]))
            parts.append(f"{label} {_money(row[own])} vs {_money(row[mirror])} reported by the "
                         "partner")
    if not parts:
        return 0.0, "no partner-reported (mirror) figures to compare"
    trade = float(row["current_trade"])
    if gap > trade:
        parts.append(f"gap of {_money(gap)} counted up to the {_money(trade)} of trade home "
                     "records with the partner")
        gap = trade
    return gap, "; ".join(parts)


def instrument_exposure(table: pd.DataFrame) -> pd.DataFrame:
    """The USD each instrument would touch with each partner, and why (the driver).

    Args:
        table: one row per partner with ``partner``, ``current_trade`` (USD), ``imports``,
            ``exports``, ``partner_reported_imports``, ``partner_reported_exports`` and the
            columns of :func:`~haiquan.priorities.standing.partner_standing`.

    Returns:
        One row per partner and instrument: ``partner``, ``instrument``, ``usd`` (0 where the
        instrument touches nothing), ``driver`` (a sentence with the agreements or figures).
    """
    rows = []
    for _, row in table.iterrows():
        trade = float(row["current_trade"])
        partner = row["partner"]

        def add(instrument: str, usd: float, driver: str, partner: str = partner) -> None:
            rows.append({"partner": partner, "instrument": instrument,
                         "usd": float(usd) if np.isfinite(usd) else 0.0, "driver": driver})

        signed = row.get("signed_eco_exchange") or ""
        if row["eco_exchange"]:
            add("eco_exchange", 0.0, f"e-C/O already exchanged ({row['eco_exchange_basis']})")
        elif row["fta_in_force"]:
            add("eco_exchange", trade, f"FTA in force ({row['ftas']}), no e-C/O exchange"
                + (f"; {signed} signed, to implement" if signed else ""))
        else:
            add("eco_exchange", 0.0, "no FTA in force, so no preferential origin to certify")

        signed = row.get("signed_aeo_mra") or ""
        if row["aeo_mra"]:
            add("aeo_mra", 0.0, f"AEO MRA already applied ({row['aeo_mra_basis']})")
        elif row["aeo_programme"]:
            add("aeo_mra", trade, f"{row['aeo_programme']}; no MRA applied"
                + (f"; {signed} signed, to implement" if signed else ""))
        elif pending := (row.get("pending_in") or ""):
            add("aeo_mra", 0.0, f"no operational AEO programme yet (pending in {pending})")
        else:
            add("aeo_mra", 0.0, "no AEO programme of the partner recorded "
                "(reference data aeo_programmes.yaml)")

        signed = row.get("signed_single_window") or ""
        if row["single_window_connected"]:
            add("single_window", 0.0,
                f"single windows already connected ({row['single_window_connected_basis']})")
        else:
            add("single_window", trade, "single windows not connected"
                + (f"; {signed} signed, to implement" if signed else ""))

        gap, text = _discrepancy(row)
        add("enforcement", gap, text)
        add("port_pair", trade, "total trade (the statistics have no transport mode)")

        if pending := (row.get("pending_in") or ""):
            add("capacity_building", trade, f"signed {pending} but does not apply it yet")
        else:
            add("capacity_building", 0.0, "no arrangement of home's groups left to apply")
    return pd.DataFrame(rows, columns=["partner", "instrument", "usd", "driver"])
