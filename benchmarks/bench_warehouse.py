"""Warehouse benchmark: load the 2.43 M-row IMF DOTS parquet and time dashboard queries.

Run: ``.venv/bin/python benchmarks/bench_warehouse.py`` (uses a fresh temporary HAIQUAN_HOME).
Targets (issue 2): the load under 15 s on 2 cores; typical queries under 200 ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    shared = Path(os.environ.get("HAIQUAN_SHARED_DATA", Path(__file__).resolve().parents[2]
                                 / "shared" / "data"))
    dots = shared / "trade/imf-dots-annual-1960-2020/dots_bilateral_annual_1960_2020.parquet"
    if not dots.exists():
        print(f"missing {dots}; set HAIQUAN_SHARED_DATA", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as home:
        os.environ["HAIQUAN_HOME"] = home
        from haiquan.settings import reset_settings
        from haiquan.warehouse.loading import load_trade_file
        from haiquan.warehouse.queries import partner_series, top_partners

        reset_settings()
        started = time.perf_counter()
        result = load_trade_file(dots)
        elapsed = time.perf_counter() - started
        print(f"DOTS load: {result.rows:,} rows in {elapsed:.2f} s "
              f"= {result.rows / elapsed:,.0f} rows/s (set aside: {result.set_aside})")
        started = time.perf_counter()
        again = load_trade_file(dots)
        print(f"DOTS reload (same hash, no change): {time.perf_counter() - started:.3f} s, "
              f"already_loaded={again.already_loaded}")

        def timed(label: str, call: object, repeat: int = 20) -> None:
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                call()  # type: ignore[operator]
                times.append((time.perf_counter() - started) * 1000)
            print(f"{label}: median {statistics.median(times):.1f} ms, "
                  f"max {max(times):.1f} ms over {repeat} runs (includes opening the file)")

        for year in ("2010", "2020"):
            timed(f"top 20 partners of VNM in {year}", lambda y=year: top_partners("VNM", y, n=20))
        timed("VNM-KOR annual series with mirror", lambda: partner_series("KOR", "VNM"))
        timed("VNM-USA annual series with mirror", lambda: partner_series("USA", "VNM"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
