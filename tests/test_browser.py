"""The dashboard in a real browser: Debian's Chromium driven by Playwright, against the app served
by a real Uvicorn server (no remote tiles) over real SQLite files.

Every page a test opens is watched: a console error, an uncaught exception, a failed request, an
HTTP error or any request to a host other than the local server fails the test.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from served import start

from warwatch.store import Store

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (a dev dependency)")
uvicorn = pytest.importorskip("uvicorn", reason="uvicorn is not installed")

CHROMIUM_PATHS = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
CHROMIUM = next((p for p in CHROMIUM_PATHS if Path(p).is_file()), None)
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium): "
                       f"looked for {' and '.join(CHROMIUM_PATHS)}"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=1">'
#: two reports of one air strike: the first is hostile (payloads in its title, outlet, URL and text)
XSS_ARTICLES = [
    {"id": "xss-1", "title": f"Strike on Kafr Nabudah {SCRIPT}{IMG}", "outlet": f"Evil Wire {IMG}",
     "url": "javascript:window.__xss=1", "published": "2019-05-03",
     "text": "Syrian government warplanes struck the town of Kafr Nabudah in northern Hama on Thursday, killing 7 "
             f"civilians {SCRIPT} including two children {IMG}, according to local rescuers.\n\n"
             f"Residents said the market {IMG} was hit twice.\n\nThe army denied targeting civilians {SCRIPT}."},
    {"id": "plain-2", "title": "Air raid kills five in Kafr Nabudah", "outlet": "Plain News",
     "url": "https://example.org/kafr-nabudah", "published": "2019-05-03",
     "text": "An air strike by Syrian government jets killed 5 civilians in Kafr Nabudah, in northern Hama "
             "province, on Thursday, a monitoring group said."},
]


# --- a real server and a watched browser ----------------------------------------------------------


def serve(db: Path, **options) -> Iterator[str]:
    """Serve the app over ``db`` (tiles=None, and ``options`` for create_app) with Uvicorn in a thread."""
    from warwatch.serve.api import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # a free port, held from now on: no race with other tests
    port = sock.getsockname()[1]
    server, thread = start(create_app(db, tiles=None, **options), sock)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture(scope="module")
def seed_site(seed_db: Path) -> Iterator[str]:
    yield from serve(seed_db)


@pytest.fixture(scope="module")
def xss_db(tmp_path_factory: pytest.TempPathFactory, pipeline) -> Path:
    """A fresh database holding the hostile article and an honest one about the same strike."""
    from warwatch.pipeline import ingest

    folder = tmp_path_factory.mktemp("xss")
    upload = folder / "articles.jsonl"
    upload.write_text("".join(json.dumps(a) + "\n" for a in XSS_ARTICLES), encoding="utf-8")
    report = ingest([upload], db=folder / "xss.db", pipeline=pipeline)
    assert report.stored == 2 and not report.failures, report
    return folder / "xss.db"


@pytest.fixture(scope="module")
def xss_site(xss_db: Path) -> Iterator[str]:
    yield from serve(xss_db)


@pytest.fixture(scope="module")
def synthetic_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """300 events of the benchmark's generator (each sentence says "killed"), totals counted up to 100."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("api_latency", Path(__file__).parents[1] / "bench/api_latency.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    db = tmp_path_factory.mktemp("synthetic") / "synthetic.db"
    bench.generate(db, 300, seed=5)
    yield from serve(db, count_cap=100)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        yield chromium
        chromium.close()


