"""Property-based fuzzing (Hypothesis) of everything that reads outside input: the readers, the date and
number parsers, the toponym folder and the API's query parameters.

The property everywhere: no uncaught exception. Bad input gives a clean result, the project's own
InputError (one line), or, from the collector, an IngestFailure item; where a real property exists
(a date printed is a date found, a toll said is a toll read, a fold key is stable) it is asserted too.

Profiles (see fuzz_strategies.py): ``pytest tests/test_fuzz.py`` runs the small, derandomized one;
the nightly run is

    WARWATCH_FUZZ=large pytest tests/test_fuzz.py --hypothesis-show-statistics

(1000 examples where the small profile has 60: about 45,000 inputs in all, against 2,700 in the small
profile's 15 s; a fresh random seed each run, and a failure prints the ``@reproduce_failure`` blob
that replays it).
"""

from __future__ import annotations

import codecs
import json
import re
import tempfile
import warnings
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from urllib.parse import quote
from xml.sax.saxutils import escape

import pytest
from fuzz_strategies import (
    ACTOR_SENTENCE,
    ANY_CHAR,
    API_PARAMS,
    API_VALUES,
    DAYS,
    FEED_DATES,
    INPUTS,
    ITEM_IDS,
    JSON,
    JSONL_RECORD,
    MANIFEST_LINE,
    NEWS_DATES,
    NUMBERS,
    PEOPLE,
    PLACE,
    PROSE,
    PUBLISHED,
    RAW_QUERY,
    SENTENCE,
    URLS,
    count_inputs,
    feed_document,
    fuzz,
    html_page,
    jsonl_lines,
    noisy_text,
    raw_bytes,
)
from hypothesis import given
from hypothesis import strategies as st
from reliability import record

from warwatch.errors import InputError
from warwatch.geocode import fold as folding
from warwatch.ingest import IngestFailure, collect
from warwatch.ingest import dates as ingest_dates
from warwatch.ingest.clean import has_text
from warwatch.ingest.collect import READERS, decode
from warwatch.ingest.feeds import read_feed
from warwatch.ingest.html import fragment_text, read_html
from warwatch.ingest.text import read_text
from warwatch.models import Article

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

#: an IngestFailure that names a Python exception ("KeyError: 'x'") is a crash the collector caught,
#: not a problem of the input put into words
INTERNAL = re.compile(r"^[A-Z]\w*(?:Error|Exception|Exit|Interrupt)\b")


@pytest.fixture(scope="module", autouse=True)
def _report_inputs():
    """After the module: how many inputs each target was given, for docs/reliability.md."""
    yield
    for name, n in INPUTS.items():
        record(f"fuzz:{name.removeprefix('test_')}", inputs=n, uncaught=0)



def one_line(message: str) -> None:
    assert isinstance(message, str) and message.strip(), "an empty message"
    assert "\n" not in message and "\r" not in message, f"a message of several lines: {message!r}"


def check_article(article: Article) -> None:
    assert isinstance(article, Article)
    assert isinstance(article.text, str) and article.text.strip(), "an article without text"
    assert isinstance(article.title, str)
    assert article.published is None or isinstance(article.published, date)
    assert (article.published is None) == (article.published_from is None)
    assert article.published_from in (None, *ingest_dates.PUBLISHED_SOURCES)


def check_collected(items: list) -> None:
    for item in items:
        if isinstance(item, IngestFailure):
            one_line(item.message)
            assert not INTERNAL.match(item.message), f"a crash reported as a failure: {item}"
        else:
            check_article(item)


