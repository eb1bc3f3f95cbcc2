"""The one typed Settings object of haiquan.

Every setting is declared once here, with its name, default and help (the ``description``); the
environment variable is the field name in capitals with the ``HAIQUAN_`` prefix, e.g.
``HAIQUAN_HOME_COUNTRY=THA``. ``docs/settings.md`` lists them all and a test keeps it complete.

Settings are validated at start-up: a default secret is refused outside ``mode=local``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from haiquan.errors import ConfigurationError

__all__ = ["DEFAULT_SECRET", "Settings", "get_settings", "reset_settings"]

#: The development secret. It only works in ``mode=local``.
DEFAULT_SECRET = "haiquan-local-development-secret-change-me"


def _default_shared_data() -> Path:
    """``../shared/data`` beside the current folder, else beside the source checkout."""
    here = Path.cwd() / ".." / "shared" / "data"
    if here.exists():
        return here.resolve()
    checkout = Path(__file__).resolve().parent.parent / ".." / "shared" / "data"
    if checkout.exists():
        return checkout.resolve()
    return here


class Settings(BaseSettings):
    """All of haiquan's settings. Environment variables use the ``HAIQUAN_`` prefix."""

    model_config = SettingsConfigDict(env_prefix="HAIQUAN_", extra="ignore")

    # --- where things live ---------------------------------------------------------------
    home: Path = Field(
        default=Path(".haiquan"),
        description="Folder for haiquan's own files: the warehouse, models, gateway stores, keys.",
    )
    warehouse_path: Path | None = Field(
        default=None,
        description="DuckDB warehouse file; defaults to HOME/warehouse.duckdb.",
    )
    shared_data: Path = Field(
        default_factory=_default_shared_data,
        description="Folder of real public data sets used by tests, examples and benchmarks.",
    )

    # --- who we are ------------------------------------------------------------------------
    home_country: str = Field(
        default="VNM",
        description="ISO 3166 alpha-3 code of the administration running haiquan.",
    )
    mode: Literal["local", "production"] = Field(
        default="local",
        description="'local' allows development defaults; 'production' refuses default secrets.",
    )
    secret_key: str = Field(
        default=DEFAULT_SECRET,
        description="Secret used to sign web sessions and API tokens; must be changed in production.",
    )
    log_level: str = Field(default="INFO", description="Python logging level.")

    @field_validator("home_country")
    @classmethod
    def _upper_country(cls, value: str) -> str:
        return value.strip().upper()

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.mode != "local" and self.secret_key == DEFAULT_SECRET:
            raise ConfigurationError(
                "the default secret key only works in local mode",
                expected="HAIQUAN_SECRET_KEY set to a long random value when HAIQUAN_MODE=production",
                got="the built-in development secret",
                fix="export HAIQUAN_SECRET_KEY=$(python -c 'import secrets;print(secrets.token_hex(32))')",
            )
        return self

    @property
    def warehouse_file(self) -> Path:
        """The DuckDB file in use."""
        return self.warehouse_path or self.home / "warehouse.duckdb"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