@dataclass
class Watch:
    """Everything a page did that a healthy page does not."""

    problems: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def request(self, url: str) -> None:
        self.requests.append(url)
        parts = urlsplit(url)
        if parts.scheme not in ("data", "blob") and parts.hostname != "127.0.0.1":
            self.problems.append(f"request to a non-local host: {url}")

    def failed(self, request) -> None:
        # a page left while its requests were in flight aborts them: not a failure of the page
        if "ERR_ABORTED" not in (request.failure or ""):
            self.problems.append(f"failed request {request.url}: {request.failure}")


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    watch = Watch()
    tab.on("console", lambda m: m.type == "error" and watch.problems.append(f"console error: {m.text}"))
    tab.on("pageerror", lambda e: watch.problems.append(f"uncaught: {e}"))
    tab.on("request", lambda r: watch.request(r.url))
    tab.on("requestfailed", watch.failed)
    tab.on("response", lambda r: r.status >= 400 and watch.problems.append(f"HTTP {r.status} for {r.url}"))
    tab.watch = watch
    yield tab
    context.close()
    assert not watch.problems, "\n".join(watch.problems)


def open_page(tab, url: str) -> None:
    tab.goto(url)
    tab.wait_for_selector("body[data-ready='1']")


def after_render(tab, action) -> None:
    """Do ``action`` and wait until the dashboard has drawn the view it asked for."""
    before = int(tab.get_attribute("body", "data-renders") or 0)
    action()
    # a function, not an expression string: the page's CSP forbids eval
    tab.wait_for_function("n => Number(document.body.dataset.renders) > n", arg=before)


def table_ids(tab) -> list[str]:
    return tab.eval_on_selector_all("#events tbody tr[data-id]", "rows => rows.map(r => r.dataset.id)")


def marker_ids(tab) -> list[str]:
    return tab.eval_on_selector_all(".ww-marker", "paths => paths.map(p => p.dataset.eventId)")


@pytest.fixture(scope="module")
def seeds(seed_db: Path):
    with Store(seed_db) as store:
        return store.events()


@pytest.fixture(scope="module")
def mixed_site(mixed_db: Path) -> Iterator[str]:
    yield from serve(mixed_db)


@pytest.fixture(scope="module")
def mixed_seeds(mixed_db: Path):
    """The seeds and one event without coordinates (conftest's ``mixed_db``)."""
    with Store(mixed_db) as store:
        return store.events()


# --- the seeds on the dashboard -------------------------------------------------------------------


def test_seed_events_are_on_the_map_and_in_the_table_with_boundaries_instead_of_tiles(page, mixed_site, mixed_seeds):
    seed_site, seeds = mixed_site, mixed_seeds
    open_page(page, seed_site + "/")
    located = {r.event_id_cnty for r in seeds if r.located}
    assert 10 <= len(located) == len(seeds) - 1  # one event has no coordinates: in the table, not on the map
    assert sorted(marker_ids(page)) == sorted(located)
    assert sorted(table_ids(page)) == sorted(r.event_id_cnty for r in seeds)
    summary = page.inner_text("#summary")
    assert f"{len(seeds)} events" in summary and f"{len(located)} on the map" in summary
    # a marker's colour is its event type's
    battle = next(r for r in seeds if r.located and r.event_type == "Battles")
    other = next(r for r in seeds if r.located and r.event_type != "Battles")
    fill = lambda r: page.get_attribute(f".ww-marker[data-event-id='{r.event_id_cnty}']", "fill")  # noqa: E731
    assert fill(battle) != fill(other)
    # no tiles: the bundled admin boundaries are drawn, with region names
    assert page.locator("#map.no-tiles").count() == 1 and page.locator("img.leaflet-tile").count() == 0
    assert page.locator(".leaflet-overlay-pane path:not(.ww-marker)").count() >= 10
    assert "IDLIB" in page.inner_text(".leaflet-tooltip-pane").upper()
    # the timeline draws one group of bars per day with events
    days = {r.event_date.isoformat() for r in seeds if r.event_date}
    assert set(page.eval_on_selector_all("#timeline g.day", "g => g.map(x => x.dataset.date)")) == days


