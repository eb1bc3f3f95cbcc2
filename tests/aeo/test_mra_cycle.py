"""The whole MRA cycle between two real gateway nodes (Korea's node in its own process):
Vietnam sends its AEO list and then a delta; Korea's node applies them; a Korean import from that
Vietnamese AEO then gets the MRA benefit in selectivity."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from haiquan.aeo import (
    AeoRegistry,
    AeoStatus,
    RegistryAeoDirectory,
    StatusChange,
    apply_inbox,
    send_list,
)
from haiquan.declarations import generate_synthetic_declarations
from haiquan.risk.policy import load_selectivity_rules
from haiquan.risk.selectivity import route_declarations
from tests.aeo.conftest import operator
from tests.exchange.conftest import link
from tests.exchange.helpers import wait_delivered

D = dt.date.fromisoformat
MRA = "VN_KOR_AEO_MRA"


def test_vietnam_delta_reaches_korea_and_gives_the_benefit(
    make_node: Callable[..., object], serve: Callable[..., object],
    registry_factory: Callable[[str], AeoRegistry], tmp_path: Path,
    arrangements_for: Callable[[str], Path],
) -> None:
    path = arrangements_for("KOR")
    # Both sides live in this test process, so one arrangements file names both partners.
    path.write_text(path.read_text().replace("partners: [KOR]", "partners: [KOR, VNM]"))
    from haiquan.aeo.arrangements import _load

    _load.cache_clear()
    vietnam_node, korea_node = make_node("VNM"), make_node("KOR")
    link(vietnam_node, korea_node)  # type: ignore[arg-type]
    serve(korea_node)
    vietnam, korea = registry_factory("VNM"), registry_factory("KOR")

    vietnam.add_operator(operator("VN-AEO-0001", granted="2024-01-15"))
    vietnam.set_consent("VN-AEO-0001", MRA, True, D("2025-01-02"))
    first_id, first = send_list(vietnam_node, vietnam, MRA, "KOR", as_of=D("2025-01-05"))
    assert first["list_type"] == "full"

    vietnam.add_operator(operator("VN-AEO-0002", granted="2025-02-01"))
    vietnam.set_consent("VN-AEO-0002", MRA, True, D("2025-02-01"))
    vietnam.change_status("VN-AEO-0001", StatusChange(
        status=AeoStatus.suspended, effective=D("2025-02-10"), reason="post-audit findings"))
    delta_id, delta = send_list(vietnam_node, vietnam, MRA, "KOR", as_of=D("2025-02-15"))
    assert delta["list_type"] == "delta" and len(delta["operators"]) == 2

    vietnam_node.dispatch_until_idle()  # type: ignore[attr-defined]
    wait_delivered(vietnam_node, [first_id, delta_id])  # type: ignore[arg-type]

    applied = apply_inbox(korea_node, korea)  # type: ignore[arg-type]
    assert [(a.sequence, a.list_type) for a in applied] == [(1, "full"), (2, "delta")]
    assert apply_inbox(korea_node, korea) == []  # acknowledged: applied once

    directory = RegistryAeoDirectory(korea)
    assert directory.is_partner_aeo("VN-AEO-0002", "VNM", D("2025-03-01"))
    assert not directory.is_partner_aeo("VN-AEO-0001", "VNM", D("2025-03-01"))  # suspended
    assert directory.is_partner_aeo("VN-AEO-0001", "VNM", D("2025-01-20"))  # before suspension
    assert not directory.is_partner_aeo("VN-AEO-0002", "THA", D("2025-03-01"))

    declarations = generate_synthetic_declarations(2, seed=3)
    declarations["date"] = np.datetime64("2025-03-01")
    declarations["departure_country"] = "VNM"
    declarations["seller"] = ["VN-AEO-0002", "VN-OTHER-7"]
    declarations["importer"] = ["KR-IMP-1", "KR-IMP-2"]
    rules = load_selectivity_rules(on=D("2025-03-01"))
    routed = route_declarations(declarations, np.array([0.9, 0.9]), rules,
                                reference=np.linspace(0, 1, 101), aeo=directory, mode="stream")
    assert "AEO of MRA partner VNM" in routed["notes"].iloc[0]
    assert "AEO" not in routed["notes"].iloc[1]
    without = route_declarations(declarations, np.array([0.9, 0.9]), rules,
                                 reference=np.linspace(0, 1, 101), mode="stream")
    assert "AEO" not in without["notes"].iloc[0]


def test_apply_inbox_finds_a_list_behind_a_full_page_of_other_documents(
    make_node: Callable[..., Any], serve: Callable[..., object],
    registry_factory: Callable[[str], AeoRegistry], arrangements_for: Callable[[str], Path],
) -> None:
    from haiquan.aeo.arrangements import _load
    from tests.exchange import samples

    path = arrangements_for("KOR")
    path.write_text(path.read_text().replace("partners: [KOR]", "partners: [KOR, VNM]"))
    _load.cache_clear()
    vietnam_node, korea_node = make_node("VNM"), make_node("KOR")
    link(vietnam_node, korea_node)
    serve(korea_node)
    vietnam, korea = registry_factory("VNM"), registry_factory("KOR")
    vietnam.add_operator(operator("VN-AEO-0001", granted="2024-01-15"))
    vietnam.set_consent("VN-AEO-0001", MRA, True, D("2025-01-02"))
    # Alerts the risk office has not pulled yet come first in the inbox.
    vietnam_node.send_many("risk-alert", [samples.risk_alert() for _ in range(1000)],
                           receiver="KOR")
    list_id, _ = send_list(vietnam_node, vietnam, MRA, "KOR", as_of=D("2025-01-05"))
    vietnam_node.dispatch_until_idle()
    wait_delivered(vietnam_node, [list_id])
    applied = apply_inbox(korea_node, korea)
    assert [(a.sequence, a.list_type) for a in applied] == [(1, "full")]
