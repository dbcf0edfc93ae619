"""Web archives in: WARC files, gzipped record by record or not, built here with warcio's own writer
from the seed articles wrapped in real-looking pages, read as ``warwatch ingest`` reads them.

A page comes out with its URL, its record's id and the most trusted date it carries (its metadata,
its URL, else the day it was crawled); everything else a crawl holds is passed over; a page that
cannot be read, or damage to the file, is one line; memory stays that of a page.
"""

from __future__ import annotations

import gzip
import html
import io
import os
import re
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import SAMPLES, run_cli
from reliability import LARGE, record
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from warwatch.ingest import IngestFailure, collect
from warwatch.ingest.collect import kind_of, settle_published
from warwatch.ingest.limits import MAX_FILE_BYTES
from warwatch.models import Article

MB = 1024 * 1024
CRAWL_PAGES = 1000 if LARGE else 300  # pages of 220 KB in the crawl whose memory is measured
#: a Python exception's name where a failure should say what is wrong with the input
INTERNAL = re.compile(r"\b[A-Z]\w*(?:Error|Exception): ")


def _page(title: str, paragraphs: list[str], head: str = "") -> bytes:
    """A news page as sites serve it: metadata in the head, navigation, the article, a sidebar, a footer."""
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} | News</title>{head}
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}}</script></head>
<body><header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/middle-east">Middle East</a>
<a href="/opinion">Opinion</a></nav></header>
<main><article><h1>{html.escape(title)}</h1>
{body}
</article></main>
<aside><h2>Most read</h2><ul><li><a href="/a">Markets slide as oil prices climb</a></li></ul></aside>
<footer><p>© 2019 News Network. All rights reserved.</p></footer></body></html>""".encode()


def _seed_page(doc: str, head: str = "") -> bytes:
    raw = next(SAMPLES.glob(f"{doc}_*.txt")).read_text(encoding="utf-8")
    title, *paragraphs = [p.strip() for p in raw.split("\n\n") if p.strip()]
    return _page(title, paragraphs, head)


def _meta_time(day: str, site: str) -> str:
    return f'<meta property="article:published_time" content="{day}T11:20:00+00:00">' + _site(site)


def _site(site: str) -> str:
    return f'<meta property="og:site_name" content="{site}">'


def _short_page(n: int) -> bytes:
    return _page(f"Shelling hits Kafr Nabl market, report {n}", [
        f"Government shelling hit the market in Kafr Nabl on Monday, killing {n + 2} civilians and wounding "
        "eleven, local rescuers said.",
        "The town in southern Idlib has been shelled daily for a week, according to a war monitor.",
    ])


class Crawl:
    """A WARC file being written, record by record, as a crawler writes one (gzipped per record when
    its name ends in .gz). Each method returns the record's number in the file (1 for the first)."""

    def __init__(self, path: Path) -> None:
        self.fh = path.open("wb")
        self.writer = WARCWriter(self.fh, gzip=path.name.endswith(".gz"))
        self.ids: dict[int, str] = {}  # record number → WARC-Record-ID

    def __enter__(self) -> Crawl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.fh.close()

    def _write(self, rec) -> int:  # type: ignore[no-untyped-def]
        self.writer.write_record(rec)
        number = len(self.ids) + 1
        self.ids[number] = rec.rec_headers.get_header("WARC-Record-ID")
        return number

    def warcinfo(self) -> int:
        return self._write(self.writer.create_warcinfo_record("crawl.warc.gz", {"software": "test-crawler/1.0"}))

    def request(self, url: str) -> int:
        http = StatusAndHeaders(f"GET {url} HTTP/1.1", [("User-Agent", "test-crawler/1.0")], is_http_request=True)
        return self._write(self.writer.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=http))

    def response(self, url: str, body: bytes, *, crawled: str = "2018-09-10T06:12:01Z", status: str = "200 OK",
                 content_type: str = "text/html; charset=utf-8", headers: tuple = ()) -> int:
        http = StatusAndHeaders(status, [("Content-Type", content_type), ("Content-Length", str(len(body))),
                                         *headers], protocol="HTTP/1.1")
        return self._write(self.writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          http_headers=http, warc_headers_dict={"WARC-Date": crawled}))

    def resource(self, url: str, body: bytes, *, crawled: str, content_type: str = "text/html") -> int:
        return self._write(self.writer.create_warc_record(url, "resource", payload=io.BytesIO(body),
                                                          warc_content_type=content_type,
                                                          warc_headers_dict={"WARC-Date": crawled}))

    def metadata(self, url: str) -> int:
        return self._write(self.writer.create_warc_record(url, "metadata", payload=io.BytesIO(b"outlinks: 12\r\n"),
                                                          warc_content_type="application/warc-fields"))


