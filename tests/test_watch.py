"""warwatch watch: feeds and sitemaps polled from a real HTTP server on 127.0.0.1, pages fetched, read by the
real pipeline into a real SQLite file. No packet leaves 127.0.0.0/8 (the refused private address is refused
before any connection)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import ROOT, run_cli
from webserver import WebServer

from warwatch.errors import InputError
from warwatch.ingest.fetch import Fetcher
from warwatch.store import Store
from warwatch.watch import parse_sources, source_status
from warwatch.watch.listing import read_listing
from warwatch.watch.poll import Watcher
from warwatch.watch.sources import Source, WatchConfig, WatchSettings
from warwatch.watch.state import now, page_versions

SEEDS = ROOT.parent / "shared" / "seeds"
LEAD = "Russian and Syrian forces have stepped up air raids and shelling on rebel-held areas of northwestern Syria."
STRIKE = ("A war monitor and activists said on Thursday that {n} people, including two children, were killed in an "
          "air attack in Kansarfa village, in the Idlib countryside.")
FLED = "Since Tuesday, attacks have forced thousands of civilians to flee to camps further north along the border."
FRENCH = ["Au moins neuf personnes, dont deux enfants, ont été tuées jeudi dans une frappe aérienne sur le village "
          "de Kansarfa, dans la campagne d'Idlib, selon un observatoire.",
          "Des milliers de civils ont fui vers des camps situés plus au nord, le long de la frontière turque."]
QUIET = ["The city council approved a new budget for parks and libraries on Tuesday evening.",
         "Residents welcomed the plan to extend opening hours at the central library next spring."]


def html(title: str, paragraphs: list[str], day: str = "2019-05-02") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<html><head><title>{title}</title><meta property="article:published_time" content="{day}T10:00:00Z">'
            f'<meta property="og:site_name" content="Test Wire"></head><body><nav>Home | World</nav>'
            f"<article><h1>{title}</h1>{body}</article><footer>© Test Wire</footer></body></html>")


def rss(web: WebServer, items: list[tuple[str, str]], title: str = "Test Wire") -> str:
    """An RSS feed of (path, updated) items."""
    entries = "".join(f"<item><title>Story {path}</title><link>{web.url(path)}</link><guid>{path}</guid>"
                      f"<pubDate>{updated}</pubDate></item>" for path, updated in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{entries}</channel></rss>'


def strike_page(n: str) -> str:
    return html("Air strike kills civilians in Idlib", [LEAD, STRIKE.format(n=n), FLED])


MAY2 = "Thu, 02 May 2019 10:00:00 GMT"
MAY3 = "Fri, 03 May 2019 08:00:00 GMT"


@pytest.fixture
def fetcher():
    with Fetcher(allow_private=["127.0.0.1/32"], per_host_interval=0, retries=0, timeout=1.0, max_bytes=60_000,
                 sleep=lambda _s: None, contact="https://example.org/warwatch-tests") as f:
        yield f


def config(*urls: str, language: str | None = None) -> WatchConfig:
    return WatchConfig(sources=tuple(Source(url=u, every=60, language=language) for u in urls),
                       settings=WatchSettings(workers=4))


class Clock:
    """UTC now that a test moves forward."""

    def __init__(self) -> None:
        self.at = now()

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.at


# --- the sources file ---------------------------------------------------------------------------

def test_sources_file_is_read_and_checked():
    cfg = parse_sources('contact = "https://example.org/me"\n[watch]\nper_host_interval = 2\n'
                        '[[source]]\nurl = "https://example.org/feed.xml"\nevery = "15m"\nlanguage = "FR"\n'
                        '[[source]]\nurl = "https://example.org/sitemap.xml"\noutlet = "Example"\n')
    assert cfg.contact == "https://example.org/me" and cfg.settings.per_host_interval == 2
    assert [(s.every, s.language, s.outlet) for s in cfg.sources] == [(900, "fr", None), (1800, None, "Example")]
    for bad, said in (("[[source]]\nouttlet = 1", "unknown key 'outtlet'"),
                      ("[[source]]\noutlet = \"x\"", "a url is required"),
                      ('[[source]]\nurl = "https://a.example/"\nevery = "soon"', "no interval"),
                      ('[[source]]\nurl = "https://a.example/"\nevery = "5s"', "outside"),
                      ('[[source]]\nurl = "ftp://a.example/"', "no http or https URL"),
                      ("[[source]\nurl=", "not valid TOML"), ("", "no sources")):
        with pytest.raises(InputError, match=said):
            parse_sources(bad)


def test_cli_bad_sources_file_is_one_line(tmp_path: Path):
    bad = tmp_path / "sources.toml"
    bad.write_text('[[source]]\nurl = "https://a.example/feed"\nevery = "often"\n', encoding="utf-8")
    result = run_cli("watch", str(bad), "--db", str(tmp_path / "w.db"), "--once")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "every" in result.stderr and "Traceback" not in result.stderr
    empty = tmp_path / "empty.toml"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    result = run_cli("watch", str(empty), "--db", str(tmp_path / "w.db"), "--once")
    assert result.returncode == 2 and "[[source]]" in result.stderr  # shown as written, not read as markup


# --- listings ------------------------------------------------------------------------------------

def test_sitemaps_and_news_sitemaps_are_read():
    urlset = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
              b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
              b"<url><loc>/a/1</loc><lastmod>2019-05-02T10:00:00Z</lastmod></url>"
              b"<url><loc>https://news.example/a/2</loc><news:news><news:publication_date>2019-05-03"
              b"</news:publication_date><news:title>Two</news:title></news:news></url>"
              b"<url><loc>javascript:alert(1)</loc></url></urlset>")
    listing = read_listing(urlset, "https://news.example/sitemap.xml")
    assert listing.kind == "urlset"
    assert [(e.url, e.marker, e.published, e.title) for e in listing.entries] == [
        ("https://news.example/a/1", "2019-05-02T10:00:00Z", None, None),
        ("https://news.example/a/2", "2019-05-03", "2019-05-03", "Two")]
    index = read_listing(b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
                         b"<loc>https://news.example/s1.xml</loc><lastmod>2019-05-02</lastmod></sitemap>"
                         b"</sitemapindex>", "https://news.example/index.xml")
    assert [(e.url, e.kind) for e in index.entries] == [("https://news.example/s1.xml", "sitemap")]
    with pytest.raises(InputError, match="entities"):
        read_listing(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><urlset>&a;</urlset>', "https://x.example/")


# --- polling ------------------------------------------------------------------------------------

def test_new_articles_then_only_conditional_requests_after_a_restart(web, fetcher, pipeline, tmp_path: Path):
    web.route("/feed.xml", rss(web, [("/a/strike", MAY2), ("/a/council", MAY2)]),
              content_type="application/rss+xml", etag='"feed-1"')
    web.route("/a/strike", strike_page("five"), etag='"s1"')
    web.route("/a/council", html("Council approves budget", QUIET), last_modified=MAY2)
    db = tmp_path / "w.db"
    with Store(db) as store:
        report = Watcher(store, fetcher, config(web.url("/feed.xml")), pipeline=pipeline).cycle(scheduled=False)
        assert (report.polled, report.new_links, report.stored) == (1, 2, 2)
        [event] = store.events()
        assert (event.fatalities, event.location) == (5, "Kansafrah")
        rejected = {r.name: r.rejected for r in store.article_list(rejected=True)}
        assert list(rejected) == [web.url("/a/council")]  # the relevance gate's, as for files
        [article] = [a for _, a in store.stored_articles() if a.url == web.url("/a/strike")]
        assert (article.outlet, str(article.published)) == ("Test Wire", "2019-05-02")
    web.clear()
    with Store(db) as store:  # a restart: a new process would find the same state
        report = Watcher(store, fetcher, config(web.url("/feed.xml")), pipeline=pipeline).cycle(scheduled=False)
        assert (report.unchanged, report.pages_fetched, report.stored) == (1, 0, 0)
    assert web.paths() == ["/feed.xml"] and web.requests[0].headers["if-none-match"] == '"feed-1"'


def test_page_edited_in_place_gives_one_event_with_the_new_toll(web, fetcher, pipeline, tmp_path: Path):
    from warwatch.reprocess import reprocess

    web.route("/feed.xml", rss(web, [("/a/strike", MAY2)]), content_type="application/rss+xml")
    web.route("/a/strike", strike_page("five"), etag='"v1"')
    db = tmp_path / "w.db"
    with Store(db) as store:
        watcher = Watcher(store, fetcher, config(web.url("/feed.xml")), pipeline=pipeline)
        watcher.cycle(scheduled=False)
        [before] = store.events()
        assert before.fatalities == 5
        # the outlet raises the toll in place and says so in the feed's date
        web.route("/feed.xml", rss(web, [("/a/strike", MAY3)]), content_type="application/rss+xml")
        web.route("/a/strike", strike_page("nine"), etag='"v2"')
        web.clear()
        report = watcher.cycle(scheduled=False)
        assert (report.changed_links, report.replaced) == (1, 1)
        assert web.requests[-1].path == "/a/strike" and web.requests[-1].headers["if-none-match"] == '"v1"'
        [after] = store.events()
        assert (after.event_id_cnty, after.fatalities) == (before.event_id_cnty, 9)
        versions_now = page_versions(store.engine, web.url("/a/strike"))
        detail = store.event(after.event_id_cnty)
        assert detail is not None and [a.id for a in detail.articles] == [versions_now[1][1]]  # one source, the new
        assert detail.n_independent == 1
        versions = page_versions(store.engine, web.url("/a/strike"))
        assert [(v, current) for v, _, current in versions] == [(1, False), (2, True)]
        old = versions[0][1]
        assert store.rejections()[old].startswith("superseded: version 1")
        texts = {i: a.text for i, a in store.stored_articles()}
        assert "five people" in texts[old] and "nine people" in texts[versions[1][1]]  # both kept
    # reading everything again keeps the old version out: the toll is not counted twice
    reprocess(db, pipeline=pipeline)
    with Store(db) as store:
        assert [(e.event_id_cnty, e.fatalities) for e in store.events()] == [(after.event_id_cnty, 9)]
        assert store.rejections()[old].startswith("superseded")


def test_failing_source_is_slowed_down_then_recovers(web, fetcher, tmp_path: Path, caplog):
    web.route("/feed.xml", rss(web, []), content_type="application/rss+xml", etag='"f"')
    web.route("/feed.xml", status=500, times=2)
    clock = Clock()
    caplog.set_level(logging.INFO, logger="warwatch")
    with Store(tmp_path / "w.db") as store:
        watcher = Watcher(store, fetcher, config(web.url("/feed.xml"), web.url("/none.xml")), clock=clock)
        report = watcher.cycle()
        assert report.source_failures == 2  # a 500 and a 404: each reported, neither stops the cycle
        [status] = [s for s in source_status(store.engine) if s.url.endswith("/feed.xml")]
        assert (status.failures, status.last_error) == (1, "HTTP 500")
        assert status.next_due == clock.at + timedelta(seconds=120)  # every (60 s) doubled
        web.clear()
        assert watcher.cycle(scheduled=False).polled == 0 and web.paths() == []  # waiting, never spinning
        clock.at += timedelta(seconds=121)
        watcher.cycle()  # the second 500: slowed down further
        [status] = [s for s in source_status(store.engine) if s.url.endswith("/feed.xml")]
        assert status.failures == 2 and status.next_due == clock.at + timedelta(seconds=240)
        clock.at += timedelta(seconds=241)
        assert watcher.cycle().polled == 1
        [status] = [s for s in source_status(store.engine) if s.url.endswith("/feed.xml")]
        assert (status.failures, status.last_success) == (0, clock.at)
    assert "slowed down: next poll in 4 min" in caplog.text


def test_refused_and_failed_pages_are_reported_and_the_cycle_goes_on(web, fetcher, pipeline, tmp_path: Path):
    web.route("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    items = [("/private/a", MAY2), ("/slow", MAY2), ("/huge", MAY2), ("/away", MAY2), ("/a/strike", MAY2)]
    web.route("/feed.xml", rss(web, items), content_type="application/rss+xml")
    web.route("/private/a", strike_page("five"))
    web.route("/slow", strike_page("six"), delay=1.5)  # past the fetcher's 1 s time cap
    web.route("/huge", html("Huge", [LEAD * 800]))  # past its 60,000 byte cap
    web.route("/away", redirect="http://10.1.2.3/a/strike")  # a private address: refused before connecting
    web.route("/a/strike", strike_page("five"))
    with Store(tmp_path / "w.db") as store:
        watcher = Watcher(store, fetcher, config(web.url("/feed.xml")), pipeline=pipeline)
        report = watcher.cycle(scheduled=False)
        assert report.stored == 1 and [e.fatalities for e in store.events()] == [5]
        assert "/private/a" not in web.paths()  # robots.txt said no: never asked for
        with store.engine.connect() as conn:
            rows = dict(conn.exec_driver_sql("SELECT url, status || ': ' || coalesce(last_error, '') "
                                             "FROM watch_pages").all())
        assert rows[web.url("/private/a")].startswith("refused: ") and "robots" in rows[web.url("/private/a")]
        assert rows[web.url("/away")].startswith("refused: ") and "10.1.2.3" in rows[web.url("/away")]
        assert rows[web.url("/slow")].startswith("due: ")  # a failure: tried again later
        assert rows[web.url("/huge")].startswith("refused: ")
        assert report.pages_refused == 3 and report.page_failures == 1
        [status] = source_status(store.engine)
        assert (status.articles, status.pending, status.refused) == (1, 1, 3)


def test_non_english_article_is_stored_flagged_and_not_parsed(web, fetcher, tmp_path: Path):
    web.route("/feed.xml", rss(web, [("/fr/1", MAY2)]), content_type="application/rss+xml")
    web.route("/fr/1", html("Frappe aérienne à Idlib", FRENCH))

    def no_pipeline():  # the English pipeline must not be asked
        raise AssertionError("a French article went to the English pipeline")

    with Store(tmp_path / "w.db") as store:
        watcher = Watcher(store, fetcher, config(web.url("/feed.xml")))
        watcher.pipeline = no_pipeline  # type: ignore[method-assign]
        assert watcher.cycle(scheduled=False).stored == 1
        [row] = store.article_list(rejected=True)
        assert row.rejected == "language: fr, no pipeline yet" and store.events() == []


def test_sitemap_index_to_child_sitemaps_to_pages(web, fetcher, tmp_path: Path):
    web.route("/index.xml", f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>'
                            f'{web.url("/s1.xml")}</loc><lastmod>2019-05-02</lastmod></sitemap></sitemapindex>',
              content_type="application/xml")
    web.route("/s1.xml", f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>'
                         f'{web.url("/fr/1")}</loc><lastmod>2019-05-02</lastmod></url></urlset>',
              content_type="application/xml", etag='"s1"')
    web.route("/fr/1", html("Frappe aérienne à Idlib", FRENCH))
    with Store(tmp_path / "w.db") as store:
        report = Watcher(store, fetcher, config(web.url("/index.xml"), language="fr")).cycle(scheduled=False)
        assert report.stored == 1 and web.paths()[-3:] == ["/index.xml", "/s1.xml", "/fr/1"]
        assert [s.articles for s in source_status(store.engine)] == [1]


# --- the command line and the API ----------------------------------------------------------------

def test_cli_once_twice_then_sources_and_api(tmp_path: Path):
    """The real commands in fresh processes (--allow-private through the CLI), then GET /api/sources."""
    import warnings

    with warnings.catch_warnings():  # starlette's test client warns about its httpx transport (as in test_api)
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from warwatch.serve.api import create_app

    with WebServer() as web:
        web.route("/feed.xml", rss(web, [("/fr/1", MAY2), ("/a/council", MAY2)]),
                  content_type="application/rss+xml", etag='"f1"')
        web.route("/fr/1", html("Frappe aérienne à Idlib", FRENCH), etag='"p1"')
        web.route("/a/council", html("Council approves budget", QUIET), etag='"p2"')
        web.route("/broken.xml", status=500)
        sources = tmp_path / "sources.toml"
        sources.write_text(f'contact = "https://example.org/tests"\n[watch]\nper_host_interval = 0\n'
                           f'[[source]]\nurl = "{web.url("/feed.xml")}"\noutlet = "Test Wire"\nevery = "1m"\n'
                           f'[[source]]\nurl = "{web.url("/broken.xml")}"\n', encoding="utf-8")
        db = tmp_path / "w.db"
        args = ("watch", str(sources), "--db", str(db), "--once", "--allow-private", "127.0.0.1/32")
        first = run_cli(*args)
        assert first.returncode == 0, first.stderr
        assert "new article" in first.stderr and "language: fr" in first.stderr and "HTTP 500" in first.stderr
        web.clear()
        second = run_cli(*args)
        assert second.returncode == 0, second.stderr
        assert web.paths() == ["/robots.txt", "/feed.xml"]  # the failing source waits; nothing refetched
        assert web.requests[1].headers["if-none-match"] == '"f1"'
        assert "warwatch/" in web.requests[1].headers["user-agent"]
        assert "example.org/tests" in web.requests[1].headers["user-agent"]
        refused = run_cli("watch", str(sources), "--db", str(tmp_path / "x.db"), "--once")
        assert "127.0.0.1" in refused.stderr and refused.returncode == 1  # loopback refused without the flag
    listed = run_cli("sources", "--db", str(db), env={"COLUMNS": "250"})
    assert listed.returncode == 0
    cells = {c[0]: c for c in ([x.strip() for x in line.strip("│ ").split("│")]
                                for line in listed.stdout.splitlines() if "│ http" in line)}
    feed = cells[web.url("/feed.xml")]
    assert (feed[1], feed[4], feed[6]) == ("Test Wire", "0", "2")  # outlet, failures, articles
    assert "HTTP 500" in listed.stdout
    client = TestClient(create_app(db, tiles=None))
    body = client.get("/api/sources").json()
    assert [(s["url"].rsplit("/", 1)[-1], s["articles"], s["failures"]) for s in body["sources"]] == [
        ("feed.xml", 2, 0), ("broken.xml", 0, 1)]
    assert 'href="/sources"' in client.get("/").text  # the dashboard links to the status page
    page = client.get("/sources")
    assert page.status_code == 200 and "sources.js" in page.text and "http" not in page.text.split("<body")[1]
    json.dumps(body)


def test_service_stops_cleanly_on_sigterm(web, tmp_path: Path):
    """``warwatch watch`` without --once: it polls, sleeps until the next source is due, and SIGTERM ends it at
    once with exit status 0."""
    import os
    import signal
    import subprocess
    import time

    from conftest import WARWATCH

    web.route("/feed.xml", rss(web, []), content_type="application/rss+xml", etag='"e"')
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[source]]\nurl = "{web.url("/feed.xml")}"\nevery = "1m"\n', encoding="utf-8")
    proc = subprocess.Popen([*WARWATCH, "watch", str(sources), "--db", str(tmp_path / "w.db"), "--allow-private",
                             "127.0.0.1/32"], stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    lines = []
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if "cycle:" in line:
                break
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 0 and time.monotonic() - started < 5
    text = "".join(lines) + rest
    assert "polled " in text and "no contact" in text and "stopped by SIGTERM" in text and "Traceback" not in text


def test_on_postgresql_ids_and_versions_as_on_sqlite(web, fetcher, pipeline, pg_url: str):
    """Migration 0010 on PostgreSQL: the watch tables' ids from migration 0009's trigger, and a page edited
    in place handled as on SQLite."""
    web.route("/feed.xml", rss(web, [("/a/strike", MAY2), ("/fr/1", MAY2)]), content_type="application/rss+xml")
    web.route("/a/strike", strike_page("five"), etag='"v1"')
    web.route("/fr/1", html("Frappe aérienne à Idlib", FRENCH))
    with Store(pg_url) as store:
        watcher = Watcher(store, fetcher, config(web.url("/feed.xml")), pipeline=pipeline)
        watcher.cycle(scheduled=False)
        web.route("/feed.xml", rss(web, [("/a/strike", MAY3), ("/fr/1", MAY2)]), content_type="application/rss+xml")
        web.route("/a/strike", strike_page("nine"), etag='"v2"')
        watcher.cycle(scheduled=False)
        assert [e.fatalities for e in store.events()] == [9]
        assert [(v, current) for v, _, current in page_versions(store.engine, web.url("/a/strike"))] == [
            (1, False), (2, True)]
        with store.engine.connect() as conn:
            assert sorted(conn.exec_driver_sql("SELECT id FROM watch_pages").scalars()) == [1, 2]
        assert [s.articles for s in source_status(store.engine)] == [2]


def test_watch_delivers_each_material_change_of_a_matched_event_to_its_alert(tmp_path: Path):
    """The whole service in fresh processes: an alert over Idlib, then `watch --once` three times. A new
    strike reaches the webhook (signed), its toll rising in place reaches it again, and an unchanged
    feed sends nothing."""
    from warwatch.alerts import verify

    secret = "whsec_" + "dGVzdC1zZWNyZXQtZm9yLXdhdGNoLWFsZXJ0cw=="
    with WebServer() as web:
        web.route("/hook", status=204)
        web.route("/feed.xml", rss(web, [("/a/strike", MAY2)]), content_type="application/rss+xml", etag='"f1"')
        web.route("/a/strike", strike_page("five"), etag='"s1"')
        sources = tmp_path / "sources.toml"
        sources.write_text(f'contact = "https://example.org/tests"\n[watch]\nper_host_interval = 0\n'
                           f'[[source]]\nurl = "{web.url("/feed.xml")}"\nevery = "1m"\n', encoding="utf-8")
        db = str(tmp_path / "w.db")
        added = run_cli("alerts", "add", "idlib", "--bbox", "36,35.3,37,36.3", "--webhook", web.url("/hook"),
                        "--secret", secret, "--db", db)
        assert added.returncode == 0, added.stderr
        watch = ("watch", str(sources), "--db", db, "--once", "--allow-private", "127.0.0.1/32")

        def hooks() -> list[dict]:
            posts = [r for r in web.requests if r.path == "/hook"]
            assert all(r.method == "POST" and verify(secret, r.headers, r.body) for r in posts)
            return [json.loads(r.body) for r in posts]

        first = run_cli(*watch)
        assert first.returncode == 0, first.stderr
        [matched] = hooks()
        assert matched["type"] == "event.matched" and matched["data"]["event"]["fatalities"] == 5
        web.clear()
        web.route("/feed.xml", rss(web, [("/a/strike", MAY3)]), content_type="application/rss+xml", etag='"f2"')
        web.route("/a/strike", strike_page("nine"), etag='"s2"')
        second = run_cli(*watch)
        assert second.returncode == 0, second.stderr
        [changed] = hooks()
        assert changed["type"] == "event.changed" and changed["data"]["event"]["fatalities"] == 9
        assert changed["data"]["event"]["id"] == matched["data"]["event"]["id"]
        web.clear()
        third = run_cli(*watch)
        assert third.returncode == 0, third.stderr
        assert hooks() == [] and "/feed.xml" in web.paths()  # polled, unchanged: nothing delivered
