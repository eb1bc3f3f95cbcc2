"""AEO operator lists exchanged under a mutual recognition arrangement, full or delta.

A full list replaces all the sender's operators under the MRA; a delta lists changes, each with an
``action``, against the list numbered ``base_sequence``. The AEO subpackage applies them; here we
only make sure a list is coherent before it travels.
"""

from __future__ import annotations

from typing import Any

from haiquan.exchange.documents._base import DocumentContext, JsonDocumentType, problem

__all__ = ["AEO_LIST"]


def _full_or_delta(document: dict[str, Any], context: DocumentContext) -> list[str]:
    problems = []
    delta = document["list_type"] == "delta"
    if delta and "base_sequence" not in document:
        problems.append(problem("/base_sequence", "a delta list must name the list it applies to"))
    if delta and document.get("base_sequence", 0) >= document["sequence"]:
        problems.append(problem("/base_sequence", "must be lower than sequence"))
    seen: set[str] = set()
    for index, operator in enumerate(document["operators"]):
        if delta and "action" not in operator:
            problems.append(problem(f"/operators/{index}", "a delta entry needs an action"))
        if not delta and "action" in operator:
            problems.append(problem(
                f"/operators/{index}/action", "a full list has no actions; send list_type delta"
            ))
        if operator["aeo_id"] in seen:
            problems.append(problem(
                f"/operators/{index}/aeo_id", f"{operator['aeo_id']} appears twice"
            ))
        seen.add(operator["aeo_id"])
        start, end = operator.get("valid_from"), operator.get("valid_until")
        if start and end and end < start:
            problems.append(problem(f"/operators/{index}/valid_until", "ends before valid_from"))
    return problems


AEO_LIST = JsonDocumentType(
    name="aeo-operator-list",
    version="1",
    schema_file="aeo-operator-list.schema.json",
    description="AEO operator list under an MRA (full or delta)",
    rules=[_full_or_delta],
)
