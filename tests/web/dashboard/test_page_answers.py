"""Dashboard pages over plain HTTP: labels, empty states and errors a browser user sees."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

import httpx
from markupsafe import escape

from ..conftest import Account, login

BANNER = "Demo data (synthetic)"


def test_overview_labels_synthetic_data(
    synthetic_warehouse, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    page = http.get("/")
    assert page.status_code == 200
    assert BANNER in page.text
    assert 'href="/partners/CHN"' in page.text


def test_overview_without_data_says_how_to_load_some(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    page = http.get("/")
    assert page.status_code == 200
    assert "No trade to show" in page.text and "haiquan demo" in page.text
    assert BANNER not in page.text


def test_unknown_partner_page_is_a_readable_404(
    synthetic_warehouse, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    page = http.get("/partners/QQ", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "unknown country code" in page.text.lower() and "To fix" in page.text


def test_an_unknown_page_address_reads_as_a_page_with_the_menu(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    html = {"Accept": "text/html"}
    anonymous = http.get("/no-such-page", headers=html)
    assert anonymous.status_code == 404 and "No such page" in anonymous.text
    assert "openapi.json" not in anonymous.text and 'action="/logout"' not in anonymous.text
    login(http, make_account("viewer"))
    page = http.get("/no-such-page", headers=html)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "No such page" in page.text and "overview at /" in page.text
    assert 'action="/logout"' in page.text  # the menu of a logged-in reader
    # the API keeps its machine answer
    assert http.get("/api/no-such-thing").json()["detail"].startswith("no such path")


def test_gateway_page_without_a_node_says_how_to_make_one(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    page = http.get("/gateway")
    assert page.status_code == 200 and "haiquan gateway init" in page.text


def test_pages_carry_the_session_csrf_token(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    csrf = login(http, make_account("viewer"))
    assert len(csrf) > 16


def test_risk_queue_lists_highest_scores_first_with_reasons(
    risk_warehouse, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    from haiquan.web.dashboard.risk import risk_queue

    login(http, make_account("risk_officer"))
    page = http.get("/risk")
    assert page.status_code == 200 and BANNER in page.text
    table, facts = risk_queue()
    assert facts["scored"] == 400
    assert table["score"].is_monotonic_decreasing
    top = table.iloc[0]
    assert f"{top['declaration_id']}/{top['item_number']}" in page.text
    inspected = table[table["channel"].isin(["red", "yellow"])]
    assert len(inspected) > 0 and (inspected["reasons"].str.len() > 0).all()


def test_risk_page_without_a_model_says_how_to_train_one(
    synthetic_warehouse, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    page = http.get("/risk")
    assert page.status_code == 200 and "No risk queue" in page.text


def test_gateway_page_shows_pending_messages_and_their_errors(
    gateway_traffic: list[str], http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    page = http.get("/gateway")
    assert page.status_code == 200
    assert "cannot be reached" in page.text  # the failure table shows the delivery error
    assert page.text.count("risk-alert") >= 1 and "THA" in page.text


def test_gateway_page_shows_the_partners_found_down(
    gateway_traffic: list[str], http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    page = http.get("/gateway").text
    kpi = page[page.index('<div class="kpi-label">Partners down</div>') :]
    assert kpi[: kpi.index("</div></div>")].count("THA") == 1
    table = page[page.index('<table id="partner-reachability">') :]
    table = table[: table.index("</table>")]
    assert '<td>THA</td><td><span class="tag red">down</span>' in table
    assert "cannot be reached" in table


def test_error_page_keeps_the_case_of_codes(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    page = http.get("/partners/XXX", headers={"Accept": "text/html"})
    assert page.status_code == 404
    heading = page.text[page.text.index("<h1>") : page.text.index("</h1>")]
    assert escape("'XXX'") in heading and escape("'xxx'") not in page.text
    assert heading.startswith("<h1>Unknown")


def test_an_error_page_keeps_the_menu_for_a_logged_in_reader(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    account = make_account("viewer")
    login(http, account)
    page = http.get("/partners/XXX", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert 'aria-label="Pages"' in page.text and 'href="/priorities"' in page.text
    http.cookies.clear()
    anonymous = http.get("/login?next=/x", headers={"Accept": "text/html"})
    assert 'aria-label="Pages"' not in anonymous.text


def test_failed_login_message_starts_with_a_capital(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    account = make_account("viewer")
    page = http.post("/login", data={"username": account.user.username, "password": "wrong!"})
    assert page.status_code == 401
    assert "Login failed." in page.text and "login failed." not in page.text


def test_bad_partner_address_is_an_html_page_for_a_browser(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    page = http.get("/partners/WORLD", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert "To fix" in page.text and "/partners/KOR" in page.text and "WORLD" in page.text
    # A script asking for JSON still gets the one error shape.
    answer = http.get("/partners/WORLD", headers={"Accept": "application/json"})
    assert answer.status_code == 422 and answer.json()["code"] == "validation_failed"


def _error_text(page: httpx.Response) -> str:
    """The error page's heading and card as a reader sees them (tags dropped)."""
    body = page.text[page.text.index("<h1>") : page.text.index("</section>")]
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))).strip()