#: the seed articles as a crawl fetched them: where each date comes from
SEED_URLS = [
    "https://www.theepochtimes.com/syria-and-russia-resume-air-strikes-in-rebel-held-idlib_2651431.html",
    "https://www.example-news.com/world/2018/09/09/russian-syrian-jets-pound-idlib-after-summit/",
    "https://www.aljazeera.com/news/2018/09/08/after-tehran-talks-syria-russia-step-up-idlib-attacks",
    "https://www.thenational.ae/world/mena/syrian-regime-amassing-for-renewed-idlib-offensive-1.910112",
    "https://www.aljazeera.com/news/russian-syrian-forces-escalate-attacks-on-rebel-held-areas",
]
SEED_DATES = [  # the manifest's dates, each found in another place
    (date(2018, 9, 9), "page"),  # article:published_time
    (date(2018, 9, 9), "url"),  # no metadata; /2018/09/09/ (its dateline says so too, and ranks below)
    (date(2018, 9, 8), "url"),
    (date(2019, 9, 12), "page"),  # JSON-LD datePublished
    (date(2019, 5, 2), "crawl"),  # neither: the day it was fetched
]


def _seed_crawl(path: Path) -> dict[str, int]:
    """The five seed articles among what a crawl also holds: its info, requests, metadata, an image,
    a 404 page, a redirect. Returns the record number of each page, by URL."""
    ld = '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", ' \
         '"datePublished": "2019-09-12T08:00:00Z"}</script>'
    pages = [
        _seed_page("000", _meta_time("2018-09-09", "The Epoch Times")),
        _seed_page("001"),
        _seed_page("002", _site("Al Jazeera")),
        _seed_page("003", ld + _site("The National")),
        _seed_page("004", _site("Al Jazeera")),
    ]
    crawled = ["2018-09-10T06:12:01Z", "2018-09-12T01:00:00Z", "2018-09-11T22:40:00Z", "2019-09-13T09:00:00Z",
               "2019-05-02T14:30:00Z"]
    found = {}
    with Crawl(path) as crawl:
        crawl.warcinfo()
        for url, body, when in zip(SEED_URLS, pages, crawled, strict=True):
            crawl.request(url)
            found[url] = crawl.response(url, body, crawled=when)
            crawl.metadata(url)
            if url == SEED_URLS[1]:
                png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
                crawl.response("https://www.aljazeera.com/static/logo.png", png, content_type="image/png")
                crawl.response("https://www.aljazeera.com/news/2018/09/07/gone", _short_page(1),
                               status="404 Not Found")
                crawl.response("https://www.aljazeera.com/news/2018/09/07/moved", _short_page(2),
                               status="301 Moved Permanently", headers=(("Location", SEED_URLS[2]),))
    return found


def _articles(items: list) -> list[Article]:
    return [x for x in items if isinstance(x, Article)]


def _failures(items: list) -> list[IngestFailure]:
    return [x for x in items if isinstance(x, IngestFailure)]


def _record_ids(path: Path) -> list[str]:
    with path.open("rb") as fh:
        return [r.rec_headers.get_header("WARC-Record-ID") for r in ArchiveIterator(fh)]


# --- what comes out ---------------------------------------------------------------------------------


