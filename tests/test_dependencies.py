"""Dependencies that must not meet in one process."""

from __future__ import annotations

import re
from pathlib import Path

import haiquan


def test_no_module_loads_or_tools_beside_highspy() -> None:
    # The plan optimiser loads highspy (docs/priorities.md gives the measured reason); OR-Tools
    # bundles its own HiGHS and the two clash in one process (../shared/DESIGN.md), so no module
    # of the package may import it.
    package = Path(haiquan.__file__).parent
    importing = re.compile(r"^\s*(import|from)\s+ortools\b", re.MULTILINE)
    offenders = [str(path.relative_to(package)) for path in sorted(package.rglob("*.py"))
                 if importing.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
    assert importing.search("from ortools.sat.python import cp_model")  # the pattern itself works
