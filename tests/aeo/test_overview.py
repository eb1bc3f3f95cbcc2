"""The programme overview: status counts, expiring authorisations, each MRA partner's exchange."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from haiquan.aeo import AeoRegistry, AeoStatus, StatusChange, apply_partner_list, build_list
from haiquan.aeo.overview import aeo_overview
from tests.aeo.conftest import operator

D = dt.date.fromisoformat
MRA = "VN_KOR_AEO_MRA"


def test_overview_counts_status_expiry_and_list_exchange(
    registry_factory: Callable[[str], AeoRegistry], arrangements_for: Callable[[str], Path],
) -> None:
    arrangements_for("KOR")
    registry = registry_factory("VNM")
    registry.add_operator(operator("VN-AEO-0001", valid_until=D("2026-03-01")))
    registry.add_operator(operator("VN-AEO-0002", valid_until=D("2027-01-01")))
    registry.add_operator(operator("VN-AEO-0003"))
    registry.add_operator(operator("VN-AEO-0004", granted="2026-06-01"))  # not yet granted
    registry.change_status("VN-AEO-0003", StatusChange(
        status=AeoStatus.suspended, effective=D("2025-11-01"), reason="audit findings"))
    registry.set_consent("VN-AEO-0001", MRA, True, D("2024-02-01"))
    registry.set_consent("VN-AEO-0003", MRA, True, D("2024-02-01"))  # suspended: not counted
    full, snapshot = build_list(registry, MRA, "KOR", as_of=D("2025-12-01"))
    registry.record_sent(MRA, "KOR", 1, "full", D("2025-12-01"), snapshot, None)
    korea_list = {"mra_id": MRA, "list_type": "full", "sequence": 4, "as_of": "2025-12-20",
                  "operators": [{"aeo_id": "KR-AEO-1", "name": "A", "status": "valid"},
                                {"aeo_id": "KR-AEO-2", "name": "B", "status": "valid"}]}
    apply_partner_list(registry, "KOR", korea_list)

    view = aeo_overview(registry, D("2026-01-15"))

    assert view.by_status == {"granted": 2, "suspended": 1, "revoked": 0, "expired": 0}
    assert view.valid == 2
    assert [o.aeo_id for o in view.expiring] == ["VN-AEO-0001"]  # 2027 is beyond 90 days
    assert len(view.operators) == 3
    (korea,) = view.partners
    assert (korea.partner, korea.mra_id, korea.benefits_apply) == ("KOR", MRA, True)
    assert korea.home_operators_consenting == 1
    assert (korea.last_sent_sequence, korea.last_received_sequence) == (1, 4)
    assert korea.last_received_as_of == D("2025-12-20")
    assert korea.partner_operators == 2


def test_overview_of_an_empty_registry_lists_partners_with_nothing_exchanged(
    registry_factory: Callable[[str], AeoRegistry], arrangements_for: Callable[[str], Path],
) -> None:
    arrangements_for("KOR")
    view = aeo_overview(registry_factory("VNM"), D("2024-06-01"))
    assert view.valid == 0 and view.expiring == []
    (korea,) = view.partners
    assert korea.benefits_apply is False  # the test arrangement's benefits start in 2025
    assert korea.last_sent_sequence is None and korea.last_received_sequence is None
    assert korea.partner_operators == 0
