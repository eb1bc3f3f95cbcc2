"""Self-assessment fields, evidence files and the approval step before a record counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from haiquan.commitments import (
    Catalogue,
    StatusRecord,
    deadlines,
    implementation_rate,
    load_status_file,
    record_status,
    state_on,
    status_history,
)
from haiquan.commitments.assessment import approve_record, attach_evidence, drafts, evidence_dir
from haiquan.commitments.status_file import read_status_file
from haiquan.errors import ConflictError, InputError, NotFoundError, ValidationError
from haiquan.settings import get_settings

D = dt.date


def _self_assessment(**fields: object) -> StatusRecord:
    values: dict[str, object] = {
        "catalogue": "hand_safe",
        "item": "1.1",
        "country": "VNM",
        "effective_date": D(2024, 3, 1),
        "status": "partially",
        "legal_basis": "Customs Law 54/2014/QH13, Article 42",
        "current_practice": "AEO validation on site for importers only",
        "gap": "no validation of exporters' supply chain partners",
        "planned_action": "amend the AEO circular",
        "responsible_unit": "Customs Control and Supervision Department",
        "target_date": D(2025, 6, 30),
        "evidence": "https://example.invalid/decision-123",
        "approval": "draft",
    }
    values.update(fields)
    return StatusRecord.model_validate(values)


def test_a_draft_counts_only_once_approved(hand_safe: Catalogue) -> None:
    record_status(_self_assessment())
    assert implementation_rate(hand_safe, "VNM", D(2024, 6, 1)).counts["partially"] == 0
    assert [r.item for r in drafts("hand_safe")] == ["1.1"]
    approve_record("hand_safe", "1.1", "VN", D(2024, 3, 1), approved_by="Deputy Director General")
    assert implementation_rate(hand_safe, "VNM", D(2024, 6, 1)).counts["partially"] == 1
    assert drafts("hand_safe") == []
    state = state_on(hand_safe, "VNM", D(2024, 6, 1)).set_index("item").loc["1.1"]
    assert (state["gap"], state["approved_by"], state["target_date"]) == (
        "no validation of exporters' supply chain partners",
        "Deputy Director General",
        D(2025, 6, 30),
    )
    # Append-only: the draft and its approved copy are both in the history.
    assert status_history(item="1.1")["approval"].tolist() == ["draft", "approved"]


def test_a_draft_does_not_hide_the_approved_state_before_it(hand_safe: Catalogue) -> None:
    record_status(_self_assessment(approval="approved", status="implemented",
                                   effective_date=D(2023, 1, 1)))
    record_status(_self_assessment(status="not_yet"))  # a draft that would lower the figure
    assert implementation_rate(hand_safe, "VNM", D(2024, 6, 1)).counts["implemented"] == 1


def test_approval_is_refused_without_an_approver_a_draft_or_twice(hand_safe: Catalogue) -> None:
    record_status(_self_assessment())
    with pytest.raises(InputError, match="needs the approver"):
        approve_record("hand_safe", "1.1", "VNM", D(2024, 3, 1), approved_by=" ")
    with pytest.raises(NotFoundError, match="no record"):
        approve_record("hand_safe", "1.1", "VNM", D(2024, 3, 2), approved_by="x")
    approve_record("hand_safe", "1.1", "VNM", D(2024, 3, 1), approved_by="x")
    with pytest.raises(ConflictError, match="already approved"):
        approve_record("hand_safe", "1.1", "VNM", D(2024, 3, 1), approved_by="x")


def test_the_target_date_of_a_planned_action_is_a_deadline(hand_safe: Catalogue) -> None:
    record_status(_self_assessment(approval="approved"))
    due = deadlines("hand_safe", "VNM", D(2025, 1, 1), months=12)
    assert due[["item", "due", "due_kind"]].values.tolist() == [
        ["1.1", D(2025, 6, 30), "target date"]
    ]


def test_an_evidence_file_is_kept_by_its_hash(tmp_path: Path) -> None:
    scan = tmp_path / "decision 123.pdf"
    scan.write_bytes(b"%PDF-1.4 test decision")
    reference = attach_evidence(scan)
    assert reference.endswith("-decision 123.pdf") and len(reference.split("-")[0]) == 16
    assert (evidence_dir() / reference).read_bytes() == b"%PDF-1.4 test decision"
    assert attach_evidence(scan) == reference
    with pytest.raises(InputError, match="cannot read the evidence file"):
        attach_evidence(tmp_path / "missing.pdf")


@pytest.mark.parametrize(
    "reference",
    ["0123456789abcdef-decision.pdf", "/etc/hostname", "../../warehouse.duckdb", "a\\b.pdf"],
)
def test_a_record_naming_an_evidence_file_that_is_not_kept_stores_nothing(
    hand_safe: Catalogue, tmp_path: Path, reference: str
) -> None:
    # A status file (or an API call) can name any evidence file: it must be one attached
    # to the evidence folder, or the record would claim evidence nobody can open.
    path = tmp_path / "assessment.csv"
    path.write_text(
        "catalogue,item,country,effective_date,status,evidence_file\n"
        f"hand_safe,2.1,VNM,2024-01-01,partially,{reference}\n"
    )
    with pytest.raises(ValidationError, match="evidence file that is not kept"):
        load_status_file(path)
    assert status_history().empty


def test_a_record_naming_a_kept_evidence_file_is_stored(
    hand_safe: Catalogue, tmp_path: Path
) -> None:
    scan = tmp_path / "decision.pdf"
    scan.write_bytes(b"%PDF-1.4 decision")
    reference = attach_evidence(scan)
    record_status(_self_assessment(approval="approved", evidence_file=reference))
    assert status_history()["evidence_file"].tolist() == [reference]


def test_a_status_file_carries_the_self_assessment_columns(
    hand_safe: Catalogue, tmp_path: Path
) -> None:
    path = tmp_path / "assessment.csv"
    path.write_text(
        "catalogue,item,country,effective_date,status,legal_basis,gap,planned_action,"
        "target_date,approval\n"
        "hand_safe,2.1,VNM,2024-01-01,partially,Decree 08/2015,no e-seal,pilot e-seals,"
        "2025-12-31,draft\n"
        "hand_safe,2.2,VNM,2024-01-01,implemented,,,,,\n"
    )
    first, second = read_status_file(path)
    assert (first.approval, first.target_date, second.approval) == (
        "draft", D(2025, 12, 31), "approved"
    )


def test_a_warehouse_written_before_the_new_columns_gains_them(
    hand_safe: Catalogue, make_record: Callable[..., StatusRecord]
) -> None:
    path = Path(get_settings().warehouse_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE commitment_status (seq BIGINT PRIMARY KEY, recorded_at TIMESTAMP NOT "
            "NULL, load_id VARCHAR NOT NULL, catalogue VARCHAR NOT NULL, item VARCHAR NOT NULL, "
            "country VARCHAR NOT NULL, effective_date DATE NOT NULL, category VARCHAR, "
            "indicative_date DATE, definitive_date DATE, status VARCHAR, evidence VARCHAR, "
            "responsible_unit VARCHAR, source VARCHAR, note VARCHAR)"
        )
        con.execute("CREATE TABLE commitment_loads (load_id VARCHAR PRIMARY KEY, sha256 VARCHAR, "
                    "origin VARCHAR NOT NULL, loaded_at TIMESTAMP NOT NULL, rows INTEGER NOT NULL)")
        con.execute("INSERT INTO commitment_status VALUES (1, now(), 'old', 'hand_safe', '1.2', "
                    "'VNM', DATE '2022-01-01', NULL, NULL, NULL, 'implemented', NULL, NULL, NULL, "
                    "NULL)")
    assert status_history()["approval"].tolist() == [None]  # read as it is: counts as approved
    record_status(_self_assessment(approval="approved"))
    assert status_history()["legal_basis"].tolist()[-1].startswith("Customs Law")
    assert implementation_rate(hand_safe, "VNM", D(2024, 6, 1)).counts["implemented"] == 1
