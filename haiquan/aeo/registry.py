"""The AEO registry: home operators, their status history and consents, and partners' lists.

Stored with SQLAlchemy (SQLite at ``HOME/aeo.sqlite`` by default, PostgreSQL by URL). Nothing is
overwritten: status changes, consents and partner list entries are appended with their dates, so
"was this operator an AEO on that date?" can be answered for any past date.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    select,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from haiquan._database import StoreDatabase, open_engine, storage_errors_named
from haiquan.aeo.arrangements import arrangement
from haiquan.aeo.models import (
    AeoStatus,
    ConsentRecord,
    OperatorCreate,
    OperatorPublic,
    PartnerOperator,
    StatusChange,
    StatusEvent,
)
from haiquan.aeo.tables import (
    consents,
    metadata,
    operators,
    partner_events,
    received_lists,
    sent_lists,
    status_events,
)
from haiquan.errors import ConflictError, NotFoundError, ValidationError
from haiquan.settings import get_settings

__all__ = ["AeoRegistry"]

def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def default_database_url() -> str:
    """The platform's own registry file: SQLite ``aeo.sqlite`` in the home folder."""
    return f"sqlite:///{get_settings().home / 'aeo.sqlite'}"


def configured_database_url() -> str:
    """The registry's database: ``HAIQUAN_AEO_DATABASE_URL``, else ``aeo.sqlite`` in the home."""
    return get_settings().aeo_database_url or default_database_url()


#: The registry's database, for the messages of :func:`haiquan._database.open_engine`.
_DATABASE = StoreDatabase("the AEO registry", "HAIQUAN_AEO_DATABASE_URL", "aeo.sqlite")


