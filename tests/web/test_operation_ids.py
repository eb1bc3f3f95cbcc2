"""Every operation of the API has a readable, unique ``operationId`` (what generated clients name
their methods): a verb and what it acts on, in snake_case, without path fragments or hashes."""

from __future__ import annotations

import re

from haiquan.web import create_app

#: The verbs an operation id starts with: what a client method does.
VERBS = {
    "get",
    "head",
    "list",
    "create",
    "add",
    "update",
    "delete",
    "revoke",
    "logout",
    "score",
    "record",
    "set",
    "change",
    "approve",
    "declare",
    "release",
    "check",
}
READABLE = re.compile(r"^[a-z]+(_[a-z0-9]+){0,4}$")
#: What FastAPI's default ids are made of: the path's words and the method at the end.
PATH_FRAGMENTS = re.compile(r"(^|_)api_|__|_(get|post|put|patch|delete|head)$|[0-9a-f]{8}")


def test_operation_ids_are_unique_readable_snake_case() -> None:
    spec = create_app().openapi()
    ids = [
        (f"{method.upper()} {path}", operation.get("operationId", ""))
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
    ]
    assert len(ids) > 40
    names = [name for _, name in ids]
    assert len(set(names)) == len(names), sorted(n for n in names if names.count(n) > 1)
    for label, name in ids:
        assert READABLE.match(name), (label, name)
        assert not PATH_FRAGMENTS.search(name), (label, name)
        assert name.split("_")[0] in VERBS, (label, name)
    assert dict(ids)["GET /api/trade/partners/{code}/forecast"] == "get_partner_forecast"
    assert dict(ids)["GET /api/aeo/operators"] == "list_aeo_operators"