def only_input_errors(call, *args, **kwargs):
    """``call``'s result, or None where it raised InputError (with a one-line message); anything else fails."""
    try:
        return call(*args, **kwargs)
    except InputError as exc:
        one_line(str(exc))
        return None


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the files of every example (each example gets its own folder inside it)."""
    return tmp_path_factory.mktemp("fuzz")


def collect_file(scratch: Path, name: str, data: bytes) -> list:
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        items = list(collect([path]))
        check_collected(items)
        if path.suffix.lower() in READERS:  # found in a folder walk, the same file gives the same answer
            assert [str(x) for x in collect([folder])] == [str(x) for x in items]
        return items


# --- the collector over files of each kind --------------------------------------------------------

EXTENSIONS = [".txt", ".html", ".htm", ".jsonl", ".xml", ".rss", ".atom", ".TXT", ".pdf", ""]


@fuzz(2)
@given(data=raw_bytes(), ext=st.sampled_from(EXTENSIONS))
@count_inputs
def test_collect_reads_any_bytes_as_articles_or_one_line_failures(scratch: Path, data: bytes, ext: str) -> None:
    items = collect_file(scratch, "doc" + ext, data)
    if not data and ext.lower() in READERS:
        assert [x.message for x in items if isinstance(x, IngestFailure)] in (["empty file"], [])
    if b"\x00" in data and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and ext in (".txt",):
        assert not any(isinstance(x, Article) for x in items), "a binary file read as an article"


@fuzz(0.5)
@given(page=html_page(), codec=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
@count_inputs
def test_collect_reads_any_html_page(scratch: Path, page: str, codec: str) -> None:
    items = collect_file(scratch, "page.html", page.encode(codec, "replace"))
    assert len(items) <= 1


@fuzz(1)
@given(lines=jsonl_lines(JSONL_RECORD), newline=st.sampled_from(["\n", "\r\n", "\r"]))
@count_inputs
def test_collect_reads_any_jsonl_lines_one_item_a_line(scratch: Path, lines: list[str], newline: str) -> None:
    text = newline.join(lines)
    items = collect_file(scratch, "records.jsonl", text.encode("utf-8", "surrogatepass"))
    # one item a line, or two where a date that cannot be read adds a failure to the line's article
    assert len(items) <= 2 * max(1, sum(1 for line in text.splitlines() if line.strip()))


@fuzz(1)
@given(doc=feed_document(), ext=st.sampled_from([".xml", ".rss", ".atom"]))
@count_inputs
def test_collect_reads_any_feed(scratch: Path, doc: str, ext: str) -> None:
    collect_file(scratch, "feed" + ext, doc.encode("utf-8", "surrogatepass"))


ARTICLE = "Russian jets struck Kafr Zeita on Saturday, killing at least five people, rescuers said.\n"


def collect_manifest(scratch: Path, lines: list[str], explicit: bool) -> list:
    """The manifest's lines, beside a few real files it may name, collected as the manifest or as its folder."""
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        root = Path(folder)
        (root / "sub").mkdir()
        (root / "a.txt").write_text("Title\n\n" + ARTICLE, encoding="utf-8")
        (root / "sub" / "e.txt").write_text(ARTICLE, encoding="utf-8")
        (root / "b.html").write_text(f"<html><body><p>{ARTICLE}</p></body></html>", encoding="utf-8")
        (root / "c.jsonl").write_text(json.dumps({"text": ARTICLE}) + "\n", encoding="utf-8")
        manifest = root / "manifest.jsonl"
        manifest.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass"))
        items = list(collect(manifest=manifest) if explicit else collect([root]))
        check_collected(items)
        # every file is read once, however many lines (or the folder walk) name it
        sources = [x.path for x in items if isinstance(x, Article) and not x.path.endswith(".jsonl")]
        assert len(sources) == len(set(sources))
        return items


@fuzz(1)
@given(lines=jsonl_lines(MANIFEST_LINE), explicit=st.booleans())
@count_inputs
def test_collect_reads_any_manifest(scratch: Path, lines: list[str], explicit: bool) -> None:
    collect_manifest(scratch, lines, explicit)


# Crashes the fuzzing found in collect.py, kept as their reproducers.
def test_collect_reports_a_jsonl_number_past_4300_digits_as_bad_json(scratch: Path) -> None:
    items = collect_file(scratch, "records.jsonl", ('{"text": "x", "id": ' + "1" * 4301 + "}").encode())
    assert [type(x) for x in items] == [IngestFailure]


