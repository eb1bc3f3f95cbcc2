"""Inspection outcomes: what control found, recorded against the decisions that sent it there.

Two records close the loop between selection and results:

* **decisions** — each ``haiquan risk score`` run keeps the declarations it sent to red or
  yellow, with their channel, selection (alert / random / risk), alert, AEO party, rule set,
  model version and chance of a random draw, as one Parquet file per run in
  ``HOME/risk/decisions/`` (:func:`record_decisions`);
* **outcomes** — an officer records what an inspection found (fraud or not, duty recovered,
  fraud type) in ``HOME/risk/outcomes.sqlite`` (:class:`OutcomeStore`). Nothing is overwritten:
  a correction is a newer record of the same goods item, and the latest counts.

:mod:`haiquan.risk.results` reports hit rates and revenue from them, and
:func:`labelled_from_outcomes` gives ``retrain`` the inspected declarations with their results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    select,
)

from haiquan._files import write_atomically
from haiquan.errors import InputError, NotFoundError
from haiquan.risk.fraud_types import load_fraud_types
from haiquan.settings import get_settings

__all__ = [
    "InspectionOutcome",
    "OutcomeStore",
    "decisions_folder",
    "labelled_from_outcomes",
    "read_decisions",
    "record_decisions",
]


class InspectionOutcome(BaseModel):
    """What one inspection of one goods item found, as an officer records it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    declaration_id: str = Field(min_length=1, max_length=64)
    item_number: int = Field(default=1, ge=1, le=999_999)
    found: bool = Field(description="the inspection found fraud")
    duty_recovered: float = Field(
        default=0.0,
        ge=0,
        allow_inf_nan=False,
        description="duty and taxes recovered, declaration currency",
    )
    fraud_type: str | None = Field(
        default=None,
        max_length=40,
        description="one of the fraud types in force on the inspection day (HOME/risk/"
        "fraud_types.yaml, else the packaged haiquan/risk/rules/fraud_types.yaml: "
        "undervaluation, misclassification, quantity, false origin, prohibited goods, "
        "intellectual property, drugs, public safety, other)",
    )
    inspected_on: dt.date | None = None
    officer: str | None = Field(default=None, max_length=80)

    @field_validator("fraud_type")
    @classmethod
    def _type_needs_fraud(cls, value: str | None, info: Any) -> str | None:
        if value is not None and info.data.get("found") is False:
            raise ValueError(
                "a fraud type is given only when the inspection found fraud (found: true)"
            )
        return value

    @model_validator(mode="after")
    def _type_in_force(self) -> InspectionOutcome:
        """The type is one of the fraud types in force on the inspection day."""
        if self.fraud_type is None:
            return self
        types = load_fraud_types(on=self.inspected_on)
        if self.fraud_type not in types.names:
            raise ValueError(
                f"fraud_type {self.fraud_type!r} is not a fraud type of rule set "
                f"{types.name!r}: expected one of {', '.join(types.names)} (an administration "
                "adds its own in HOME/risk/fraud_types.yaml, docs/risk.md)"
            )
        return self

    @property
    def critical(self) -> bool:
        """A public-safety (critical) fraud type, as the rules in force on the inspection day
        say."""
        if self.fraud_type is None:
            return False
        return self.fraud_type in load_fraud_types(on=self.inspected_on).critical


_metadata = MetaData()
_outcomes = Table(
    "risk_outcomes",
    _metadata,
    Column("outcome_id", Integer, primary_key=True, autoincrement=True),
    Column("declaration_id", String(64), nullable=False, index=True),
    Column("item_number", Integer, nullable=False),
    Column("found", Boolean, nullable=False),
    Column("duty_recovered", Float, nullable=False),
    Column("fraud_type", String(40)),
    Column("critical", Boolean, nullable=False),
    Column("inspected_on", Date),
    Column("officer", String(80)),
    Column("recorded_at", DateTime, nullable=False),
)


class OutcomeStore:
    """Inspection outcomes in ``HOME/risk/outcomes.sqlite`` (or ``path``), append-only."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path or get_settings().home / "risk" / "outcomes.sqlite")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(
            f"sqlite:///{self.path}", connect_args={"check_same_thread": False}
        )
        _metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def record(
        self, outcome: InspectionOutcome, *, require_decision: bool = True
    ) -> dict[str, Any]:
        """Append one outcome; returns it as stored, with the decision it closes.

        Raises:
            NotFoundError: no scoring run sent this goods item to control (a typo in the number
                would otherwise record a result nobody can report on); ``require_decision=False``
                records it anyway (an inspection decided outside haiquan).
        """
        decision = _decision_of(outcome.declaration_id, outcome.item_number)
        if decision is None and require_decision:
            raise NotFoundError(
                f"no selection of declaration {outcome.declaration_id} item "
                f"{outcome.item_number} is recorded",
                expected="a goods item `haiquan risk score` sent to red or yellow",
                got=f"{outcome.declaration_id}/{outcome.item_number}",
                fix="check the declaration number and item; for an inspection decided outside "
                'haiquan pass --unselected (API: "unselected": true)',
            )
        row = {
            **outcome.model_dump(),
            "critical": outcome.critical,
            "recorded_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
        }
        with self.engine.begin() as connection:
            connection.execute(_outcomes.insert().values(**row))
        return {
            **row,
            "recorded_at": row["recorded_at"].isoformat(timespec="seconds") + "Z",
            "channel": None if decision is None else decision["channel"],
            "selection": None if decision is None else decision["selection"],
        }

    def latest(self) -> pd.DataFrame:
        """The latest outcome per goods item (a correction replaces what it corrects)."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(_outcomes).order_by(_outcomes.c.outcome_id))
            frame = pd.DataFrame(rows.fetchall(), columns=list(rows.keys()))
        if frame.empty:
            return frame
        return frame.drop_duplicates(["declaration_id", "item_number"], keep="last")


