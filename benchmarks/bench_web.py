"""Time every dashboard page and the main API reads on the demo warehouse.

Run: ``.venv/bin/python benchmarks/bench_web.py [--home DIR] [--repeat 5]``

Builds the demo warehouse (``haiquan.demo.build_demo_warehouse``: real public data where found,
synthetic otherwise) in a temporary HOME unless ``--home`` is given, serves the app with uvicorn
on 127.0.0.1, logs in through the form like a browser, then prints for each page the first
("cold": computes and caches) and the median of the next ``--repeat`` ("warm") server response
times. The target is under 500 ms per warm page. Nothing here is a test: it prints figures.
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
        print(f"\n{'path':38} {'status':>6} {'cold ms':>9} {'warm ms (median)':>17} {'KB':>7}")
        worst = 0.0
        for path in PAGES + API:
            headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api") else {}
            t0 = time.perf_counter()
            first = client.get(path, headers=headers)
            cold = (time.perf_counter() - t0) * 1000
            warm_times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                again = client.get(path, headers=headers)
                warm_times.append((time.perf_counter() - t0) * 1000)
                assert again.status_code == first.status_code
            warm = statistics.median(warm_times)
            if not path.startswith("/api"):
                worst = max(worst, warm)
            print(
                f"{path:38} {first.status_code:>6} {cold:>9.0f} {warm:>17.1f} "
                f"{len(first.content) / 1024:>7.1f}"
            )
        t0 = time.perf_counter()
        js = client.get("/static/plotly.min.js", headers={"Accept-Encoding": "gzip"})
        print(
            f"{'/static/plotly.min.js (gzip)':38} {js.status_code:>6} "
            f"{(time.perf_counter() - t0) * 1000:>9.0f} {'':>17} "
            f"{int(js.headers['content-length']) / 1024:>7.1f}"
        )
        print(f"\nslowest warm page: {worst:.1f} ms (target < 500 ms)")


if __name__ == "__main__":
    main()
