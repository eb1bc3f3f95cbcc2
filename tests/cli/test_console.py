"""CLI console helpers."""

from __future__ import annotations

import os

import pytest

from haiquan.cli._console import native_output_to_stderr


def test_native_writes_to_stdout_go_to_stderr_meanwhile(capfd: pytest.CaptureFixture[str]) -> None:
    os.write(1, b"before\n")
    with native_output_to_stderr():
        os.write(1, b"solver debugging line\n")  # as HiGHS writes: straight to descriptor 1
    os.write(1, b"after\n")
    out, err = capfd.readouterr()
    assert out == "before\nafter\n"
    assert err == "solver debugging line\n"


def test_stdout_is_restored_after_an_error(capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(RuntimeError), native_output_to_stderr():
        raise RuntimeError("solver failed")
    os.write(1, b"still stdout\n")
    assert capfd.readouterr().out == "still stdout\n"
