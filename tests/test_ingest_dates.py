"""Publication dates read at ingest when the manifest gives none: the URL path, the dateline.

An article without a date has events without a date: they fuse with nothing and resolve no
"on Wednesday". These tests pin which URL shapes and which header lines are read as the day a
page came out, which are not (ids, timestamps, month-only paths, prose, event dates in the
body), that a manifest's date always wins, and, on the dev clusters read at run time, that the
readers date what they can and never contradict a hand-checked manifest date.
"""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

from warwatch.ingest import collect, read_text
from warwatch.ingest.collect import settle_published
from warwatch.ingest.dates import (
    PUBLISHED_SOURCES,
    credit_dateline,
    dateline_date,
    latest_published,
    url_date,
    url_month,
)
from warwatch.models import Article

CLUSTERS = ROOT.parent / "shared" / "eval" / "clusters"


# --- dates in URL paths ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.example/2022/07/14/missile-strike-kills-20/", date(2022, 7, 14)),
        ("https://news.example/world/2015/10/3/hospital-hit", date(2015, 10, 3)),  # no leading zero
        ("https://news.example/story/2022-07-15/rescuers-search", date(2022, 7, 15)),
        ("https://news.example/article/20220715/NEWS02/151009549/1128/strike", date(2022, 7, 15)),
        ("https://news.example/world/strike-on-market-2018-04-08", date(2018, 4, 8)),
        ("https://news.example/world/strike-on-market-2018-04-08.html", date(2018, 4, 8)),
        ("http://news.example/world/2018/04/08/gas-attack.amp.html", date(2018, 4, 8)),
        ("https://news.example/2015/10/03/?utm_source=x", date(2015, 10, 3)),
    ],
)
def test_url_path_dates(url: str, expected: date) -> None:
    assert url_date(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://news.example/print/russia-launches-deadly-strike-1657820976",  # a unix timestamp id
        "https://news.example/499252/russian-missiles-kill-23/",  # an article number
        "https://news.example/news/detail/65265f0ae1653c5547e8ffc4",  # a hex id
        "http://news.example/article/us-afghanistan-airstrike-idUSKCN0RX05G20151003",  # glued to an id
        "https://news.example/a/202207151234/strike",  # a longer run of digits
        "https://news.example/?p=23509",
        "https://news.example/story?date=2022-07-14",  # the query string is not read
        "https://news.example/2015/10/msf-leaves-kunduz",  # a month only: no day is invented
        "https://news.example/2022/13/40/bad",  # no such day
        "https://news.example/1985/01/01/archive",  # before 1990
        f"https://news.example/{date.today().year + 2}/01/01/schedule",  # the future
        "https://news.example/news/strike-2018-04-08-follow-up-report",  # a date inside a slug
        None,
        "",
    ],
)
def test_url_non_dates(url: str | None) -> None:
    assert url_date(url) is None


def test_month_only_url_is_a_bound_not_a_day() -> None:
    assert url_month("https://news.example/2015/10/msf-leaves-kunduz") == (2015, 10)
    assert url_month("https://news.example/2015/10/03/msf") is None  # a full day is not "month only"
    # a dateline that contradicts the month the URL prints is not taken; one inside it is
    inside = Article(text="x", url="https://news.example/2015/10/a", published=date(2015, 10, 3),
                     published_from="dateline")
    outside = Article(text="x", url="https://news.example/2015/10/a", published=date(2013, 5, 2),
                      published_from="dateline")
    assert settle_published(inside) == (date(2015, 10, 3), "dateline")
    assert settle_published(outside) == (None, None)


def test_latest_day_allows_time_zones_ahead_but_not_tomorrow_plus_one() -> None:
    assert latest_published() >= date.today()
    assert latest_published() <= date.today() + timedelta(days=1)
    tomorrow_plus = date.today() + timedelta(days=3)
    assert url_date(f"https://news.example/{tomorrow_plus:%Y/%m/%d}/x") is None


