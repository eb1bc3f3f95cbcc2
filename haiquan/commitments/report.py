"""One-page reports a leader reads, and CSV exports.

The HTML page is self-contained: Plotly's JavaScript is embedded from the installed ``plotly``
package (never a CDN), so the file opens on an air-gapped ministry laptop and prints the same.
A PDF is printed from that page by a local headless Chromium when one is installed; no network
is used.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Literal

import pandas as pd
import plotly.graph_objects as go
from jinja2 import Environment, FileSystemLoader, select_autoescape
from plotly.offline import get_plotlyjs

from haiquan._files import write_atomically
from haiquan.commitments._labels import (
    LANGUAGES,
    Language,
    catalogue_title,
    counted_word,
    country_name,
    format_date,
    format_number,
    labels,
    word,
)
from haiquan.commitments.catalogue import Catalogue, load_catalogue
from haiquan.commitments.deadlines import deadlines, undated_reasons
from haiquan.commitments.rates import (
    CLASSES,
    implementation_rate,
    progress_by_group,
    rate_timeline,
)
from haiquan.commitments.status import state_on, status_history
from haiquan.errors import ConfigurationError, InputError
from haiquan.reference.countries import country as lookup_country

__all__ = [
    "CLASS_LABELS",
    "ExportKind",
    "export_csv",
    "export_frame",
    "find_chromium",
    "html_to_pdf",
    "pdf_pages",
    "render_report",
    "write_report",
]

#: How each counting class is named on a report.
CLASS_LABELS: dict[str, str] = {
    "implemented": "implemented",
    "scheduled": "scheduled (date ahead)",
    "date_unknown": "date unknown",
    "not_designated": "not designated / not recorded",
    "partially": "partially",
    "not_yet": "not yet",
    "no_record": "no record",
}
_COLOURS = {
    "implemented": "#2e8b57",
    "scheduled": "#f0b429",
    "partially": "#f0b429",
    "date_unknown": "#d9822b",
    "not_yet": "#c0392b",
    "not_designated": "#c8ced6",
    "no_record": "#c8ced6",
}

# A printed page has no use for Plotly's zoom buttons.
_CONFIG = {"displayModeBar": False, "responsive": True}

ExportKind = Literal["state", "history", "groups", "deadlines", "timeline"]


@lru_cache(maxsize=1)
def _environment() -> Environment:
    folder = Path(__file__).resolve().parent / "templates"
    return Environment(loader=FileSystemLoader(str(folder)), autoescape=select_autoescape(["html"]))


def _groups_chart(
    cat: Catalogue, groups: pd.DataFrame, method: str, words: dict[str, str], bar: int
) -> str:
    group_word = words.get("group_word", cat.group_label).capitalize()
    labels = [f"{group_word} {g}" if g[:1].isdigit() or g[:1] in "IV" else str(g)
              for g in groups["group"]]
    figure = go.Figure()
    for name in CLASSES[method]:
        shares = [
            (v / t * 100 if t else 0.0) for v, t in zip(groups[name], groups["total"], strict=True)
        ]
        figure.add_bar(
            y=labels,
            x=shares,
            name=words[name],
            orientation="h",
            marker_color=_COLOURS[name],
            customdata=groups["title"],
            hovertemplate="%{customdata}<br>%{x:.1f} %<extra>" + words[name] + "</extra>",
        )
    figure.update_layout(
        barmode="stack",
        height=max(120, bar * len(labels) + 60),
        font={"size": 10},
        margin={"l": 10, "r": 10, "t": 4, "b": 20},
        xaxis={"range": [0, 100], "ticksuffix": " %"},
        yaxis={"autorange": "reversed"},
        legend={"orientation": "h", "y": -0.12, "traceorder": "normal"},
    )
    return figure.to_html(full_html=False, include_plotlyjs=False, config=_CONFIG)


def _timeline_chart(timeline: pd.DataFrame, words: dict[str, str], height: int) -> str:
    figure = go.Figure()
    past = timeline[~timeline["projected"]]
    future = timeline[timeline["projected"]]
    if len(past) and len(future):
        # Join the projected line to the last recorded point so the curve is continuous.
        future = pd.concat([past.tail(1), future])
    figure.add_scatter(
        x=past["date"],
        y=past["rate"] * 100,
        mode="lines+markers",
        name=words["recorded"],
        line={"shape": "hv", "color": "#1b6e3c"},
    )
    if len(future):
        figure.add_scatter(
            x=future["date"],
            y=future["rate"] * 100,
            mode="lines+markers",
            name=words["projected"],
            line={"shape": "hv", "dash": "dash", "color": "#7a8593"},
        )
    figure.update_layout(
        height=height,
        font={"size": 10},
        margin={"l": 10, "r": 10, "t": 4, "b": 20},
        yaxis={"range": [0, 100], "ticksuffix": " %"},
        legend={"orientation": "h", "y": -0.2},
    )
    return figure.to_html(full_html=False, include_plotlyjs=False, config=_CONFIG)


#: How tightly the page is laid out, loosest first: rows of the deadline list, pixels per bar
#: of the progress chart, height of the timeline. write_report takes the first that prints on
#: one page.
_LAYOUTS: tuple[tuple[int, int, int], ...] = (
    (12, 18, 170),
    (8, 15, 140),
    (4, 12, 120),
    (0, 10, 100),
)


def render_report(
    catalogue: str | Catalogue,
    country: str,
    on: dt.date | None = None,
    *,
    months: int = 6,
    known_on: dt.date | None = None,
    in_force: dt.date | None = None,
    language: Language = "en",
    layout: int = 0,
) -> str:
    """The one-page HTML report: headline rate beside the official figures, progress by group,
    timeline, deadlines; in English or Vietnamese (``language`` ``vi``: every label translated,
    decimal commas, day/month/year dates). ``layout`` picks how tight the page is
    (:data:`_LAYOUTS`, 0 loosest)."""
    if language not in LANGUAGES:
        raise InputError(
            f"unknown report language {language!r}",
            expected="en or vi",
            got=repr(language),
            fix="pass --language en or --language vi",
        )
    cat = load_catalogue(catalogue) if isinstance(catalogue, str) else catalogue
    found = lookup_country(country)
    day = on or dt.date.today()
    history = status_history(catalogue=cat.id, country=found.alpha_3, known_on=known_on)
    rate = implementation_rate(cat, found.alpha_3, day, records=history)
    groups = progress_by_group(cat, found.alpha_3, day, records=history)
    timeline = rate_timeline(cat, found.alpha_3, records=history)
    due = deadlines(cat, found.alpha_3, day, months, in_force=in_force)
    rows = due.to_dict(orient="records")
    words = labels(language)
    words["group_word"] = word(cat.group_label, language)
    limit, bar, height = _LAYOUTS[min(max(layout, 0), len(_LAYOUTS) - 1)]

    def number(value: float, decimals: int = 1) -> str:
        return format_number(value, language, decimals)

    def when(value: dt.date | None) -> str:
        return format_date(value, language)

    def kind(value: str | None) -> str:
        if not value:
            return ""
        if value.endswith("-month implementation period"):
            return words["period"].format(months=value.split("-")[0])
        return words.get(value, value)

    return (
        _environment()
        .get_template("report.html")
        .render(
            catalogue=cat,
            title=catalogue_title(cat.id, cat.title, language),
            country_name=country_name(found.alpha_3, found.name, language),
            language=language,
            t=words,
            item_word=word(cat.item_label, language),
            counted=lambda level: counted_word(level, language),
            unit_word=word(rate.unit_label, language),
            number=number,
            when=when,
            kind=kind,
            on=day,
            known_on=known_on,
            months=months,
            rate=rate,
            undated=undated_reasons(cat, found.alpha_3, in_force=in_force),
            groups_chart=_groups_chart(cat, groups, cat.method, words, bar),
            timeline_chart=_timeline_chart(timeline, words, height),
            overdue=[r for r in rows if r["state"] == "overdue"],
            upcoming=[r for r in rows if r["state"] == "due"],
            list_limit=limit,
            recorded=int((history["approval"] != "draft").sum()) if len(history) else 0,
            drafts=int((history["approval"] == "draft").sum()) if len(history) else 0,
            generated=_generated(dt.datetime.now(dt.UTC), language),
            plotly_js=get_plotlyjs(),
        )
    )


def _generated(moment: dt.datetime, language: Language) -> str:
    """When the page was printed: ``2026-12-07 18:24 UTC``; ``07/12/2026 18:24 UTC`` in Vietnamese.

    >>> _generated(dt.datetime(2026, 12, 7, 18, 24), "vi")
    '07/12/2026 18:24 UTC'
    """
    return f"{format_date(moment.date(), language)} {moment:%H:%M} UTC"


def find_chromium() -> str | None:
    """The path of a local Chromium/Chrome able to print PDFs, if installed."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html: Path, pdf: Path, *, timeout: float = 90.0) -> Path:
    """Print an HTML file to PDF with headless Chromium (no network is touched).

    Raises:
        ConfigurationError: no Chromium is installed, or it failed to print.
    """
    browser = find_chromium()
    if browser is None:
        raise ConfigurationError(
            "cannot print a PDF: no Chromium found",
            expected="chromium on the PATH",
            got="none",
            fix="apt-get install chromium, or open the HTML report and print it from a browser",
        )
    pdf = pdf.resolve()
    with tempfile.TemporaryDirectory() as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            "--virtual-time-budget=10000",
            f"--print-to-pdf={pdf}",
            html.resolve().as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if not pdf.exists() or pdf.stat().st_size == 0:
        raise ConfigurationError(
            "Chromium did not print the PDF",
            expected=f"{pdf} written",
            got=(done.stderr or done.stdout).strip()[-300:] or f"exit code {done.returncode}",
            fix="print the HTML report from a browser instead",
        )
    return pdf