def test_warc_names_are_read_as_web_archives_not_as_gzip_of_something() -> None:
    assert kind_of(Path("crawl.warc.gz")) == ("warc", False)
    assert kind_of(Path("CC-NEWS-20180910.WARC.GZ")) == ("warc", False)
    assert kind_of(Path("crawl.warc")) == ("warc", False)
    assert kind_of(Path("notes.txt.gz")) == ("text", True)  # other kinds are still gzip of themselves


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc"])
def test_each_html_page_comes_out_with_its_url_record_id_and_most_trusted_date(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    pages = _seed_crawl(path)
    items = list(collect([path]))
    assert _failures(items) == []
    articles = _articles(items)
    # the pages only, in the file's order: not the image, the 404 page, the redirect or any other record
    assert [a.url for a in articles] == SEED_URLS
    assert [(a.published, a.published_from) for a in articles] == SEED_DATES
    ids = _record_ids(path)
    assert [a.doc_id for a in articles] == [ids[pages[url] - 1].strip("<>") for url in SEED_URLS]
    assert [a.outlet for a in articles] == ["The Epoch Times", "example-news.com", "Al Jazeera", "The National",
                                            "Al Jazeera"]
    assert articles[0].title == "Syria and Russia Resume Air Strikes in Rebel-held Idlib"
    assert articles[0].text.startswith("Russian and Syrian jets resumed intensive strikes in rebel-held Idlib")
    assert "Most read" not in articles[0].text and "All rights reserved" not in articles[0].text
    assert {a.path for a in articles} == {str(path)}
    # read again, the same ids: a re-ingest finds them stored
    assert [a.doc_id for a in _articles(list(collect([path])))] == [a.doc_id for a in articles]


def test_a_resource_record_holding_a_page_is_read_too(tmp_path: Path) -> None:
    path = tmp_path / "resources.warc.gz"
    with Crawl(path) as crawl:
        crawl.resource("https://news.example/2019/05/06/kafr-nabl-market", _short_page(3),
                       crawled="2019-05-07T10:00:00Z", content_type="text/html; charset=utf-8")
        crawl.resource("https://news.example/market.css", b"body { color: red }", crawled="2019-05-07T10:00:00Z",
                       content_type="text/css")
    (article,) = list(collect([path]))
    assert article.url == "https://news.example/2019/05/06/kafr-nabl-market"
    assert (article.published, article.published_from) == (date(2019, 5, 6), "url")


def test_the_pages_own_metadata_outranks_its_url_and_the_crawl_date(tmp_path: Path) -> None:
    """htmldate reads a URL's date before the page's markup unless told otherwise: the page says 9
    September, its URL 8 September; the page is believed."""
    path = tmp_path / "crawl.warc.gz"
    with Crawl(path) as crawl:
        crawl.response("https://news.example/2018/09/08/kafr-nabl", _page("Shelling hits Kafr Nabl", [
            "Government shelling hit the market in Kafr Nabl on Sunday, killing three civilians, rescuers said."
        ], _meta_time("2018-09-09", "News Example")), crawled="2018-09-10T00:00:00Z")
    (article,) = list(collect([path]))
    assert (article.published, article.published_from) == (date(2018, 9, 9), "page")


def test_no_page_is_dated_after_the_day_it_was_crawled(tmp_path: Path) -> None:
    """A page fetched on 10 September 2018 was not published on the 20th: its metadata is wrong (an
    event's date, a template's), and the crawl date is the best left. The next day is allowed: the
    page's time zone may be ahead of UTC."""
    path = tmp_path / "crawl.warc"
    paragraphs = ["Government shelling hit the market in Kafr Nabl on Sunday, killing three civilians."]
    with Crawl(path) as crawl:
        crawl.response("https://news.example/kafr-nabl", _page("Shelling hits Kafr Nabl", paragraphs,
                       _meta_time("2018-09-20", "News Example")), crawled="2018-09-10T06:00:00Z")
        crawl.response("https://news.example/kafr-nabl-2", _page("Shelling hits Kafr Nabl again", paragraphs,
                       _meta_time("2018-09-11", "News Example")), crawled="2018-09-10T23:30:00Z")
    first, second = list(collect([path]))
    assert (first.published, first.published_from) == (date(2018, 9, 10), "crawl")
    assert (second.published, second.published_from) == (date(2018, 9, 11), "page")


def test_crawl_date_ranks_below_the_publishers_dates_and_above_the_default() -> None:
    article = Article(text="x", url="https://news.example/2022/07/14/x", published=date(2022, 7, 13),
                      published_from="dateline")
    assert settle_published(article, crawled=date(2022, 7, 20)) == (date(2022, 7, 14), "url")
    article.url = "https://news.example/x"
    assert settle_published(article, crawled=date(2022, 7, 20)) == (date(2022, 7, 13), "dateline")
    undated = Article(text="x")
    assert settle_published(undated, crawled=date(2022, 7, 20), fallback=date(2022, 1, 1)) == (
        date(2022, 7, 20), "crawl")
    # a placeholder crawl date (an empty 0001-01-01) is no date
    assert settle_published(undated, crawled=date(1, 1, 1), fallback=date(2022, 1, 1)) == (
        date(2022, 1, 1), "default")


def test_folders_pick_up_web_archives_and_a_manifest_gives_them_only_its_outlet(tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    with Crawl(folder / "a.warc.gz") as crawl:
        crawl.response("https://news.example/one", _short_page(1), crawled="2019-05-07T10:00:00Z")
    with Crawl(folder / "b.warc") as crawl:
        crawl.response("https://news.example/two", _short_page(2), crawled="2019-05-08T10:00:00Z")
    assert [a.url for a in _articles(list(collect([folder])))] == ["https://news.example/one",
                                                                  "https://news.example/two"]
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text('{"path": "batch/a.warc.gz", "outlet": "Wire Archive", "published": "2001-01-01", '
                        '"title": "One title", "url": "https://elsewhere.example/x"}\n', encoding="utf-8")
    (article,) = list(collect(manifest=manifest))
    assert article.outlet == "Wire Archive"
    # a title, URL or date names one article; a crawl's pages each keep their own
    assert article.url == "https://news.example/one" and article.title.startswith("Shelling hits Kafr Nabl")
    assert (article.published, article.published_from) == (date(2019, 5, 7), "crawl")


# --- what cannot be read ----------------------------------------------------------------------------


def test_a_page_that_cannot_be_read_is_one_line_naming_its_record_and_the_next_is_read(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc.gz"
    with Crawl(path) as crawl:
        crawl.warcinfo()
        furniture = crawl.response("https://news.example/tag/idlib", b"<html><body><nav><a href='/'>Home</a>"
                                   b"</nav><footer>All rights reserved.</footer></body></html>")
        binary = crawl.response("https://news.example/blob", b"\x00\x01\x02\x03 not a page" * 20)
        empty = crawl.response("https://news.example/empty", b"   \n")
        good = crawl.response("https://news.example/kafr-nabl", _short_page(1))
    items = list(collect([path]))
    failures = _failures(items)
    assert [f.source for f in failures] == [f"{path}#{furniture}", f"{path}#{binary}", f"{path}#{empty}"]
    assert all("\n" not in str(f) and not INTERNAL.search(f.message) for f in failures)
    assert failures[0].message == "https://news.example/tag/idlib: no article text left after removing boilerplate"
    assert failures[1].message.startswith("https://news.example/blob: binary file, not text")
    assert failures[2].message == "https://news.example/empty: empty page"
    assert [a.url for a in _articles(items)] == ["https://news.example/kafr-nabl"] and good == 5


def test_the_http_headers_charset_decodes_a_page_that_does_not_declare_its_own(tmp_path: Path) -> None:
    page = _page("Shelling hits Kafr Nabl", ["The town’s market was hit on Monday, killing three civilians, "
                                             "rescuers said."]).replace(b'<meta charset="utf-8">', b"")
    body = page.decode("utf-8").encode("cp1252")
    path = tmp_path / "crawl.warc"
    with Crawl(path) as crawl:
        crawl.response("https://news.example/a", body, content_type="text/html; charset=windows-1252")
        crawl.response("https://news.example/b", body, content_type="text/html")
    items = list(collect([path]))
    (article,) = _articles(items)
    assert "The town’s market was hit" in article.text
    (failure,) = _failures(items)
    assert failure.source == f"{path}#2" and "not valid UTF-8" in failure.message


def test_a_page_over_the_cap_is_one_failure_and_the_next_page_is_read(tmp_path: Path) -> None:
    """A page stored larger than the cap is refused by its length, unread; one whose HTTP gzip
    inflates past it is refused once the cap is read, not all it would inflate to."""
    path = tmp_path / "crawl.warc"
    huge = b"<html><body><p>" + b"x" * (MAX_FILE_BYTES + 1024) + b"</p></body></html>"
    bomb = gzip.compress(b"<html><body>" + b" " * (MAX_FILE_BYTES + MB) + b"</body></html>")
    with Crawl(path) as crawl:
        crawl.response("https://news.example/huge", huge)
        crawl.response("https://news.example/bomb", bomb, headers=(("Content-Encoding", "gzip"),))
        crawl.response("https://news.example/kafr-nabl", _short_page(1))
    del huge
    items = list(collect([path]))
    assert [(f.source, f.message) for f in _failures(items)] == [
        (f"{path}#1", "https://news.example/huge: page of 50 MB is over the 50 MB cap for one page"),
        (f"{path}#2", "https://news.example/bomb: page inflates to more than the 50 MB cap for one page"),
    ]
    assert [a.url for a in _articles(items)] == ["https://news.example/kafr-nabl"]


def test_a_crawl_with_no_page_says_what_its_records_were(tmp_path: Path) -> None:
    path = tmp_path / "images.warc.gz"
    with Crawl(path) as crawl:
        crawl.warcinfo()
        crawl.request("https://news.example/logo.png")
        crawl.response("https://news.example/logo.png", b"\x89PNG\r\n\x1a\n", content_type="image/png")
        crawl.response("https://news.example/gone", _short_page(1), status="404 Not Found")
    (failure,) = list(collect([path]))
    assert failure.source == str(path)
    assert failure.message == ("no HTML page (HTTP 200, text/html) among its 4 records: 1 warcinfo, 1 request, "
                               "1 not HTML, 1 HTTP 404")


def test_files_that_are_no_web_archive_are_one_line_each(tmp_path: Path) -> None:
    (tmp_path / "empty.warc").write_bytes(b"")
    (tmp_path / "text.warc").write_text("Shelling hit Kafr Nabl on Monday.\n" * 20, encoding="utf-8")
    (tmp_path / "random.warc.gz").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "text.warc.gz").write_bytes(gzip.compress(b"Shelling hit Kafr Nabl on Monday.\n" * 20))
    items = list(collect([tmp_path]))
    assert [(Path(f.source).name, f.message) for f in items] == [
        ("empty.warc", "empty file"),
        ("random.warc.gz", "not a WARC file (it does not begin with a WARC/1.0 or WARC/1.1 record header)"),
        ("text.warc", "not a WARC file (it does not begin with a WARC/1.0 or WARC/1.1 record header)"),
        ("text.warc.gz", "not a WARC file (it does not begin with a WARC/1.0 or WARC/1.1 record header)"),
    ]


def test_a_warc_gzipped_whole_rather_than_record_by_record_is_read(tmp_path: Path) -> None:
    """"gzip crawl.warc" makes one gzip stream of the whole file; warcio refuses it after the first
    record, and the reader goes on through the one stream."""
    plain = tmp_path / "crawl.warc"
    _seed_crawl(plain)
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(plain.read_bytes()))
    items = list(collect([whole]))
    assert _failures(items) == []
    assert [(a.url, a.published) for a in _articles(items)] == [(u, d) for u, (d, _) in zip(SEED_URLS, SEED_DATES,
                                                                                             strict=True)]
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 2 // 3])
    items = list(collect([cut]))
    (failure,) = _failures(items)
    assert failure.source == str(cut) and failure.message.startswith("cut short ")
    assert failure.message.endswith("the file ends inside its gzip stream")
    assert [a.url for a in _articles(items)] == SEED_URLS[: len(_articles(items))]


def _ends(path: Path) -> list[tuple[str, int]]:
    """(WARC-Target-URI, offset where the record ends) of each response: where a cut leaves it whole."""
    with path.open("rb") as fh:
        records = ArchiveIterator(fh)
        found = []
        for rec in records:
            uri = rec.rec_headers.get_header("WARC-Target-URI")
            records.read_to_end()
            if rec.rec_type == "response":
                found.append((uri, records.get_record_offset() + records.get_record_length()))
    return found


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc"])
def test_a_truncated_warc_gives_the_pages_before_the_damage_and_one_failure_line(tmp_path: Path, name: str) -> None:
    intact = tmp_path / name
    _seed_crawl(intact)
    ends = dict(_ends(intact))
    data = intact.read_bytes()
    third = ends[SEED_URLS[2]]
    cut = tmp_path / f"cut-{name}"
    cut.write_bytes(data[: third - 200])  # inside the third page's record
    items = list(collect([cut]))
    assert [a.url for a in _articles(items)] == SEED_URLS[:2]
    (failure,) = _failures(items)
    assert failure.source == str(cut) and failure.message.startswith("cut short in record ")
    assert "\n" not in str(failure)
    result = run_cli("ingest", "--db", str(tmp_path / "w.db"), str(cut))
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert "2 article(s) stored" in result.stderr and f"{cut}: cut short in record " in result.stderr


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc"])
def test_damage_anywhere_in_the_file_is_one_line_and_no_page_comes_out_partial(tmp_path: Path, name: str) -> None:
    """The file cut at 30 points and, separately, 30 bytes of it changed: never a traceback nor an
    exception's name, at most one line for the file itself. Cut or gzipped, a page comes out whole
    or not at all (gzip's checksum finds a changed byte; in a plain file a changed byte inside a page
    is the page's text, as far as anyone can tell)."""
    intact = tmp_path / name
    with Crawl(intact) as crawl:
        crawl.warcinfo()
        for n in range(4):
            crawl.request(f"https://news.example/{n}")
            crawl.response(f"https://news.example/{n}", _short_page(n))
    whole = {a.url: a.text for a in _articles(list(collect([intact])))}
    assert len(whole) == 4
    data = intact.read_bytes()
    damaged = tmp_path / f"damaged-{name}"
    for i in range(60):
        where = (len(data) * (i % 30)) // 30 + 7
        if i < 30:
            damaged.write_bytes(data[:where])
        else:
            changed = bytearray(data)
            changed[where] ^= 0x5A
            damaged.write_bytes(bytes(changed))
        items = list(collect([damaged]))
        failures = _failures(items)
        assert all("\n" not in str(f) and not INTERNAL.search(f.message) for f in failures), (where, failures)
        assert len([f for f in failures if f.source == str(damaged)]) <= 1, (where, failures)
        if i < 30 or name.endswith(".gz"):
            assert all(whole.get(a.url) == a.text for a in _articles(items)), where


def test_cli_ingest_of_a_warc_stores_the_seed_events(tmp_path: Path, seed_db: Path) -> None:
    """The five seed articles read from a crawl give the events they give read from their text files
    with the manifest's dates: the pages' own dates are those dates."""
    path = tmp_path / "crawl.warc.gz"
    _seed_crawl(path)
    db = tmp_path / "w.db"
    result = run_cli("ingest", "--db", str(db), str(path))
    assert result.returncode == 0, result.stderr
    assert "5 article(s) stored, 0 already stored, 0 skipped" in result.stderr

    def events(where: Path) -> list[tuple]:
        with sqlite3.connect(where) as conn:
            return conn.execute("select event_date, location, event_type, sub_event_type from events "
                                "order by 1, 2, 3, 4").fetchall()

    assert events(db) == events(seed_db) and len(events(db)) >= 10
    with sqlite3.connect(db) as conn:
        assert sorted(r[0] for r in conn.execute("select url from articles")) == sorted(SEED_URLS)
    again = run_cli("ingest", "--db", str(db), str(path))
    assert "0 article(s) stored, 5 already stored" in again.stderr


# --- memory -----------------------------------------------------------------------------------------

_MEASURE = """
import sys
from pathlib import Path
from warwatch.ingest import collect

def status(key):
    line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith(key + ":"))
    return int(line.split()[1]) * 1024

for item in collect([sys.argv[1]]):  # warm: warcio, trafilatura and their tables loaded
    pass
before = status("VmRSS")
Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts again from here
pages = 0
for item in collect([sys.argv[2]]):
    pages += hasattr(item, "text")
print(pages, status("VmHWM") - before)
"""


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux's /proc to read peak memory")
def test_memory_stays_that_of_a_page_however_big_the_warc(tmp_path: Path) -> None:
    """A 66 MB crawl (300 pages of 220 KB, most of it inline script as news pages carry; 1,000 pages in
    the large profile) read in a fresh process adds a few MB at its peak, not the file's size."""
    small, big = tmp_path / "small.warc.gz", tmp_path / "big.warc"
    with Crawl(small) as crawl:
        crawl.response("https://news.example/0", _short_page(0))
    script = b"<script>var ads = '" + os.urandom(110_000).hex().encode() + b"';</script>"
    with Crawl(big) as crawl:
        for n in range(CRAWL_PAGES):
            crawl.request(f"https://news.example/{n}")
            crawl.response(f"https://news.example/{n}", _short_page(n).replace(b"</head>", script + b"</head>"))
    size = big.stat().st_size
    assert size > 60 * MB > MAX_FILE_BYTES
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(small), str(big)], capture_output=True, text=True,
                          timeout=600, env={**os.environ})
    assert done.returncode == 0, done.stderr
    pages, extra = (int(x) for x in done.stdout.split())
    record("other:Peak memory added by a web archive, read a record at a time",
           summary=f"+{extra / MB:.1f} MB for a WARC of {size / MB:.0f} MB ({pages} pages)")
    assert pages == CRAWL_PAGES
    assert extra < 20 * MB, f"reading a {size // MB} MB WARC added {extra / MB:.0f} MB"
