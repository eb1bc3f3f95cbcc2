"""Which rows a forecast reads: a slice of a source file or of the warehouse, chosen by reporter,
partner, flow, frequency and commodity level, with errors that name what the data holds.

Kept apart from :mod:`haiquan.forecast.flows` (which forecasts and writes the rows) because
choosing a slice is where users make mistakes: every refusal here says what was asked, what the
file or warehouse holds and which option to change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from haiquan.errors import InputError, UnknownCodeError
from haiquan.forecast.panel import select_slice
from haiquan.settings import get_settings
from haiquan.warehouse.schema import FLOWS, FREQUENCIES
from haiquan.warehouse.schema import is_synthetic as _synthetic_rows

__all__ = [
    "COMMODITY_LEVELS",
    "SYNTHETIC_NOTE",
    "SliceRows",
    "is_synthetic",
    "load_slice",
    "read_flows",
]

COMMODITY_LEVELS = (0, 2, 4, 6, 8, 10)

SYNTHETIC_NOTE = "SYNTHETIC: the slice includes generated demo data, not real trade"


def is_synthetic(rows: pd.DataFrame) -> bool:
    """Whether any canonical row is generated demo data (its ``source`` starts ``synthetic``)."""
    return _synthetic_rows(rows)


@dataclass(frozen=True, eq=False)
class SliceRows:
    """The canonical rows of one slice (:func:`load_slice`) and how they were chosen.

    Compared by identity (``eq=False``): a DataFrame has no single truth value.
    """

    rows: pd.DataFrame
    #: Series partner codes -> the partner to print (see :func:`read_flows`); empty for the
    #: warehouse and for formats other than Census.
    shown: dict[str, str]
    #: The reporter the slice holds when one was chosen (given, or the home country by default).
    reporter: str | None = None
    #: Says the reporter was chosen by default, for the output's notes.
    reporter_note: str | None = None




def read_flows(path: str | Path, format: str | None = None) -> tuple[pd.DataFrame, dict]:
    """Canonical rows of a source file, and how to write partner codes back.

    Series are keyed by the canonical partner (ISO alpha-3 for a country, a named group such as
    ``EUROPEAN_UNION`` or ``CENSUS_5080`` otherwise), so slices and reconciliation see ISO codes.
    For the Census format the returned mapping gives, for each canonical partner, the partner to
    print: the ISO alpha-3 code for a country, the four-digit Census code otherwise; rows keep
    that code in a ``census_code`` column.
    """
    from haiquan.warehouse.sources import detect_format, read_trade_file

    chosen = format or detect_format(path)
    if chosen != "census":
        return read_trade_file(path, chosen), {}
    from haiquan.warehouse.sources.census import read_census

    flows = read_census(path)
    is_country = flows["partner"].astype(str).str.len() == 3
    shown = flows["partner"].where(is_country, flows["census_code"])
    # The Census reader gives every code its own partner (a second code of one country becomes
    # CENSUS_<code>), so this mapping is one to one.
    mapping = dict(zip(flows["partner"], shown, strict=False))
    return flows, mapping


def _choice(value: str | None, allowed: Sequence[str], name: str, case: str) -> str | None:
    """``value`` normalised to the case of ``allowed``, or an error listing the valid values."""
    if value is None:
        return None
    text = value.strip().lower() if case == "lower" else value.strip().upper()
    if text not in allowed:
        raise InputError(
            f"unknown {name} {value!r}",
            expected="one of " + ", ".join(allowed),
            got=repr(value),
            fix=f"use one of the values listed, e.g. --{name} {allowed[0]}",
        )
    return text


def _partner_codes(partners: Sequence[str], flows: pd.DataFrame,
                   shown: dict[str, str]) -> list[str]:
    """The canonical partner codes the user's ``--partner`` values name in ``flows``.

    A value may be an ISO alpha-3 code, a named group, or a code the source prints (the Census
    code of an aggregate, e.g. ``0003``). A value that names no partner of the data fails,
    naming it: a mistyped code must not widen the slice to every partner.
    """
    present = set(flows["partner"].astype(str))
    printed = {str(v).upper(): k for k, v in shown.items()}
    chosen: list[str] = []
    unknown: list[str] = []
    hints: list[str] = []
    for value in partners:
        code = value.strip().upper()
        if code in present:
            chosen.append(code)
        elif code in printed or code.zfill(4) in printed:
            chosen.append(printed.get(code) or printed[code.zfill(4)])
        elif (named := _partner_by_name(value)) in present:
            # A country's name ("Viet Nam") stands for its code; the output shows the code.
            chosen.append(str(named))
        else:
            unknown.append(value)
            hints.extend(_group_hint(value))
    if unknown:
        fix = "check the spelling; look a country's code up with `haiquan show country NAME`"
        fix = "; ".join(hints) if hints else fix
        raise UnknownCodeError(
            "unknown partner " + ", ".join(repr(u) for u in unknown),
            expected="partners of the data: ISO 3166 alpha-3 codes (VNM, CHN) or named groups "
            "(WORLD, EUROPEAN_UNION)" + (", or their Census codes (0003)" if shown else ""),
            got=", ".join(unknown) + f" (not among the {len(present)} partners of the data)",
            fix=fix,
        )
    return list(dict.fromkeys(chosen))


def _partner_by_name(value: str) -> str | None:
    """The canonical partner code of a country or group name, or ``None`` when unknown."""
    from haiquan.errors import HaiquanError
    from haiquan.reference.countries import partner_code

    try:
        return partner_code(value)
    except HaiquanError:
        return None


def _group_hint(value: str) -> list[str]:
    """How to forecast a reference group (ASEAN ...) the data does not hold as a partner."""
    from haiquan.reference.countries import country_groups

    group = country_groups().get(value.strip().upper())
    if group is None:
        return []
    members = group.members_on(None)
    return [f"{group.code} is a group the data does not hold as one partner; forecast its "
            "members with " + " ".join(f"--partner {m}" for m in members)]


def load_slice(
    path: str | Path | None = None,
    format: str | None = None,
    *,
    reporter: str | None = None,
    flow: str | None = None,
    frequency: str | None = None,
    partners: Sequence[str] | None = None,
    commodity_level: int | None = 0,
) -> SliceRows:
    """Canonical rows of one slice, from a source file or (``path=None``) the warehouse.

    Returns:
        The rows, the partners to print (``shown``) and the reporter chosen, with a note when
        it was chosen by default (data of many reporters: the home country's own reports).

    Raises:
        InputError: ``flow``, ``frequency`` or ``commodity_level`` is not a valid value, or
            one the data does not hold (the message lists those it holds), or nothing matches.
        UnknownCodeError: a partner that is not in the data (the slice is never widened). A
            partner may also be given by name ("Viet Nam"); a group the data does not hold
            (ASEAN) fails naming its members.
    """
    flow = _choice(flow, FLOWS, "flow", "lower")
    frequency = _choice(frequency, FREQUENCIES, "frequency", "upper")
    if commodity_level is not None and commodity_level not in COMMODITY_LEVELS:
        raise InputError(
            f"unknown commodity level {commodity_level}",
            expected="0 (TOTAL rows) or the digits of an HS code: 2, 4, 6, 8 or 10",
            got=str(commodity_level),
            fix="pass --commodity-level 2 for HS chapters, or leave it out for TOTAL rows",
        )
    where = "the file" if path is not None else "the warehouse"
    if path is None:
        from haiquan.warehouse.queries import query_flows

        flows = query_flows(reporter=reporter, flow=flow, frequency=frequency, commodity=None)
        if flows.empty:
            # Say which filter finds nothing, rather than blame a partner (0 partners found).
            flows = query_flows(commodity=None)
            if flows.empty:
                raise InputError("the warehouse holds no trade rows",
                                 expected="trade statistics loaded", got="an empty warehouse",
                                 fix="load a file first: haiquan load FILE --format census")
        shown: dict[str, str] = {}
    else:
        flows, shown = read_flows(path, format)
    reporter, note = _default_reporter(flows, reporter)
    _require_held(flows, where, reporter=reporter, flow=flow, frequency=frequency,
                  commodity_level=commodity_level)
    codes = _partner_codes(partners, flows, shown) if partners else None
    rows = select_slice(flows, reporter=reporter, flow=flow, frequency=frequency,
                        partners=codes, commodity_level=commodity_level)
    return SliceRows(rows=rows, shown=shown, reporter=reporter, reporter_note=note)


def _default_reporter(flows: pd.DataFrame, reporter: str | None) -> tuple[str | None, str | None]:
    """The reporter to forecast when none is given, and a note saying so.

    Data of many reporters (the DOTS table, a warehouse that holds it) would otherwise give
    every reporter's trade with the partners asked for — hundreds of series an analyst did not
    want. When the home country is one of several reporters, its own reports are the slice;
    a file of one reporter (the Census file: the United States) is that reporter's.
    """
    if reporter is not None or "reporter" not in flows.columns:
        return reporter, None
    reporters = set(flows["reporter"].astype(str).unique())
    home = get_settings().home_country
    if len(reporters) > 1 and home in reporters:
        return home, (f"reporter {home} (the home country) of the {len(reporters)} reporters "
                      "in the data; --reporter chooses another")
    return None, None


def _require_held(flows: pd.DataFrame, where: str, *, reporter: str | None, flow: str | None,
                  frequency: str | None, commodity_level: int | None) -> None:
    """Refuse a filter value the data does not hold, naming the values it does hold."""
    for name, value in (("reporter", reporter.strip().upper() if reporter else None),
                        ("flow", flow), ("frequency", frequency)):
        have = sorted(flows[name].astype(str).unique())
        if value is not None and value not in have:
            listed = ", ".join(have[:12]) + (f" ... ({len(have)} in all)" if len(have) > 12
                                             else "")
            raise InputError(
                f"{where} has no rows of {name} {value}",
                expected=f"a {name} {where} holds: {listed}",
                got=repr(value),
                fix=f"pass --{name} {have[0]}, or leave --{name} out",
            )
    if commodity_level:
        commodity = flows["commodity"].astype(str)
        sizes = sorted(set(commodity[commodity != "TOTAL"].str.len()))
        if commodity_level not in sizes:
            held = (", ".join(map(str, sizes)) + "-digit HS codes") if sizes else \
                "no HS codes, only TOTAL rows"
            raise InputError(
                f"{where} has no HS codes of {commodity_level} digits",
                expected=f"a --commodity-level {where} holds: 0 (TOTAL)"
                + "".join(f", {n}" for n in sizes),
                got=f"--commodity-level {commodity_level}; {where} has {held}",
                fix="leave --commodity-level out to forecast the TOTAL rows"
                + (f", or pass --commodity-level {sizes[0]}" if sizes else ""),
            )