def test_clicking_a_marker_opens_the_event_with_its_sources_and_their_sentences(page, seed_site, seeds):
    open_page(page, seed_site + "/")
    # the marker far from all others (Qamishli, in the north-east), so that a real click lands on it
    located = [r for r in seeds if r.located]
    far = max(located, key=lambda r: min(abs(r.latitude - o.latitude) + abs(r.longitude - o.longitude)
                                         for o in located if o is not r))
    eid = far.event_id_cnty
    page.click(f".ww-marker[data-event-id='{eid}']")
    detail = page.locator("#detail")
    detail.wait_for(state="visible")
    page.wait_for_selector(f"#detail h2:has-text('{eid}')")
    assert page.get_attribute(f"#events tr[data-id='{eid}']", "class") == "selected"
    assert parse_qs(urlsplit(page.url).query)["event"] == [eid]
    event = page.request.get(f"{seed_site}/api/events/{eid}").json()
    links = detail.locator("a.article-link")
    assert links.count() == len(event["articles"]) >= 1
    for n, article in enumerate(event["articles"]):
        assert links.nth(n).get_attribute("href") == f"/articles/{article['id']}?event={eid}"
        assert links.nth(n).inner_text() == (article["title"] or article["source"])
    for figure in event["fatality_estimates"]["reported"]:
        assert str(figure["figure"]) in detail.locator("table.figures").inner_text()

    # the evidence page: each source's column, its figure, its article with the sentence highlighted
    detail.locator("a.open-event").click()
    page.wait_for_url(f"{seed_site}/events/{eid}")
    page.wait_for_selector("body[data-ready='1']")
    columns = page.locator("article.source")
    assert columns.count() == len(event["articles"])
    for article in event["articles"]:
        column = page.locator(f"article.source[data-article='{article['id']}']")
        marks = column.locator("mark.current").all_inner_texts()
        wanted = [s["text"].strip() for s in event["evidence"] if s["article_id"] == article["id"]]
        assert marks and [m.strip() for m in marks] == wanted
        assert column.locator(f"a.article-link[href='/articles/{article['id']}?event={eid}']").count() == 1
    if far.fatalities is not None:
        assert f"Killed: {far.fatalities}" in page.inner_text("article.source .figure")
    # the highlighted sentence is scrolled into its article's box
    assert page.eval_on_selector("article.source .article-text mark.current", """m => {
        const box = m.closest('.article-text');
        return m.offsetTop >= box.scrollTop && m.offsetTop < box.scrollTop + box.clientHeight; }""")


