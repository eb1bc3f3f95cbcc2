"""The example documents under docs/examples pass the node's own validation."""

from __future__ import annotations

import json
from pathlib import Path

from haiquan.exchange import document_type
from haiquan.exchange.documents import DocumentContext

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def test_the_form_d_example_is_valid_and_labelled_synthetic() -> None:
    text = (EXAMPLES / "atiga-form-d.json").read_text(encoding="utf-8")
    parsed = document_type("atiga-form-d").validate(text, DocumentContext("VNM", "THA"))
    assert parsed == json.loads(text)
    for party in ("exporter", "consignee"):
        assert parsed[party]["name"].startswith("SYNTHETIC EXAMPLE")
    assert parsed["reference_number"].startswith("EXAMPLE-")
    assert "synthetic" in (EXAMPLES / "README.md").read_text(encoding="utf-8").lower()


def test_the_walkthrough_sends_the_example() -> None:
    operations = (EXAMPLES.parent / "gateway-operations.md").read_text(encoding="utf-8")
    assert "haiquan gateway send atiga-form-d docs/examples/atiga-form-d.json --to THA" in (
        operations)
