"""Hypothesis profiles and input strategies for tests/test_fuzz.py (hostile, near-valid documents).

Two profiles, picked by the environment variable ``WARWATCH_FUZZ``: "small" (the default, for
``make test``: derandomized, so CI is reproducible) and "large" (the nightly run: 1000 examples where
the small one has 60, a fresh random seed each run). Neither has a deadline: the machines are shared and noisy,
and a slow example is not a bug these tests look for.
"""

from __future__ import annotations

import codecs
import functools
import json
import math
import os
from collections.abc import Callable
from datetime import date, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: max_examples of a test of weight 1 (see :func:`fuzz`) in each profile
PROFILES = {"small": 60, "large": 1000}
# WARWATCH_PROFILE=large is what `make reliability` sets for every reliability test; WARWATCH_FUZZ, the
# fuzzing alone
FUZZ = (os.environ.get("WARWATCH_FUZZ") or os.environ.get("WARWATCH_PROFILE") or "small").strip().lower()
if FUZZ not in PROFILES:
    raise ValueError(f"WARWATCH_FUZZ={FUZZ!r}: expected one of {', '.join(PROFILES)}")

_COMMON = {
    "deadline": None,
    "database": None,  # no .hypothesis folder in the checkout; a failure prints its reproducer
    "print_blob": True,
    # trafilatura and spaCy make some examples slow, and the documents are large on purpose
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
}
settings.register_profile("warwatch-fuzz-small", max_examples=PROFILES["small"], derandomize=True, **_COMMON)
settings.register_profile("warwatch-fuzz-large", max_examples=PROFILES["large"], derandomize=False, **_COMMON)
PROFILE = settings.get_profile(f"warwatch-fuzz-{FUZZ}")


#: test name → inputs it was given (passing or not), for the reliability report
INPUTS: dict[str, int] = {}


def count_inputs(test: Callable[..., None]) -> Callable[..., None]:
    """Put under ``@given``: counts the inputs Hypothesis gives the test, for docs/reliability.md."""

    @functools.wraps(test)
    def counted(*args: object, **kwargs: object) -> None:
        INPUTS[test.__name__] = INPUTS.get(test.__name__, 0) + 1
        test(*args, **kwargs)

    return counted


def fuzz(weight: float = 1.0) -> settings:
    """The profile's settings, with ``weight`` x its max_examples (below 1 for the slow targets)."""
    return settings(PROFILE, max_examples=max(5, math.ceil(PROFILE.max_examples * weight)))


# --- text ----------------------------------------------------------------------------------------

#: lines of real news pages: datelines, bylines, furniture and event sentences, so that the readers'
#: deeper paths (header splitting, boilerplate, date parsing) are reached, not only their first check
PROSE = [
    "Syria and Russia Resume Air Strikes in Rebel-held Idlib",
    "September 9, 2018 Updated: September 9, 2018", "By Tom Perry, Reuters", "Minnie Murray",
    "On 8 March 2022, Russian forces shelled Kharkiv, killing 12 civilians and wounding 30 others.",
    "Russian jets struck Kafr Zeita on Saturday, killing at least five people, rescuers said.",
    "date 2018-09-08 Russian jets pounded the south of Idlib province.",
    "Read more: Shelling of Kafr Zeita kills three",
    "Add a Comment", "Share this article", "Photo: AFP / Getty Images", "(AFP) —", "10 Oct 2023",
    "by The Kyiv Independent news desk July 14, 2022 11:37 AM 2 min read", "ſeptember 9, 2018", "Tueſday",
    "Sept. 31, 2019", "0000-00-00", "31 February 2020", "² people were killed", "١٢ people were killed",
    "Powered by automated translation", "Copyright © 2019", "Харків", "كفر زيتا", "ရန်ကုန်",
]  # fmt: skip
#: any character, lone surrogates included: JSON escapes ("\ud800") put them into strings
ANY_CHAR = st.one_of(st.characters(), st.characters(categories=["Cs"]))
#: white space and separators that header splitting and paragraph detection key on
BREAKS = st.sampled_from(["\n", "\n\n", "\r\n", "\r", " ", "\t", "\u2028", "\u2029", "\xa0", "\ufeff", "\u200b", "|"])