@pytest.mark.parametrize("explicit", [True, False])
def test_collect_reports_a_manifest_path_with_a_line_break_in_one_line(scratch: Path, explicit: bool) -> None:
    collect_manifest(scratch, [json.dumps({"path": "missing\nfile.txt"})], explicit)


@pytest.mark.parametrize("explicit", [True, False])
def test_collect_reports_a_manifest_path_longer_than_a_file_name_may_be(scratch: Path, explicit: bool) -> None:
    items = collect_manifest(scratch, [json.dumps({"path": "a" * 300})], explicit)
    assert [x.source.rsplit(":", 1)[1] for x in items if isinstance(x, IngestFailure)] == ["1"]


@pytest.mark.parametrize("explicit", [True, False])
def test_collect_reports_a_manifest_line_with_a_number_past_4300_digits(scratch: Path, explicit: bool) -> None:
    items = collect_manifest(scratch, [json.dumps({"path": "a.txt"}), '{"path": "b.html", "n": ' + "1" * 4301 + "}"],
                             explicit)
    assert [x.source.rsplit(":", 1)[1] for x in items if isinstance(x, IngestFailure)] == ["2"]


# --- the readers themselves: InputError or an article -------------------------------------------


@fuzz(2)
@given(raw=noisy_text(ANY_CHAR), title=st.one_of(st.none(), st.text(ANY_CHAR, max_size=30)))
@count_inputs
def test_read_text_gives_an_article_with_text_or_input_error(raw: str, title: str | None) -> None:
    article = only_input_errors(read_text, raw, path="x.txt", title=title)
    if article is not None:
        check_article(article)
        assert has_text(article.text)
        assert article.published is None or ingest_dates.plausible_published(article.published)


@fuzz(0.5)
@given(raw=st.one_of(html_page(), noisy_text(ANY_CHAR)), url=st.one_of(st.none(), st.text(max_size=40)))
@count_inputs
def test_read_html_gives_an_article_with_text_or_input_error(raw: str, url: str | None) -> None:
    article = only_input_errors(read_html, raw, path="x.html", url=url)
    if article is not None:
        check_article(article)
        assert has_text(article.text)


@fuzz(2)
@given(html=st.one_of(html_page(), noisy_text(ANY_CHAR)))
@count_inputs
def test_fragment_text_is_total_and_gives_normalised_text(html: str) -> None:
    text = fragment_text(html)
    assert isinstance(text, str)
    assert "\r" not in text and all(line == line.strip() for line in text.split("\n"))


@fuzz(1)
@given(doc=st.one_of(feed_document(), feed_document().map(lambda d: d.encode("utf-8", "surrogatepass")), raw_bytes()))
@count_inputs
def test_read_feed_yields_numbered_entries_or_input_error(doc: str | bytes) -> None:
    entries = only_input_errors(lambda: list(read_feed(doc, path="feed.xml")))
    for n, (number, item) in enumerate(entries or [], start=1):
        assert number == n
        if isinstance(item, str):
            one_line(item)
        else:
            check_article(item)
            assert item.published_from in (None, "feed", "dateline")


@fuzz(1)
@given(date_text=FEED_DATES)
@count_inputs
def test_a_feed_entry_with_any_date_is_read(date_text: str) -> None:
    doc = (f"<rss version='2.0'><channel><title>T</title><item><title>Strike</title><pubDate>{escape(date_text)}"
           f"</pubDate><description>{ARTICLE}</description></item></channel></rss>").encode("utf-8", "replace")
    entries = only_input_errors(lambda: list(read_feed(doc)))
    assert entries is not None and len(entries) == 1 and isinstance(entries[0][1], Article)


@fuzz(2)
@given(data=raw_bytes(), kind=st.sampled_from(["text", "html", "feed", "jsonl"]))
@count_inputs
def test_decode_gives_text_or_input_error(data: bytes, kind: str) -> None:
    text = only_input_errors(decode, data, kind)
    assert text is None or isinstance(text, str)


