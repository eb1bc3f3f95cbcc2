"""The one error shape (RFC 9457 problem details with expected/got/fix) is a contract with
scripts and clients: hold it here, for each kind of error."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from haiquan.web import create_app
from haiquan.web.responses import Problem

from .conftest import Account

RFC_9457_MEMBERS = {"type", "title", "status", "detail", "instance"}
SHAPE_KEYS = RFC_9457_MEMBERS | {"code", "expected", "got", "fix", "details"}


def assert_error_shape(answer: httpx.Response, status: int, code: str | None = None) -> dict:
    """The answer is ``application/problem+json`` with every member, and returns its body."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert set(body) == SHAPE_KEYS
    Problem.model_validate(body)
    assert body["status"] == status
    assert body["type"] == f"urn:haiquan:problem:{body['code']}"
    assert body["title"] and body["title"] != body["detail"]
    assert body["instance"] == answer.request.url.path
    assert body["detail"] and body["fix"]
    if code is not None:
        assert body["code"] == code
    return body


def test_openapi_declares_problem_json_on_every_operation() -> None:
    spec = create_app().openapi()
    assert set(spec["components"]["schemas"]["Problem"]["required"]) == {
        "type",
        "title",
        "status",
        "detail",
        "code",
    }
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    checked = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            errors = {s: r for s, r in operation["responses"].items() if s[0] in "45"}
            assert "422" in errors and "500" in errors, f"{method} {path}"
            if path != "/api/health":
                assert {"401", "403"} <= set(errors), f"{method} {path} lacks 401/403"
            for status, response in errors.items():
                assert set(response["content"]) == {"application/problem+json"}, (path, status)
                schema = response["content"]["application/problem+json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Problem"}, (method, path, status)
                checked += 1
    assert checked > 20


def test_unknown_path_is_404_in_shape(http: httpx.Client) -> None:
    error = assert_error_shape(http.get("/api/no-such-thing"), 404, "not_found")
    assert error["got"] == "GET /api/no-such-thing"


def test_wrong_method_is_405_in_shape(http: httpx.Client) -> None:
    assert_error_shape(http.put("/api/health"), 405, "method_not_allowed")


def test_no_credentials_is_401_in_shape(http: httpx.Client) -> None:
    answer = http.get("/api/me")
    assert_error_shape(answer, 401, "not_authenticated")
    assert answer.headers["www-authenticate"] == "Bearer"


