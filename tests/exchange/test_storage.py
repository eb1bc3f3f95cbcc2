"""A full disk and a read-only store, named in the operator's words everywhere (issue 18,
point 7): the CLI, the library, the receiver's log and the sender's last error say "full" or
"read-only", never a traceback or a bare ``OperationalError``.

The disk is a small tmpfs mounted for the test, which needs root; elsewhere the tests are
skipped with that reason.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from haiquan.errors import StorageError
from haiquan.exchange import GatewayNode

from . import samples
from .conftest import NodeFactory, free_port, link

pytestmark = pytest.mark.skipif(
    os.name != "posix" or os.geteuid() != 0,
    reason="mounting a small tmpfs (a disk to fill or make read-only) needs root",
)

HAIQUAN = [sys.executable, "-c", "from haiquan.cli import main; main()"]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs, unmounted afterwards."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _fill(disk: Path) -> None:
    """Take every free byte of ``disk``."""
    with (disk / "filler").open("ab", buffering=0) as handle:
        for size in (65536, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while True:
                    handle.write(b"\0" * size)


def last_error_after_dispatching(node: GatewayNode, message_id: str, *, seconds: float) -> Any:
    """Dispatch until the message records a last error (or ``seconds`` pass); its detail."""
    deadline = time.monotonic() + seconds
    detail = node.message(message_id)
    while time.monotonic() < deadline:
        node.dispatch_until_idle()
        detail = node.message(message_id)
        if detail.last_error:
            break
        time.sleep(0.2)
    return detail


def _node_on(disk: Path, country: str = "VNM") -> GatewayNode:
    return GatewayNode.init(disk / country, country=country,
                            endpoint=f"http://127.0.0.1:{free_port()}",
                            retry_base_seconds=0.2, retry_max_seconds=1.0)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HAIQUAN, *args], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, COLUMNS="200"))


def test_queueing_on_a_full_disk_says_the_disk_is_full(
    small_disk: Path, make_node: NodeFactory, tmp_path: Path
) -> None:
    vnm, tha = _node_on(small_disk), make_node("THA")
    link(vnm, tha)
    _fill(small_disk)
    documents = [samples.risk_alert() for _ in range(200)]
    with pytest.raises(StorageError, match="disk of the gateway store .* is full"):
        vnm.send_many("risk-alert", documents, receiver="THA")
    vnm.close()
    alert = tmp_path / "alert.json"
    alert.write_text(__import__("json").dumps(samples.risk_alert()))
    sent = _cli("gateway", "send", "risk-alert", str(alert), "--to", "THA",
                "--home", str(small_disk / "VNM"))
    assert sent.returncode != 0
    said = " ".join(sent.stderr.split())
    assert "is full" in said and "free space" in said, sent.stderr
    assert "Traceback" not in sent.stderr and "start the database" not in said


def test_a_read_only_node_home_is_named_and_serve_refuses_to_start(small_disk: Path,
                                                                   tmp_path: Path) -> None:
    node = _node_on(small_disk)
    node.close()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    alert = tmp_path / "alert.json"
    alert.write_text(__import__("json").dumps(samples.risk_alert()))
    sent = _cli("gateway", "send", "risk-alert", str(alert), "--to", "THA",
                "--home", str(small_disk / "VNM"))
    assert sent.returncode != 0
    said = " ".join(sent.stderr.split())
    assert "read-only" in said and "Traceback" not in sent.stderr, sent.stderr
    served = subprocess.run(
        [sys.executable, "-m", "haiquan.exchange", "serve", "--home", str(small_disk / "VNM"),
         "--port", str(free_port())], capture_output=True, text=True, timeout=60)
    assert served.returncode != 0
    assert "read-only" in served.stderr and "Traceback" not in served.stderr, served.stderr


@pytest.mark.slow
def test_a_receiver_with_a_full_disk_tells_the_sender_why(
    small_disk: Path, make_node: NodeFactory, serve
) -> None:
    tha, vnm = _node_on(small_disk, "THA"), make_node("VNM")
    link(vnm, tha)
    proc = serve(tha)
    _fill(small_disk)
    message_id = vnm.send("risk-alert", samples.risk_alert(), receiver="THA")
    detail = last_error_after_dispatching(vnm, message_id, seconds=30)
    assert detail.state == "pending"  # retried, never lost
    assert "disk is full" in (detail.last_error or ""), detail.last_error
    assert "OperationalError" not in (detail.last_error or "")
    assert str(small_disk) not in (detail.last_error or "")  # the partner's path stays private
    log = proc.log.read_text()
    assert "is full" in log and str(small_disk) in log
    assert "Traceback" not in log