@fuzz(2)
@given(text=st.text(), bom=st.booleans())
@count_inputs
def test_decode_round_trips_utf8_and_utf16(text: str, bom: bool) -> None:
    utf8 = (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8")
    if "\x00" in text:
        with pytest.raises(InputError):
            decode(utf8)
    else:
        assert decode(utf8) == (text[1:] if not bom and text.startswith("\ufeff") else text)
    for mark, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        assert decode(mark + text.encode(codec)) == text


@fuzz(1)
@given(text=st.text(st.characters(codec="cp1252", exclude_characters="\x00"), max_size=40),
       codec=st.sampled_from(["cp1252", "latin-1", "koi8-r", "shift_jis"]))
@count_inputs
def test_decode_follows_an_html_pages_declared_charset(text: str, codec: str) -> None:
    data = f'<meta charset="{codec}"><p>{text}</p>'.encode(codec, "replace")
    decoded = decode(data, "html")
    try:
        assert decoded == data.decode("utf-8")  # bytes that are UTF-8 as well are read as UTF-8
    except UnicodeDecodeError:
        assert decoded == data.decode(codec)


# --- publication dates (ingest.dates) -------------------------------------------------------------

MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December"]


def printed(day: date, shape: int) -> str:
    month = MONTH_NAMES[day.month - 1]
    return [day.isoformat(), f"{month} {day.day}, {day.year}", f"{day.day} {month} {day.year}",
            f"{month[:3]}. {day.day} {day.year}", f"{day.day}th of {month}, {day.year}"][shape]


@fuzz(2)
@given(text=noisy_text(max_pieces=8))
@count_inputs
def test_find_dates_gives_ordered_disjoint_spans_of_real_dates(text: str) -> None:
    found = ingest_dates.find_dates(text)
    assert found == sorted(found)
    for start, end, value in found:
        assert 0 <= start < end <= len(text) and 1900 <= value.year <= 2099
    assert all(end <= after for (_, end, _), (after, _, _) in pairwise(found))


@fuzz(2)
@given(day=NEWS_DATES, shape=st.integers(0, 4), before=st.text(st.characters(exclude_categories=["Nd", "No"])),
       after=st.text(st.characters(exclude_categories=["Nd", "No"])))
@count_inputs
def test_a_printed_date_is_found_where_it_is_printed(day: date, shape: int, before: str, after: str) -> None:
    text = f"{before} {printed(day, shape)} {after}"
    start = len(before) + 1
    assert any(s <= start + 1 and value == day for s, _, value in ingest_dates.find_dates(text)), text


@fuzz(2)
@given(line=st.one_of(noisy_text(max_pieces=6), st.sampled_from(PROSE)))
@count_inputs
def test_dateline_helpers_are_total_and_keep_publication_days_plausible(line: str) -> None:
    found, rest = ingest_dates.split_dateline(line)
    assert isinstance(rest, str) and (found is None or isinstance(found, date))
    assert ingest_dates.dateline_date(line) in (None, found)
    glued = ingest_dates.leading_date(line)
    if glued is not None:
        assert line.endswith(glued[1]) and isinstance(glued[0], date)
    credited = ingest_dates.credit_dateline(line)
    assert credited is None or ingest_dates.plausible_published(credited) == credited


@fuzz(2)
@given(url=st.one_of(st.none(), URLS), value=st.one_of(st.none(), st.dates()))
@count_inputs
def test_url_dates_are_plausible_publication_days(url: str | None, value: date | None) -> None:
    day = ingest_dates.url_date(url)
    assert day is None or ingest_dates.plausible_published(day) == day
    month = ingest_dates.url_month(url)
    assert month is None or (1 <= month[1] <= 12 and day is None)
    assert ingest_dates.within_url_month(value, url) in (True, False)


@fuzz(1)
@given(day=st.dates(min_value=ingest_dates.EARLIEST_PUBLISHED, max_value=date.today()),
       shape=st.sampled_from(["{:%Y/%m/%d}/", "{:%Y-%m-%d}/", "{:%Y%m%d}/", "story-{:%Y-%m-%d}.html"]))
@count_inputs
def test_a_day_in_a_url_path_round_trips(day: date, shape: str) -> None:
    assert ingest_dates.url_date("https://example.org/world/" + shape.format(day) + "?id=19991231") == day


@fuzz(2)
@given(value=st.one_of(PUBLISHED, JSON))
@count_inputs
def test_parse_iso_date_gives_a_date_or_a_one_line_value_error(value: object) -> None:
    try:
        parsed = ingest_dates.parse_iso_date(value)
    except ValueError as exc:  # documented: a value present but not a date
        one_line(str(exc))
        return
    assert parsed is None or isinstance(parsed, date)


@fuzz(1)
@given(day=st.dates(), time=st.sampled_from(["", "T10:00:00Z", " 23:59:59.5+14:00", "T00:00-0330"]))
@count_inputs
def test_parse_iso_date_round_trips_every_calendar_day(day: date, time: str) -> None:
    assert ingest_dates.parse_iso_date(day.isoformat() + time) == day


@fuzz(1)
@given(candidates=st.lists(st.tuples(st.one_of(st.none(), st.dates()),
                                     st.one_of(st.none(), st.sampled_from(ingest_dates.PUBLISHED_SOURCES),
                                               st.text(max_size=5))), max_size=5))
@count_inputs
def test_best_published_takes_the_most_trusted_dated_source(candidates: list) -> None:
    day, source = ingest_dates.best_published(*candidates)
    dated = [(d, s) for d, s in candidates if d is not None and s in ingest_dates.PUBLISHED_SOURCES]
    assert (day, source) == (min(dated, key=lambda x: ingest_dates.PUBLISHED_SOURCES.index(x[1])) if dated
                             else (None, None))


# --- event dates and tolls (extract: spaCy sentences) --------------------------------------------


@pytest.fixture(scope="module")
def nlp():
    from warwatch.extract.nlp import load_nlp

    return load_nlp()



@fuzz(0.5)
@given(text=SENTENCE, published=DAYS, anchor=st.one_of(st.none(), DAYS))
@count_inputs
def test_event_dates_resolve_for_any_publication_day(nlp, text: str, published: date, anchor: date | None) -> None:
    from warwatch.extract.dates import find_dates

    doc = nlp(text)
    for sent in doc.sents:
        refs = find_dates(sent, published, anchor)
        assert [r.start for r in refs] == sorted(r.start for r in refs)
        for ref in refs:
            assert isinstance(ref.value, date) and ref.precision in (1, 2, 3, 4) and 0 <= ref.strength <= 3
            assert doc.text[ref.start : ref.end] == ref.text and ref.role in ("event", "background")


@fuzz(0.5)
@given(day=NEWS_DATES, published=DAYS, shape=st.integers(1, 2))
@count_inputs
def test_an_explicit_event_date_keeps_its_own_year(nlp, day: date, published: date, shape: int) -> None:
    from warwatch.extract.dates import find_dates

    doc = nlp(f"The market was shelled on {printed(day, shape)}, residents said.")
    assert [(r.value, r.absolute) for r in find_dates(doc[:], published) if r.precision == 1] == [(day, True)]


@pytest.mark.parametrize("day", [date.min, date.max])
def test_a_batch_published_at_the_calendars_ends_has_a_theatre(tmp_path: Path, day: date) -> None:
    from warwatch.pipeline import stored_theatre
    from warwatch.store import Store

    with Store(tmp_path / "theatre.db") as store:
        stored_theatre(store, [day])


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_placeholder_publication_day_leaves_the_article_undated(tmp_path: Path, day: str) -> None:
    """0001-01-01 is many systems' empty date: no page came out then, and events dated against it
    would fall off the calendar."""
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps({"text": "Shelling killed three people in Idlib on Monday.", "published": day}) + "\n",
                    encoding="utf-8")
    [article] = collect([path])
    assert isinstance(article, Article) and article.published is None