def test_filters_sort_and_selection_keep_table_and_map_in_sync(page, mixed_site, mixed_seeds):
    seed_site, seeds = mixed_site, mixed_seeds
    open_page(page, seed_site + "/")
    # a type filter narrows table, map and timeline alike, and is kept in the URL
    after_render(page, lambda: page.select_option("select[name=event_type]", "Explosions/Remote violence"))
    wanted = [r for r in seeds if r.event_type == "Explosions/Remote violence"]
    assert sorted(table_ids(page)) == sorted(r.event_id_cnty for r in wanted)
    assert sorted(marker_ids(page)) == sorted(r.event_id_cnty for r in wanted if r.located)
    assert "event_type=Explosions" in page.url
    # minimum fatalities on top of it (typed: the dashboard waits for the typing to stop)
    after_render(page, lambda: page.fill("input[name=min_fatalities]", "4"))
    deadly = [r for r in wanted if (r.fatalities or 0) >= 4]
    assert deadly and sorted(table_ids(page)) == sorted(r.event_id_cnty for r in deadly)
    assert sorted(marker_ids(page)) == sorted(r.event_id_cnty for r in deadly if r.located)
    after_render(page, lambda: page.click("#reset"))
    assert len(table_ids(page)) == len(seeds) and "event_type" not in page.url

    # sorting by fatalities reorders the table (unknown figures last), the map keeps every marker
    after_render(page, lambda: page.click("th[data-sort=fatalities]"))
    known = sorted((r.fatalities, r.event_id_cnty) for r in seeds if r.fatalities is not None)
    assert [int(x) for x in page.eval_on_selector_all("#events tbody tr td.num:nth-child(5)",
                                                      "t => t.map(c => c.textContent)") if x != "—"] == \
        [f for f, _ in known]
    assert page.get_attribute("th[data-sort=fatalities]", "aria-sort") == "ascending"
    after_render(page, lambda: page.click("th[data-sort=fatalities]"))
    assert page.get_attribute("th[data-sort=fatalities]", "aria-sort") == "descending"
    assert table_ids(page)[0] == max(known)[1] and "sort=-fatalities" in page.url
    assert len(marker_ids(page)) == sum(r.located for r in seeds)

    # "only events in map view": the table holds what the map shows (the unlocated event drops out)
    after_render(page, lambda: page.check("input[name=in_view]"))
    assert sorted(table_ids(page)) == sorted(r.event_id_cnty for r in seeds if r.located)
    # choosing a row marks its marker (and only it) and centres the map on it; zoomed in, the table follows
    eid = next(r.event_id_cnty for r in seeds if r.located and r.longitude < 38)
    after_render(page, lambda: page.click(f"#events tr[data-id='{eid}']"))
    page.wait_for_selector(f".ww-marker[data-event-id='{eid}'][stroke-width='3']")
    page.hover("#summary")  # the row under the pointer is emphasised on the map too: move away
    assert page.locator(".ww-marker[stroke-width='3']").count() == 1
    for _ in range(3):
        after_render(page, lambda: page.click(".leaflet-control-zoom-in"))
    box = [float(x) for x in parse_qs(page.get_attribute("body", "data-query"))["bbox"][0].split(",")]
    inside = {r.event_id_cnty for r in seeds if r.located and box[0] <= r.longitude <= box[2]
              and box[1] <= r.latitude <= box[3]}
    assert eid in inside and len(inside) < sum(r.located for r in seeds)
    assert set(table_ids(page)) == inside


def test_a_capped_total_reads_more_than_and_the_map_draws_points(page, synthetic_site):
    open_page(page, synthetic_site + "/?q=killed")
    # more events match than the server counts: the pager and the summary say "more than", Next stays on
    assert page.inner_text("#page") == "1–50 of more than 100"
    assert page.inner_text("#summary").startswith("more than 100 events · ")
    assert page.is_enabled("#next") and page.is_disabled("#prev")
    after_render(page, lambda: page.click("#next"))
    assert page.inner_text("#page") == "51–100 of more than 100"
    # the map is drawn from the compact points, not the GeoJSON export: every located match, one marker each
    paths = [urlsplit(u).path for u in page.watch.requests]
    assert "/api/events/points" in paths and "/api/events.geojson" not in paths
    points = page.request.get(synthetic_site + "/api/events/points?q=killed").json()
    assert sorted(marker_ids(page)) == sorted(p[0] for p in points["points"])
    assert f"{len(points['points'])} on the map · {points['unlocated']} without coordinates" in \
        page.inner_text("#summary")
    # a marker's tooltip says what its point knows, then the event's date and place once fetched
    eid = next(p[0] for p in points["points"] if p[4] is not None)
    event = page.request.get(f"{synthetic_site}/api/events/{eid}").json()
    page.dispatch_event(f".ww-marker[data-event-id='{eid}']", "mouseover")  # markers overlap: no real pointer
    page.wait_for_selector(".leaflet-tooltip .tip")
    page.wait_for_function("d => document.querySelector('.leaflet-tooltip .tip').textContent.includes(d)",
                           arg=event["event_date"] or "undated")
    tip = page.inner_text(".leaflet-tooltip .tip")
    assert event["sub_event_type"] in tip and f"Fatalities: {event['fatalities']}" in tip


# --- untrusted text ------------------------------------------------------------------------------