def test_role_refusal_is_403_in_shape(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    viewer = make_account("viewer")
    error = assert_error_shape(http.get("/api/users", headers=viewer.headers), 403)
    assert error["code"] == "permission_denied" and "viewer" in error["got"]
    assert error["expected"] == "a user with the role administrator"


def test_role_refusal_names_each_allowed_role_once(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    viewer = make_account("viewer")
    answer = http.post("/api/risk/score", headers=viewer.headers, json={"declarations": []})
    error = assert_error_shape(answer, 403, "permission_denied")
    assert error["expected"] == "a user with the role risk_officer, analyst or administrator"


def test_request_validation_is_422_in_shape(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    admin = make_account("administrator")
    answer = http.post("/api/users", headers=admin.headers, json={"username": "ok-name"})
    error = assert_error_shape(answer, 422, "validation_failed")
    assert error["details"]["errors"][0]["loc"] == ["body", "password"]
    assert "password" in error["detail"]


def test_malformed_json_is_422_in_shape(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    admin = make_account("administrator")
    headers = {**admin.headers, "content-type": "application/json"}
    error = assert_error_shape(
        http.post("/api/users", headers=headers, content=b'{"username": "x", bad}'), 422
    )
    assert error["detail"].startswith("the body is not valid JSON at position 18 (")
    assert "Expecting property name" in error["detail"]
    assert "{}" not in error["detail"] and "JSON decode error" not in error["expected"]


@pytest.mark.parametrize("content_type", [None, "application/x-www-form-urlencoded"])
def test_body_without_the_json_content_type_says_to_send_it(
    http: httpx.Client, make_account: Callable[..., Account], content_type: str | None
) -> None:
    # What `curl -d '{...}'` sends: a JSON text labelled as a form, or not labelled at all.
    admin = make_account("administrator")
    headers = dict(admin.headers)
    if content_type:
        headers["content-type"] = content_type
    body = b'{"username": "xx", "password": "a-long-test-passphrase"}'
    error = assert_error_shape(http.post("/api/users", headers=headers, content=body), 422)
    assert "Content-Type: application/json" in error["expected"]
    assert "Content-Type: application/json" in error["fix"]
    assert (content_type or "none") in error["got"]
    assert "valid dictionary" not in error["detail"]


def test_health_answers_head_for_probes(http: httpx.Client) -> None:
    answer = http.head("/api/health")
    assert answer.status_code == 200 and answer.content == b""
    assert answer.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [("get", "/api/users/nobody", 404, "not_found"), ("delete", "/api/users/nobody", 404, None)],
)
def test_library_errors_keep_their_status(
    http: httpx.Client,
    make_account: Callable[..., Account],
    method: str,
    path: str,
    status: int,
    code: str | None,
) -> None:
    admin = make_account("administrator")
    assert_error_shape(http.request(method, path, headers=admin.headers), status, code)


def test_conflict_is_409_in_shape(http: httpx.Client, make_account: Callable[..., Account]) -> None:
    admin = make_account("administrator")
    body = {"username": admin.user.username, "password": "another-long-password"}
    assert_error_shape(http.post("/api/users", headers=admin.headers, json=body), 409, "conflict")


@pytest.mark.parametrize(
    "raw", [b'{"days": NaN}', b'{"label": Infinity}', b'{"days": -Infinity}']
)
def test_nan_or_infinity_in_a_body_is_422_not_500(
    http: httpx.Client, make_account: Callable[..., Account], raw: bytes
) -> None:
    # Python's JSON reader accepts NaN and Infinity; echoing one back in the error body used to
    # fail to encode, answering 500 and dropping the connection.
    viewer = make_account("viewer")
    headers = {**viewer.headers, "content-type": "application/json"}
    error = assert_error_shape(http.post("/api/me/tokens", headers=headers, content=raw), 422)
    assert error["got"] in ("'NaN'", "'Infinity'", "'-Infinity'")
    assert http.get("/api/me", headers=viewer.headers).status_code == 200


def test_a_missing_field_is_got_nothing_and_the_password_never_comes_back(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    admin = make_account("administrator")
    secret = "my-secret-passphrase-123"
    answer = http.post(
        "/api/users", headers=admin.headers, json={"password": secret, "role": "viewer"}
    )
    error = assert_error_shape(answer, 422, "validation_failed")
    assert error["got"] == "nothing"
    assert error["details"]["errors"][0]["loc"] == ["body", "username"]
    assert secret not in answer.text


@pytest.mark.parametrize(("path", "method"), [("/api/users", "post"),
                                              ("/api/users/{name}", "patch")])
def test_a_rejected_password_is_not_echoed(
    http: httpx.Client, make_account: Callable[..., Account], path: str, method: str
) -> None:
    admin = make_account("administrator")
    body = {"password": "tiny-pw"} | ({"username": "new-user"} if method == "post" else {})
    answer = http.request(method, path.format(name=admin.user.username), headers=admin.headers,
                          json=body)
    error = assert_error_shape(answer, 422, "validation_failed")
    assert "tiny-pw" not in answer.text
    assert error["got"] == "'(hidden)'"


def test_an_explicit_null_is_got_null(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    viewer = make_account("viewer")
    answer = http.post("/api/me/tokens", headers=viewer.headers, json={"label": None})
    assert assert_error_shape(answer, 422)["got"] == "null"


def test_the_login_page_does_not_show_an_overlong_password_back(http: httpx.Client) -> None:
    typed = "Sup3rSecretStart" + "x" * 1100
    answer = http.post("/login", data={"username": "someone", "password": typed},
                       headers={"Accept": "text/html"})
    assert answer.status_code == 422
    assert "Sup3rSecretStart" not in answer.text
    assert "characters (hidden)" in answer.text


def test_a_cross_site_write_is_403_in_shape(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    # Refused by a middleware before any route: the same shape all the same.
    viewer = make_account("viewer")
    headers = {**viewer.headers, "Sec-Fetch-Site": "cross-site"}
    answer = http.post("/api/me/tokens", headers=headers, json={"label": "x"})
    error = assert_error_shape(answer, 403, "permission_denied")
    assert error["got"] == "Sec-Fetch-Site: cross-site"


def test_an_unexpected_crash_is_500_in_shape() -> None:
    """A bug in a route (not a HaiquanError) still answers problem details, naming no more than
    the exception's type."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from haiquan.web.responses import exception_handlers

    app = FastAPI(exception_handlers=exception_handlers())  # type: ignore[arg-type]

    @app.get("/api/broken")
    def broken() -> None:
        raise RuntimeError("secret internals")

    answer = TestClient(app, raise_server_exceptions=False).get("/api/broken")
    error = assert_error_shape(answer, 500, "internal_error")
    assert error["got"] == "RuntimeError" and "secret internals" not in answer.text
