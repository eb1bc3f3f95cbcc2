"""The gateway docs keep up with the code: public API, document types, commands, node fields."""

from __future__ import annotations

import re
from pathlib import Path

import typer

import haiquan.exchange as exchange
import haiquan.exchange.documents as documents
from haiquan.cli.gateway import gateway_app
from haiquan.exchange import DOCUMENT_TYPES, NodeConfig

DOCS = Path(__file__).resolve().parents[2] / "docs"
PROTOCOL = (DOCS / "exchange-protocol.md").read_text(encoding="utf-8")
OPERATIONS = (DOCS / "gateway-operations.md").read_text(encoding="utf-8")


def _mentioned(name: str, text: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", text) is not None


def test_every_public_name_is_in_the_protocol_doc() -> None:
    names = set(exchange.__all__) | set(documents.__all__)
    missing = sorted(n for n in names if not _mentioned(n, PROTOCOL))
    assert not missing, "document in docs/exchange-protocol.md: " + ", ".join(missing)


def test_every_document_type_is_in_the_protocol_doc() -> None:
    missing = [n for n in DOCUMENT_TYPES if f"`{n}`" not in PROTOCOL]
    assert not missing, missing


def test_every_gateway_command_and_node_field_is_in_the_operations_doc() -> None:
    group = typer.main.get_group(gateway_app)
    names = []
    for name, command in group.commands.items():
        names.append(name)
        names.extend(getattr(command, "commands", {}) or {})
    missing = [n for n in names if not _mentioned(n, OPERATIONS)]
    missing += [f for f in NodeConfig.model_fields if f"`{f}`" not in OPERATIONS]
    assert not missing, "document in docs/gateway-operations.md: " + ", ".join(missing)
