"""A served node logs what its operator needs: start-up, a partner becoming unreachable, and
every refused incoming message (a receiving customs keeps a trace of possibly forged messages).
The partner coming back is in test_dispatcher.py."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from haiquan.errors import ConfigurationError
from haiquan.exchange.serve import configure_logging
from haiquan.settings import reset_settings

from . import samples
from .conftest import NodeFactory, NodeProcess, link
from .test_receiver import envelope, sign


def wait_for_lines(log: Path, *fragments: str, timeout: float = 30.0) -> list[str]:
    """The log's lines once every fragment is in one of them (fail with the log if not)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        if all(any(f in line for line in lines) for f in fragments):
            return lines
        if time.monotonic() > deadline:
            raise AssertionError(f"missing {fragments} in the log:\n" + "\n".join(lines[-30:]))
        time.sleep(0.1)


def test_a_served_node_logs_start_up_an_unreachable_partner_and_refusals(
    make_node: NodeFactory, serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAIQUAN_LOG_LEVEL", "INFO")
    vnm, tha, mys = make_node("VNM"), make_node("THA"), make_node("MYS")
    link(vnm, tha)
    # THA has a message for VNM, whose node is not running.
    tha.send("risk-alert", samples.risk_alert(), receiver="VNM")
    proc: NodeProcess = serve(tha)
    lines = wait_for_lines(proc.log, "gateway node THA starting",
                           "partner VNM cannot take messages")
    start = next(line for line in lines if "gateway node THA starting" in line)
    assert " INFO " in start and tha.config.endpoint in start and "store sqlite at" in start
    assert "trusted partner(s) (VNM)" in start and tha.keyring.active.kid in start

    # Refused envelopes: MYS is no partner of THA; VNM forges MYS as sender; garbage.
    unknown = envelope(sender="MYS", message_id="MYS-UNKNOWN-1")
    forged = envelope(sender="MYS", message_id="VNM-FORGED-1")
    answer = httpx.post(proc.url + "/exchange/v1/messages", json={"messages": [
        sign(mys, unknown), sign(vnm, forged), "not-a-jws"]}).json()
    assert [r["status"] for r in answer["results"]] == ["refused"] * 3
    lines = wait_for_lines(proc.log, "MYS-UNKNOWN-1", "VNM-FORGED-1", "(no readable id)")
    refusals = [line for line in lines if "refused message" in line]
    assert len(refusals) == 3 and all(" WARNING " in line for line in refusals)
    first, second, third = refusals
    assert "claiming sender MYS" in first and mys.keyring.active.kid in first
    assert "unknown sender" in first and "[permission_denied]" in first
    assert "claiming sender MYS" in second and vnm.keyring.active.kid in second
    assert "not the signer" in second
    assert "[bad_signature]" in third
    # A state change is logged once, not per retry.
    time.sleep(1.5)  # several probes (retry_max_seconds=1.0 in tests)
    lines = proc.log.read_text().splitlines()
    assert sum("partner VNM cannot take messages" in line for line in lines) == 1


@pytest.fixture
def quiet_root() -> Iterator[None]:
    """Leave the root logger's handlers as they were."""
    root = logging.getLogger()
    handlers = list(root.handlers)
    yield
    root.handlers[:] = handlers


def test_the_log_level_comes_from_the_settings(
    monkeypatch: pytest.MonkeyPatch, quiet_root: None
) -> None:
    logger = logging.getLogger("haiquan")
    before = logger.level
    try:
        monkeypatch.setenv("HAIQUAN_LOG_LEVEL", "warning")
        reset_settings()
        assert configure_logging() == logging.WARNING == logger.level
        assert configure_logging("debug") == logging.DEBUG
        monkeypatch.setenv("HAIQUAN_LOG_LEVEL", "LOUD")
        reset_settings()
        with pytest.raises(ConfigurationError, match="HAIQUAN_LOG_LEVEL") as caught:
            configure_logging()
        assert caught.value.got == "'LOUD'"
    finally:
        reset_settings()
        logger.setLevel(before)
