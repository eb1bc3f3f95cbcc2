from __future__ import annotations

import pytest

from haiquan.settings import reset_settings
from haiquan.web._cache import cached, clear_cache, warehouse_stamp


def test_result_is_kept_and_keyed() -> None:
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cached("t.kept", compute, "a") == 1
    assert cached("t.kept", compute, "a") == 1
    assert cached("t.kept", compute, "b") == 2
    assert cached("t.other", lambda: "kept") == "kept"
    clear_cache("t.kept")  # only these: other pages keep their results
    assert cached("t.kept", compute, "a") == 3
    assert cached("t.other", lambda: "computed again") == "kept"


def test_errors_are_not_kept() -> None:
    def fail() -> int:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        cached("t.error", fail)
    assert cached("t.error", lambda: 5) == 5


def test_zero_seconds_disables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAIQUAN_WEB_CACHE_SECONDS", "0")
    reset_settings()
    values = iter(range(10))
    assert cached("t.off", lambda: next(values)) != cached("t.off", lambda: next(values))


def test_results_are_per_home_unless_said(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    assert cached("t.home", lambda: "first") == "first"
    assert cached("t.shared", lambda: "first", per_home=False) == "first"
    monkeypatch.setenv("HAIQUAN_HOME", str(tmp_path / "other-home"))
    reset_settings()
    assert cached("t.home", lambda: "second") == "second"
    assert cached("t.shared", lambda: "second", per_home=False) == "first"


def test_warehouse_stamp_changes_when_the_file_does(isolated_settings) -> None:
    assert warehouse_stamp() == (0.0, 0.0)
    path = isolated_settings.warehouse_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    assert warehouse_stamp()[0] > 0