class AeoRegistry:
    """The registry behind one database URL.

    Opening one creates an engine (a connection pool) and the tables if missing, so a long-running
    process keeps one per database (the web app does: :func:`haiquan.web.routers.aeo.registry`)
    rather than one per request.

    Args:
        database_url: the registry's database (default: :func:`configured_database_url`). Only
            the default file inside the home folder has its folder created; a SQLite path of
            one's own must name an existing folder, so a mistyped ``HAIQUAN_AEO_DATABASE_URL``
            does not silently start an empty registry somewhere else.

    Raises:
        ConfigurationError: the URL cannot be read, names another database than SQLite or
            PostgreSQL, a SQLite folder that does not exist, or a database that cannot be opened.
    """

    def __init__(self, database_url: str | None = None) -> None:
        if database_url is None:
            database_url = configured_database_url()
        self.database_url = database_url
        self.engine: Engine = open_engine(
            database_url, _DATABASE, metadata,
            create_folder=database_url == default_database_url(),
        )

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with storage_errors_named(self.engine, "the AEO registry"), \
                self.engine.begin() as connection:
            yield connection

    # --- home operators ------------------------------------------------------------------------
    def add_operator(self, operator: OperatorCreate) -> OperatorPublic:
        """Register a newly authorised operator; its first status event is ``granted``."""
        try:
            with self._write() as connection:
                self._insert(connection, operator)
        except IntegrityError as error:
            raise ConflictError(
                f"AEO {operator.aeo_id} is already registered",
                expected="a new authorisation number",
                got=operator.aeo_id,
                fix="record a status change on the existing operator instead "
                "(`haiquan aeo status`)",
            ) from error
        return self.operator(operator.aeo_id, on=operator.granted_on)

    def add_operators(self, items: Iterable[OperatorCreate]) -> int:
        """Register several operators in one transaction: all or none."""
        batch = list(items)
        known = {o["aeo_id"] for o in self._operator_rows()}
        duplicates = [o.aeo_id for o in batch if o.aeo_id in known]
        seen: set[str] = set()
        repeated = [o.aeo_id for o in batch if o.aeo_id in seen or seen.add(o.aeo_id)]  # type: ignore[func-returns-value]
        if duplicates or repeated:
            raise ConflictError(
                "some operators are already registered or listed twice; nothing was imported",
                expected="new, distinct authorisation numbers",
                got=", ".join(sorted(set(duplicates + repeated))[:10]),
                fix="remove those rows, or record status changes for existing operators",
            )
        with self._write() as connection:
            for operator in batch:
                self._insert(connection, operator)
        return len(batch)

    @staticmethod
    def _insert(connection: Connection, operator: OperatorCreate) -> None:
        """The operator's row and its first status event, ``granted``."""
        connection.execute(operators.insert().values(
            **operator.model_dump(exclude={"roles"}), roles=json.dumps(operator.roles),
            created_at=_now()))
        connection.execute(status_events.insert().values(
            aeo_id=operator.aeo_id, status=AeoStatus.granted.value,
            effective=operator.granted_on, reason="authorisation granted", recorded_at=_now()))

    def change_status(self, aeo_id: str, change: StatusChange,
                      today: dt.date | None = None) -> OperatorPublic:
        """Record a status change (suspension, reinstatement, revocation, expiry).

        Changes are recorded in the order they take effect, once they have: a change dated
        before the last one recorded would rewrite the history after it (a revocation slipped
        in before a reinstatement would leave a revoked operator reinstated), and one dated in
        the future would be read as already decided by every list built until then.

        Args:
            today: the day the change is recorded (default: the machine's date).

        Raises:
            NotFoundError: no such operator.
            ValidationError: the date is before the grant, before the last recorded change,
                after the end of validity or in the future; the operator was revoked; or the
                operator already has that status.
        """
        current = self.operator(aeo_id, on=change.effective)
        day = today or dt.date.today()
        if change.effective > day:
            raise ValidationError(
                f"a status change of AEO {current.aeo_id} cannot be recorded before it takes "
                "effect",
                expected=f"an effective date on or before today ({day})",
                got=str(change.effective),
                fix="record the change on the day it takes effect",
            )
        if change.effective < current.granted_on:
            raise ValidationError(
                "a status change cannot take effect before the authorisation",
                expected=f"a date on or after {current.granted_on}",
                got=str(change.effective),
                fix="check the effective date",
            )
        latest = current.history[-1] if current.history else None
        if latest is not None and change.effective < latest.effective:
            raise ValidationError(
                f"AEO {current.aeo_id} already has a later change recorded "
                f"({latest.status.value} on {latest.effective})",
                expected=f"an effective date on or after {latest.effective}",
                got=str(change.effective),
                fix="record changes in the order they take effect; an earlier date would "
                "rewrite the history after it",
            )
        if current.valid_until is not None and change.effective > current.valid_until:
            raise ValidationError(
                f"AEO {current.aeo_id}'s authorisation ended on {current.valid_until}",
                expected=f"an effective date on or before {current.valid_until}",
                got=str(change.effective),
                fix="nothing to record after the end of validity (the operator reads as "
                "expired); register a renewed authorisation with `haiquan aeo add`",
            )
        if current.status == AeoStatus.revoked and change.status != AeoStatus.revoked:
            raise ValidationError(
                f"AEO {aeo_id} was revoked on {current.status_since}",
                expected="a new authorisation for a revoked operator",
                got=f"a change to {change.status.value}",
                fix="register the operator again under a new authorisation number",
            )
        if current.status == change.status:
            raise ValidationError(
                f"AEO {current.aeo_id} is already {change.status.value} since "
                f"{current.status_since}",
                expected="a status other than the current one",
                got=change.status.value,
                fix="nothing to record; `haiquan aeo show` lists the history",
            )
        with self._write() as connection:
            connection.execute(status_events.insert().values(
                aeo_id=current.aeo_id, status=change.status.value, effective=change.effective,
                reason=change.reason, recorded_at=_now()))
        return self.operator(aeo_id, on=change.effective)

    def set_consent(self, aeo_id: str, mra_id: str, consent: bool,
                    effective: dt.date | None = None) -> ConsentRecord:
        """Record whether the operator agrees to be shared under an MRA (from a date).

        Raises:
            NotFoundError: no such operator.
            ValidationError: consent dated before the operator's grant.
            UnknownCodeError: the MRA has no entry in the arrangements file
                (:func:`haiquan.aeo.arrangements.arrangement`), so nothing could be shared.
        """
        current = self.operator(aeo_id)
        mra_id = arrangement(mra_id.strip().upper()).mra_id
        record = ConsentRecord(aeo_id=aeo_id.strip().upper(), mra_id=mra_id, consent=consent,
                               effective=effective or dt.date.today())
        if record.effective < current.granted_on:
            raise ValidationError(
                f"consent of {current.aeo_id} dated {record.effective}, before its grant "
                f"({current.granted_on})",
                expected=f"an effective date on or after {current.granted_on}: only an AEO "
                "can be shared under an MRA",
                got=str(record.effective),
                fix=f"date the consent from {current.granted_on} or later",
            )
        with self._write() as connection:
            connection.execute(consents.insert().values(**record.model_dump(),
                                                        recorded_at=_now()))
        return record

    def _operator_rows(self) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(select(operators))]

    def _events(self, aeo_id: str | None = None) -> list[StatusEvent]:
        query = select(status_events).order_by(status_events.c.effective,
                                               status_events.c.event_id)
        if aeo_id is not None:
            query = query.where(status_events.c.aeo_id == aeo_id)
        with self.engine.connect() as connection:
            return [StatusEvent(**dict(r._mapping)) for r in connection.execute(query)]

    def _consents(self) -> list[dict[str, Any]]:
        query = select(consents).order_by(consents.c.effective, consents.c.consent_id)
        with self.engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(query)]

    @staticmethod
    def _status_on(row: dict[str, Any], events: list[StatusEvent], on: dt.date
                   ) -> tuple[AeoStatus, dt.date] | None:
        """Status on a day: the last event effective by then; expiry after valid_until."""
        past = [e for e in events if e.effective <= on]
        if not past:
            return None
        last = past[-1]
        if (last.status in (AeoStatus.granted, AeoStatus.suspended) and row["valid_until"]
                and on > row["valid_until"]):
            return AeoStatus.expired, row["valid_until"]
        return last.status, last.effective

    def operator(self, aeo_id: str, on: dt.date | None = None) -> OperatorPublic:
        """One home operator with its status on ``on`` (today by default) and its history."""
        key = aeo_id.strip().upper()
        with self.engine.connect() as connection:
            found = connection.execute(select(operators).where(operators.c.aeo_id == key)).first()
        if found is None:
            raise NotFoundError(
                f"no AEO {key} in the registry",
                expected="the authorisation number of a registered operator",
                got=key,
                fix="list operators with `haiquan aeo list`",
            )
        return self._public(dict(found._mapping), self._events(key), on or dt.date.today(),
                            self._consents())

    def _public(self, row: dict[str, Any], events: list[StatusEvent], on: dt.date,
                consent_rows: list[dict[str, Any]]) -> OperatorPublic:
        state = self._status_on(row, events, on)
        status, since = state if state else (AeoStatus.granted, row["granted_on"])
        given: dict[str, bool] = {}
        for c in consent_rows:
            if c["aeo_id"] == row["aeo_id"] and c["effective"] <= on:
                given[c["mra_id"]] = c["consent"]
        return OperatorPublic(
            **{k: row[k] for k in ("aeo_id", "name", "tin", "address", "sector", "granted_on",
                                   "valid_until")},
            roles=json.loads(row["roles"]), status=status, status_since=since,
            history=events, consents=given,
        )

    def operators(self, on: dt.date | None = None, *, status: AeoStatus | None = None
                  ) -> list[OperatorPublic]:
        """Every home operator (registered by ``on``) with its status on that day."""
        day = on or dt.date.today()
        events = self._events()
        by_operator: dict[str, list[StatusEvent]] = {}
        for event in events:
            by_operator.setdefault(event.aeo_id, []).append(event)
        consent_rows = self._consents()
        found = [
            self._public(row, by_operator.get(row["aeo_id"], []), day, consent_rows)
            for row in sorted(self._operator_rows(), key=lambda r: r["aeo_id"])
            if row["granted_on"] <= day
        ]
        return [o for o in found if status is None or o.status == status]

    # --- lists sent to partners ----------------------------------------------------------------
    def last_sent(self, mra_id: str, partner: str) -> tuple[int, dict[str, Any]] | None:
        """The sequence and snapshot (aeo_id -> entry) of the last list sent to a partner."""
        query = (select(sent_lists).where(sent_lists.c.mra_id == mra_id,
                                          sent_lists.c.partner == partner)
                 .order_by(sent_lists.c.sequence.desc()).limit(1))
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None:
            return None
        return int(row.sequence), json.loads(row.snapshot)

    def last_sent_sequence(self, mra_id: str, partner: str) -> int | None:
        """The sequence of the last list sent to a partner (without reading its snapshot)."""
        query = (select(sent_lists.c.sequence).where(sent_lists.c.mra_id == mra_id,
                                                     sent_lists.c.partner == partner)
                 .order_by(sent_lists.c.sequence.desc()).limit(1))
        with self.engine.connect() as connection:
            found = connection.execute(query).scalar()
        return int(found) if found is not None else None

    def last_sent_as_of(self, mra_id: str, partner: str) -> dt.date | None:
        """The date of the last list sent to a partner, if any."""
        query = (select(sent_lists.c.as_of).where(sent_lists.c.mra_id == mra_id,
                                                  sent_lists.c.partner == partner)
                 .order_by(sent_lists.c.sequence.desc()).limit(1))
        with self.engine.connect() as connection:
            found: dt.date | None = connection.execute(query).scalar()
        return found

    def record_sent(self, mra_id: str, partner: str, sequence: int, list_type: str,
                    as_of: dt.date, snapshot: dict[str, Any], message_id: str | None) -> None:
        with self._write() as connection:
            connection.execute(sent_lists.insert().values(
                mra_id=mra_id, partner=partner, sequence=sequence, list_type=list_type,
                as_of=as_of, snapshot=json.dumps(snapshot, sort_keys=True),
                message_id=message_id, sent_at=_now()))

    # --- lists received from partners ----------------------------------------------------------
    def last_received(self, country: str, mra_id: str) -> int | None:
        """The sequence of the partner's last list applied under the MRA, if any."""
        last = self.last_received_list(country, mra_id)
        return last[0] if last is not None else None

    def last_received_list(self, country: str, mra_id: str) -> tuple[int, dt.date] | None:
        """(sequence, as-of date) of the partner's last list applied under the MRA, if any."""
        query = (select(received_lists.c.sequence, received_lists.c.as_of)
                 .where(received_lists.c.country == country, received_lists.c.mra_id == mra_id)
                 .order_by(received_lists.c.sequence.desc()).limit(1))
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return (int(row.sequence), row.as_of) if row is not None else None

    def partner_state(self, country: str, mra_id: str) -> dict[str, dict[str, Any]]:
        """The partner's operators as its lists stand now (latest entry per operator)."""
        query = (select(partner_events)
                 .where(partner_events.c.country == country, partner_events.c.mra_id == mra_id)
                 .order_by(partner_events.c.sequence, partner_events.c.event_id))
        state: dict[str, dict[str, Any]] = {}
        with self.engine.connect() as connection:
            for row in connection.execute(query):
                state[row.aeo_id] = dict(row._mapping)
        return {k: v for k, v in state.items() if v["status"] != "removed"}

    def record_received(self, *, country: str, mra_id: str, sequence: int, list_type: str,
                        as_of: dt.date, message_id: str | None,
                        entries: list[dict[str, Any]]) -> None:
        """Append a partner list's entries (``status`` 'removed' for a removal) atomically."""
        with self._write() as connection:
            connection.execute(received_lists.insert().values(
                country=country, mra_id=mra_id, sequence=sequence, list_type=list_type,
                as_of=as_of, message_id=message_id, operators=len(entries), applied_at=_now()))
            for entry in entries:
                connection.execute(partner_events.insert().values(
                    country=country, mra_id=mra_id, sequence=sequence, as_of=as_of, **entry))

    def partner_history(self, country: str | None = None) -> list[dict[str, Any]]:
        """Every partner list entry, oldest first (for the history and date questions)."""
        query = select(partner_events).order_by(partner_events.c.as_of,
                                                partner_events.c.sequence,
                                                partner_events.c.event_id)
        if country is not None:
            query = query.where(partner_events.c.country == country)
        with self.engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(query)]

    def partner_operators(self, country: str | None = None) -> list[PartnerOperator]:
        """Partner AEOs as their latest lists report them (of one country when given).

        Raises:
            UnknownCodeError: ``country`` is not an ISO 3166 country (an empty answer would
                read as "that partner has no AEOs").
        """
        if country is not None:
            from haiquan.reference.countries import country as lookup_country

            country = lookup_country(country).alpha_3
        latest: dict[tuple[str, str, str], dict[str, Any]] = {}
        for row in self.partner_history(country):
            latest[(row["country"], row["mra_id"], row["aeo_id"])] = row
        return [
            PartnerOperator(country=r["country"], aeo_id=r["aeo_id"], name=r["name"],
                            status=r["status"], valid_from=r["valid_from"],
                            valid_until=r["valid_until"], reported_as_of=r["as_of"],
                            list_sequence=r["sequence"])
            for r in latest.values() if r["status"] != "removed"
        ]