def test_a_bad_address_names_the_field_in_words_not_its_path(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    page = http.get("/partners/WORLD", headers={"Accept": "text/html"})
    assert page.status_code == 422
    shown = _error_text(page)
    assert shown.startswith("Country code in the page's address is not valid"), shown
    assert "Expected: a 2- or 3-letter ISO 3166 country code" in shown
    assert "at most 3 characters" in shown and "Got: 'WORLD' (5 characters)" in shown
    assert "To fix: use an address such as /partners/KOR" in shown
    for jargon in ("path.code", "path", "String should", "pattern", "^[A-Za-z0-9]"):
        assert jargon not in shown, jargon
    # The JSON shape keeps its machine-readable location and pydantic's words.
    error = http.get("/partners/K!", headers={"Accept": "application/json"}).json()
    assert error["details"]["errors"][0]["loc"] == ["path", "code"]
    assert "path.code" in error["detail"] and "pattern" in error["expected"]
    assert "Country code" not in error["detail"]


def test_a_too_long_search_says_which_field_and_its_limit(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    page = http.get("/aeo", params={"q": "x" * 81}, headers={"Accept": "text/html"})
    assert page.status_code == 422
    shown = _error_text(page)
    assert shown.startswith("Find is not valid"), shown
    assert "part of an AEO id or of a company's name, at most 80 characters" in shown
    assert "Got: 81 characters" in shown and "shorten “Find” to at most 80 characters" in shown
    assert "query.q" not in shown and "String should" not in shown


def test_a_form_with_several_bad_fields_lists_each_by_its_label(http: httpx.Client) -> None:
    page = http.post("/login", data={"username": "u" * 65},
                     headers={"Accept": "text/html"})
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    shown = _error_text(page)
    assert shown.startswith("2 fields of the form are not valid: Username, Password"), shown
    items = re.findall(r"<li>(.*?)</li>", page.text, re.S)
    assert [unescape(re.sub(r"<[^>]+>", "", i)).split(".")[0] for i in items] == [
        "Username is not valid", "Password is missing"]
    assert "Expected at most 64 characters, got 65 characters" in unescape(items[0])
    assert "fill in “Password”" in unescape(items[1])
    assert "body." not in page.text and "Field required" not in page.text


def test_api_validation_stays_json_for_a_browser(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    answer = http.get("/api/trade/partners?n=0", headers={"Accept": "text/html"})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"


def test_partner_page_describes_the_forecast_model_for_readers(
    synthetic_warehouse, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    from haiquan.web.dashboard.trade import partner_forecast

    login(http, make_account("viewer"))
    page = http.get("/partners/KOR")
    assert page.status_code == 200
    labels = set(partner_forecast("KOR").rows["model"])
    assert labels
    for label in labels:
        # The exact label stays in the tooltip; the text reads as words.
        assert f'title="{escape(label)}"' in page.text
        assert f"Model: {escape(label)}" not in page.text
    assert "Model: <span" in page.text


def test_plan_page_groups_assumptions_by_initiative_name(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    from haiquan.priorities.catalogue import load_catalogue
    from haiquan.web.dashboard.plan import cooperation_plan

    login(http, make_account("viewer"))
    page = http.get("/plan")
    assert page.status_code == 200
    plan = cooperation_plan()
    # An arrangement already signed is renamed by the plan (e.g. "Implement ..." instead of
    # "Negotiate and implement ..."); the page names it as the plan does.
    names = {item.id: item.name for item in load_catalogue().initiatives}
    names.update({item.id: item.name for item in plan.chosen})
    section = page.text[page.text.index('<div id="assumptions">') :]
    section = section[: section.index("</section>")]
    # Nothing lost: every assumed figure is listed once, with its path in the tooltip.
    for path in plan.assumptions:
        assert section.count(f'title="{escape(path)}"') == 1, path
    # Grouped by initiative, each under its name and with its count.
    grouped = {p.split("]")[0].removeprefix("initiatives[") for p in plan.assumptions if "[" in p}
    assert section.count("<details>") == len(grouped) + 1  # + the plan-wide figures
    for item in grouped:
        count = sum(p.startswith(f"initiatives[{item}]") for p in plan.assumptions)
        assert f"{escape(names[item])} <small" in section
        assert f"{item}</small>: {count} figure" in section
    # Binding limits name initiatives by name, not id (ids in the tooltip).
    binding = page.text[page.text.index('<ul id="binding">') :]
    binding = binding[: binding.index("</ul>")]
    for limit in plan.binding:
        if limit.kind == "exclusion":
            text = binding[binding.index(f'title="{limit.description}">') :]
            visible = text[text.index(">") + 1 : text.index("</li>")]
            assert not any(f" {i} " in f" {visible} " for i in names), visible
            assert any(escape(n) in visible for n in names.values())


def test_commitments_page_shows_the_safe_rate_beside_the_official_figures(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    from haiquan.commitments import list_catalogues

    login(http, make_account("viewer"))
    page = http.get("/commitments")
    assert page.status_code == 200
    title = next(c.title for c in list_catalogues() if c.id == "wco_safe")
    kpi = page.text[page.text.index(f'<div class="kpi-label">{escape(title)}</div>') :]
    kpi = kpi[: kpi.index("</div></div>")]
    # 29 numbered standards, nothing recorded: 0 of 29, beside Viet Nam's newest published figure.
    assert "0 of 29 standards" in kpi and "official 6.9%" in kpi
    assert 'id="groups-wco_safe"' in page.text
    assert "44.8 % (13 of 29 standards), 2023" in page.text


def test_commitments_deadlines_say_late_or_in_days_not_negative_numbers(
    http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    page = http.get("/commitments").text
    table = page[page.index('<table id="deadlines">') :]
    table = table[: table.index("</table>")]
    rows = table.split("<tr>")[2:]
    overdue = [r for r in rows if ">overdue<" in r]
    assert overdue, "the shipped catalogues have targets already past (e.g. ASEAN AAMRA.4)"
    assert all(re.search(r"<td[^>]*>\d+ days late</td>", r) for r in overdue)
    assert not re.search(r"<td[^>]*>-\d", table)


def test_overview_names_each_source_by_its_publisher(
    synthetic_warehouse, http: httpx.Client, make_account: Callable[..., Account]
) -> None:
    login(http, make_account("viewer"))
    page = http.get("/").text
    table = page[page.index('id="largest-partners"') :]
    table = table[: table.index("</table>")]
    assert "SYNTHETIC demo data</td>" in table and ">synthetic-demo<" not in table