def assert_inert(tab) -> None:
    """Nothing the payloads carry ran or became an element."""
    assert tab.evaluate("typeof window.__xss") == "undefined"
    assert tab.locator("img[src='x']").count() == 0
    assert tab.eval_on_selector_all("script", "s => s.filter(x => !x.src || x.textContent.includes('__xss')).length") \
        == 0
    assert tab.locator("a[href^='javascript']").count() == 0


def test_article_text_and_titles_are_rendered_as_text_everywhere(page, xss_site, xss_db):
    with Store(xss_db) as store:
        events = store.events()
    assert len(events) == 1 and events[0].n_sources == 2
    eid = events[0].event_id_cnty

    # the dashboard: the selected event's sources, their figures and words
    open_page(page, f"{xss_site}/?q={SCRIPT}{IMG}")
    assert page.input_value("input[name=q]") == SCRIPT + IMG
    after_render(page, lambda: page.fill("input[name=q]", ""))
    page.click(f"#events tr[data-id='{eid}']")
    page.wait_for_selector("#detail a.article-link")
    panel = page.inner_text("#detail")
    assert f"Strike on Kafr Nabudah {SCRIPT}{IMG}" in panel and f"Evil Wire {IMG}" in panel
    page.hover(f".ww-marker[data-event-id='{eid}']")  # the marker's tooltip
    page.wait_for_selector(".leaflet-tooltip .tip")
    assert_inert(page)

    # the event page: both sources side by side, each with its own figure and sentence
    open_page(page, f"{xss_site}/events/{eid}")
    hostile, plain = page.locator("article.source").all()
    assert SCRIPT + IMG in hostile.locator("h4").inner_text()
    assert "Killed: 7" in hostile.locator(".figure").inner_text()
    assert "Killed: 5" in plain.locator(".figure").inner_text()
    a, b = hostile.bounding_box(), plain.bounding_box()
    assert a["y"] == b["y"] and a["x"] + a["width"] <= b["x"]
    sentence = hostile.locator("mark.evidence.current").inner_text()
    assert sentence.startswith("Syrian government warplanes") and SCRIPT in sentence and IMG in sentence
    assert IMG in hostile.locator(".article-text").inner_text()
    assert hostile.locator("a.external").count() == 0  # a javascript: URL is never a link
    assert plain.locator("a.external").get_attribute("href") == "https://example.org/kafr-nabudah"
    compare = page.inner_text("#compare")
    assert "7" in compare and "5" in compare and "7 civilians" in compare
    assert_inert(page)

    # the article page: title, text and the URL, shown but not linked
    hostile.locator("a.article-link").click()
    page.wait_for_selector("body[data-ready='1']")
    assert page.inner_text("#title") == XSS_ARTICLES[0]["title"]
    assert page.title() == "warwatch — " + XSS_ARTICLES[0]["title"]
    assert f"Residents said the market {IMG} was hit twice." in page.inner_text("#text")
    assert "URL (not linked): javascript:window.__xss=1" in page.inner_text("#links")
    assert page.locator("#text mark.denial").inner_text().startswith("The army denied")
    assert_inert(page)
    assert not [u for u in page.watch.requests if urlsplit(u).path == "/x"]


def hostile(name: str) -> str:
    """A payload that names the field it is in, so that the page can be checked to show it as text."""
    return f"[{name}] {SCRIPT}{IMG}"


#: the stored fields that show source text, beyond what the ingest above fills with payloads (title,
#: outlet, URL, text): the pipeline never makes an actor or a place of markup, so they are written
#: into the stored rows as a hostile or corrupted database would hold them
EVENT_FIELDS = ("actor1", "actor2", "assoc_actor_1", "assoc_actor_2", "location", "admin1", "admin2", "place_text",
                "weapon", "target", "notes")
CLAIM_FIELDS = ("actor1", "actor2", "weapon", "location")  # claims with text values (figures and dates parse)
MENTION_FIELDS = ("claimant", "actor_text", "toponym_text", "fatalities_text", "date_text", "injuries_text")


