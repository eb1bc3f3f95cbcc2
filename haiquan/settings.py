"""The one typed Settings object of haiquan.

Every setting is declared once here, with its name, default and help (the ``description``); the
environment variable is the field name in capitals with the ``HAIQUAN_`` prefix, e.g.
``HAIQUAN_HOME_COUNTRY=THA``. ``docs/settings.md`` lists them all and a test keeps it complete.

Settings are validated as a whole the first time a command or the server reads them (every
command that uses a setting does): a default secret is refused outside ``mode=local``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from haiquan.errors import ConfigurationError

__all__ = ["DEFAULT_SECRET", "Settings", "get_settings", "reset_settings", "settings_error"]

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
        description="ISO 3166 code of the administration running haiquan (VNM, VN or 704; "
        "kept as alpha-3).",
    )
    mode: Literal["local", "production"] = Field(
        default="local",
        description="'local' allows development defaults; 'production' refuses default secrets.",
    )
    secret_key: str = Field(
        default=DEFAULT_SECRET,
        description="Secret that signs web sessions and API tokens; change it in production.",
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="How the gateway node writes its log: 'text' lines, or 'json' (one object a "
        "line with timestamp, level, event, message id and partner).",
    )

    # --- risk: declaration scoring and selectivity (haiquan.risk) ------------------------------
    risk_model_dir: Path | None = Field(
        default=None,
        description="Folder of the risk model versions used by `haiquan risk` and "
        "/api/risk/score; defaults to HOME/models/risk.",
    )

    # --- reference: countries, HS, agreements (haiquan.reference) -----------------------------
    agreements_file: Path | None = Field(
        default=None,
        description="YAML catalogue of agreements (FTAs, AEO MRAs, e-C/O exchange, single "
        "windows) to use instead of the bundled one, e.g. for another home country.",
    )

    # --- web: dashboard and HTTP API (haiquan.web) ------------------------------------------
    web_database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the users and API tokens store; defaults to SQLite "
        "HOME/web.sqlite.",
    )
    session_minutes: int = Field(
        default=120,
        ge=1,
        le=60 * 24 * 30,
        description="Minutes a dashboard login session lasts before the user must log in again.",
    )
    web_host: str = Field(
        default="127.0.0.1",
        description="Address `haiquan serve` listens on (loopback by default; put a TLS proxy "
        "in front before exposing it).",
    )
    web_port: int = Field(
        default=8000, ge=1, le=65535, description="TCP port `haiquan serve` listens on."
    )
    web_cache_seconds: int = Field(
        default=600,
        ge=0,
        description="Seconds the dashboard keeps expensive results (partner scores, plans) "
        "before computing them again; 0 disables the cache.",
    )
    background_results: bool = Field(
        default=True,
        description="The server computes forecasts, partner scores and the plan in a "
        "background process and serves them stored in the warehouse, a page saying how far "
        "the computation has got meanwhile; false computes a missing result in the request "
        "(small data, tests).",
    )

    # --- forecast: trade forecasts, back-tests and their engines (haiquan.forecast) ----------
    forecast_engine: Literal["local", "dask"] = Field(
        default="local",
        description="Where forecasts run: 'local' (this machine's processes) or 'dask' (a Dask "
        "cluster through Fugue; see docs/forecast.md, also for Spark).",
    )
    forecast_dask_address: str | None = Field(
        default=None,
        description="Dask scheduler address (tcp://host:8786) used when forecast_engine=dask.",
    )
    forecast_n_jobs: int = Field(
        default=-1,
        description="Processes the local forecast engine may use: 1 or more, or -1 for every "
        "core.",
    )

    # --- aeo: Authorised Economic Operator registry and MRA lists (haiquan.aeo) ---------------
    aeo_database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the AEO registry; defaults to SQLite at HOME/aeo.sqlite.",
    )
    aeo_arrangements_file: Path | None = Field(
        default=None,
        description="YAML of MRA exchange arrangements; defaults to the one shipped with haiquan.",
    )

    # --- transit: ACTS movements (haiquan.transit) -------------------------------------------
    transit_database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the transit store; defaults to SQLite at "
        "HOME/transit.sqlite.",
    )

    # --- exchange: the customs-to-customs gateway node -----------------------------------------
    gateway_home: Path | None = Field(
        default=None,
        description="Folder of the gateway node (node.yaml, trust.yaml, keys); defaults to "
        "HOME/gateway.",
    )
    gateway_database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the gateway store when node.yaml names none; defaults to "
        "SQLite in the gateway home. Use postgresql+psycopg://... for several workers.",
    )
    gateway_max_payload_bytes: int = Field(
        default=1_048_576,
        gt=0,
        description="Largest document payload (bytes) a node sends or accepts, for new nodes.",
    )
    gateway_replay_window_seconds: int = Field(
        default=300,
        gt=0,
        description="How far (seconds) a message's signing time may be from the receiver's clock "
        "before it is refused as a replay, for new nodes.",
    )
    gateway_wco_schema_dir: Path | None = Field(
        default=None,
        description="Folder of the WCO Data Model 3.6 XSDs (declaration/, notification/) used to "
        "validate declaration documents; defaults to "
        "SHARED_DATA/exchange/wco-dm-3.6-hmrc-cds/schemas.",
    )

    @field_validator("home_country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        # Imported here: the reference package reads these settings.
        from haiquan.errors import UnknownCodeError
        from haiquan.reference.countries import country

        try:
            return country(value).alpha_3
        except UnknownCodeError:
            raise ValueError("an ISO 3166-1 code of a country (VNM, VN or 704)") from None

    @field_validator("forecast_n_jobs")
    @classmethod
    def _jobs(cls, value: int) -> int:
        if value == -1 or value >= 1:
            return value
        raise ValueError("-1 (every core) or a number of processes of 1 or more")

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.mode != "local" and self.secret_key == DEFAULT_SECRET:
            raise ConfigurationError(
                "the default secret key only works in local mode",
                expected="HAIQUAN_SECRET_KEY set to a long random value outside local mode",
                got="the built-in development secret",
                fix="export HAIQUAN_SECRET_KEY=$(python -c "
                "'import secrets; print(secrets.token_hex(32))')",
            )
        return self

    @property
    def warehouse_file(self) -> Path:
        """The DuckDB file in use."""
        return self.warehouse_path or self.home / "warehouse.duckdb"

    @property
    def web_database(self) -> str:
        """The SQLAlchemy URL of the web users store in use."""
        return self.web_database_url or f"sqlite:///{self.home / 'web.sqlite'}"


def _env_name(loc: tuple[int | str, ...]) -> str:
    """The environment variable a field is read from."""
    return "HAIQUAN_" + str(loc[0]).upper() if loc else "a HAIQUAN_ setting"


def _shown(value: object) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _wanted(message: str) -> str:
    """What a validation message asks for: "Input should be 'local' or ..." -> "'local' or ..."."""
    for prefix in ("Value error, ", "Input should be "):
        message = message.removeprefix(prefix)
    return message


def settings_error(error: PydanticValidationError) -> ConfigurationError:
    """A settings validation error as a ConfigurationError naming each ``HAIQUAN_`` variable.

    >>> try:
    ...     Settings(mode="prod")
    ... except PydanticValidationError as error:
    ...     print(settings_error(error).summary)
    invalid setting HAIQUAN_MODE
    """
    problems = error.errors()
    names = list(dict.fromkeys(_env_name(p["loc"]) for p in problems))
    wanted = [_wanted(p["msg"]) for p in problems]
    shown = [_shown(p.get("input")) for p in problems]
    if len(problems) == 1:
        expected, got = wanted[0], shown[0]
    else:
        pairs = list(zip((_env_name(p["loc"]) for p in problems), wanted, shown, strict=True))
        expected = "; ".join(f"{name} {want}" for name, want, _ in pairs)
        got = "; ".join(f"{name}={value}" for name, _, value in pairs)
    plural = "s" if len(names) > 1 else ""
    return ConfigurationError(
        f"invalid setting{plural} {', '.join(names)}",
        expected=expected,
        got=got,
        fix=f"correct or unset {', '.join(names)} (docs/settings.md lists each setting)",
        details={"settings": names},
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once.

    Raises:
        ConfigurationError: a setting is invalid; the message names its environment variable.
    """
    try:
        return Settings()
    except PydanticValidationError as error:
        raise settings_error(error) from None


def reset_settings() -> None:
    """Forget cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