@fuzz(0.5)
@given(words=ACTOR_SENTENCE, country=st.sampled_from([None, "Syria", "Ukraine", "Nigeria"]))
@count_inputs
def test_actors_are_read_from_any_sentence(nlp, words: str, country: str | None) -> None:
    from warwatch.extract.actors import find_actors

    doc = nlp(words)
    for sent in doc.sents:
        for actor in find_actors(sent, country):
            assert doc.text[actor.start : actor.end] == actor.text and actor.name


@fuzz(0.5)
@given(number=NUMBERS, noun=st.sampled_from([*PEOPLE, "shells", "", "of them"]),
       verb=st.sampled_from(["killed", "wounded", "injured", "missing", "dead", "arrested", "hurt"]),
       rest=st.sampled_from(["", " in Kafr Zeita.", ", including five children.", " and 3 others wounded."]))
@count_inputs
def test_read_toll_is_total_and_gives_counts_of_people(nlp, number: str, noun: str, verb: str, rest: str) -> None:
    from warwatch.extract.numbers import read_toll

    doc = nlp(f"At least {number} {noun} were {verb}{rest}")
    for sent in doc.sents:
        toll = read_toll(sent)
        for count, text in ((toll.killed, toll.killed_text), (toll.injured, toll.injured_text)):
            assert (count is None) == (text is None)
            assert count is None or (isinstance(count, int) and count >= 0)


