"""Status history: the registry answers "was this an AEO on that date?" for any date."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Callable, Iterator

import pytest
from typer.testing import CliRunner

from haiquan.aeo import AeoRegistry, AeoStatus, StatusChange
from haiquan.cli import app
from haiquan.errors import ConfigurationError, ConflictError, NotFoundError, ValidationError
from haiquan.settings import reset_settings
from tests.aeo.conftest import operator

D = dt.date.fromisoformat


def test_status_on_past_dates_is_reconstructed(
    registry_factory: Callable[[str], AeoRegistry],
) -> None:
    registry = registry_factory("VNM")
    registry.add_operator(operator("VN-AEO-0001", valid_until=D("2027-01-14")))
    registry.change_status("VN-AEO-0001", StatusChange(
        status=AeoStatus.suspended, effective=D("2024-06-01"), reason="audit findings"))
    registry.change_status("VN-AEO-0001", StatusChange(
        status=AeoStatus.granted, effective=D("2024-09-01"), reason="findings corrected"))
    on = {day: registry.operator("VN-AEO-0001", on=D(day)).status
          for day in ("2024-02-01", "2024-07-01", "2024-10-01", "2027-02-01")}
    assert on == {"2024-02-01": AeoStatus.granted, "2024-07-01": AeoStatus.suspended,
                  "2024-10-01": AeoStatus.granted, "2027-02-01": AeoStatus.expired}
    history = registry.operator("VN-AEO-0001").history
    assert [e.status for e in history] == ["granted", "suspended", "granted"]
    assert registry.operators(D("2024-07-01"), status=AeoStatus.suspended)[0].aeo_id == (
        "VN-AEO-0001")


def test_refusals(registry_factory: Callable[[str], AeoRegistry]) -> None:
    registry = registry_factory("VNM")
    registry.add_operator(operator("VN-AEO-0002"))
    with pytest.raises(ConflictError, match="already registered"):
        registry.add_operator(operator("VN-AEO-0002"))
    with pytest.raises(NotFoundError, match="VN-AEO-9999"):
        registry.operator("VN-AEO-9999")
    with pytest.raises(ValidationError, match="before the authorisation"):
        registry.change_status("VN-AEO-0002", StatusChange(
            status=AeoStatus.suspended, effective=D("2020-01-01"), reason="too early"))
    registry.change_status("VN-AEO-0002", StatusChange(
        status=AeoStatus.revoked, effective=D("2024-05-01"), reason="fraud conviction"))
    with pytest.raises(ValidationError, match="revoked"):
        registry.change_status("VN-AEO-0002", StatusChange(
            status=AeoStatus.granted, effective=D("2024-06-01"), reason="appeal"))


def test_consent_is_dated(registry_factory: Callable[[str], AeoRegistry]) -> None:
    registry = registry_factory("VNM")
    registry.add_operator(operator("VN-AEO-0003"))
    registry.set_consent("VN-AEO-0003", "VN_KOR_AEO_MRA", True, D("2024-03-01"))
    registry.set_consent("VN-AEO-0003", "VN_KOR_AEO_MRA", False, D("2024-08-01"))
    assert registry.operator("VN-AEO-0003", on=D("2024-04-01")).consents == {
        "VN_KOR_AEO_MRA": True}
    assert registry.operator("VN-AEO-0003", on=D("2024-09-01")).consents == {
        "VN_KOR_AEO_MRA": False}


def test_a_grant_after_today_and_consent_before_the_grant_are_refused(
    registry_factory: Callable[[str], AeoRegistry],
) -> None:
    from pydantic import ValidationError as PydanticValidationError

    ahead = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(PydanticValidationError, match="after today") as caught:
        operator("VN-AEO-0011", granted=ahead.isoformat())
    assert caught.value.errors()[0]["loc"] == ("granted_on",)
    registry = registry_factory("VNM")
    registry.add_operator(operator("VN-AEO-0012", granted="2025-01-15"))
    with pytest.raises(ValidationError, match="before its grant") as refused:
        registry.set_consent("VN-AEO-0012", "VN_KOR_AEO_MRA", True, D("2024-12-31"))
    assert "2025-01-15" in str(refused.value.fix)
    assert registry.operator("VN-AEO-0012").consents == {}


def test_validity_ending_before_the_grant_is_refused(
    registry_factory: Callable[[str], AeoRegistry],
) -> None:
    from pydantic import ValidationError as PydanticValidationError

    with pytest.raises(PydanticValidationError, match="before the grant date 2025-01-15") as caught:
        operator("VN-AEO-0009", granted="2025-01-15", valid_until=D("2024-01-14"))
    assert caught.value.errors()[0]["loc"] == ("valid_until",)
    # The same day is a (short) validity, not an error.
    registry = registry_factory("VNM")
    registry.add_operator(operator("VN-AEO-0010", granted="2025-01-15",
                                   valid_until=D("2025-01-15")))
    assert registry.operator("VN-AEO-0010", on=D("2025-01-15")).status == AeoStatus.granted


def test_consent_only_under_an_arranged_mra(
    registry_factory: Callable[[str], AeoRegistry],
) -> None:
    from haiquan.errors import UnknownCodeError

    registry = registry_factory("VNM")
    registry.add_operator(operator("VN-AEO-0004"))
    with pytest.raises(UnknownCodeError, match="NO_SUCH_MRA") as caught:
        registry.set_consent("VN-AEO-0004", "NO_SUCH_MRA", True, D("2024-03-01"))
    assert "VN_KOR_AEO_MRA" in str(caught.value)  # the known ones are listed
    assert registry.operator("VN-AEO-0004", on=D("2024-04-01")).consents == {}
    with pytest.raises(NotFoundError, match="VN-AEO-9999"):
        registry.set_consent("VN-AEO-9999", "VN_KOR_AEO_MRA", True)
    record = registry.set_consent("vn-aeo-0004", " vn_kor_aeo_mra ", True, D("2024-03-01"))
    assert (record.aeo_id, record.mra_id) == ("VN-AEO-0004", "VN_KOR_AEO_MRA")


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port bound but not listening, so a connection is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("notaurl", "database URL cannot be read"),
        ("mysql://user@db.internal/aeo", "got mysql"),
        ("postgresql://aeo:secret@127.0.0.1:{port}/aeo", "reachable PostgreSQL on 127.0.0.1:"),
    ],
)
def test_a_bad_database_setting_is_a_configuration_error_naming_it(
    url: str, expected: str, closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAIQUAN_AEO_DATABASE_URL", url.format(port=closed_port))
    reset_settings()
    result = CliRunner().invoke(app, ["aeo", "list"])
    error = result.exception
    assert isinstance(error, ConfigurationError), result.output
    assert expected in str(error)
    assert "HAIQUAN_AEO_DATABASE_URL" in str(error)
    assert "secret" not in str(error)


def test_a_mistyped_sqlite_folder_is_refused_not_a_new_empty_registry(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    typo = tmp_path / "var-lib-typo" / "haiquan" / "aeo.sqlite"
    monkeypatch.setenv("HAIQUAN_AEO_DATABASE_URL", f"sqlite:///{typo}")
    reset_settings()
    result = CliRunner().invoke(app, ["aeo", "list"])
    error = result.exception
    assert isinstance(error, ConfigurationError), result.output
    assert error.summary == "the AEO registry's folder does not exist"
    assert str(typo.parent) in str(error.got)
    assert "HAIQUAN_AEO_DATABASE_URL" in str(error.fix)
    assert f"mkdir -p {typo.parent}" in str(error.fix)
    assert not (tmp_path / "var-lib-typo").exists()
    with pytest.raises(ConfigurationError, match="folder does not exist"):
        AeoRegistry(f"sqlite:///{typo}")  # the same for a URL given in code
    typo.parent.mkdir(parents=True)  # the fix the message gives
    assert CliRunner().invoke(app, ["aeo", "list"]).exit_code == 0
    assert typo.exists()


def test_the_default_registry_creates_its_folder_inside_home(isolated_settings) -> None:
    assert not isolated_settings.home.exists()
    AeoRegistry().add_operator(operator("VN-AEO-0001"))
    assert (isolated_settings.home / "aeo.sqlite").exists()


def test_status_changes_are_recorded_in_order_within_validity_and_not_ahead(
    registry_factory: Callable[[str], AeoRegistry],
) -> None:
    registry = registry_factory("VNM")
    registry.add_operator(operator("VN-AEO-0020", valid_until=D("2027-01-14")))

    def change(status: str, effective: str) -> object:
        return registry.change_status("VN-AEO-0020", StatusChange(
            status=AeoStatus(status), effective=D(effective), reason="officer's decision"),
            today=D("2025-06-30"))

    change("suspended", "2024-06-01")
    change("granted", "2024-09-01")
    # A revocation slipped in before the reinstatement would leave a revoked operator granted.
    with pytest.raises(ValidationError, match="later change recorded") as caught:
        change("revoked", "2024-07-01")
    assert caught.value.expected == "an effective date on or after 2024-09-01"
    with pytest.raises(ValidationError, match="already granted since 2024-09-01"):
        change("granted", "2024-10-01")
    with pytest.raises(ValidationError, match="before it takes effect"):
        change("suspended", "2025-07-01")
    registry.change_status("VN-AEO-0020", StatusChange(
        status=AeoStatus.suspended, effective=D("2027-01-10"), reason="late audit"),
        today=D("2027-03-01"))
    with pytest.raises(ValidationError, match="ended on 2027-01-14"):
        registry.change_status("VN-AEO-0020", StatusChange(
            status=AeoStatus.granted, effective=D("2027-02-01"), reason="lifted"),
            today=D("2027-03-01"))
    # Nothing refused was stored; the operator reads as before.
    history = registry.operator("VN-AEO-0020").history
    assert [(e.status, str(e.effective)) for e in history] == [
        ("granted", "2024-01-15"), ("suspended", "2024-06-01"), ("granted", "2024-09-01"),
        ("suspended", "2027-01-10")]
    assert registry.operator("VN-AEO-0020", on=D("2024-10-01")).status == AeoStatus.granted
