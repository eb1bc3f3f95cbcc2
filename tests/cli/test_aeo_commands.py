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
    assert "bad date for --granted" in result.stderr and "Traceback" not in result.stderr
    missing = haiquan("aeo", "show", "VN-AEO-0404")
    assert missing.returncode == 2 and "haiquan aeo list" in missing.stderr


def refused(result, *fragments: str) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert result.stderr.startswith("error:") and "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


def test_bad_registry_data_is_refused_and_nothing_is_stored() -> None:
    refused(haiquan("aeo", "add", "VN-AEO-0009", "--name", "X", "--granted", "2025-01-15",
                    "--valid-until", "2024-01-14"),
            "valid_until", "before the grant date 2025-01-15")
    refused(haiquan("aeo", "show", "VN-AEO-0009"), "no AEO VN-AEO-0009")

    assert haiquan("aeo", "add", "VN-AEO-0001", "--name", "Saigon Garment JSC", "--granted",
                   "2024-01-15").returncode == 0
    refused(haiquan("aeo", "consent", "VN-AEO-0001", "NO_SUCH_MRA"),
            "NO_SUCH_MRA", "VN_KOR_AEO_MRA", "arrangements file")
    assert "consents: none" in haiquan("aeo", "show", "VN-AEO-0001").stdout

    refused(haiquan("aeo", "check", "VN-AEO-0001", "--country", "XXX"),
            "unknown country code 'XXX'")
    answer = haiquan("aeo", "check", "KR-AEO-0042", "--country", "kr", "--on", "2025-03-01")
    assert answer.returncode == 0 and "an AEO of KOR on 2025-03-01: no" in answer.stdout


def test_consents_print_as_text() -> None:
    assert haiquan("aeo", "add", "VN-AEO-0001", "--name", "Saigon Garment JSC", "--granted",
                   "2024-01-15").returncode == 0
    given = haiquan("aeo", "consent", "VN-AEO-0001", "VN_KOR_AEO_MRA", "--effective",
                    "2024-02-01")
    assert "consent given from 2024-02-01" in given.stdout
    haiquan("aeo", "consent", "VN-AEO-0001", "AAMRA", "--withdraw", "--effective", "2024-02-01")
    listed = haiquan("aeo", "list").stdout
    shown = haiquan("aeo", "show", "VN-AEO-0001").stdout
    for text in (listed, shown):
        assert "AAMRA: no; VN_KOR_AEO_MRA: yes" in text and "{'" not in text, text


def test_an_officer_types_roles_with_spaces_and_checks_in_lower_case() -> None:
    added = haiquan("aeo", "add", "VN-AEO-0031", "--name", "  Công ty TNHH Cà Mau  ",
                    "--granted", "2024-01-15", "--roles", "importer; exporter")
    assert added.returncode == 0, added.stderr
    assert "registered VN-AEO-0031 (Công ty TNHH Cà Mau)" in added.stdout
    refused(haiquan("aeo", "add", "VN-AEO-0032", "--name", "   ", "--granted", "2024-01-15"),
            "name")
    refused(haiquan("aeo", "add", "VN-AEO-0033", "--name", "X", "--granted", "2024-01-15",
                    "--roles", " ; "), "roles")
    answer = haiquan("aeo", "check", "vn-aeo-0031", "--on", "2025-03-01")
    assert answer.returncode == 0 and "VN-AEO-0031 a home AEO on 2025-03-01: yes" in answer.stdout
    refused(haiquan("aeo", "check", "VN-AEO-0013", "--on", "2025-03-01"),
            "no AEO VN-AEO-0013 in the registry", "haiquan aeo list")
    refused(haiquan("aeo", "status", "VN-AEO-0031", "granted", "--reason", "no change",
                    "--effective", "2024-02-01"), "already granted since 2024-01-15")
    # our own country is not a partner: the home check is meant
    refused(haiquan("aeo", "check", "VN-AEO-0031", "--country", "VN"),
            "VNM is the home country", "leave out --country")
    # a partner typed as any ISO code is read as its alpha-3 code
    assert "no partner lists applied yet" in haiquan("aeo", "partners", "--country", "kr").stdout
    refused(haiquan("aeo", "partners", "--country", "XX"), "XX")
