"""``haiquan aeo`` as a user runs it."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_warehouse_commands import haiquan


def test_register_suspend_check_export(tmp_path: Path) -> None:
    added = haiquan("aeo", "add", "VN-AEO-0001", "--name", "Saigon Garment JSC",
                    "--granted", "2024-01-15", "--valid-until", "2099-01-14")
    assert added.returncode == 0, added.stderr
    suspended = haiquan("aeo", "status", "VN-AEO-0001", "suspended", "--reason", "audit",
                        "--effective", "2024-06-01")
    assert "suspended since 2024-06-01" in suspended.stdout
    assert "yes" in haiquan("aeo", "check", "VN-AEO-0001", "--on", "2024-03-01").stdout
    assert "no" in haiquan("aeo", "check", "VN-AEO-0001", "--on", "2024-07-01").stdout
    out = tmp_path / "aeo.csv"
    assert haiquan("aeo", "export", str(out)).returncode == 0
    assert "VN-AEO-0001" in out.read_text()


def test_bad_values_are_explained() -> None:
    result = haiquan("aeo", "add", "VN-AEO-0002", "--name", "X", "--granted", "2024-02-30")
    assert result.returncode == 2
    assert "granted_on" in result.stderr and "Traceback" not in result.stderr
    missing = haiquan("aeo", "show", "VN-AEO-0404")
    assert missing.returncode == 2 and "haiquan aeo list" in missing.stderr
