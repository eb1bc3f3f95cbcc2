"""Commitments benchmark: a SYNTHETIC status history for the ten ASEAN members, then the calls a
dashboard makes (rate, progress by group, timeline, deadlines, HTML report).

The records are generated (seeded) and are NOT real notifications: they only give the store
realistic volume (10 countries x (36 TFA measures x 3 revisions + 121 RKC standards x 2)).

Run: ``.venv/bin/python benchmarks/bench_commitments.py`` (uses a fresh temporary HAIQUAN_HOME).
Targets: one rate or progress table under 300 ms; a report page under 3 s on 2 cores.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

COUNTRIES = ["BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"]


def _timed(call: Callable[[], Any], repeat: int = 5) -> float:
    """Median wall time in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="haiquan-bench-") as home:
        os.environ["HAIQUAN_HOME"] = home
        _run()


def _run() -> None:
    from haiquan.commitments import (
        StatusRecord,
        deadlines,
        implementation_rate,
        load_catalogue,
        load_records,
        progress_by_group,
        rate_timeline,
        rates_by_country,
        render_report,
    )

    rng = random.Random(8)
    tfa, rkc = load_catalogue("wto_tfa"), load_catalogue("rkc_general_annex")
    records: list[StatusRecord] = []
    for country in COUNTRIES:
        for item in tfa.items():
            category = rng.choice("ABC")
            for revision in range(3):
                dated = category != "A"
                due = dt.date(2018 + rng.randrange(8), rng.randrange(1, 13), 1)
                records.append(
                    StatusRecord(
                        catalogue="wto_tfa",
                        item=item.id,
                        country=country,
                        effective_date=dt.date(2017 + 2 * revision, 2, 22),
                        category=category,
                        indicative_date=due if dated else None,
                        definitive_date=due if dated and revision else None,
                        status=rng.choice(["implemented", "partially", "not_yet"]),
                        evidence="synthetic benchmark record",
                    )
                )
        for item in rkc.items():
            for revision in range(2):
                records.append(
                    StatusRecord(
                        catalogue="rkc_general_annex",
                        item=item.id,
                        country=country,
                        effective_date=dt.date(2012 + 5 * revision, 1, 1),
                        status=rng.choice(["implemented", "partially", "not_yet"]),
                        evidence="synthetic benchmark record",
                    )
                )
    start = time.perf_counter()
    load_records(records, origin="synthetic benchmark")
    load_ms = (time.perf_counter() - start) * 1000
    on = dt.date(2024, 2, 22)
    print(f"synthetic records stored: {len(records)} in {load_ms:.0f} ms")
    calls: list[tuple[str, Callable[[], Any], int]] = [
        (
            "implementation_rate (TFA, stored history)",
            lambda: implementation_rate("wto_tfa", "VNM", on),
            5,
        ),
        (
            "implementation_rate (RKC, 121 standards)",
            lambda: implementation_rate("rkc_general_annex", "VNM", on),
            5,
        ),
        ("progress_by_group (TFA)", lambda: progress_by_group("wto_tfa", "VNM", on), 5),
        ("rate_timeline (TFA, yearly + change dates)", lambda: rate_timeline("wto_tfa", "VNM"), 3),
        ("deadlines (all catalogues, 12 months)", lambda: deadlines(None, "VNM", on, 12), 3),
        (
            "rates_by_country (10 ASEAN members, TFA, one read)",
            lambda: rates_by_country("wto_tfa", COUNTRIES, on),
            3,
        ),
        (
            "implementation_rate x 10 ASEAN members (TFA, 10 reads)",
            lambda: [implementation_rate("wto_tfa", c, on) for c in COUNTRIES],
            3,
        ),
        (
            "render_report (TFA, HTML with embedded Plotly)",
            lambda: render_report("wto_tfa", "VNM", on),
            3,
        ),
    ]
    for label, call, repeat in calls:
        print(f"{label}: {_timed(call, repeat):.0f} ms")


if __name__ == "__main__":
    main()