def noisy_text(chars: st.SearchStrategy[str] | None = None, max_pieces: int = 12) -> st.SearchStrategy[str]:
    """Pieces of real news text, random text and line breaks, glued together."""
    piece = st.one_of(st.sampled_from(PROSE), st.text(st.characters() if chars is None else chars, max_size=40), BREAKS)
    return st.lists(piece, max_size=max_pieces).map("".join)


# --- raw bytes of a file ------------------------------------------------------------------------

_BOMS = [b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"\x00", b"\xff"]
_CODECS = ["utf-8", "utf-16", "utf-16-le", "utf-16-be", "latin-1", "cp1252", "koi8-r", "shift_jis", "utf-32"]


def raw_bytes(text: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[bytes]:
    """A file's bytes: random, or text in some encoding behind some BOM (right, wrong or none)."""
    text = text or noisy_text()
    encoded = st.builds(lambda bom, s, codec: bom + s.encode(codec, "replace"), st.sampled_from(_BOMS), text,
                        st.sampled_from(_CODECS))
    return st.one_of(st.binary(max_size=400), encoded, encoded.map(lambda b: b[: len(b) // 2]))


# --- HTML ---------------------------------------------------------------------------------------

TAGS = ["p", "div", "span", "a", "b", "h1", "h2", "article", "main", "figure", "figcaption", "script", "style",
        "nav", "footer", "table", "tr", "td", "br", "img", "time", "ul", "li", "svg", "iframe", "noscript", "pre",
        "blockquote", "section", "header", "aside", "form", "button", "title", "meta", "template", "math"]
ATTRS = ["class", "id", "href", "datetime", "content", "name", "property", "src", "style", "lang", "charset"]
ENTITIES = ["&amp;", "&lt;", "&gt;", "&nbsp;", "&#0;", "&#x0;", "&#xD800;", "&#1114112;", "&#99999999999;",
            "&bogus;", "&", "&#;", "&#x;", "&#8232;", "&#xFEFF;", "<!-- c -->", "<![CDATA[x]]>", "<?pi x?>", "</p>"]
_ATTR_VALUES = st.one_of(st.sampled_from(["caption", "article-body", "og:title", "article:published_time",
                                          "2018-09-09", "2018-09-09T10:00:00Z", "0000-01-01", "9999-12-31",
                                          "utf-8", "koi8-r", "bogus-charset", "javascript:x", ""]),
                         st.text(max_size=12))


_QUOTES = {'"': "&quot;", "'": "&#39;"}


@st.composite
def _attributes(draw: st.DrawFn) -> str:
    pairs = draw(st.lists(st.tuples(st.sampled_from(ATTRS), _ATTR_VALUES), max_size=3))
    quote = draw(st.sampled_from(['"', "'", ""]))
    return "".join(f" {k}={quote}{escape(v, _QUOTES) if quote else v}{quote}" for k, v in pairs)


def _html_text() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(PROSE).map(escape), st.sampled_from(ENTITIES), st.text(max_size=20))


@st.composite
def _element(draw: st.DrawFn, children: st.SearchStrategy[list[str]]) -> str:
    tag = draw(st.sampled_from(TAGS))
    closed = draw(st.sampled_from(["</" + tag + ">", "", "</" + tag.upper() + ">", "</div>"]))
    return f"<{tag}{draw(_attributes())}>{''.join(draw(children))}{closed}"


HTML_BODY = st.recursive(st.lists(_html_text(), max_size=3),
                         lambda inner: st.lists(st.one_of(_html_text(), _element(inner)), max_size=4),
                         max_leaves=25).map("".join)


@st.composite
def html_page(draw: st.DrawFn) -> str:
    """A page: a doctype or XML declaration maybe, a head with metadata maybe, then a random body."""
    prolog = draw(st.sampled_from(["", "<!DOCTYPE html>", '<?xml version="1.0" encoding="koi8-r"?>',
                                   '<?xml version="1.0"?>', "<!doctype", "\ufeff", "<html>", "<html><body>"]))
    head = draw(st.one_of(st.just(""), st.builds(lambda a, t: f"<head><meta{a}><title>{t}</title></head>",
                                                  _attributes(), _html_text())))
    return f"{prolog}{head}<body>{draw(HTML_BODY)}</body></html>" if draw(st.booleans()) else prolog + draw(HTML_BODY)


# --- JSON and JSONL -----------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(ANY_CHAR, max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
#: what a "published" field holds: valid dates and timestamps, impossible ones, and any JSON value
PUBLISHED = st.one_of(st.dates().map(date.isoformat), st.datetimes().map(lambda d: d.isoformat() + "Z"),
                      st.sampled_from(["2018-02-30", "0000-01-01", "2018-9-9", "9999-12-31T23:59:59+14:00",
                                       " 2018-09-09 ", "2018-09-09T", "20180909", "１２３４-０１-０１"]), JSON)
_RECORD_FIELDS = {"text": st.one_of(noisy_text(ANY_CHAR), JSON), "html": st.one_of(html_page(), JSON),
                  "title": st.one_of(st.text(ANY_CHAR, max_size=30), JSON), "published": PUBLISHED,
                  "outlet": st.one_of(st.text(max_size=20), JSON), "url": st.one_of(st.text(max_size=40), JSON),
                  "id": JSON}
JSONL_RECORD = st.fixed_dictionaries({}, optional=_RECORD_FIELDS)
#: a line a hand-made or truncated file may hold: JSON of the wrong type, broken JSON, a NaN, stray text
RAW_LINE = st.one_of(
    JSON.map(json.dumps), st.text(max_size=30), st.sampled_from(["{", "[]", '{"text": NaN}', "null", "\x00", "{}"]),
)


def jsonl_lines(record: st.SearchStrategy[dict], raw: st.SearchStrategy[str] = RAW_LINE) -> st.SearchStrategy[list]:
    """Lines of a JSONL file: mostly well-formed records (escaped or raw UTF-8), some broken lines."""
    line = st.one_of(st.builds(json.dumps, record), st.builds(lambda r: json.dumps(r, ensure_ascii=False), record),
                     raw, st.just(""))
    return st.lists(line, min_size=1, max_size=6)


# --- RSS and Atom -------------------------------------------------------------------------------

FEED_DATES = st.one_of(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)).map(
        lambda d: format_datetime(d) + " GMT"),
    st.dates().map(date.isoformat),
    st.integers(0, 99999).map(lambda y: f"Mon, 01 Jan {y:04d} 00:00:00 GMT"),
    st.integers(0, 9999).map(lambda y: f"{y:04d}-02-29T00:00:00Z"),
    st.sampled_from(["Sat, 31 Feb 2018 10:00:00 +0000", "2018-13-45", "yesterday", "September 9, 2018",
                     "Sun, 9 Sep 2018 25:61:61 GMT", "0000-00-00T00:00:00Z", "Mon, 01 Jan 0001 00:00:00 +1400"]),
    st.text(max_size=20),
)


def _xml_text() -> st.SearchStrategy[str]:
    # escaped (well-formed), raw (HTML markup inside XML, often malformed: feedparser's loose parser
    # then reads it, entities and all) or as a CDATA section
    return st.one_of(noisy_text().map(escape), html_page().map(lambda h: f"<![CDATA[{h}]]>"),
                     html_page().map(escape), html_page(), st.text(max_size=20))


def _element_if(name: str, value: st.SearchStrategy[str], attrs: str = "") -> st.SearchStrategy[str]:
    return st.one_of(st.just(""), value.map(lambda v: f"<{name}{attrs}>{v}</{name}>"))


RSS_ITEM = st.builds(
    lambda *parts: "<item>" + "".join(parts) + "</item>",
    _element_if("title", _xml_text()), _element_if("link", st.text(max_size=30).map(escape)),
    _element_if("guid", st.text(max_size=20).map(escape)), _element_if("pubDate", FEED_DATES.map(escape)),
    _element_if("description", _xml_text()), _element_if("content:encoded", _xml_text()),
)
ATOM_ENTRY = st.builds(
    lambda *parts: "<entry>" + "".join(parts) + "</entry>",
    _element_if("title", _xml_text()), _element_if("id", st.text(max_size=20).map(escape)),
    _element_if("updated", FEED_DATES.map(escape)), _element_if("published", FEED_DATES.map(escape)),
    st.sampled_from(["html", "text", "xhtml", "application/octet-stream"]).flatmap(
        lambda kind: _element_if("content", _xml_text(), f' type="{kind}"')),
    _element_if("summary", _xml_text()),
)


@st.composite
def feed_document(draw: st.DrawFn) -> str:
    """An RSS 2.0 or Atom document with random entries, dates and content, maybe cut short."""
    title = draw(_element_if("title", st.text(max_size=20).map(escape)))
    decl = draw(st.sampled_from(["", '<?xml version="1.0" encoding="utf-8"?>', '<?xml version="1.0"?>',
                                 '<?xml version="1.0" encoding="latin-1"?>']))
    if draw(st.booleans()):
        items = "".join(draw(st.lists(RSS_ITEM, max_size=4)))
        doc = (f'{decl}<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
               f"<channel>{title}{items}</channel></rss>")
    else:
        entries = "".join(draw(st.lists(ATOM_ENTRY, max_size=4)))
        doc = f'{decl}<feed xmlns="http://www.w3.org/2005/Atom">{title}{entries}</feed>'
    cut = draw(st.one_of(st.none(), st.integers(0, len(doc))))
    return doc if cut is None else doc[:cut]


# --- query parameters ---------------------------------------------------------------------------

API_PARAMS = ["since", "until", "bbox", "admin1", "event_type", "sub_event_type", "actor", "min_fatalities", "grade",
              "country", "located", "undated", "q", "where", "sort", "offset", "limit", "exact_total"]
#: values that have broken web APIs: numbers past 64 bits, floats' specials, impossible dates, bbox garbage
#: (Unicode digits match \\d), SQL wildcards and quotes, NUL, long text. No lone surrogates: the client
#: itself cannot encode them into a URL
API_VALUES = st.one_of(
    st.text(max_size=40),
    st.integers(-(10**30), 10**30).map(str),
    st.floats().map(repr),
    st.dates().map(date.isoformat),
    st.sampled_from([
        "2024-02-30", "0000-01-01", "9999-12-31", "2024-1-1", "+002024-01-01", "20240101", "1e10", "1700000000",
        "1,2,3", "1,2,3,4,5", "nan,0,0,0", "-180,-90,180,90", "181,0,0,0", "٣,٤,٥,٦", "1e3,0,0,0", " 1 , 2 , 3 , 4 ",
        "9" * 400 + ",0,0,0", "0.0,0.0,-0.0,0.0", "10,-5,-10,5", "-", "--event_date", "-grade", "id;drop table events",
        "true", "1", "yes", "on", "TRUE", "maybe", "%", "_", "%_%", "'", '"', "\\", "\x00", "SYR1", "xxx1", "ab",
        "Battles", "mob VIOLENCE", "sd", "Kharkiv", "ʼ", "İ", "ß", "ﬀ",
    ]),
    st.text(min_size=150, max_size=400),
)


# --- manifests, URLs, sentences, numbers, place names, ids ------------------------------------------

MANIFEST_PATHS = st.one_of(
    st.sampled_from(["a.txt", "b.html", "c.jsonl", "d.rss", "sub", "sub/e.txt", "missing.txt", "manifest.jsonl",
                     "../x.txt", "/nonexistent/x.txt", "", " ", ".", "a.txt\x00", "a.exe", "A.TXT"]),
    # no line breaks: collect.py echoes a missing path into its message (test_fuzz.py keeps that case apart)
    st.text(st.characters(exclude_characters="\n\r"), max_size=20),
)
MANIFEST_LINE = st.fixed_dictionaries(
    {"path": st.one_of(MANIFEST_PATHS, JSON)},
    optional={"published": PUBLISHED, "outlet": JSON, "title": JSON, "url": st.one_of(st.text(max_size=30), JSON)},
)
NEWS_DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
URLS = st.one_of(
    st.text(max_size=60),
    st.builds(lambda y, m, d, sep, tail: f"https://example.org/news/{y}{sep}{m}{sep}{d}{tail}",
              st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99), st.sampled_from(["/", "-", "_", ""]),
              st.sampled_from(["", "/", "/slug", ".html", "/slug.html?d=2018-09-09"])),
    st.sampled_from(["http://[::1", "http://[bad]/2018/09/09/", "//2018/09/09", "/2015/10/", "/2015/13/x"]),
)
TIME_WORDS = ["on Saturday", "Tueſday", "yesterday", "yeſterday", "the previous day", "last week", "overnight",
              "in 2019", "since 1999", "last May", "in May", "mid-December", "early ſeptember", "4 April 2017",
              "31 February", "Sept. 31", "2019-13-45", "2020-02-29", "after a raid on Tuesday", "December 31st",
              "this morning", "a day earlier", "ſunday's", "Dec", "١٢ March", "the day before yesterday"]
