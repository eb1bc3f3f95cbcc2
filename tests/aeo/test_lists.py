"""Full and delta lists: only consented operators, only the arranged fields, no gaps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from haiquan.aeo import AeoRegistry, AeoStatus, StatusChange, apply_partner_list, build_list
from haiquan.errors import ConflictError, PermissionDeniedError, ValidationError
from tests.aeo.conftest import operator

D = dt.date.fromisoformat
MRA = "VN_KOR_AEO_MRA"


def _registry(factory: Callable[[str], AeoRegistry]) -> AeoRegistry:
    registry = factory("VNM")
    for number in ("0001", "0002", "0003"):
        registry.add_operator(operator(f"VN-AEO-{number}", tin="0300000" + number))
    for number in ("0001", "0002"):
        registry.set_consent(f"VN-AEO-{number}", MRA, True, D("2024-02-01"))
    return registry


def test_first_list_is_full_then_deltas_follow(
    registry_factory: Callable[[str], AeoRegistry], arrangements_for: Callable[[str], Path],
) -> None:
    arrangements_for("KOR")
    registry = _registry(registry_factory)
    full, snapshot = build_list(registry, MRA, "KOR", as_of=D("2024-03-01"))
    assert full["list_type"] == "full" and full["sequence"] == 1
    assert [o["aeo_id"] for o in full["operators"]] == ["VN-AEO-0001", "VN-AEO-0002"]
    assert "tin" not in full["operators"][0]  # the arrangement does not exchange the TIN
    registry.record_sent(MRA, "KOR", 1, "full", D("2024-03-01"), snapshot, None)

    registry.change_status("VN-AEO-0001", StatusChange(
        status=AeoStatus.suspended, effective=D("2024-04-01"), reason="audit"))
    registry.change_status("VN-AEO-0002", StatusChange(
        status=AeoStatus.revoked, effective=D("2024-04-02"), reason="fraud"))
    registry.set_consent("VN-AEO-0003", MRA, True, D("2024-04-03"))
    delta, _ = build_list(registry, MRA, "KOR", as_of=D("2024-04-10"))
    assert (delta["list_type"], delta["sequence"], delta["base_sequence"]) == ("delta", 2, 1)
    actions = {o["aeo_id"]: (o["action"], o["status"]) for o in delta["operators"]}
    assert actions == {"VN-AEO-0001": ("update", "suspended"),
                       "VN-AEO-0002": ("update", "revoked"),
                       "VN-AEO-0003": ("add", "valid")}


def test_partner_lists_apply_with_history_and_refuse_gaps(
    registry_factory: Callable[[str], AeoRegistry], arrangements_for: Callable[[str], Path],
) -> None:
    arrangements_for("VNM")
    korea = registry_factory("KOR")
    full = {"mra_id": MRA, "list_type": "full", "sequence": 1, "as_of": "2024-03-01",
            "operators": [{"aeo_id": "VN-AEO-0001", "name": "A", "status": "valid"},
                          {"aeo_id": "VN-AEO-0002", "name": "B", "status": "valid"}]}
    assert apply_partner_list(korea, "VNM", full).added == 2
    with pytest.raises(ConflictError, match="not newer"):
        apply_partner_list(korea, "VNM", full)
    gap = {"mra_id": MRA, "list_type": "delta", "sequence": 3, "base_sequence": 2,
           "as_of": "2024-05-01", "operators": []}
    with pytest.raises(ValidationError, match="full list"):
        apply_partner_list(korea, "VNM", gap)
    delta = {"mra_id": MRA, "list_type": "delta", "sequence": 2, "base_sequence": 1,
             "as_of": "2024-04-10",
             "operators": [{"aeo_id": "VN-AEO-0002", "name": "B", "status": "valid",
                            "action": "remove"}]}
    result = apply_partner_list(korea, "VNM", delta)
    assert result.removed == 1
    assert [o.aeo_id for o in korea.partner_operators("VNM")] == ["VN-AEO-0001"]
    history = korea.partner_history("VNM")
    assert [(h["aeo_id"], h["status"]) for h in history][-1] == ("VN-AEO-0002", "removed")
    with pytest.raises(PermissionDeniedError, match="not a partner"):
        apply_partner_list(korea, "THA", full | {"sequence": 9})


def test_a_list_dated_before_the_last_one_does_not_win(
    registry_factory: Callable[[str], AeoRegistry], arrangements_for: Callable[[str], Path],
) -> None:
    arrangements_for("VNM")
    korea = registry_factory("KOR")
    listed = [{"aeo_id": "VN-AEO-0001", "name": "A", "status": "valid"}]
    newer = {"mra_id": MRA, "list_type": "full", "sequence": 2, "as_of": "2024-05-01",
             "operators": listed}
    apply_partner_list(korea, "VNM", newer)
    older = {"mra_id": MRA, "list_type": "full", "sequence": 3, "as_of": "2024-04-01",
             "operators": []}
    with pytest.raises(ConflictError, match="dated 2024-04-01, before list 2") as caught:
        apply_partner_list(korea, "VNM", older)
    assert caught.value.expected == "a list dated on or after 2024-05-01"
    assert korea.last_received("VNM", MRA) == 2  # nothing of the older list was stored
    assert [o.aeo_id for o in korea.partner_operators("VNM")] == ["VN-AEO-0001"]
    assert [o for o in korea.partner_state("VNM", MRA)] == ["VN-AEO-0001"]


def test_removing_an_operator_never_held_is_not_counted_as_a_removal(
    registry_factory: Callable[[str], AeoRegistry], arrangements_for: Callable[[str], Path],
) -> None:
    arrangements_for("VNM")
    korea = registry_factory("KOR")
    apply_partner_list(korea, "VNM", {
        "mra_id": MRA, "list_type": "full", "sequence": 1, "as_of": "2024-05-01",
        "operators": [{"aeo_id": "VN-AEO-0001", "name": "A", "status": "valid"}]})
    delta = apply_partner_list(korea, "VNM", {
        "mra_id": MRA, "list_type": "delta", "sequence": 2, "base_sequence": 1,
        "as_of": "2024-06-01", "operators": [
            {"aeo_id": "VN-AEO-0001", "name": "A", "action": "remove"},
            {"aeo_id": "VN-AEO-0999", "name": "Never listed", "action": "remove"}]})
    assert (delta.removed, delta.unknown_removed) == (1, 1)
    assert korea.partner_state("VNM", MRA) == {}


def test_a_list_is_not_built_older_than_the_last_one_sent(
    registry_factory: Callable[[str], AeoRegistry], arrangements_for: Callable[[str], Path],
) -> None:
    arrangements_for("KOR")
    registry = _registry(registry_factory)
    _, snapshot = build_list(registry, MRA, "KOR", as_of=D("2024-05-01"))
    registry.record_sent(MRA, "KOR", 1, "full", D("2024-05-01"), snapshot, None)
    with pytest.raises(ConflictError, match="older than the list already sent"):
        build_list(registry, MRA, "KOR", as_of=D("2024-04-01"))
    assert build_list(registry, MRA, "KOR", as_of=D("2024-05-01"))[0]["sequence"] == 2
