"""``create_app()`` builds the routes and nothing heavy: the numerical libraries behind risk
scoring, forecasts and the gravity model load with the first request that needs them.

Checked in a fresh interpreter (this test process has imported them long ago), by the modules it
holds after ``create_app()``, not by a time, which would depend on the machine's load.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

#: Each of these takes from a third of a second to several seconds to import: the numerical
#: libraries, the gateway's AS4 models and the NCTS XML schemas.
HEAVY = ("lightgbm", "statsforecast", "pyfixest", "dask", "sklearn", "as4", "xmlschema")

_PROGRAM = f"""
import json, sys
from haiquan.web import create_app
app = create_app()
assert app.openapi()["paths"]
print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
"""


def test_create_app_imports_no_numerical_library(tmp_path: Path) -> None:
    env = {**os.environ, "HAIQUAN_HOME": str(tmp_path), "HAIQUAN_MODE": "local"}
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
