"""Running ``haiquan`` as a user does, in process: exit code, standard output and error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from haiquan.cli import main


@dataclass
class Run:
    code: int
    out: str
    err: str


Haiquan = Callable[..., Run]


@pytest.fixture
def haiquan(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Haiquan:
    """``haiquan("gateway", "status", ...)``: exit code, standard output and error."""

    def run(*arguments: str) -> Run:
        monkeypatch.setattr("sys.argv", ["haiquan", *arguments])
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as leaving:
            code = leaving.code if isinstance(leaving.code, int) else 1
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def refused(result: Run, *fragments: str) -> None:
    """Exit 2, an ``error:`` line naming each fragment, no traceback, nothing on stdout."""
    assert result.code == 2, (result.code, result.out, result.err)
    assert result.err.startswith("error:") and "Traceback" not in result.err, result.err
    for fragment in fragments:
        assert fragment in result.err, (fragment, result.err)