SENTENCE = st.lists(st.one_of(st.sampled_from(TIME_WORDS), st.sampled_from(PROSE), st.text(max_size=12)),
                    min_size=1, max_size=6).map(" ".join)
#: any publication day a record may give ("published": "0001-01-01" parses), the calendar's ends included
DAYS = st.one_of(st.dates(), st.sampled_from([date.min, date.max, date(1, 1, 6), date(9999, 12, 25)]))
ACTOR_WORDS = ["Syrian forces", "ſyrian forces", "Turkıſh troops", "Ukraınian police", "Syrian and Rusſian jets",
               "jets believed to be Ruſſian", "Russian and Syrian forces", "Iraqi army", "rebels", "ISIS fighters"]
ACTOR_SENTENCE = st.lists(st.one_of(st.sampled_from(ACTOR_WORDS), st.sampled_from(PROSE), st.text(max_size=12)),
                          min_size=1, max_size=5).map(" ".join)
NUMBERS = st.one_of(
    st.integers(0, 5000).map(str), st.integers(1000, 10**7).map("{:,}".format),
    st.sampled_from(["two", "dozens of", "a", "one", "hundreds of", "thousands of", "scores of", "1-2", "3–5",
                     "²", "³", "½", "١٢", "٣٤٥", "𝟗", "Ⅻ", "⑤", "12th", "0x10", "1e3", "-4", "1,0,0"]),
    st.text(st.characters(categories=["Nd", "No", "Nl"]), min_size=1, max_size=3),
)
PEOPLE = ["people", "civilians", "soldiers", "children", "fighters", "women", "residents"]
NAMES = ["Kafr Zeita", "Kafr Zaytah", "Kharkiv", "Харків", "Харьков", "كفر زيتا", "ﻛﻔﺮ", "Umm al-Mayadhin",
         "Taung Pyin Nge", "ရန်ကုန်", "Tall Salhab", "Ma'arat al-Nu'man", "ǅemal", "℡", "İstanbul", "Straße", "ﬀ"]
PLACE = st.one_of(st.text(), st.sampled_from(NAMES), st.lists(st.sampled_from(NAMES), max_size=3).map(" ".join),
                  st.text(ANY_CHAR, max_size=10))
RAW_QUERY = st.lists(st.sampled_from(["%", "%00", "%ff", "%FE%FF", "%C0%80", "%ZZ", "&", "=", "+", ";", "?", "#",
                                      "since", "bbox", "q", "limit", "admin1", "a", "1", "-", ".", "%2C", "%26"]),
                     max_size=12).map("".join)
ITEM_IDS = st.one_of(st.text(max_size=30), st.integers(-(2**70), 2**70).map(str),
                     st.sampled_from(["SYR10", "syr10", "XXX1", "XXX99999999999", "XXX" + "9" * 12, "points", "0",
                                      "1", "²", "XXX²", "XXX" + "9" * 30, "١٢", "𝟗", "1e3", "0x10", "+1", " 1", "1.0",
                                      "..", "%2F"]))