# --- datelines in the text ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Published: 14 July 2022", date(2022, 7, 14)),
        ("Updated 08:12 GMT, 8 April 2018", date(2018, 4, 8)),
        ("Sun 8 Apr 2018", date(2018, 4, 8)),
        ("October 3, 2015 / 4:54 AM / 2 years ago", date(2015, 10, 3)),
        ("Posted: Jul 14, 2022 / 08:12 AM CDT", date(2022, 7, 14)),
        ("Date: 2022-07-14", date(2022, 7, 14)),
    ],
)
def test_datelines(line: str, expected: date) -> None:
    assert dateline_date(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "WASHINGTON, Oct. 3 —",  # a wire dateline without a year is not enough on its own
        "The strike on 8 April 2018 killed dozens.",  # an event date inside prose
        "Smoke rises over the town on September 8, 2018.",  # a photo caption
        "Sun 8 Apr",
    ],
)
def test_not_datelines(line: str) -> None:
    assert dateline_date(line) is None


def test_credit_datelines() -> None:
    assert credit_dateline("By Jane Roe | July 14, 2022") == date(2022, 7, 14)
    assert credit_dateline("by The Example Desk July 14, 2022 11:37 AM 2 min read") == date(2022, 7, 14)
    assert credit_dateline("By July 14, 2022, the toll had risen to 23") is None
    assert credit_dateline("By the time it was over on July 14, 2022") is None
    assert credit_dateline("July 14, 2022 by Jane Roe") is None


def test_text_header_dates_and_body_dates() -> None:
    credited = read_text("Strike on a market\n\nBy Jane Roe | July 14, 2022\n\nShelling hit the market on Wednesday.")
    assert (credited.published, credited.published_from) == (date(2022, 7, 14), "dateline")
    assert "Jane Roe" not in credited.text
    # a line that is only a date, right below a long standfirst, is still the dateline
    lead = "Dozens of people were killed when a camp for displaced people was hit " * 3
    below = read_text(f"Camp hit\n\n{lead}\n\n10 Oct 2023\n\nThe shelling began at night.")
    assert below.published == date(2023, 10, 10)
    # the body's own dates are events, not the day of publication
    body = read_text("Camp hit\n\nShelling on 8 April 2018 killed twelve people in the camp, officials said.")
    assert (body.published, body.published_from) == (None, None)
    # a dateline from before 1990 or from the future is furniture, not a publication day
    future = date.today() + timedelta(days=400)
    for when in (f"{future:%d %B %Y}", "3 March 1985"):
        old = read_text(f"Camp hit\n\n{when}\n\nShelling killed twelve people in the camp, officials said.")
        assert old.published is None, when


# --- order of trust ----------------------------------------------------------------------------


def test_sources_in_order_of_trust() -> None:
    assert PUBLISHED_SOURCES.index("manifest") < PUBLISHED_SOURCES.index("page")
    assert PUBLISHED_SOURCES.index("page") < PUBLISHED_SOURCES.index("url") < PUBLISHED_SOURCES.index("dateline")
    dated = Article(text="x", url="https://news.example/2022/07/15/x", published=date(2022, 7, 14),
                    published_from="dateline")
    assert settle_published(dated) == (date(2022, 7, 15), "url")
    assert settle_published(dated, given=date(2022, 7, 13)) == (date(2022, 7, 13), "manifest")
    page = Article(text="x", url="https://news.example/2022/07/15/x", published=date(2022, 7, 16),
                   published_from="page")
    assert settle_published(page) == (date(2022, 7, 16), "page")
    assert settle_published(Article(text="x"), fallback=date(2022, 1, 1)) == (date(2022, 1, 1), "default")


STORY = (
    "Shelling hits market in Kharkiv\n\n"
    "Russian shelling hit a market in the city of Kharkiv on Wednesday, killing five civilians and "
    "wounding twelve, the regional governor said.\n"
)


def _manifest(folder: Path, **fields: str) -> Path:
    (folder / "story.txt").write_text(STORY, encoding="utf-8")
    manifest = folder / "manifest.jsonl"
    manifest.write_text(json.dumps({"path": "story.txt", "outlet": "Example News", **fields}) + "\n",
                        encoding="utf-8")
    return manifest


