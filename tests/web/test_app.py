from __future__ import annotations

import gzip
from importlib import resources

import httpx
import pytest

from haiquan.errors import ConfigurationError
from haiquan.settings import DEFAULT_SECRET, Settings
from haiquan.web import create_app


def test_default_secret_refused_outside_local_mode() -> None:
    with pytest.raises(ConfigurationError):
        Settings(mode="production", secret_key=DEFAULT_SECRET)


def test_short_secret_refused_in_production() -> None:
    with pytest.raises(ConfigurationError) as caught:
        create_app(Settings(mode="production", secret_key="too-short"))
    assert "32" in str(caught.value.expected)


def test_production_with_a_long_secret_builds() -> None:
    assert create_app(Settings(mode="production", secret_key="x" * 40)).title == "haiquan"


def test_pages_carry_security_headers(http: httpx.Client) -> None:
    answer = http.get("/login")
    assert "script-src 'self';" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["cache-control"] == "no-store"


def test_plotly_served_locally_gzipped_and_cached(http: httpx.Client) -> None:
    original = (resources.files("plotly") / "package_data" / "plotly.min.js").read_bytes()
    answer = http.get("/static/plotly.min.js", headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200
    assert answer.headers["content-encoding"] == "gzip"
    assert answer.content == original  # httpx decompresses: the same bytes as the package's
    assert int(answer.headers["content-length"]) < len(original) / 2
    again = http.get("/static/plotly.min.js", headers={"If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304


def test_plain_asset_without_gzip(http: httpx.Client) -> None:
    answer = http.get("/static/app.css", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in answer.headers
    assert answer.headers["content-type"].startswith("text/css")
    assert gzip.decompress(gzip.compress(answer.content)) == answer.content


def test_unknown_asset_is_404_in_shape(http: httpx.Client) -> None:
    answer = http.get("/static/../../etc/passwd")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"


def test_page_without_session_redirects_to_login(http: httpx.Client) -> None:
    answer = http.get("/?x=1")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/%3Fx%3D1"


def test_a_login_started_by_another_site_is_refused(http: httpx.Client, make_account) -> None:
    """Login CSRF: another site's page posts its own credentials to /login from the reader's
    browser, which then works (and records) under the attacker's account. The form has no
    session to hold a CSRF token, so the browser's Sec-Fetch-Site header decides."""
    from tests.web.conftest import PASSWORD

    attacker = make_account("analyst", username="attacker")
    form = {"username": attacker.user.username, "password": PASSWORD}
    cross = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    answer = http.post("/login", data=form, headers=cross)
    assert answer.status_code == 403, answer.text
    assert answer.json()["code"] == "permission_denied"
    assert "set-cookie" not in answer.headers
    assert answer.headers["x-frame-options"] == "DENY"  # the refusal carries the headers too
    assert http.post("/logout", headers=cross).status_code == 403
    # the same form from the server's own page, and scripts without the header, still work
    mine = http.post("/login", data=form, headers={"Sec-Fetch-Site": "same-origin"})
    assert mine.status_code == 303 and "haiquan_session" in mine.headers["set-cookie"]
    api = httpx.post(f"{http.base_url}/api/me/tokens", json={"label": "x"},
                     headers=attacker.headers, trust_env=False)
    assert api.status_code == 201
