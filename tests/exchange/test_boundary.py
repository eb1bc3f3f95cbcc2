"""The gateway is deployable on its own: it never imports the warehouse, forecasts, analytics or
the web app."""

from __future__ import annotations

import subprocess
import sys


def test_the_gateway_imports_none_of_the_other_domains() -> None:
    code = (
        "import sys, haiquan.exchange, haiquan.exchange.serve, haiquan.exchange.http\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[:2] in "
        "(['haiquan', 'warehouse'], ['haiquan', 'forecast'], ['haiquan', 'analytics'], "
        "['haiquan', 'web']))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == ""
