"""The situation report, built from real stores (the seed articles, and a dev cluster of six outlets)
and checked against the database: its numbers, its links, and its pictures in a real PDF renderer."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import run_cli

from warwatch.report.render import render
from warwatch.store import Store

SEED_YEARS = {"since": date(2018, 1, 1), "until": date(2019, 12, 31)}


def poppler(tool: str) -> str:
    """pdftoppm / pdftotext (Debian's poppler-utils, which .ci/run installs): under CI=true a
    missing one fails the test instead of skipping it."""
    found = shutil.which(tool)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is missing: install poppler-utils")
        pytest.skip(f"{tool} is missing: install poppler-utils")
    return found


@pytest.fixture(scope="module")
def douma_db(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Path:
    """A dev cluster: six outlets on the Douma attack of April 2018, copies among them."""
    from conftest import require_shared

    manifest = require_shared("eval", "clusters", "douma-2018", "manifest.jsonl")
    db = tmp_path_factory.mktemp("douma") / "douma.db"
    run_cli("ingest", "--db", str(db), "--manifest", str(manifest), check=True)
    return db


class Page(HTMLParser):
    """What a report page holds: ids, links, figures (with their hrefs) and anything it would load."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.figures: list[tuple[str, str]] = []
        self.loads: list[str] = []
        self._fig: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "link" and str(a.get("href") or "").startswith("data:"):
            return  # an inline icon (it keeps browsers from asking the server for /favicon.ico)
        if tag in ("script", "link", "img", "iframe", "object", "embed", "image", "use", "source", "video", "audio"):
            self.loads.append(f"<{tag}> {a}")
        for name in ("src", "srcset", "xlink:href", "poster"):
            if a.get(name):
                self.loads.append(f"{tag} {name}={a[name]}")
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
            if "fig" in (a.get("class") or "").split():
                self._fig = str(a["href"])

    def handle_data(self, data: str) -> None:
        if self._fig is not None:
            self.figures.append((data, self._fig))
            self._fig = None


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def plain(text: str) -> str:
    """PDF or Markdown text with its note marks dropped and its lines joined, for finding sentences."""
    text = re.sub(r"\[\^?\d+\]", "", text)
    # the PDF's fallback font (Helvetica, where the system has no DejaVu) writes dashes as hyphens
    return " ".join(text.replace("*", "").replace("–", "-").split())


def test_seed_report_counts_what_the_database_holds_and_every_figure_leads_to_its_events(seed_db):
    with Store(seed_db) as store:
        done = render(store, dict(SEED_YEARS), "html")
        stored = store.events(since=SEED_YEARS["since"], until=SEED_YEARS["until"])
    report = done.layout.report
    assert sorted(e.event_id for e in report.events) == sorted(e.event_id for e in stored)
    assert (report.period.start, report.period.end) == (SEED_YEARS["since"], SEED_YEARS["until"])
    killed = sum(e.fatalities or 0 for e in stored)
    assert report.toll.low == killed > 0
    html = done.body.decode("utf-8")
    page = parse(html)
    assert page.loads == [], "the report loads nothing: no script, stylesheet, image or font"
    assert "@import" not in html and "url(" not in html
    words = plain(re.sub(r"<[^>]+>", "", html))
    assert f"{len(stored)} events were recorded" in words
    assert f"At least {killed} people were reported killed" in words
    # every figure links to its note, and each note names exactly the events the figure counts
    assert page.figures
    for text, href in page.figures:
        assert href.startswith("#ref-") and href[1:] in page.ids, (text, href)
    first = done.layout.book.refs[0]
    assert first.event_ids == tuple(e.event_id for e in report.events)
    for ref in done.layout.book.refs:
        for event_id in ref.event_ids:
            assert f"ev-{event_id}" in page.ids, f"note {ref.n} names {event_id}, which the report does not list"
    # the toll's note names the events with a figure, which add up to it
    toll_ref = next(r for r in done.layout.book.refs if r.label.startswith("reported deaths (conservative)"))
    assert sum(e.fatalities or 0 for e in stored if e.event_id in toll_ref.event_ids) == killed
    for e in stored:
        if e.fatalities:
            assert e.event_id in toll_ref.event_ids


def test_without_dates_the_period_is_the_span_of_the_events_and_compared_only_with_data(seed_db):
    with Store(seed_db) as store:
        rendered = render(store, {}, "md")
        whole = rendered.layout.report
        dated = [e for e in store.events() if e.event_date]
        # two days of September 2018 against the two before them, which hold events too
        window = render(store, {"since": date(2018, 9, 8), "until": date(2018, 9, 9)}, "md")
        before = store.events(since=date(2018, 9, 6), until=date(2018, 9, 7))
    assert (whole.period.start, whole.period.end) == (min(e.event_date for e in dated),
                                                      max(e.event_date for e in dated))
    assert whole.previous is None and whole.previous_events == []  # nothing before the first event
    assert "Against the previous" not in rendered.body.decode("utf-8")
    report = window.layout.report
    assert report.previous == report.period.before()
    assert (report.previous.start, report.previous.end) == (date(2018, 9, 6), date(2018, 9, 7))
    assert sorted(e.event_id for e in report.previous_events) == sorted(e.event_id for e in before)
    text = plain(window.body.decode("utf-8"))
    assert plain("Against the previous 2 days (6–7 September 2018), events") in text
    assert f"from {len(before)} to {len(report.events)}" in text or f"at {len(report.events)}" in text


def test_where_finds_the_province_under_its_other_spelling_in_the_report(seed_db):
    with Store(seed_db) as store:
        idlib = render(store, {**SEED_YEARS, "where": "Idlib"}, "md").layout.report
        hama = render(store, {**SEED_YEARS, "where": "Hama"}, "md").layout.report
        stored = store.events(since=SEED_YEARS["since"], until=SEED_YEARS["until"])
    assert idlib.events and {e.admin1 for e in idlib.events} == {"Idleb"}
    assert sorted(e.event_id for e in idlib.events) == sorted(e.event_id for e in stored if e.admin1 == "Idleb")
    assert sorted(e.event_id for e in hama.events) == sorted(e.event_id for e in stored if e.admin1 == "Hama")
    assert idlib.scope == "Idlib"


def test_dev_cluster_report_names_its_outlets_copies_corroboration_and_doubts(douma_db):
    with Store(douma_db) as store:
        done = render(store, {}, "md")
        stored = store.events()
        details = {d.event_id: d for d in store.event_details(stored)}
    report = done.layout.report
    dated = [e for e in stored if e.event_date]
    assert sorted(e.event_id for e in report.events) == sorted(e.event_id for e in dated)
    assert sorted(e.event_id for e in report.undated) == sorted(e.event_id for e in stored if not e.event_date)
    articles = {a.id: a for d in details.values() if d.event_date for a in d.articles}
    assert len(report.articles) == len(articles)
    assert len(report.copies) == sum(1 for a in articles.values() if a.is_copy)
    assert {o.name for o in report.outlets} == {a.outlet or a.source for a in articles.values()}
    corroborated = [e for e in dated if (e.n_independent or 0) >= 2]
    assert corroborated, "the cluster has events reported by several outlets"
    key = {i.event.event_id for i in report.incidents}
    assert max(corroborated, key=lambda e: e.n_independent).event_id in key
    most_lethal = max(dated, key=lambda e: e.fatalities or 0)
    assert most_lethal.event_id in key
    text = plain(done.body.decode("utf-8"))
    assert f"At least {sum(e.fatalities or 0 for e in dated)} people were reported killed" in text
    contested = [e for e in dated if e.grade == "contested"]
    for e in contested:
        assert e.event_id in {c.event.event_id for c in report.contested}
    # the pictures are saved beside the Markdown, and the Markdown refers to them
    assert set(done.pictures) == {"report-map.svg", "report-chart.svg"}
    for name in done.pictures:
        assert f"]({name})" in done.body.decode("utf-8")


def _ink(png: Path, box_mm: tuple[float, float, float, float], dpi: int) -> tuple[float, int]:
    """The share of non-white pixels in a box of the page (mm), and how many distinct strong colours."""
    from PIL import Image

    image = Image.open(png).convert("RGB")
    x, y, w, h = (round(v / 25.4 * dpi) for v in box_mm)
    crop = image.crop((x, y, x + w, y + h))
    raw = crop.tobytes()
    pixels = [tuple(raw[i:i + 3]) for i in range(0, len(raw), 3)]
    inked = sum(1 for p in pixels if min(p) < 235)
    colours = {(r // 32, g // 32, b // 32) for r, g, b in pixels if max(r, g, b) - min(r, g, b) > 60}
    return inked / len(pixels), len(colours)


def test_pdf_draws_the_map_and_the_chart_and_holds_the_summary_figures(seed_db, tmp_path):
    from warwatch.report.layout import lay_out
    from warwatch.report.model import build
    from warwatch.report.pdf import render_pdf

    pdftoppm, pdftotext = poppler("pdftoppm"), poppler("pdftotext")
    with Store(seed_db) as store:
        report = build(store, dict(SEED_YEARS), scope="Idlib and Hama")
    placed: dict = {}
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render_pdf(lay_out(report), placed=placed))
    assert pdf.read_bytes().startswith(b"%PDF-")
    dpi = 60
    for name in ("map", "chart"):
        page, x, y, w, h = placed[name]
        stem = tmp_path / f"{name}"
        subprocess.run([pdftoppm, "-r", str(dpi), "-png", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                        str(stem)], check=True, timeout=60)
        inked, colours = _ink(stem.with_suffix(".png"), (x, y, w, h), dpi)
        assert inked > 0.02, f"the {name} is blank ({inked:.1%} inked)"
        assert colours >= 2, f"the {name} has no coloured symbols ({colours} colours)"
    text = plain(subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True).stdout)
    killed = report.toll.low
    assert f"{len(report.events)} events were recorded" in text
    assert f"At least {killed} people were reported killed" in text
    for incident in report.incidents:
        assert incident.event.event_id in text
    for ref in lay_out(report).book.refs:
        assert plain(f"{ref.label}:") in text  # the notes name each figure's events by id


def test_an_empty_period_gives_a_short_honest_report_in_every_format(seed_db, tmp_path):
    quiet = {"since": date(2030, 1, 1), "until": date(2030, 1, 31)}
    with Store(seed_db) as store:
        for fmt in ("html", "md", "pdf"):
            done = render(store, dict(quiet), fmt)
            assert done.layout.report.events == []
            if fmt == "pdf":
                out = tmp_path / "empty.pdf"
                out.write_bytes(done.body)
                text = subprocess.run([poppler("pdftotext"), str(out), "-"], capture_output=True, text=True,
                                      check=True).stdout
            else:
                text = done.body.decode("utf-8")
            assert "No events were recorded" in plain(re.sub(r"<[^>]+>", "", text)), fmt
            assert done.pictures == {}


def test_cli_writes_each_format_and_says_what_is_wrong_in_one_line(seed_db, tmp_path):
    for fmt in ("html", "md", "pdf"):
        out = tmp_path / f"seeds.{fmt}"
        done = run_cli("report", "--db", str(seed_db), "--format", fmt, "-o", str(out), "--where", "Hama")
        assert done.returncode == 0, done.stderr
        assert out.stat().st_size > 1000
    assert (tmp_path / "seeds-map.svg").is_file() and (tmp_path / "seeds-chart.svg").is_file()
    linked = run_cli("report", "--db", str(seed_db), "-o", "-", "--base-url", "http://127.0.0.1:8000")
    assert 'href="http://127.0.0.1:8000/events/' in linked.stdout
    for args, says in ((["--format", "docx"], "--format"), (["--bbox", "1,2,3"], "--bbox"),
                       (["--since", "2019-13-01"], "--since"), (["--type", "Airstrikes please"], "--type"),
                       (["-o", str(tmp_path / "no" / "such" / "folder.html")], "cannot write"),
                       (["--format", "pdf", "-o", "-"], "standard output")):
        bad = run_cli("report", "--db", str(seed_db), *args)
        assert bad.returncode == 2, (args, bad.stderr)
        lines = bad.stderr.strip().splitlines()
        assert len(lines) == 1 and says in lines[0] and "Traceback" not in bad.stderr, (args, bad.stderr)
    assert not list((tmp_path / "no").glob("**/*")) if (tmp_path / "no").exists() else True


def test_api_report_takes_the_dashboard_filters_caches_and_limits_renders(seed_db):
    from fastapi.testclient import TestClient

    from warwatch.serve import report_api
    from warwatch.serve.api import create_app

    with TestClient(create_app(seed_db, tiles=None)) as client:
        html = client.get("/api/report", params={"admin1": "Hama", "since": "2018-01-01"})
        assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
        page = parse(html.text)
        assert page.loads == []
        # served by the dashboard, a figure of one event leads to that event's page
        singles = [href for _, href in page.figures if href.startswith("/events/")]
        assert singles and all(client.get(h).status_code == 200 for h in singles)
        with Store(seed_db) as store:
            hama = [e for e in store.events(since=date(2018, 1, 1)) if e.admin1 == "Hama"]
        assert f"{len(hama)} events were recorded" in plain(re.sub(r"<[^>]+>", "", html.text))
        again = client.get("/api/report", params={"admin1": "Hama", "since": "2018-01-01"})
        assert again.content == html.content  # from the cache
        pdf = client.get("/api/report", params={"format": "pdf", "admin1": "Hama"})
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
        md = client.get("/api/report", params={"format": "md"})
        with zipfile.ZipFile(io.BytesIO(md.content)) as archive:
            assert sorted(archive.namelist()) == ["report-chart.svg", "report-map.svg", "report.md"]
        assert client.get("/api/report", params={"format": "docx"}).status_code == 422
        assert client.get("/api/report", params={"bbox": "1,2"}).status_code == 422
        # three renders so far (the cached one and the 422s cost none); new filters each time until the
        # client's window is full
        codes = [client.get("/api/report", params={"min_fatalities": n}).status_code
                 for n in range(report_api.RENDERS_PER_MINUTE)]
        assert codes.count(200) == report_api.RENDERS_PER_MINUTE - 3 and codes[-1] == 429
        limited = client.get("/api/report", params={"min_fatalities": 99})
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        # a report already made is still served from the cache
        assert client.get("/api/report", params={"admin1": "Hama", "since": "2018-01-01"}).status_code == 200


def test_a_missing_pdf_renderer_is_named_in_one_line(seed_db, tmp_path):
    # an fpdf package that cannot be imported, first on the path: as in an environment that lost it
    broken = tmp_path / "site" / "fpdf"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('fpdf2 was removed')\n")
    env = {"PYTHONPATH": f"{broken.parent}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    done = run_cli("report", "--db", str(seed_db), "--format", "pdf", "-o", str(tmp_path / "r.pdf"), env=env)
    assert done.returncode == 5, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install 'fpdf2==" in lines[0] and "Traceback" not in done.stderr
    assert not (tmp_path / "r.pdf").exists()
    # the other formats need no renderer
    assert run_cli("report", "--db", str(seed_db), "-o", str(tmp_path / "r.html"), env=env).returncode == 0


def test_without_a_system_font_the_pdf_falls_back_to_helvetica_and_keeps_its_figures(seed_db, tmp_path, monkeypatch):
    from warwatch.report import pdf as pdf_module
    from warwatch.report.layout import lay_out
    from warwatch.report.model import build

    monkeypatch.setattr(pdf_module, "_FONT_DIRS", ())
    with Store(seed_db) as store:
        report = build(store, {}, scope="Ma‘arrat “al-Nu‘man” – Idlib")  # quotes and dashes Helvetica lacks
    out = tmp_path / "fallback.pdf"
    out.write_bytes(pdf_module.render_pdf(lay_out(report)))
    text = plain(subprocess.run([poppler("pdftotext"), str(out), "-"], capture_output=True, text=True,
                                check=True).stdout)
    assert "Situation report: Ma'arrat \"al-Nu'man\" - Idlib" in text
    assert f"At least {report.toll.low} people were reported killed" in text
