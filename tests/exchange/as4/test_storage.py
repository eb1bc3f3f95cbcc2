"""An AS4 receiver whose disk is full tells the sender why with a signed ebMS error it retries
(EBMS:0005), as the JWS route does with its signed 507: the message stays pending and its last
error says the disk is full, not only an HTTP status (issue 18, point 7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .. import samples
from ..conftest import NodeFactory
from ..test_storage import (  # noqa: F401 - small_disk is the fixture
    _fill,
    _node_on,
    last_error_after_dispatching,
    small_disk,
)
from ..test_storage import pytestmark as _needs_root
from .test_binding import link_as4

pytestmark = [_needs_root, pytest.mark.slow]


def test_an_as4_receiver_with_a_full_disk_tells_the_sender_why(
    small_disk: Path, make_node: NodeFactory, serve: Any  # noqa: F811
) -> None:
    tha, vnm = _node_on(small_disk, "THA"), make_node("VNM")
    link_as4(vnm, tha)
    proc = serve(tha)
    _fill(small_disk)
    message_id = vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    detail = last_error_after_dispatching(vnm, message_id, seconds=60)
    assert detail.state == "pending"  # retried, never lost
    assert "disk is full" in (detail.last_error or ""), detail.last_error
    assert "EBMS:0005" in (detail.last_error or "")
    assert str(small_disk) not in (detail.last_error or "")  # the partner's path stays private
    assert "Traceback" not in proc.log.read_text()