def decisions_folder() -> Path:
    """Where scoring runs keep their decisions: ``HOME/risk/decisions``."""
    return get_settings().home / "risk" / "decisions"


#: Routing facts kept with each decision, besides the declaration's own columns.
DECISION_COLUMNS = (
    "channel",
    "selection",
    "alert_id",
    "aeo",
    "score",
    "draw_chance",
    "rule_set",
    "model_version",
)


def record_decisions(
    declarations: pd.DataFrame,
    routed: Mapping[str, Any],
    *,
    rule_set: str,
    model_version: str | None,
    folder: Path | None = None,
) -> int:
    """Keep the declarations sent to red or yellow with how they were selected; returns how
    many (one Parquet file per run, written atomically)."""
    channel = np.asarray(routed["channel"], dtype=object)
    keep = np.isin(channel, ("red", "yellow"))
    if not keep.any():
        return 0
    frame = declarations.loc[keep].reset_index(drop=True).copy()
    for name in ("channel", "selection", "alert_id", "aeo", "score", "draw_chance"):
        frame[name] = np.asarray(routed[name])[keep]
    frame["rule_set"] = rule_set
    frame["model_version"] = model_version or ""
    target = Path(folder or decisions_folder())
    target.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    write_atomically(target / f"{stamp}.parquet", lambda path: frame.to_parquet(path, index=False))
    return int(keep.sum())


def read_decisions(folder: Path | None = None) -> pd.DataFrame:
    """Every kept decision, the latest per goods item (a re-scored day replaces the earlier)."""
    target = Path(folder or decisions_folder())
    files = sorted(target.glob("*.parquet")) if target.is_dir() else []
    if not files:
        return pd.DataFrame()
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    return frame.drop_duplicates(["declaration_id", "item_number"], keep="last")


def _decision_of(declaration_id: str, item_number: int) -> dict[str, Any] | None:
    decisions = read_decisions()
    if decisions.empty:
        return None
    hit = decisions[
        (decisions["declaration_id"].astype(str) == declaration_id)
        & (decisions["item_number"].astype(int) == item_number)
    ]
    return None if hit.empty else dict(hit.iloc[-1])


def labelled_from_outcomes(store: OutcomeStore | None = None) -> pd.DataFrame:
    """The inspected declarations with their results, in the canonical layout: ``fraud`` from
    ``found``, ``critical_fraud`` 2 for a critical fraud type, 1 for another fraud, 0 for none.

    Raises:
        InputError: no outcome recorded for a kept decision yet.
    """
    outcomes = (store or OutcomeStore()).latest()
    decisions = read_decisions()
    if outcomes.empty or decisions.empty:
        raise InputError(
            "no inspection outcome to learn from",
            expected="outcomes recorded with `haiquan risk outcome` for declarations "
            "`haiquan risk score` selected",
            got=f"{len(outcomes)} outcomes, {len(decisions)} kept decisions",
            fix="record inspection results first; no version was added",
        )
    decisions = decisions.assign(
        declaration_id=decisions["declaration_id"].astype(str),
        item_number=decisions["item_number"].astype(int),
    )
    joined = decisions.merge(outcomes, on=["declaration_id", "item_number"], how="inner")
    if joined.empty:
        raise InputError(
            "no outcome matches a kept decision",
            expected="outcomes of goods items `haiquan risk score` sent to red or yellow",
            got=f"{len(outcomes)} outcomes, none of a kept decision",
            fix="check the declaration numbers of the recorded outcomes",
        )
    joined["fraud"] = joined["found"].astype(int)
    joined["critical_fraud"] = np.where(joined["critical"].astype(bool), 2, joined["fraud"])
    for name in ("fraud", "critical_fraud"):
        joined[name] = joined[name].astype("Int64")
    drop = [
        *DECISION_COLUMNS,
        *(c for c in _outcomes.c.keys() if c not in ("declaration_id", "item_number")),
    ]
    return joined.drop(columns=[c for c in drop if c in joined.columns])
