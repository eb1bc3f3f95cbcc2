"""``node.yaml``: who this node is and how it behaves, validated on load.

::

    country: VNM                          # ISO 3166 alpha-3 of the administration
    name: Vietnam Customs C2C gateway
    endpoint: https://c2c.customs.gov.vn  # the URL partners post to
    database_url: null                    # null: SQLite gateway.db in the node home
    max_payload_bytes: 1048576
    replay_window_seconds: 300
    max_batch: 200                        # envelopes per HTTP request
    batch_linger_seconds: 0.02            # least time between two partial batches of a worker
    retry_base_seconds: 1.0               # first retry delay; doubles per attempt
    retry_max_seconds: 300.0
    lease_seconds: 30.0                   # how long a worker holds claimed outbox rows
    request_timeout_seconds: 30.0         # a partner's answer to one request
    # limits on what unauthenticated clients can make the receiver hold (haiquan.exchange._limits)
    header_timeout_seconds: 10.0          # to send a request's headers after connecting
    body_timeout_seconds: 60.0            # to send a request's whole body
    max_connections: 4096                 # open at once; more are closed at once
    max_buffered_bytes: null              # request bodies held in memory at once; null: the
                                          # larger of 128 MiB and two full requests
    refusal_log_per_minute: 60            # refusal warnings logged a minute; the rest counted
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from haiquan.errors import ConfigurationError
from haiquan.exchange._util import load_yaml_mapping

__all__ = ["NodeConfig"]

#: Room for the JWS header, signature and envelope fields around the payload (base64 adds 1/3).
JWS_OVERHEAD = 16_384


class NodeConfig(BaseModel):
    """The settings of one gateway node."""

    model_config = ConfigDict(extra="forbid")

    country: str = Field(pattern=r"^[A-Z]{3}$")
    name: str = ""
    endpoint: str = Field(pattern=r"^https?://[^\s]+$")
    database_url: str | None = None
    max_payload_bytes: int = Field(default=1_048_576, gt=0, le=64 * 1_048_576)
    replay_window_seconds: int = Field(default=300, gt=0, le=7 * 86_400)
    max_batch: int = Field(default=200, ge=1, le=5000)
    batch_linger_seconds: float = Field(default=0.02, ge=0, le=5)
    retry_base_seconds: float = Field(default=1.0, gt=0)
    retry_max_seconds: float = Field(default=300.0, gt=0)
    lease_seconds: float = Field(default=30.0, gt=0)
    request_timeout_seconds: float = Field(default=30.0, gt=0)
    header_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    body_timeout_seconds: float = Field(default=60.0, gt=0, le=3600)
    max_connections: int = Field(default=4096, ge=8, le=1_000_000)
    max_buffered_bytes: int | None = Field(default=None, ge=1_048_576)
    refusal_log_per_minute: int = Field(default=60, ge=0)

    @property
    def max_message_chars(self) -> int:
        """The longest signed message (compact JWS) a payload of ``max_payload_bytes`` makes."""
        return self.max_payload_bytes * 4 // 3 * 2 + JWS_OVERHEAD

    @property
    def max_request_bytes(self) -> int:
        """The largest HTTP body accepted: a full batch of maximum-size envelopes."""
        return min(self.max_message_chars * self.max_batch,
                   64 * 1_048_576 + self.max_message_chars)

    @property
    def body_budget_bytes(self) -> int:
        """The bytes of request bodies the receiver holds at once (``max_buffered_bytes``)."""
        if self.max_buffered_bytes is not None:
            return self.max_buffered_bytes
        return max(128 * 1_048_576, 2 * self.max_request_bytes)

    @model_validator(mode="after")
    def _room_for_one_request(self) -> NodeConfig:
        if self.max_buffered_bytes is not None and self.max_buffered_bytes < self.max_request_bytes:
            raise ValueError(
                f"max_buffered_bytes ({self.max_buffered_bytes}) must hold at least one full "
                f"request ({self.max_request_bytes} bytes with these max_payload_bytes and "
                "max_batch), else a full batch is refused for ever; raise it or lower those"
            )
        return self

    @field_validator("endpoint")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @classmethod
    def load(cls, path: Path) -> NodeConfig:
        """Read ``node.yaml``, refusing a wrong field with the file, the field and the fix."""
        data = load_yaml_mapping(path, "node configuration")
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "top level"
            raise ConfigurationError(
                f"the node configuration {path} is invalid at {where}",
                expected="the fields described in docs/gateway-operations.md",
                got=f"{first['msg']} (value {first.get('input')!r})",
                fix=f"correct {where} in {path}",
                details={"problems": [
                    {"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]}
                    for e in error.errors()
                ]},
            ) from error

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(self.model_dump(), sort_keys=False), encoding="utf-8")
