"""Time every dashboard page and the main API reads, as a user meets them after a load.

Run: ``.venv/bin/python benchmarks/bench_web.py [--home DIR] [--repeat 5] [--trade FILE]``

Builds the demo warehouse (``haiquan.demo.build_demo_warehouse``: real public data where found,
synthetic otherwise) in a temporary HOME unless ``--home`` is given, then loads ``--trade``
(default: the full IMF DOTS table in the shared data folder, when present), serves the app with
uvicorn on 127.0.0.1 and logs in through the form like a browser. It then prints, for each page:

1. the first request right after the load, while the background refresh computes the heavy
   results (a page then says what is being computed; the API answers 503);
2. how long the background refresh took (``haiquan.refresh``, a separate process);
3. the first request once the results are stored ("cold": read from the warehouse) and the
   median of the next ``--repeat`` ("warm").

Targets (issue 16): every page under 2 s on first request, under 300 ms warm. Nothing here is a
test: it prints figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

PAGES = [
    "/",
    "/partners/CHN",
    "/partners/KOR",
    "/priorities",
    "/plan",
    "/commitments",
    "/aeo",
    "/gateway",
    "/transit",
    "/risk",
]
API = [
    "/api/trade/partners",
    "/api/trade/indicators",
    "/api/trade/partners/CHN/forecast",
    "/api/priorities/scores",
    "/api/commitments/rates",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="HAIQUAN_HOME to use (default: a temp dir)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--trade", type=Path, help="trade file to load after the demo "
                        "(default: the full DOTS table in the shared data folder)")
    parser.add_argument("--wait", type=float, default=3600,
                        help="seconds to wait at most for the background refresh")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="haiquan-bench-web-"))
    os.environ["HAIQUAN_HOME"] = str(home)

    import httpx

    from haiquan.demo import build_demo_warehouse
    from haiquan.settings import reset_settings
    from haiquan.web import start_server
    from haiquan.web.auth import open_user_store

    reset_settings()
    started = time.perf_counter()
    demo = build_demo_warehouse()
    print(
        f"demo warehouse {demo.path} built in {time.perf_counter() - started:.1f} s "
        f"(synthetic trade: {demo.synthetic_trade})"
    )
    from haiquan.settings import get_settings

    trade = args.trade or (get_settings().shared_data / "trade/imf-dots-annual-1960-2020/"
                           "dots_bilateral_annual_1960_2020.parquet")
    if trade.is_file():
        from haiquan.warehouse.loading import load_trade_file

        started = time.perf_counter()
        loaded = load_trade_file(trade, "dots")
        print(f"loaded {trade.name}: {loaded.rows:,} rows in {time.perf_counter() - started:.1f} s"
              + (" (already loaded)" if loaded.already_loaded else ""))
    else:
        print(f"no {trade}: the demo data only")
    from haiquan.risk.store import default_model_dir

    if not (default_model_dir() / "CURRENT").exists():
        # The risk queue needs a model: train one on synthetic labelled declarations.
        from haiquan.declarations import generate_synthetic_declarations
        from haiquan.risk.model import train_model
        from haiquan.risk.store import save_model

        training = generate_synthetic_declarations(3000, seed=1, start="2023-01-01")
        started = time.perf_counter()
        save_model(train_model(training), default_model_dir(), training)
        print(
            f"risk model trained on 3000 synthetic declarations in "
            f"{time.perf_counter() - started:.1f} s"
        )
    store = open_user_store()
    if not any(u.username == "bench" for u in store.list_users()):
        store.add_user("bench", "benchmark-password", "viewer")
    from haiquan.web.dashboard import PAGE_MODULES

    assert {p for _, p, _ in PAGE_MODULES if p} <= set(PAGES), "a page is missing here"

    with (
        start_server("127.0.0.1", 0) as server,
        httpx.Client(base_url=server.url, timeout=600, trust_env=False) as client,
    ):
        answer = client.post("/login", data={"username": "bench", "password": "benchmark-password"})
        assert answer.status_code == 303, answer.text
        token = store.create_token("bench", "bench")[0]

        def get(path: str) -> tuple[int, float, int]:
            headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api") else {}
            t0 = time.perf_counter()
            answer = client.get(path, headers=headers)
            return answer.status_code, (time.perf_counter() - t0) * 1000, len(answer.content)

        print("\n1. first request right after the load (results being computed)")
        print(f"{'path':38} {'status':>6} {'ms':>9}")
        first_worst = 0.0
        for path in PAGES + API:
            status, ms, _ = get(path)
            first_worst = max(first_worst, ms)
            print(f"{path:38} {status:>6} {ms:>9.0f}")

        from haiquan.web._results import progress

        started = time.perf_counter()
        while time.perf_counter() - started < args.wait:
            state = progress()
            if state["done"] == state["of"] or not state["active"]:
                break
            time.sleep(2)
        state = progress()
        print(f"\n2. background refresh: {state['done']} of {state['of']} results stored "
              f"{time.perf_counter() - started:.0f} s after the first request")
        for step in state["steps"]:
            took = f"{step['seconds']:.1f} s" if step["seconds"] is not None else "-"
            print(f"   {step['kind']:20} {step['status']:8} {took:>9}  {step['message'][:70]}")

        print(f"\n3. once stored\n{'path':38} {'status':>6} {'cold ms':>9} "
              f"{'warm ms (median)':>17} {'KB':>7}")
        cold_worst = warm_worst = 0.0
        for path in PAGES + API:
            status, cold, size = get(path)
            warm_times = []
            for _ in range(args.repeat):
                again, ms, _ = get(path)
                warm_times.append(ms)
                assert again == status
            warm = statistics.median(warm_times)
            cold_worst, warm_worst = max(cold_worst, cold), max(warm_worst, warm)
            print(f"{path:38} {status:>6} {cold:>9.0f} {warm:>17.1f} {size / 1024:>7.1f}")
        t0 = time.perf_counter()
        js = client.get("/static/plotly.min.js", headers={"Accept-Encoding": "gzip"})
        print(
            f"{'/static/plotly.min.js (gzip)':38} {js.status_code:>6} "
            f"{(time.perf_counter() - t0) * 1000:>9.0f} {'':>17} "
            f"{int(js.headers['content-length']) / 1024:>7.1f}"
        )
        print(f"\nslowest first request after the load: {first_worst:.0f} ms; slowest once "
              f"stored: cold {cold_worst:.0f} ms (target < 2000 ms), warm {warm_worst:.1f} ms "
              "(target < 300 ms)")


if __name__ == "__main__":
    main()
