"""Settings: each bad HAIQUAN_ variable is refused at start-up with the variable named."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from haiquan.errors import ConfigurationError, InputError
from haiquan.reference.countries import resolve_home
from haiquan.settings import Settings, get_settings, reset_settings


def _read(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    reset_settings()
    return get_settings()


@pytest.mark.parametrize("code", ["VNM", "vnm", "VN", " vn ", "704"])
def test_the_home_country_is_any_iso_code_kept_as_alpha_3(
    monkeypatch: pytest.MonkeyPatch, code: str
) -> None:
    assert _read(monkeypatch, HAIQUAN_HOME_COUNTRY=code).home_country == "VNM"


@pytest.mark.parametrize(
    ("env", "named", "shown"),
    [
        ({"HAIQUAN_HOME_COUNTRY": "XX1"}, "HAIQUAN_HOME_COUNTRY", "got 'XX1'"),
        ({"HAIQUAN_HOME_COUNTRY": "ZZZ"}, "HAIQUAN_HOME_COUNTRY", "ISO 3166-1 code"),
        ({"HAIQUAN_MODE": "prod"}, "HAIQUAN_MODE", "expected 'local' or 'production'"),
        ({"HAIQUAN_FORECAST_N_JOBS": "0"}, "HAIQUAN_FORECAST_N_JOBS", "-1 (every core)"),
        ({"HAIQUAN_FORECAST_N_JOBS": "-2"}, "HAIQUAN_FORECAST_N_JOBS", "got '-2'"),
        ({"HAIQUAN_WEB_PORT": "eighty"}, "HAIQUAN_WEB_PORT", "got 'eighty'"),
    ],
)
def test_a_bad_setting_is_a_configuration_error_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str, shown: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        _read(monkeypatch, **env)
    message = str(caught.value)
    assert message.startswith(f"invalid setting {named}:")
    assert shown in message
    assert caught.value.details["settings"] == [named]


def test_every_bad_setting_is_named_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError) as caught:
        _read(monkeypatch, HAIQUAN_MODE="prod", HAIQUAN_FORECAST_N_JOBS="0")
    assert caught.value.details["settings"] == ["HAIQUAN_MODE", "HAIQUAN_FORECAST_N_JOBS"]


@pytest.mark.parametrize("jobs", [-1, 1, 3])
def test_forecast_jobs_are_minus_one_or_a_count(monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    assert _read(monkeypatch, HAIQUAN_FORECAST_N_JOBS=str(jobs)).forecast_n_jobs == jobs


def test_the_console_script_refuses_a_bad_setting_without_a_traceback() -> None:
    env = {**os.environ, "HAIQUAN_HOME": str(get_settings().home), "HAIQUAN_HOME_COUNTRY": "XX1"}
    done = subprocess.run(
        [sys.executable, "-c", "from haiquan.cli import main; main()", "show", "agreements"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "invalid setting HAIQUAN_HOME_COUNTRY" in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr


def test_a_bad_home_names_where_it_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    # One resolver serves the analytics and the priorities (haiquan.reference.countries).
    resolve = resolve_home
    with pytest.raises(InputError) as caught:
        resolve("XX1")
    assert "got 'XX1'" in str(caught.value) and "pass --home VNM" in str(caught.value)
    assert "None" not in str(caught.value)
    # Settings changed after validation (as a test or an embedding program may).
    monkeypatch.setattr(get_settings(), "home_country", "X1")
    with pytest.raises(InputError) as caught:
        resolve(None)
    assert "got HAIQUAN_HOME_COUNTRY='X1'" in str(caught.value)
    assert "set HAIQUAN_HOME_COUNTRY" in str(caught.value)
