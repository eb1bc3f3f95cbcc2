"""No module of haiquan carries results in ``DataFrame.attrs``.

Metadata in ``attrs`` is invisible to mypy and pandas documents it as experimental (its
propagation through merge and concat has changed between releases): a SYNTHETIC label kept there
can silently disappear. Results are typed objects (frozen dataclasses holding the frames and
their metadata, e.g. :mod:`haiquan.analytics.results`); warehouse rows carry their ``source``.
"""

from __future__ import annotations

import re
from pathlib import Path

import haiquan

PACKAGE = Path(haiquan.__file__).parent
#: ``frame.attrs`` and the same reached by name (``getattr(frame, "attrs")``).
ATTRS = re.compile(r"\.attrs\b|[\"']attrs[\"']")


def uses_of_attrs(root: Path) -> list[str]:
    """``path:line: text`` of every ``.attrs`` in the Python files under ``root``."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ATTRS.search(line):
                found.append(f"{path.relative_to(root.parent)}:{number}: {line.strip()}")
    return found


def test_no_module_uses_dataframe_attrs() -> None:
    assert uses_of_attrs(PACKAGE) == []


def test_the_check_finds_a_use(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "clean.py").write_text("frame.attributes = 1\nattrs = {}\n", encoding="utf-8")
    (package / "bad.py").write_text('x = 1\nframe.attrs["synthetic"] = True\n', encoding="utf-8")
    (package / "sly.py").write_text('meta = getattr(frame, "attrs")\n', encoding="utf-8")
    assert uses_of_attrs(package) == [
        'pkg/bad.py:2: frame.attrs["synthetic"] = True',
        'pkg/sly.py:1: meta = getattr(frame, "attrs")',
    ]