def test_manifest_date_wins_over_url(tmp_path: Path) -> None:
    manifest = _manifest(tmp_path, url="https://news.example/2022/07/14/x", published="2022-07-20")
    (article,) = list(collect(manifest=manifest))
    assert (article.published, article.published_from) == (date(2022, 7, 20), "manifest")
    undated = _manifest(tmp_path, url="https://news.example/2022/07/14/x")
    (article,) = list(collect(manifest=undated))
    assert (article.published, article.published_from) == (date(2022, 7, 14), "url")


def test_jsonl_record_date_wins_over_url(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    rows = [{"text": STORY, "url": "https://news.example/2022/07/14/x", "published": "2022-07-20"},
            {"text": STORY + "More.", "url": "https://news.example/2022/07/14/y"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    first, second = list(collect([path]))
    assert (first.published, first.published_from) == (date(2022, 7, 20), "record")
    assert (second.published, second.published_from) == (date(2022, 7, 14), "url")


def test_cli_ingest_dates_undated_file_from_its_url(tmp_path: Path, cache_dir: Path) -> None:
    """An undated .txt whose manifest URL prints a Thursday: "on Wednesday" is the day before."""
    manifest = _manifest(tmp_path, url="https://news.example/world/2022/07/14/shelling-hits-market/")
    db, out = tmp_path / "w.db", tmp_path / "events.json"
    run_cli("ingest", "--db", str(db), "--manifest", str(manifest), check=True)
    run_cli("export", "--db", str(db), "--format", "json", "-o", str(out), check=True)
    events = json.loads(out.read_text(encoding="utf-8"))
    assert events, "no event exported"
    assert {e["event_date"] for e in events} == {"2022-07-13"}


# --- the dev clusters, read at run time --------------------------------------------------------


def _dev_articles() -> list[tuple[str, dict, Article]]:
    if not CLUSTERS.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CLUSTERS} is missing: the dev clusters must be beside the checkout in CI")
        pytest.skip(f"{CLUSTERS} is not beside this checkout")
    found = []
    for manifest in sorted(CLUSTERS.glob("*/manifest.jsonl")):
        for line in manifest.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                raw = (manifest.parent / entry["path"]).read_text(encoding="utf-8")
                found.append((manifest.parent.name, entry, read_text(raw, path=entry["path"])))
    return found


def _own_date(entry: dict, article: Article) -> tuple[date | None, str | None]:
    """What the page itself says, as if the manifest had no date."""
    article.url = entry.get("url")
    return settle_published(article)


def test_dev_clusters_undated_pages_get_no_invented_date() -> None:
    """The undated dev pages print no date in their URL or header; what they do print is the
    day of an event (a caption's "3rd October 2015", an embedded post's date), which must not
    become the publication day."""
    undated = [(c, e, a) for c, e, a in _dev_articles() if not e.get("published")]
    assert len(undated) >= 8
    for cluster, entry, article in undated:
        assert url_date(entry.get("url")) is None, (cluster, entry["path"])
        assert _own_date(entry, article) == (None, None), (cluster, entry["path"])


def test_dev_clusters_readers_agree_with_the_manifest_dates() -> None:
    """Hide each dated page's manifest date: what URL and header give must be that date or
    nothing, across clusters and outlets, and most pages must be dated this way."""
    dated = [(c, e, a) for c, e, a in _dev_articles() if e.get("published")]
    by_source: dict[str, set[str]] = {}
    for cluster, entry, article in dated:
        value, source = _own_date(entry, article)
        if value is not None:
            assert value.isoformat() == entry["published"], (cluster, entry["path"], source)
            by_source.setdefault(source, set()).add(cluster)
    recovered = sum(1 for _, e, a in dated if _own_date(e, a)[0] is not None)
    assert recovered >= 0.8 * len(dated), f"only {recovered} of {len(dated)} dated pages date themselves"
    # each kind of source works across at least two clusters, not one outlet's layout
    assert len(by_source.get("url", ())) >= 3 and len(by_source.get("dateline", ())) >= 3
