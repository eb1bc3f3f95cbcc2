"""The one-page report (HTML, PDF through local Chromium) and CSV exports."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from haiquan.commitments import (
    StatusRecord,
    export_csv,
    load_records,
    render_report,
    write_report,
)
from haiquan.commitments.report import find_chromium, pdf_pages
from haiquan.errors import InputError

D = dt.date


@pytest.fixture
def recorded() -> None:
    load_records(
        [
            StatusRecord(
                catalogue="wto_tfa",
                item="1.1",
                country="VNM",
                effective_date="2017-02-22",
                category="A",
                status="implemented",
                responsible_unit="Legal Department",
            ),
            StatusRecord(
                catalogue="wto_tfa",
                item="7.1",
                country="VNM",
                effective_date="2018-11-16",
                category="C",
                definitive_date="2022-03-31",
                responsible_unit="Risk <Unit> & Co",
            ),
            StatusRecord(
                catalogue="wto_tfa",
                item="7.7",
                country="VNM",
                effective_date="2018-11-16",
                category="B",
                definitive_date="2023-12-31",
            ),
        ],
        origin="test",
    )


def test_html_report_is_self_contained_and_says_what_a_leader_needs(recorded: None) -> None:
    html = render_report("wto_tfa", "VNM", D(2023, 6, 1), months=12)
    assert "WTO Trade Facilitation Agreement" in html and "Vietnam" in html
    # 1.1 (A) and 7.1 (31 Mar 2022) count: 2 of 36 measures.
    assert "5.6 %" in html and "2 of 36 measures" in html
    assert "not the owner&#39;s 238" in html or "not the owner's 238" in html
    # The overdue item and the one due within 12 months, with their responsible unit escaped.
    assert "Pre-arrival Processing" in html and "Risk &lt;Unit&gt; &amp; Co" in html
    assert "Trade Facilitation Measures for Authorized Operators" in html
    assert "Progress by article" in html and "Timeline" in html
    # Plotly's JavaScript is embedded, nothing is fetched from a CDN or the network.
    assert "plotly.js v" in html or "Plotly" in html
    # (The bundle names cdn.plot.ly only as the default topojson address of map charts, which a
    # bar or line chart never fetches.)
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=\"http", html)


def test_report_without_records_says_so() -> None:
    html = render_report("wco_safe", "VNM", D(2024, 1, 1))
    assert "No status has been recorded" in html


def test_write_report_html_and_refuses_other_formats(tmp_path: Path, recorded: None) -> None:
    out = write_report(tmp_path / "out" / "tfa.html", "wto_tfa", "VNM", D(2023, 6, 1))
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
    with pytest.raises(InputError, match=r"\.html or \.pdf"):
        write_report(tmp_path / "tfa.docx", "wto_tfa", "VNM")
    assert not (tmp_path / "tfa.docx").exists()


@pytest.mark.slow
@pytest.mark.skipif(find_chromium() is None, reason="no local Chromium to print a PDF")
@pytest.mark.parametrize("language", ["en", "vi"])
def test_pdf_report_through_local_chromium_is_one_page(
    tmp_path: Path, recorded: None, language: str
) -> None:
    import shutil
    import subprocess

    out = write_report(tmp_path / "tfa.pdf", "wto_tfa", "VNM", D(2023, 6, 1),
                       language=language)  # type: ignore[arg-type]
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000
    assert pdf_pages(out) == 1
    if shutil.which("pdfinfo"):  # poppler's own count, when installed, agrees
        info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True)
        assert re.search(r"^Pages:\s+1$", info.stdout, re.MULTILINE)


def test_vietnamese_edition_translates_labels_and_uses_vietnamese_conventions(
    recorded: None,
) -> None:
    html = render_report("wto_tfa", "VNM", D(2023, 6, 1), months=12, language="vi")
    assert '<html lang="vi">' in html
    assert "Hiệp định Tạo thuận lợi thương mại (TFA) của WTO" in html and "Việt Nam" in html
    # 2 of 36 measures: 5,6 % with a decimal comma; dates day/month/year.
    assert "5,6 %" in html and "2 trên 36 biện pháp" in html
    assert "tình hình ngày 01/06/2023" in html and "31/03/2022" in html
    assert "Tiến độ theo điều" in html and "Quá hạn (1)" in html
    assert "thời hạn chính thức" in html and "quá hạn" in html
    text = re.sub(r"<script.*?</script>", "", html, flags=re.DOTALL)  # Plotly's bundle aside
    for english in ("Progress by", "Overdue (", "situation on", "definitive date",
                    "Responsible unit", "Sources:"):
        assert english not in text
    assert "Diễn biến theo thời gian" in text
    # The printing date follows the same convention as every other date on the page.
    printed = re.search(r"Lập bằng haiquan lúc (\S+) \d\d:\d\d UTC", text)
    assert printed and re.fullmatch(r"\d\d/\d\d/\d{4}", printed.group(1))
    assert '"name":"đã ghi nhận"' in html or '"name":"\\u0111\\u00e3 ghi nh\\u1eadn"' in html
    with pytest.raises(InputError, match="en or vi"):
        render_report("wto_tfa", "VNM", D(2023, 6, 1), language="fr")  # type: ignore[arg-type]


def test_the_report_shows_official_figures_beside_the_rate() -> None:
    html = render_report("wco_safe", "VNM", D(2024, 1, 1))
    assert "Official figures beside the computed rate" in html
    assert "44.8 % (13 of 29 standards)" in html and "-44.8 points" in html
    assert "29.1 % (23 of 79 contents)" in html
    vi = render_report("wco_safe", "VNM", D(2024, 1, 1), language="vi")
    # What is counted is translated too, not left as the data's English word.
    assert "44,8 % (13 trên 29 tiêu chuẩn)" in vi and "-44,8 điểm %" in vi
    assert "29,1 % (23 trên 79 nội dung)" in vi


@pytest.mark.parametrize(
    ("kind", "catalogue", "rows", "column"),
    [
        ("state", "wto_tfa", 36, "definitive_date"),
        ("history", None, 3, "recorded_at"),
        ("groups", "wto_tfa", 12, "implemented"),
        ("deadlines", "wto_tfa", 2, "days_left"),
        ("timeline", "wto_tfa", None, "rate"),
    ],
)
def test_csv_exports_read_back(
    tmp_path: Path, recorded: None, kind: str, catalogue: str | None, rows: int | None, column: str
) -> None:
    out = export_csv(tmp_path / f"{kind}.csv", kind, catalogue, "VNM", D(2023, 6, 1), months=12)  # type: ignore[arg-type]
    frame = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert column in frame.columns
    if rows is not None:
        assert len(frame) == rows
    else:
        assert len(frame) > 5


def test_export_refuses_unknown_kinds_and_missing_catalogue(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown export 'everything'"):
        export_csv(tmp_path / "x.csv", "everything", "wto_tfa", "VNM")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="needs a catalogue"):
        export_csv(tmp_path / "x.csv", "state", None, "VNM")
    assert not (tmp_path / "x.csv").exists()


def test_long_lists_are_cut_on_the_page_and_point_to_the_export() -> None:
    from haiquan.commitments import load_catalogue

    rkc = load_catalogue("rkc_general_annex")
    load_records(
        [
            StatusRecord(
                catalogue="rkc_general_annex",
                item=item.id,
                country="VNM",
                effective_date="2010-01-01",
                status="not_yet",
                definitive_date="2013-01-01",
            )
            for item in rkc.items()
        ],
        origin="test",
    )
    html = render_report("rkc_general_annex", "VNM", D(2014, 1, 1))
    assert "Overdue (121)" in html
    assert "… and 109 more" in html
    assert html.count('class="date overdue"') == 12
    # The tightest layout keeps the count and leaves the rows to the export.
    tight = render_report("rkc_general_annex", "VNM", D(2014, 1, 1), layout=3)
    assert "… and 121 more" in tight and 'class="date overdue"' not in tight


def test_drafts_are_not_counted_as_records_on_the_page_or_in_the_comparison() -> None:
    from haiquan.commitments import rates_by_country

    base = {"catalogue": "wco_safe", "country": "VNM", "effective_date": "2024-01-01"}
    load_records(
        [
            StatusRecord(item="I.1", status="implemented", **base),
            StatusRecord(item="I.2", status="implemented", approval="draft", **base),
        ],
        origin="test",
    )
    html = render_report("wco_safe", "VNM", D(2024, 6, 1))
    assert "Status records: 1 for this country" in html
    assert "Drafts waiting for approval, not counted: 1." in html
    vi = render_report("wco_safe", "VNM", D(2024, 6, 1), language="vi")
    assert "Số bản ghi tình trạng của quốc gia: 1." in vi and "chưa được tính: 1." in vi
    table = rates_by_country("wco_safe", ["VNM"], D(2024, 6, 1))
    assert table.set_index("country").at["VNM", "records"] == 1
