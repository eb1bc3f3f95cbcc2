"""Self-assessment: evidence files kept with a record, and the approval step before it counts.

A national committee does not let one officer's entry move the country's figures: an item's
self-assessment (legal basis, current practice, gap, planned action, responsible unit, target
date, evidence) is entered as a ``draft`` and counts only once someone approves it. The history
stays append-only: approval appends an approved copy of the draft (with ``approved_by``), so
the draft, its approver and the moment both were recorded remain visible.

Evidence files are copied into ``HAIQUAN_HOME/commitments/evidence/`` under their SHA-256, so
the record keeps pointing at the exact file it was approved with even if the original moves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

from haiquan.commitments.records import StatusRecord
from haiquan.commitments.status import (
    LoadResult,
    evidence_dir,
    history_rows,
    load_records,
    status_history,
)
from haiquan.errors import ConflictError, InputError, NotFoundError
from haiquan.reference.countries import country as lookup_country

__all__ = ["approve_record", "attach_evidence", "drafts", "evidence_dir"]


def attach_evidence(path: Path | str) -> str:
    """Copy an evidence file into the evidence folder; return the reference a record stores.

    The reference is ``<first 16 hex of SHA-256>-<file name>``; the same file attached twice is
    kept once.

    Raises:
        InputError: the file does not exist or cannot be read.
    """
    source = Path(path)
    try:
        digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    except OSError as error:
        raise InputError(
            "cannot read the evidence file",
            expected="an existing, readable file (a decision, a report, a scan)",
            got=f"{source}: {error.strerror or error}",
            fix="check the path, or give the evidence as text or a link with --evidence",
        ) from error
    reference = f"{digest}-{source.name}"
    target = evidence_dir() / reference
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return reference


def drafts(catalogue: str | None = None, country: str | None = None) -> list[StatusRecord]:
    """Draft records still waiting for approval (a draft with a later approved copy is done)."""
    rows = history_rows(status_history(catalogue=catalogue, country=country))
    approved = {_key(r) for r in rows if r.get("approval") != "draft"}
    waiting = [r for r in rows if r.get("approval") == "draft" and _key(r) not in approved]
    fields = set(StatusRecord.model_fields)
    return [StatusRecord.model_validate({k: v for k, v in r.items() if k in fields})
            for r in waiting]


def _key(row: dict[str, object]) -> tuple[object, ...]:
    return (row["catalogue"], row["item"], row["country"], row["effective_date"])


def approve_record(
    catalogue: str,
    item: str,
    country: str,
    effective_date: dt.date,
    *,
    approved_by: str,
) -> LoadResult:
    """Approve the latest draft of an item's state for a date: it counts from then on.

    Raises:
        InputError: no approver named.
        NotFoundError: no draft for that item, country and effective date.
        ConflictError: the latest record for that key is already approved.
    """
    if not approved_by.strip():
        raise InputError(
            "an approval needs the approver",
            expected="the name or post of the person approving",
            got="nothing",
            fix="pass --by, e.g. --by 'Director, International Cooperation Department'",
        )
    code = lookup_country(country).alpha_3
    rows = history_rows(status_history(catalogue=catalogue, country=code, item=item))
    same = [r for r in rows if r["effective_date"] == effective_date]
    if not same:
        raise NotFoundError(
            f"no record of {catalogue} {item} for {code} effective {effective_date}",
            expected="a draft recorded with `haiquan commitments record ... --draft`",
            got="none",
            fix="check the item and the effective date with `haiquan commitments drafts`",
        )
    latest = max(same, key=lambda r: int(r["seq"]))  # type: ignore[call-overload]
    if latest.get("approval") != "draft":
        raise ConflictError(
            f"{catalogue} {item} for {code} effective {effective_date} is already approved",
            expected="a draft waiting for approval",
            got=f"record {latest['seq']}, approved",
            fix="nothing to do; to change it, record a new draft",
        )
    fields = set(StatusRecord.model_fields)
    copy = {k: v for k, v in latest.items() if k in fields}
    copy.update(approval="approved", approved_by=approved_by.strip())
    return load_records([StatusRecord.model_validate(copy)], origin=f"approval by {approved_by}")
