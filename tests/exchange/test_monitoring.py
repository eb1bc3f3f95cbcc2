"""Monitoring views: the summary counts and message lists the dashboard shows."""

from __future__ import annotations

import pytest

from haiquan.errors import NotFoundError
from haiquan.exchange import get_message, list_messages, message_summary

from . import samples
from .conftest import NodeFactory, link


def test_summary_and_lists_follow_delivery_states(make_node: NodeFactory) -> None:
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    first = vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    second = vnm.send("atiga-form-d", samples.form_d(), receiver="THA")
    summary = message_summary(vnm.store)
    assert summary.outbox == {"pending": 2, "delivered": 0, "failed": 0}
    assert summary.pending_by_partner == {"THA": 2}
    assert summary.oldest_pending_age_seconds is not None
    vnm.dispatch_once()  # THA is not served: both stay pending, with the reason
    views = list_messages(vnm.store, direction="out", state="pending")
    assert {v.message_id for v in views} == {first, second}
    assert all(v.last_error and "cannot be reached" in v.last_error for v in views)
    assert list_messages(vnm.store, state="delivered") == []
    assert list_messages(vnm.store, partner="MYS") == []
    detail = get_message(vnm.store, second)
    assert detail.envelope.document_type == "atiga-form-d" and detail.receipt_jws is None
    with pytest.raises(NotFoundError, match="no message"):
        get_message(vnm.store, "absent-000000")
