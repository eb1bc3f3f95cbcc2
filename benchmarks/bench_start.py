"""How long a user waits before haiquan answers: ``haiquan --help`` and ``create_app()``.

Run: ``.venv/bin/python benchmarks/bench_start.py [--repeat 5]``

Each measurement is a new process, as a user meets it (nothing imported yet, files in the page
cache after the first run). Prints every run's wall and CPU time, the median, the load average
and the targets of issue 22: ``haiquan --help`` < 0.5 s, ``create_app()`` < 3 s. Nothing here is
a test: it prints figures.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

CREATE_APP = (
    "import time; start = time.perf_counter(); from haiquan.web import create_app; "
    "create_app(); print(time.perf_counter() - start)"
)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(command: list[str]) -> tuple[float, float]:
    cpu_before = _children_cpu()
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, _children_cpu() - cpu_before


def _report(name: str, runs: list[tuple[float, float]], target: float) -> None:
    walls = [wall for wall, _ in runs]
    cpus = [cpu for _, cpu in runs]
    median = statistics.median(walls)
    print(
        f"{name}: wall {', '.join(f'{w:.2f}' for w in walls)} s (median {median:.2f} s), "
        f"CPU median {statistics.median(cpus):.2f} s; target < {target} s: "
        f"{'met' if median < target else 'NOT met'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    haiquan = str(Path(sys.executable).with_name("haiquan"))
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
    _time([haiquan, "--help"])  # the first run reads the files from disk: not counted
    _report("haiquan --help", [_time([haiquan, "--help"]) for _ in range(args.repeat)], 0.5)
    _time([sys.executable, "-c", CREATE_APP])
    _report(
        "create_app() in a new process (interpreter start included)",
        [_time([sys.executable, "-c", CREATE_APP]) for _ in range(args.repeat)],
        3.0,
    )
    print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
