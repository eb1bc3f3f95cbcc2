"""HAIQUAN_LOG_FORMAT=json: a served node writes one JSON object per line (its own lines and
uvicorn's), with the time, level and event, and the message id and partner where the line
knows them, so a log collector reads them without a parsing rule per kind of line."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from haiquan.exchange.logs import JsonFormatter, log_fields

from . import samples
from .conftest import NodeFactory, NodeProcess, link
from .helpers import wait_delivered
from .test_receiver import envelope, sign

pytestmark = pytest.mark.gateway


def json_lines(log: Path) -> list[dict[str, Any]]:
    """Every line of the log parsed as one JSON object (fails on the first line that is not)."""
    entries = []
    for number, line in enumerate(log.read_text(encoding="utf-8").splitlines(), 1):
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as error:
            raise AssertionError(
                f"{log.name} line {number} is not JSON ({error}): {line}"
            ) from None
        assert isinstance(entry, dict), f"{log.name} line {number}: {line}"
        entries.append(entry)
    return entries


def wait_for_events(log: Path, *events: str, timeout: float = 30.0) -> list[dict[str, Any]]:
    """The log's objects once each event is among them (fail with the log's end if not)."""
    deadline = time.monotonic() + timeout
    while True:
        entries = json_lines(log) if log.exists() else []
        seen = {entry.get("event") for entry in entries}
        if all(event in seen for event in events):
            return entries
        if time.monotonic() > deadline:
            tail = log.read_text(encoding="utf-8")[-3000:] if log.exists() else "(no log)"
            raise AssertionError(f"missing {set(events) - seen} in the log:\n{tail}")
        time.sleep(0.1)


def test_a_real_exchange_logged_as_json_parses_line_by_line(
    make_node: NodeFactory, serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAIQUAN_LOG_FORMAT", "json")
    monkeypatch.setenv("HAIQUAN_LOG_LEVEL", "INFO")
    vnm, tha, mys = make_node("VNM"), make_node("THA"), make_node("MYS")
    link(vnm, tha)
    # THA has a message for VNM, whose node is not running yet.
    sent = tha.send("risk-alert", samples.risk_alert(), receiver="VNM")
    tha_proc: NodeProcess = serve(tha)
    wait_for_events(tha_proc.log, "node_starting")

    # Refused envelopes: MYS is no partner of THA; garbage with no readable id.
    unknown = envelope(sender="MYS", message_id="MYS-UNKNOWN-1")
    answer = httpx.post(
        tha_proc.url + "/exchange/v1/messages", json={"messages": [sign(mys, unknown), "not-a-jws"]}
    ).json()
    assert [r["status"] for r in answer["results"]] == ["refused", "refused"]

    # VNM comes up: THA delivers its message, and VNM's log is JSON from its first line.
    vnm_proc = serve(vnm)
    wait_delivered(tha, [sent])
    tha_entries = wait_for_events(
        tha_proc.log, "node_starting", "message_refused", "partner_unreachable", "partner_reachable"
    )
    vnm_entries = wait_for_events(vnm_proc.log, "node_starting")

    for entry in tha_entries + vnm_entries:
        assert {"timestamp", "level", "logger", "event", "message"} <= entry.keys(), entry
        assert entry["level"] in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"), entry
        assert entry["timestamp"].endswith("Z"), entry
        datetime.fromisoformat(entry["timestamp"])  # ISO 8601
        assert isinstance(entry["event"], str) and entry["event"], entry
    start = next(e for e in tha_entries if e["event"] == "node_starting")
    assert start["level"] == "INFO" and start["logger"] == "haiquan.exchange.THA"
    assert (
        tha.config.endpoint in start["message"] and "trusted partner(s) (VNM)" in start["message"]
    )
    # uvicorn's own lines come through the same formatter, not as text.
    assert any(e["logger"].startswith("uvicorn") for e in tha_entries), tha_entries

    # VNM down, then back: the partner is a field of its own.
    down = next(e for e in tha_entries if e["event"] == "partner_unreachable")
    back = next(e for e in tha_entries if e["event"] == "partner_reachable")
    assert (down["level"], down["partner"]) == ("WARNING", "VNM")
    assert (back["level"], back["partner"]) == ("INFO", "VNM")
    assert "partner VNM is reachable again" in back["message"]

    refusals = [e for e in tha_entries if e["event"] == "message_refused"]
    assert len(refusals) == 2 and all(e["level"] == "WARNING" for e in refusals)
    by_id = {e.get("message_id"): e for e in refusals}
    claimed = by_id["MYS-UNKNOWN-1"]
    assert claimed["partner"] == "MYS" and claimed["code"] == "permission_denied"
    assert "claiming sender MYS" in claimed["message"]
    garbage = by_id[None]  # no readable id or sender: the fields are left out, not null
    assert "partner" not in garbage and garbage["code"] == "bad_signature"


def test_a_message_the_partner_refuses_is_logged_once_by_the_sending_node(
    make_node: NodeFactory, serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sending node's log says when a partner refuses a message for good (it ends
    ``failed`` and is never retried): one WARNING line, event ``message_failed``, with the
    message id, the partner and the partner's error code."""
    monkeypatch.setenv("HAIQUAN_LOG_FORMAT", "json")
    monkeypatch.setenv("HAIQUAN_LOG_LEVEL", "INFO")
    vnm, tha = make_node("VNM"), make_node("THA")
    vnm.add_partner("THA", tha.config.endpoint, jwks=tha.jwks())  # THA does not trust VNM
    serve(tha)
    sent = vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    vnm_proc: NodeProcess = serve(vnm)
    entries = wait_for_events(vnm_proc.log, "message_failed")
    assert vnm.message(sent).state == "failed"
    time.sleep(1.0)  # a second line would come with the next dispatcher passes
    failures = [e for e in json_lines(vnm_proc.log) if e["event"] == "message_failed"]
    assert len(failures) == 1, entries
    (failure,) = failures
    assert failure["level"] == "WARNING" and failure["logger"] == "haiquan.exchange.VNM"
    assert (failure["message_id"], failure["partner"]) == (sent, "THA")
    assert failure["code"] == "permission_denied"
    assert "refused by THA" in failure["message"] and "requeue" in failure["message"]


def test_a_record_becomes_one_line_of_json_with_its_fields() -> None:
    formatter = JsonFormatter()
    record = logging.LogRecord(
        "haiquan.exchange.VNM",
        logging.WARNING,
        __file__,
        1,
        "refused message %s claiming sender %s: %s",
        ("m-1", "THA", "bad\nline"),
        None,
    )
    for name, value in log_fields(
        "message_refused", message_id="m-1", partner="THA", code="bad_signature"
    ).items():
        setattr(record, name, value)
    line = formatter.format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["event"] == "message_refused" and entry["level"] == "WARNING"
    assert (entry["message_id"], entry["partner"], entry["code"]) == ("m-1", "THA", "bad_signature")
    assert entry["message"] == "refused message m-1 claiming sender THA: bad\nline"

    # A record without fields (a library's, or a line not given an event): its template is the
    # event; an exception's trace stays inside the object.
    try:
        raise RuntimeError("database went away")
    except RuntimeError:
        failed = logging.LogRecord(
            "uvicorn.error",
            logging.ERROR,
            __file__,
            1,
            "server error on %s",
            ("/x",),
            sys.exc_info(),
        )
    line = formatter.format(failed)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["event"] == "server error on %s" and entry["message"] == "server error on /x"
    assert "RuntimeError: database went away" in entry["exception"]
    assert "message_id" not in entry and "partner" not in entry