@pytest.fixture(scope="module")
def hostile_db(xss_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``xss_db`` with a payload in every other stored field that the pages show."""
    import shutil
    import sqlite3

    db = tmp_path_factory.mktemp("hostile") / "hostile.db"
    shutil.copy(xss_db, db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE events SET " + ", ".join(f"{f} = ?" for f in EVENT_FIELDS),
                     [hostile(f) for f in EVENT_FIELDS])
        for field_name in CLAIM_FIELDS:
            conn.execute("UPDATE claims SET value = ? WHERE field = ?", (hostile(f"claim {field_name}"), field_name))
        conn.execute("UPDATE claims SET quote = ?, claimant = ?", (hostile("quote"), hostile("claimant")))
        conn.execute("UPDATE mentions SET " + ", ".join(f"{f} = ?" for f in MENTION_FIELDS),
                     [hostile(f"mention {f}") for f in MENTION_FIELDS])
        conn.execute("UPDATE articles SET doc_id = ?", (hostile("doc id"),))
    return db


@pytest.fixture(scope="module")
def hostile_site(hostile_db: Path) -> Iterator[str]:
    yield from serve(hostile_db)


def shows(tab, where: str, *names: str) -> None:
    """``where`` shows each named payload as text."""
    text = tab.inner_text(where)
    missing = [name for name in names if hostile(name) not in text]
    assert not missing, f"{where} does not show {missing} as text: {text[:2000]}"


def test_every_field_that_shows_source_text_is_inert_on_every_page(page, hostile_site, hostile_db):
    with Store(hostile_db) as store:
        [event] = store.events()
    eid = event.event_id_cnty
    assert event.location == hostile("location")
    hostile_title, outlet = XSS_ARTICLES[0]["title"], XSS_ARTICLES[0]["outlet"]

    # the dashboard: the table row, the detail panel, the marker's tooltip
    open_page(page, hostile_site + "/")
    row = f"#events tr[data-id='{eid}']"
    shows(page, row, "location", "admin1", "actor1")
    assert hostile("actor1") in page.get_attribute(f"{row} td:nth-child(4)", "title")
    page.click(row)
    page.wait_for_selector("#detail a.article-link")
    shows(page, "#detail", "location", "admin1", "actor1", "actor2", "claimant", "quote")
    assert hostile_title in page.inner_text("#detail") and outlet in page.inner_text("#detail")
    page.dispatch_event(f".ww-marker[data-event-id='{eid}']", "mouseover")
    page.wait_for_function("s => (document.querySelector('.leaflet-tooltip .tip') || {}).textContent"
                           "?.includes(s)", arg=hostile("location"))
    shows(page, ".leaflet-tooltip .tip", "location", "admin1")
    assert_inert(page)

    # the event page: every field, what each source claims, each source's column
    open_page(page, f"{hostile_site}/events/{eid}")
    shows(page, "#title", "location")
    shows(page, "#fields", "location", "admin1", "place_text", "actor1", "actor2", "weapon", "target", "notes")
    shows(page, "#compare", "claim actor1", "claim actor2", "claim weapon", "claim location", "quote", "claimant")
    shows(page, "#sources", "claimant")
    assert hostile_title in page.inner_text("#sources") and outlet in page.inner_text("#compare")
    assert SCRIPT in page.inner_text("#sources .article-text")
    assert_inert(page)

    # the article page: title, outlet, document id, URL (shown, not linked), text, its events
    open_page(page, f"{hostile_site}/articles/1?event={eid}")
    assert page.inner_text("#title") == hostile_title
    shows(page, "#meta", "doc id")
    assert outlet in page.inner_text("#meta")
    assert "URL (not linked): javascript:window.__xss=1" in page.inner_text("#links")
    assert IMG in page.inner_text("#text")
    assert_inert(page)
    assert page.evaluate("document.querySelectorAll('[onerror], [onload], [onclick]').length") == 0
    assert not [u for u in page.watch.requests if urlsplit(u).path == "/x"]


def test_api_docs_render_from_the_bundled_swagger_ui(page, seed_site):
    page.goto(seed_site + "/docs")
    page.wait_for_selector(".opblock")
    paths = page.eval_on_selector_all(".opblock-summary-path", "p => p.map(x => x.dataset.path)")
    assert {"/api/events", "/api/events/{event_id}", "/api/articles/{article_id}", "/api/stats/daily",
            "/api/events.csv", "/api/events.geojson"} <= set(paths)


# --- every ACLED event type ------------------------------------------------------------------------

ACLED_TYPES = ["Battles", "Explosions/Remote violence", "Violence against civilians", "Protests", "Riots",
               "Strategic developments"]


@pytest.fixture(scope="module")
def typed_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Events of all six ACLED types, written through the store (tests/typed_events.py)."""
    from typed_events import store_typed

    yield from serve(store_typed(tmp_path_factory.mktemp("typed") / "typed.db"))


def _rgb(css: str) -> tuple[int, ...]:
    if css.startswith("#"):
        return tuple(int(css[i:i + 2], 16) for i in (1, 3, 5))
    return tuple(int(float(v)) for v in css[css.index("(") + 1:css.index(")")].split(",")[:3])


def test_all_six_types_filter_legend_timeline_and_sub_types(page, typed_site):
    from typed_events import EVENTS

    open_page(page, typed_site + "/")
    options = page.eval_on_selector_all("select[name=event_type] option", "o => o.map(x => x.value)")
    assert options == ["", *ACLED_TYPES]
    groups = page.eval_on_selector_all("select[name=sub_event_type] optgroup", "g => g.map(x => x.label)")
    assert groups == ACLED_TYPES
    assert page.locator("select[name=sub_event_type] optgroup option").count() == 25
    # one colour per type, the same on the legend, the markers and the timeline's bars
    legend = page.eval_on_selector_all(".legend div[data-type]", """ds => ds.map(d =>
        [d.dataset.type, getComputedStyle(d.querySelector('.dot')).backgroundColor])""")
    assert [t for t, _ in legend] == ACLED_TYPES
    colours = {t: _rgb(c) for t, c in legend}
    assert len(set(colours.values())) == 6
    # readable apart: no two types' colours closer than a clear step in RGB, none near the grey of "other"
    for i, a in enumerate(ACLED_TYPES):
        for b in ACLED_TYPES[i + 1:]:
            assert sum((x - y) ** 2 for x, y in zip(colours[a], colours[b], strict=True)) ** 0.5 > 60, (a, b)
    by_type: dict[str, set[tuple[int, ...]]] = {}
    for e in EVENTS:
        ids = [i for i in marker_ids(page)
               if page.get_attribute(f".ww-marker[data-event-id='{i}']", "aria-label").endswith(e.event_type)]
        assert ids, e.event_type
        by_type.setdefault(e.event_type, set()).update(
            _rgb(page.get_attribute(f".ww-marker[data-event-id='{i}']", "fill")) for i in ids)
    assert {t: next(iter(c)) for t, c in by_type.items()} == colours and all(len(c) == 1 for c in by_type.values())
    fills = page.eval_on_selector_all("#timeline g.day rect", "r => r.map(x => x.getAttribute('fill'))")
    bars = {_rgb(f) for f in fills}
    assert bars == set(colours.values())

    # a type narrows the table and the map, and the sub-type list to its own sub-types
    after_render(page, lambda: page.select_option("select[name=event_type]", "Riots"))
    riots = [e for e in EVENTS if e.event_type == "Riots"]
    assert len(table_ids(page)) == len(riots) == len(marker_ids(page)) == 2
    shown = page.eval_on_selector_all("select[name=sub_event_type] optgroup:not([disabled]) option",
                                      "o => o.map(x => x.value)")
    assert shown == ["Violent demonstration", "Mob violence"]
    after_render(page, lambda: page.select_option("select[name=sub_event_type]", "Mob violence"))
    assert len(table_ids(page)) == 1 and "sub_event_type=Mob+violence" in page.url
    assert "Kolkata" in page.inner_text("#events tbody")
    # another type: the sub-type of the first one no longer applies
    after_render(page, lambda: page.select_option("select[name=event_type]", "Strategic developments"))
    assert page.input_value("select[name=sub_event_type]") == ""
    assert len(table_ids(page)) == 3
    after_render(page, lambda: page.click("#reset"))
    assert len(table_ids(page)) == len(EVENTS)


def test_the_event_page_shows_disorder_type_and_actor_categories(page, typed_site):
    open_page(page, typed_site + "/")
    after_render(page, lambda: page.select_option("select[name=event_type]", "Protests"))
    row = page.locator("#events tbody tr[data-id]", has_text="Omdurman")
    event_id = row.get_attribute("data-id")
    page.goto(f"{typed_site}/events/{event_id}")
    page.wait_for_selector("#fields dd")
    fields = page.inner_text("#fields")
    assert "Political violence; Demonstrations" in fields
    assert "Protesters (Sudan) — protesters (6)" in fields and "state forces (1)" in fields
    assert "Civilian targeting\nyes" in fields or "Civilian targeting\tyes" in fields


def test_the_filter_lists_types_the_database_holds_none_of(page, seed_site, seeds):
    open_page(page, seed_site + "/")
    held = {r.event_type for r in seeds}
    texts = dict(page.eval_on_selector_all("select[name=event_type] option[value]:not([value=''])",
                                           "o => o.map(x => [x.value, x.textContent])"))
    assert list(texts) == ACLED_TYPES
    for kind in set(ACLED_TYPES) - held:
        assert texts[kind] == f"{kind} (0)"
        assert page.locator(f"select[name=event_type] option.empty[value='{kind}']").count() == 1
    # the legend names only what is on the map
    legend = page.eval_on_selector_all(".legend div[data-type]", "ds => ds.map(d => d.dataset.type)")
    assert legend == [t for t in ACLED_TYPES if t in held]


def test_the_report_carries_the_dashboard_filters_and_its_figures_lead_to_the_event_pages(page, seed_site, seeds):
    open_page(page, seed_site + "/?since=2018-09-01")
    href = page.get_attribute("#report", "href")
    assert href.startswith("/api/report?") and parse_qs(urlsplit(href).query)["since"] == ["2018-09-01"]
    pdf = page.get_attribute("#report-pdf", "href")
    assert parse_qs(urlsplit(pdf).query) == {"since": ["2018-09-01"], "format": ["pdf"]}
    # the report itself: the page fixture fails on any request it makes beyond this server
    page.goto(seed_site + href)
    page.wait_for_selector("#summary a.fig")
    assert page.locator("script, link:not([href^='data:']), img").count() == 0
    dated = [r for r in seeds if r.event_date and r.event_date.isoformat() >= "2018-09-01"]
    assert page.inner_text("#summary p").startswith(f"{len(dated)} events were recorded")
    # a figure that counts one event goes to that event's page on the dashboard
    figure = page.locator("#summary a.fig[href^='/events/']").first
    eid = figure.get_attribute("href").rsplit("/", 1)[1]
    event = next(r for r in dated if r.event_id_cnty == eid)
    assert figure.inner_text() in {str(event.fatalities), "1"}
    figure.click()
    page.wait_for_url(f"{seed_site}/events/{eid}")
    page.wait_for_selector("body[data-ready='1']")
    assert event.location in page.inner_text("#title") and event.sub_event_type in page.inner_text("#title")
    # a figure that counts several goes to its note, which links each of its events
    page.go_back()
    many = page.locator("#summary a.fig[href^='#ref-']").first
    many.click()
    note = page.locator(many.get_attribute("href"))
    assert note.evaluate("n => n.matches(':target')")
    assert note.locator("a").count() == int(many.inner_text())
