"""Look-ups the CLI, the dashboard and the analytics run on the warehouse.

Each function opens the warehouse read-only for the duration of the call (or uses the one passed
in). The trade look-ups return plain DataFrames whose ``source`` column names where the figures
come from, so :func:`~haiquan.warehouse.schema.is_synthetic` tells every output to label an
answer built on generated demo data; :func:`recent_declarations`, whose rows carry no source,
returns a :class:`DeclarationRows` that says it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from haiquan.errors import InputError, NotFoundError
from haiquan.settings import get_settings
from haiquan.warehouse.schema import FLOWS, FREQUENCIES, TRADE_FLOW_COLUMNS
from haiquan.warehouse.store import TABLES, Warehouse

__all__ = [
    "DeclarationRows",
    "available_years",
    "recent_declarations",
    "export_table",
    "list_loads",
    "partner_series",
    "query_flows",
    "top_commodities",
    "top_partners",
]

T = TypeVar("T")

#: A partner is a country when its code is three letters; longer codes are named groups.
_IS_COUNTRY = "length(partner) = 3"


def _with(warehouse: Warehouse | None, work: Callable[[Warehouse], T]) -> T:
    if warehouse is not None:
        return work(warehouse)
    with Warehouse.open(read_only=True) as opened:
        return work(opened)


def _check_flow(flow: str | None) -> None:
    if flow is not None and flow not in FLOWS:
        raise InputError(
            f"unknown flow {flow!r}",
            expected="one of " + ", ".join(FLOWS),
            got=repr(flow),
            fix="use --flow export or --flow import",
        )


def query_flows(
    *,
    reporter: str | None = None,
    partners: Sequence[str] | None = None,
    flow: str | None = None,
    frequency: str | None = None,
    commodity: str | None = "TOTAL",
    source: str | None = None,
    period_from: str | None = None,
    period_to: str | None = None,
    countries_only: bool = False,
    warehouse: Warehouse | None = None,
) -> pd.DataFrame:
    """Canonical trade rows matching the filters (``None`` means any)."""
    _check_flow(flow)
    if frequency is not None and frequency not in FREQUENCIES:
        raise InputError(
            f"unknown frequency {frequency!r}",
            expected="M, Q or A",
            got=repr(frequency),
            fix="use --frequency A for annual data",
        )
    clauses: list[str] = []
    parameters: list[Any] = []
    for column, value in (
        ("reporter", reporter),
        ("flow", flow),
        ("frequency", frequency),
        ("commodity", commodity),
        ("source", source),
    ):
        if value is not None:
            clauses.append(f"{column} = ?")
            parameters.append(value.upper() if column == "reporter" else value)
    if partners:
        clauses.append("partner IN (SELECT unnest(?))")
        parameters.append([p.upper() for p in partners])
    if period_from:
        clauses.append("period >= ?")
        parameters.append(period_from)
    if period_to:
        clauses.append("period <= ?")
        parameters.append(period_to)
    if countries_only:
        clauses.append(_IS_COUNTRY)
    where = " AND ".join(clauses) or "TRUE"
    columns = ", ".join(TRADE_FLOW_COLUMNS)
    sql = (
        f"SELECT {columns} FROM trade_flows WHERE {where} ORDER BY reporter, partner, flow, period"
    )

    def work(w: Warehouse) -> pd.DataFrame:
        if not w.has_table("trade_flows"):
            # A warehouse a commitment status record created holds no trade table: no rows.
            return pd.DataFrame(columns=list(TRADE_FLOW_COLUMNS))
        return w.frame(sql, parameters)

    return _with(warehouse, work)


def top_partners(
    reporter: str | None = None,
    period: str | None = None,
    *,
    flow: str | None = None,
    frequency: str = "A",
    n: int = 20,
    warehouse: Warehouse | None = None,
) -> pd.DataFrame:
    """The ``n`` largest partner countries of a reporter in one period, exports and imports.

    Columns: rank, partner, partner_name, export_usd, import_usd, total_usd, share (of the
    reporter's trade with all countries in that period), source.
    """
    _check_flow(flow)
    home = (reporter or get_settings().home_country).upper()

    def work(w: Warehouse) -> pd.DataFrame:
        chosen = period or _latest_period(w, home, frequency)
        if period is not None:
            _require_period(w, home, frequency, period)
        flow_clause = "AND flow = ?" if flow else ""
        parameters: list[Any] = [home, frequency, chosen] + ([flow] if flow else [])
        return w.frame(
            f"""
            WITH rows AS (
                SELECT partner, any_value(partner_name) AS partner_name, flow,
                       sum(value_usd) AS value_usd, string_agg(DISTINCT source, ',') AS source
                FROM trade_flows
                WHERE reporter = ? AND frequency = ? AND period = ? AND commodity = 'TOTAL'
                  AND {_IS_COUNTRY} {flow_clause}
                GROUP BY partner, flow
            ), pivoted AS (
                SELECT partner, any_value(partner_name) AS partner_name,
                       sum(value_usd) FILTER (WHERE flow = 'export') AS export_usd,
                       sum(value_usd) FILTER (WHERE flow = 'import') AS import_usd,
                       sum(value_usd) AS total_usd, string_agg(DISTINCT source, ',') AS source
                FROM rows GROUP BY partner
            )
            SELECT row_number() OVER (ORDER BY total_usd DESC, partner) AS rank, partner,
                   partner_name, export_usd, import_usd, total_usd,
                   total_usd / sum(total_usd) OVER () AS share, '{chosen}' AS period, source
            FROM pivoted ORDER BY total_usd DESC, partner LIMIT {int(n)}
            """,
            parameters,
        )

    return _with(warehouse, work)


def _require_period(w: Warehouse, reporter: str, frequency: str, period: str) -> None:
    """Refuse a period the reporter has no totals for, naming the periods there are.

    An empty table would read as "no partners that year" when the year is simply not loaded.
    """
    first, last, present = w.connection.execute(
        "SELECT min(period), max(period), count(*) FILTER (WHERE period = ?) FROM trade_flows "
        "WHERE reporter = ? AND frequency = ? AND commodity = 'TOTAL'",
        [period, reporter, frequency],
    ).fetchone() or (None, None, 0)
    if present:
        return
    if first is None:
        raise NotFoundError(
            f"the warehouse has no {frequency} trade totals reported by {reporter}",
            expected=f"rows with reporter {reporter}, frequency {frequency}, commodity TOTAL",
            got="none",
            fix="load a file that covers this reporter (e.g. the IMF DOTS file) or choose "
            "another --reporter/--frequency",
        )
    raise NotFoundError(
        f"{reporter} has no {frequency} trade totals in {period}",
        expected=f"a period from {first} to {last}",
        got=period,
        fix=f"pass --year within {first}–{last}, or load a file that covers {period}",
    )


def _latest_period(w: Warehouse, reporter: str, frequency: str) -> str:
    found = w.connection.execute(
        "SELECT max(period) FROM trade_flows WHERE reporter = ? AND frequency = ?",
        [reporter, frequency],
    ).fetchone()
    if not found or found[0] is None:
        raise InputError(
            f"the warehouse has no {frequency} trade reported by {reporter}",
            expected=f"rows with reporter {reporter} and frequency {frequency}",
            got="none",
            fix="load a file that covers this reporter (e.g. the IMF DOTS file) or choose "
            "another --reporter/--frequency",
        )
    return str(found[0])


#: Frequencies as a sentence names them.
_FREQUENCY_WORDS = {"A": "annual", "Q": "quarterly", "M": "monthly"}


def partner_series(
    partner: str,
    reporter: str | None = None,
    *,
    frequency: str = "A",
    commodity: str = "TOTAL",
    include_mirror: bool = True,
    warehouse: Warehouse | None = None,
) -> pd.DataFrame:
    """One partner's trade with the reporter over time, by flow.

    Columns: period, flow, value_usd (as the reporter reports it) and, when ``include_mirror``,
    mirror_usd: what the partner reports for the same flow seen from its side (its imports from
    the reporter for the reporter's exports, and the reverse).
    """
    home = (reporter or get_settings().home_country).upper()
    other = partner.upper()

    def work(w: Warehouse) -> pd.DataFrame:
        reported = w.frame(
            """SELECT period, flow, sum(value_usd) AS value_usd, string_agg(DISTINCT source, ',')
                   AS source
               FROM trade_flows WHERE reporter = ? AND partner = ? AND frequency = ?
                   AND commodity = ?
               GROUP BY period, flow""",
            [home, other, frequency, commodity],
        )
        if include_mirror:
            mirror = w.frame(
                """SELECT period,
                          CASE flow WHEN 'import' THEN 'export' WHEN 'export' THEN 'import'
                               ELSE flow END AS flow,
                          sum(value_usd) AS mirror_usd
                   FROM trade_flows WHERE reporter = ? AND partner = ? AND frequency = ?
                       AND commodity = ?
                   GROUP BY 1, 2""",
                [other, home, frequency, commodity],
            )
            reported = reported.merge(mirror, on=["period", "flow"], how="outer")
        return reported.sort_values(["flow", "period"]).reset_index(drop=True)

    frame = _with(warehouse, work)
    if frame.empty:
        # Not found (404), not bad input: the code is a real country the warehouse has no
        # trade with (Antarctica, a partner of a source not loaded).
        raise NotFoundError(
            f"no trade between {home} and {other} in the warehouse",
            expected=f"{_FREQUENCY_WORDS.get(frequency, frequency)} rows with reporter {home} "
            f"and partner {other} (or the reverse)",
            got="none",
            fix="check the partner code (`haiquan show country NAME`) or load data covering it",
        )
    return frame


def top_commodities(
    reporter: str | None = None,
    period: str | None = None,
    *,
    partner: str | None = None,
    flow: str = "export",
    n: int = 20,
    warehouse: Warehouse | None = None,
) -> pd.DataFrame:
    """The ``n`` largest commodities (HS codes) of a reporter's trade in one annual period."""
    _check_flow(flow)
    home = (reporter or get_settings().home_country).upper()

    def work(w: Warehouse) -> pd.DataFrame:
        chosen = period
        if chosen is None:
            found = w.connection.execute(
                "SELECT max(period) FROM trade_flows WHERE reporter = ? AND frequency = 'A' "
                "AND commodity <> 'TOTAL'",
                [home],
            ).fetchone()
            chosen = str(found[0]) if found and found[0] is not None else None
        if chosen is None:
            return pd.DataFrame(columns=["rank", "commodity", "value_usd", "share", "source"])
        parameters: list[Any] = [home, chosen, flow]
        partner_clause = ""
        if partner:
            partner_clause = "AND partner = ?"
            parameters.append(partner.upper())
        return w.frame(
            f"""SELECT row_number() OVER (ORDER BY sum(value_usd) DESC, commodity) AS rank,
                       commodity, sum(value_usd) AS value_usd,
                       sum(value_usd) / sum(sum(value_usd)) OVER () AS share,
                       '{chosen}' AS period, string_agg(DISTINCT source, ',') AS source
                FROM trade_flows
                WHERE reporter = ? AND frequency = 'A' AND period = ? AND flow = ?
                  AND commodity <> 'TOTAL' {partner_clause}
                GROUP BY commodity ORDER BY value_usd DESC, commodity LIMIT {int(n)}""",
            parameters,
        )

    return _with(warehouse, work)


@dataclass(frozen=True, eq=False)
class DeclarationRows:
    """Declaration goods items read from the warehouse, and whether any is synthetic.

    Declarations carry no ``source`` column: whether they were generated is recorded with
    their load, so it travels here beside the rows. Compared by identity (``eq=False``): a
    DataFrame has no single truth value to compare by.
    """

    #: Goods items with the declarations columns, oldest first.
    rows: pd.DataFrame
    #: True when any item comes from a load marked synthetic (the demo's, a CTGAN file).
    synthetic: bool


def recent_declarations(limit: int = 1000) -> DeclarationRows:
    """The newest declaration goods items in the warehouse, with whether their load is synthetic.

    Raises:
        NotFoundError: no warehouse, or no declarations in it.
    """
    with Warehouse.open(read_only=True) as warehouse:
        if not warehouse.has_table("declarations"):
            raise NotFoundError(
                "no declarations in the warehouse",
                expected="declarations loaded into the warehouse",
                got="none",
                fix="load a declarations file, or build the demo (`haiquan demo`)",
            )
        frame = warehouse.frame(
            "SELECT d.*, l.synthetic AS load_synthetic FROM declarations d "
            "JOIN loads l USING (load_id) ORDER BY d.date DESC, d.declaration_id LIMIT ?",
            [int(limit)],
        )
    synthetic = bool(frame["load_synthetic"].any()) if len(frame) else False
    # The table stores DATE; readers of declarations get day-precision datetime64[ns] as the
    # file readers give it.
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    frame = frame.drop(columns=["load_synthetic", "load_id"]).sort_values("date")
    return DeclarationRows(rows=frame.reset_index(drop=True), synthetic=synthetic)


def declarations_version() -> str:
    """Which declaration loads the warehouse holds (their ids and file hashes): changes with
    every declarations load and only then, so a result read from the declarations is kept
    while other writes (stored results, status records, trade loads) change the file.

    An empty string when there is no warehouse or no declarations load.
    """
    if not get_settings().warehouse_file.is_file():
        return ""
    with Warehouse.open(read_only=True) as warehouse:
        if not warehouse.has_table("loads"):
            return ""
        rows = warehouse.connection.execute(
            "SELECT load_id, sha256 FROM loads WHERE kind = 'declarations' ORDER BY load_id"
        ).fetchall()
    return ";".join(f"{load_id}:{sha256}" for load_id, sha256 in rows)


def available_years(reporter: str | None = None, warehouse: Warehouse | None = None) -> list[str]:
    """Annual periods the warehouse holds for a reporter, oldest first."""
    home = (reporter or get_settings().home_country).upper()
    frame = _with(
        warehouse,
        lambda w: w.frame(
            "SELECT DISTINCT period FROM trade_flows WHERE reporter = ? AND frequency = 'A' "
            "ORDER BY period",
            [home],
        ),
    )
    return [str(p) for p in frame["period"]]


def list_loads(warehouse: Warehouse | None = None) -> pd.DataFrame:
    """Every load recorded, newest first."""
    return _with(warehouse, lambda w: w.frame("SELECT * FROM loads ORDER BY load_id DESC"))


def export_table(
    table: str,
    destination: str | Path,
    *,
    format: str = "csv",
    partition_by: Sequence[str] = (),
    warehouse: Warehouse | None = None,
) -> Path:
    """Write a table to CSV or (optionally partitioned) Parquet that Spark or Dask can read.

    Partitioned Parquet goes to a folder laid out Hive-style (``partner=KOR/...``).
    """
    if table not in TABLES:
        raise InputError(
            f"unknown table {table!r}",
            expected="one of " + ", ".join(TABLES),
            got=repr(table),
            fix="choose a table listed in `haiquan export --help`",
        )
    if format not in ("csv", "parquet"):
        raise InputError(
            f"unknown export format {format!r}",
            expected="csv or parquet",
            got=repr(format),
            fix="use --format csv or --format parquet",
        )
    if partition_by and format != "parquet":
        raise InputError(
            "only Parquet exports can be partitioned",
            expected="--format parquet",
            got=f"--format {format}",
            fix="add --format parquet",
        )
    target = Path(destination)

    def work(w: Warehouse) -> Path:
        if not w.has_table(table):
            raise InputError(
                f"the warehouse has no {table} yet",
                expected=f"a loaded {table}",
                got="nothing",
                fix="load data first with `haiquan load`",
            )
        known = set(w.frame(f"SELECT * FROM {table} LIMIT 0").columns)
        unknown = [c for c in partition_by if c not in known]
        if unknown:
            raise InputError(
                "unknown partition column(s)",
                expected="columns of " + table,
                got=", ".join(unknown),
                fix="choose from " + ", ".join(sorted(known)),
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        options = "FORMAT CSV, HEADER" if format == "csv" else "FORMAT PARQUET"
        if partition_by:
            options += ", PARTITION_BY (" + ", ".join(partition_by) + "), OVERWRITE_OR_IGNORE"
        path_literal = str(target).replace("'", "''")
        w.connection.execute(f"COPY {table} TO '{path_literal}' ({options})")
        return target

    return _with(warehouse, work)