def write_report(
    out: Path | str,
    catalogue: str | Catalogue,
    country: str,
    on: dt.date | None = None,
    *,
    months: int = 6,
    known_on: dt.date | None = None,
    in_force: dt.date | None = None,
    language: Language = "en",
) -> Path:
    """Write the report as ``.html`` or ``.pdf`` (chosen by the file's extension).

    A PDF is a leader's one page: it is printed with the loosest layout first and, while it runs
    over one A4 page, printed again tighter (fewer deadline rows, smaller charts; the deadline
    list's rows left out are counted on the page and all are in the CSV export).
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in {".html", ".pdf"}:
        raise InputError(
            "unknown report format",
            expected="an output file ending in .html or .pdf",
            got=out.name,
            fix="name the output report.html or report.pdf",
        )

    def page(layout: int) -> str:
        return render_report(
            catalogue, country, on, months=months, known_on=known_on, in_force=in_force,
            language=language, layout=layout,
        )

    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".html":
        html = page(0)
        return write_atomically(out, lambda path: path.write_text(html, encoding="utf-8"))
    with tempfile.TemporaryDirectory() as folder:
        for layout in range(len(_LAYOUTS)):
            html_file = Path(folder) / "report.html"
            html_file.write_text(page(layout), encoding="utf-8")
            printed = html_to_pdf(html_file, Path(folder) / "report.pdf")
            if pdf_pages(printed) <= 1:
                break
        return write_atomically(out, lambda path: shutil.copyfile(printed, path))


def pdf_pages(pdf: Path) -> int:
    """How many pages a PDF printed by Chromium has (its page objects, uncompressed)."""
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))


def export_frame(
    kind: ExportKind,
    catalogue: str | None,
    country: str,
    on: dt.date | None = None,
    *,
    months: int = 6,
    known_on: dt.date | None = None,
) -> pd.DataFrame:
    """The table behind an export: item ``state`` on a date, full ``history``, ``groups``,
    ``deadlines`` or the rate ``timeline``."""
    if kind not in ("state", "history", "groups", "deadlines", "timeline"):
        raise InputError(
            f"unknown export {kind!r}",
            expected="state, history, groups, deadlines or timeline",
            got=repr(kind),
            fix="choose one of those",
        )
    code = lookup_country(country).alpha_3
    day = on or dt.date.today()
    if kind == "history":
        return status_history(catalogue=catalogue, country=code, known_on=known_on)
    if kind == "deadlines":
        return deadlines(catalogue, code, day, months)
    if catalogue is None:
        raise InputError(
            f"a {kind} export needs a catalogue",
            expected="a catalogue id such as wto_tfa",
            got="none",
            fix="pass the catalogue (only history and deadlines span all catalogues)",
        )
    if kind == "state":
        return state_on(catalogue, code, day, known_on=known_on)
    if kind == "groups":
        return progress_by_group(catalogue, code, day, known_on=known_on)
    return rate_timeline(catalogue, code, known_on=known_on)


def export_csv(
    out: Path | str,
    kind: ExportKind,
    catalogue: str | None,
    country: str,
    on: dt.date | None = None,
    *,
    months: int = 6,
    known_on: dt.date | None = None,
) -> Path:
    """Write :func:`export_frame` as UTF-8 CSV (with BOM, so Excel shows Vietnamese correctly)."""
    frame = export_frame(kind, catalogue, country, on, months=months, known_on=known_on)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    return write_atomically(out, lambda path: frame.to_csv(path, index=False, encoding="utf-8-sig"))