@fuzz(0.5)
@given(n=st.integers(2, 999), noun=st.sampled_from(PEOPLE), verb=st.sampled_from(["killed", "wounded", "injured"]))
@count_inputs
def test_a_toll_said_is_the_toll_read(nlp, n: int, noun: str, verb: str) -> None:
    from warwatch.extract.numbers import read_toll

    toll = read_toll(nlp(f"{n} {noun} were {verb} in the shelling of the town.")[:])
    assert (toll.killed if verb == "killed" else toll.injured) == n


# --- the toponym folder ---------------------------------------------------------------------------

#: what ascii_fold leaves: lower-case ASCII letters, digits, Arabic script, single spaces
FOLDED = re.compile(r"(?:[0-9a-z\u0600-\u06ff]+(?: [0-9a-z\u0600-\u06ff]+)*)?")


@fuzz(3)
@given(name=PLACE)
@count_inputs
def test_ascii_fold_is_total_idempotent_and_keeps_only_word_characters(name: str) -> None:
    folded = folding.ascii_fold(name)
    assert FOLDED.fullmatch(folded), folded
    assert folding.ascii_fold(folded) == folded
    if name.isascii():
        assert folded == folding.ascii_fold(name.upper()) == folding.ascii_fold(name.lower())


@fuzz(3)
@given(name=PLACE)
@count_inputs
def test_fold_keys_are_total_and_agree_with_each_other(name: str) -> None:
    key = folding.fold(name)
    assert isinstance(key, str) and not any(ch.isspace() for ch in key)
    assert folding.name_keys(name)[0] == key
    skeleton = folding.skeleton(key)
    assert folding.skeleton(skeleton) == skeleton
    assert folding.consonant_key(name) == "" or folding.consonant_key(name).startswith(folding.CONSONANT_PREFIX)
    assert folding.burmese_key(name) == "" or folding.burmese_key(name).startswith("mm:")
    assert all(word and " " not in word for word in folding.words(name))
    assert isinstance(folding.cyrillic_to_latin(name), str)
    if name.isascii():
        assert key == folding.fold(name.upper())


# --- the API's query parameters -------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory):
    """The real app over a small real store: events of all six ACLED types, each with its article."""
    from typed_events import store_typed

    from warwatch.serve.api import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    db = store_typed(tmp_path_factory.mktemp("fuzz-api") / "typed.db")
    with TestClient(create_app(db, tiles=None)) as client:
        yield client


def check_answer(response) -> None:
    """Never a 5xx; an error is JSON with a message."""
    assert response.status_code < 500, (response.request.url, response.status_code, response.text[:300])
    if response.status_code >= 400 and response.request.url.path.startswith("/api/"):
        body = response.json()
        assert isinstance(body.get("message"), str) and body["message"].strip(), body


LISTINGS = ["/api/events", "/api/events/points", "/api/events.csv", "/api/events.geojson", "/api/stats/daily"]
PARAMS = st.lists(st.tuples(st.one_of(st.sampled_from(API_PARAMS), st.text(max_size=8)), API_VALUES), max_size=6)


@fuzz(2)
@given(path=st.sampled_from(LISTINGS), params=PARAMS)
@count_inputs
def test_listings_answer_hostile_query_parameters_without_a_server_error(api, path: str, params: list) -> None:
    response = api.get(path, params=params)
    check_answer(response)
    if response.status_code == 200 and path == "/api/events":
        body = response.json()
        assert len(body["events"]) <= body["limit"]
        assert body["total_capped"] or body["total"] >= body["offset"] + len(body["events"]) or not body["events"]
    elif response.status_code == 200 and path == "/api/events.csv":
        assert response.text.startswith("event_id_cnty,")
    elif response.status_code == 200:
        response.json()


@pytest.fixture(scope="module")
def report_api(api):
    """The same app, with no render limit: the fuzzer asks for far more reports than a client may."""
    from warwatch.serve import report_api as module
    from warwatch.serve.security import FailedAttempts

    reports = module._Reports()
    reports.renders = FailedAttempts(limit=10**9, window=60.0)
    api.app.state.reports = reports
    return api


@fuzz(1)
@given(fmt=st.sampled_from(["html", "md", "pdf"]), params=PARAMS)
@count_inputs
def test_report_answers_hostile_filters_without_a_server_error(report_api, fmt: str, params: list) -> None:
    response = report_api.get("/api/report", params=[*params, ("format", fmt)])
    check_answer(response)
    if response.status_code == 200:
        assert response.content.startswith({"html": b"<!DOCTYPE html>", "pdf": b"%PDF-", "md": b"PK"}[fmt])


@fuzz(1)
@given(path=st.sampled_from(LISTINGS), raw=RAW_QUERY)
@count_inputs
def test_listings_answer_raw_query_strings_without_a_server_error(api, path: str, raw: str) -> None:
    check_answer(api.get(f"{path}?{raw}"))


@fuzz(2)
@given(kind=st.sampled_from(["/api/events/", "/api/articles/"]), item=ITEM_IDS)
@count_inputs
def test_item_endpoints_answer_any_id_without_a_server_error(api, kind: str, item: str) -> None:
    target = kind + quote(item, safe="")
    response = api.get(target, follow_redirects=False)
    check_answer(response)
    # (the client resolves "." and ".." itself, and "points" is the map's own route)
    if response.status_code == 200 and kind == "/api/events/" and item != "points" and response.url.path == target:
        assert response.json()["event_id"].upper() == item.strip().upper()


@fuzz(1)
@given(kind=st.sampled_from(["/events/", "/articles/"]), item=ITEM_IDS)
@count_inputs
def test_item_pages_answer_any_id_without_a_server_error(api, kind: str, item: str) -> None:
    check_answer(api.get(kind + quote(item, safe=""), follow_redirects=False))


@pytest.mark.parametrize("item", ["²", "1²", "⑤"])
def test_the_article_page_answers_a_superscript_id_with_404(api, item: str) -> None:
    assert api.get("/articles/" + quote(item, safe="")).status_code == 404


@fuzz(1)
@given(since=st.dates(min_value=date(1, 1, 6)), days=st.integers(-5, 4000))
@count_inputs
def test_a_date_range_answers_its_own_events_and_a_reversed_one_is_a_422(api, since: date, days: int) -> None:
    until = min(since + timedelta(days=days), date.max)
    response = api.get("/api/events", params={"since": since.isoformat(), "until": until.isoformat(), "limit": 1000})
    check_answer(response)
    if until < since:
        assert response.status_code == 422 and "until" in response.json()["message"]
    else:
        assert response.status_code == 200
        assert all(since <= date.fromisoformat(e["event_date"]) <= until for e in response.json()["events"])
