"""ingest: real seed articles, HTML pages, JSONL, feeds, manifests and bad files in tests/data/ingest."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

import warwatch
from warwatch.errors import InputError
from warwatch.ingest import IngestFailure, clean_text, collect, read_html, read_text
from warwatch.ingest.clean import clean_line, compile_rule
from warwatch.ingest.dates import dateline_date, parse_iso_date
from warwatch.ingest.text import is_byline
from warwatch.models import Article

SAMPLES = Path(warwatch.__file__).parent / "samples"
DATA = Path(__file__).parent / "data" / "ingest"
BOILERPLATE = Path(warwatch.__file__).parent / "ingest" / "boilerplate.json"


def articles(items) -> list[Article]:
    return [x for x in items if isinstance(x, Article)]


def failures(items) -> list[IngestFailure]:
    return [x for x in items if isinstance(x, IngestFailure)]


def paragraphs(text: str) -> list[str]:
    return text.split("\n\n")


@pytest.fixture(scope="module")
def seeds() -> dict[str, Article]:
    items = list(collect(manifest=SAMPLES / "manifest.jsonl"))
    assert failures(items) == []
    return {a.doc_id[:3]: a for a in articles(items)}


# --- the five real seed articles -----------------------------------------------------------


def test_seed_manifest_order_titles_dates_outlets(seeds):
    assert list(seeds) == ["000", "001", "002", "003", "004"]
    assert seeds["000"].title == "Syria and Russia Resume Air Strikes in Rebel-held Idlib"
    assert seeds["001"].title == "Russian and Syrian Jets Pound Idlib Province After Summit"
    assert seeds["002"].title == "After Tehran talks, Syria and Russia forces step up Idlib attacks"
    assert seeds["003"].title == "Syrian regime amassing for renewed Idlib offensive say rebels"
    assert seeds["004"].title == "Russian, Syrian forces escalate attacks on rebel-held areas"
    assert [a.published for a in seeds.values()] == [
        date(2018, 9, 9),
        date(2018, 9, 9),
        date(2018, 9, 8),
        date(2019, 9, 12),
        date(2019, 5, 2),
    ]
    assert [a.outlet for a in seeds.values()] == [
        "The Epoch Times",
        None,
        "Al Jazeera",
        "The National",
        "Al Jazeera",
    ]
    a = seeds["002"]
    assert a.doc_id == "002_a8106be745b31416"
    assert a.path == str(SAMPLES / "002_a8106be745b31416.txt")
    assert not a.text.startswith(a.title)  # the title is not repeated in the text


@pytest.mark.parametrize("stem", ["000_d0690dbae0bbc7f2", "001_d2c5ac03fb099af7"])
def test_seed_dateline_is_the_published_date_and_leaves_the_text(stem):
    article = read_text((SAMPLES / f"{stem}.txt").read_text("utf-8"), path=str(SAMPLES / f"{stem}.txt"))
    assert article.published == date(2018, 9, 9)
    assert "Updated:" not in article.text
    assert "September 9, 2018" not in article.text.split("\n\n")[0]
    assert article.doc_id == stem


def test_seeds_without_dateline_have_no_date_of_their_own():
    for stem in ("002_a8106be745b31416", "003_3346e5f4d490c41b", "004_a4b19aa4bc454938"):
        assert read_text((SAMPLES / f"{stem}.txt").read_text("utf-8")).published is None


def test_seed_001_byline_and_furniture_removed(seeds):
    text = seeds["001"].text
    assert "Minnie Murray" not in text
    assert not text.startswith("September")
    for furniture in ("Other reports by", "Discuss This Article", "We want to keep our journalism"):
        assert furniture not in text
    # the donation appeal sat inside a paragraph: the quotes around it stay
    assert '"Russia\'s message is clear", argues Mr. Yetkın. "We don\'t want Idlib' in text
    assert text.endswith("in conjunction with British and French forces.")


def test_seed_002_comment_form_removed(seeds):
    text = seeds["002"].text
    for furniture in ("Add a Comment", "Your email address", "Required fields are marked"):
        assert furniture not in text
    assert text.endswith("which would affect both Turkey and Europe.")
    assert "One hospital in the village of Hass in southern Idlib was destroyed by a barrel bomb" in text


def test_seed_003_caption_kept_without_credit_and_translation_notice_removed(seeds):
    text = seeds["003"].text
    assert "Beta V.1.0" not in text and "automated translation" not in text
    assert "AFP" not in text and "KADOUR" not in text
    caption = next(p for p in paragraphs(text) if "al-Daher" in p)
    assert caption.startswith(
        "Syrian men look at a destroyed sheep pen following a reported Russian air strike"
    )
    assert caption.endswith("since it declared a truce on August 31, a war monitor said.")
    # the standfirst under the title is article text, not a byline
    assert paragraphs(text)[0].startswith("After an 11-day pause")


def test_seed_000_and_004_credits_removed(seeds):
    assert "contributed to this report" not in seeds["000"].text
    assert seeds["000"].text.endswith("the ICG call is becoming increasingly urgent.")
    assert "Source: Al Jazeera" not in seeds["004"].text
    assert "Kfr Nabouda" in seeds["004"].text


def test_paragraph_breaks_are_kept(seeds):
    for article in seeds.values():
        assert "\n\n" in article.text and "\n\n\n" not in article.text
        assert all(p.strip() == p and p for p in paragraphs(article.text))
    assert "Warnings of a Bloodbath" in paragraphs(seeds["000"].text)  # a heading is its own paragraph


# --- plain-text layouts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dateline, expected",
    [
        ("September 9, 2018", date(2018, 9, 9)),
        ("September 9, 2018 Updated: September 9, 2018", date(2018, 9, 9)),
        ("9 September 2018", date(2018, 9, 9)),
        ("Sept. 9, 2018", date(2018, 9, 9)),
        ("Saturday, 8 September, 2018 - 18:30", date(2018, 9, 8)),
        ("Last Modified: Sunday, 9 September 2018 14:02 UTC", date(2018, 9, 9)),
        ("By Tom Perry | Sept 9, 2018", date(2018, 9, 9)),
        ("2018-09-08", date(2018, 9, 8)),
    ],
)
def test_dateline_shapes(dateline, expected):
    body = "Jets struck the town of Ariha in Idlib on Sunday, rescuers said."
    raw = f"Jets strike Idlib\n\n{dateline}\n\n{body}\n"
    article = read_text(raw)
    assert article.published == expected
    assert article.title == "Jets strike Idlib"
    assert article.text == "Jets struck the town of Ariha in Idlib on Sunday, rescuers said."


def test_a_date_inside_a_sentence_is_not_a_dateline():
    raw = "Jets strike Idlib\n\nOn September 9, 2018 jets struck the town of Ariha, rescuers said.\n"
    article = read_text(raw)
    assert article.published is None
    assert article.text.startswith("On September 9, 2018 jets struck")
    assert dateline_date("February 30, 2018") is None


def test_byline_detection():
    for byline in (
        "Minnie Murray",
        "By Tom Perry, Reuters",
        "By Tom Perry and Suleiman Al-Khalidi",
        "Bashar al-Assad",
    ):
        assert is_byline(byline), byline
    for heading in ("Warnings of a Bloodbath", "What next after Tehran summit?", "Idlib", "September 9"):
        assert not is_byline(heading), heading


def test_banner_and_doubled_headline():
    path = DATA / "layouts" / "banner_double_title.txt"
    [article] = articles(collect([path]))
    assert article.title == "Jets Pound Southern Idlib after Failed Summit"
    assert article.published == date(2018, 9, 8)
    assert "Levant Daily" not in article.text and "Failed Summit" not in article.text
    assert paragraphs(article.text)[0] == (
        "A boy stands outside a tent in a camp for people displaced from southern Idlib."
    )


def test_date_glued_to_first_paragraph_and_no_headline():
    [article] = articles(collect([DATA / "layouts" / "glued_date.txt"]))
    assert article.published == date(2018, 9, 8)
    assert article.text.startswith("Warplanes pounded towns in Syria's opposition-held Idlib")
    assert "date 2018" not in article.text
    assert article.title.startswith("Warplanes pounded towns") and len(article.title) <= 151


def test_related_links_credits_and_comments_removed():
    [article] = articles(collect([DATA / "layouts" / "related_links.txt"]))
    text = article.text
    for furniture in (
        "Air raids kill four",
        "READ MORE",
        "Why Idlib matters",
        "Getty",
        "Photograph",
        "Comments",
        "diplomacy fails",
    ):
        assert furniture not in text, furniture
    assert (
        "Smoke rises over the town of Khan Sheikhoun on the southern edge of Idlib province on "
        "September 8, 2018." in paragraphs(text)
    )
    assert text.endswith("the monitor added.")


def test_clean_text_rules():
    raw = (
        "Para one.\n\n\n\nComments\n\nPara two is long enough to keep, and it stays.\n\n"
        "Para two is long enough "
        "to keep, and it stays.\n\nShare this article\n\nPara three.\n\nLeave a Reply\n\nA reader's comment."
    )
    # an early "Comments" line is dropped alone; a late "Leave a Reply" ends the article
    assert clean_text(raw) == "Para one.\n\nPara two is long enough to keep, and it stays.\n\nPara three."
    assert clean_text("a\u00a0 b\r\nc\u200b d") == "a b\nc d"


def test_every_boilerplate_pattern_removes_its_examples_and_keeps_its_counterexamples():
    data = json.loads(BOILERPLATE.read_text("utf-8"))
    assert len(data["patterns"]) >= 20
    for entry in data["patterns"]:
        rule = compile_rule(entry, data["vocab"])
        assert entry["examples"], entry["family"]
        for example in entry["examples"]:
            raw, expected = (example, "") if isinstance(example, str) else example
            match = rule.regex.fullmatch(raw) if rule.scope in ("line", "tail") else rule.regex.search(raw)
            assert match, (entry["family"], raw)
            assert clean_line(raw) == expected, (entry["family"], raw)
        for example in entry.get("keep", []):
            raw, expected = (example, example) if isinstance(example, str) else example
            assert clean_line(raw) == expected, (entry["family"], raw)


# --- HTML ------------------------------------------------------------------------------------


def test_html_page_with_nav_share_comments_footer():
    [article] = articles(collect([DATA / "maarat_strike.html"]))
    assert article.title == "Air strikes kill nine in Maarat al-Numan market"
    assert article.published == date(2019, 7, 22)
    assert article.outlet == "Levant Daily Monitor"
    assert article.url == "https://levantdaily.example/syria/2019/07/22/maarat-market-strike"
    assert article.doc_id == "maarat_strike"
    text = article.text
    for furniture in (
        "Share",
        "Tweet",
        "WhatsApp",
        "cookies",
        "Subscribe",
        "Related stories",
        "Kafranbel",
        "Sign up",
        "Comments",
        "massacre",
        "Leave a Reply",
        "Your email",
        "rights reserved",
        "Follow us",
        "Tags",
        "Home",
        "Privacy",
        "Rania Khalil",
        "AFP",
        "HAJ KADOUR",
    ):
        assert furniture not in text, furniture
    paras = paragraphs(text)
    # the lead photo's caption (outside the body) is kept, without its credit
    assert paras[0] == (
        "Civil defence workers search the rubble of the vegetable market in Maarat al-Numan on July 22, 2019."
    )
    assert paras[1].startswith("Air strikes on a crowded vegetable market in the town of Maarat al-Numan")
    assert paras[-1].startswith("More than 400 civilians have been killed")
    assert len(paras) == 6


def test_html_page_inline_furniture_and_in_body_caption():
    [article] = articles(collect([DATA / "hass_hospital.htm"]))
    assert article.title == "Barrel bombs put Hass hospital out of service"
    assert article.published == date(2018, 9, 8)
    assert article.outlet == "Northwest Syria Bulletin"
    text = article.text
    assert not text.startswith(article.title)
    for furniture in (
        "Read more",
        "Shelling of Kafr Zeita kills three",
        "contributed to this report",
        "Photo: Reuters",
        "Most read",
        "Discuss",
        "Posted on",
        "Filed under",
        "Log in",
    ):
        assert furniture not in text, furniture
    assert (
        "Smoke rises over Hass village in southern Idlib after an air raid on September 8, 2018."
        in paragraphs(text)
    )
    assert "shelling by government forces wounded four civilians" in text


def test_html_page_declared_windows_1252_with_furniture_inside_the_body():
    [article] = articles(collect([DATA / "kafr_nabudah_cp1252.html"]))
    assert article.title == "Shelling kills family in Kafr Nabudah"
    assert article.published == date(2019, 5, 3)
    assert article.outlet == "Frontline Wire"
    text = article.text
    assert text.startswith("BEIRUT – Government shelling killed five members")  # cp1252 en dash decoded
    for furniture in (
        "READ MORE",
        "Sign up",
        "our journalism",
        "Reporting by",
        "Copyright",
        "| World",
        "Comments are closed",
        "Layla Haddad",
        "Share this",
    ):
        assert furniture not in text, furniture
    # the appeal sat mid-paragraph: the sentences around it stay in the same paragraph
    assert (
        "according to the United Nations. Aid groups say camps near the Turkish border are already full."
        in text
    )


def test_read_html_small_page_and_url_argument():
    html = (
        "<html><body><h1>Jets strike Ariha</h1>"
        "<p>Jets struck Ariha on Monday, killing three.</p></body></html>"
    )
    article = read_html(html, url="https://news.example/ariha")
    assert article.title == "Jets strike Ariha"
    assert article.text == "Jets struck Ariha on Monday, killing three."
    assert article.url == "https://news.example/ariha"
    with pytest.raises(InputError):
        read_html("<html><body><nav>Home | News</nav></body></html>")


# --- JSONL -----------------------------------------------------------------------------------


def test_jsonl_with_malformed_and_incomplete_lines():
    path = DATA / "articles.jsonl"
    items = list(collect([path]))
    assert [a.doc_id for a in articles(items)] == ["sy-0001", "articles:2", "page-1", "bad-date"]
    assert [(f.source, f.message.split(" (")[0]) for f in failures(items)] == [
        (f"{path}:3", "not valid JSON"),
        (f"{path}:6", 'line has neither "text" nor "html"'),
        (f"{path}:7", "bad published date '2018-02-30'"),
        (f"{path}:8", "expected a JSON object, got list"),
    ]
    assert str(failures(items)[0]).startswith(f"{path}:3: not valid JSON")
    first, second, page, bad_date = articles(items)
    assert (first.title, first.published, first.outlet, first.url) == (
        "Jets strike Khan Sheikhoun outskirts",
        date(2018, 9, 8),
        "Reuters",
        "https://wire.example/khan-sheikhoun",
    )
    assert first.text.startswith("Syrian helicopters dropped") and "Share this" not in first.text
    assert first.path == str(path)
    assert (second.title, second.published) == ("Rockets hit Suqaylabiyah", date(2018, 9, 9))
    assert "newsletter" not in second.text
    assert (page.title, page.outlet, page.published) == (
        "Barrel bombs put Hass hospital out of service",
        "NW Syria Bulletin (JSONL)",
        date(2018, 9, 8),
    )
    # the bad date is reported and ignored; the article is still ingested, dated by its dateline
    assert bad_date.published == date(2018, 9, 8)


# --- feeds -----------------------------------------------------------------------------------


def test_rss_feed_entries():
    path = DATA / "syria_wire.rss"
    items = list(collect([path]))
    first, second = articles(items)
    assert [str(f) for f in failures(items)] == [f"{path}#3: feed entry 3 has no content or summary"]
    assert (first.title, first.published, first.outlet) == (
        "Helicopters drop barrel bombs on Latamneh",
        date(2018, 9, 9),
        "Syria Conflict Wire",
    )
    assert first.url == "https://syriawire.example/2018/09/09/latamneh-barrel-bombs"
    assert first.doc_id == "syriawire-2018-0909-001"
    assert paragraphs(first.text) == [
        "Syrian army helicopters dropped at least 12 barrel bombs on the town of Latamneh in northern Hama "
        "on "
        "Sunday, residents said.",
        "Smoke rises over Latamneh.",
        "Two civilians were killed and several houses destroyed, according to the civil defence.",
    ]
    assert second.published == date(2018, 9, 8)
    assert (
        second.text.startswith("Russian jets struck the village of Al-Muntar") and "Share" not in second.text
    )


def test_atom_feed_entries():
    first, second = articles(collect([DATA / "monitor_updates.atom"]))
    assert first.outlet == second.outlet == "Idlib Monitor Updates"
    assert (first.title, first.published) == ("Air strikes near Kafr Takharim", date(2019, 9, 11))
    assert first.url == "https://idlibmonitor.example/updates/4411"
    assert "automated translation" not in first.text and first.text.endswith("No casualties were reported.")
    assert (
        second.text
        == "Government artillery shelled Kafr Sijnah and Hazarin in southern Idlib, the monitor said."
    )


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, message",
    [
        ("binary.txt", "binary file, not text (NUL byte at offset 14)"),
        ("empty.txt", "empty file"),
        ("whitespace.txt", "empty file (only white space)"),
        ("only_boilerplate.txt", "no article text left after removing boilerplate"),
        ("latin1.txt", "not valid UTF-8 (byte 0xe9 at offset 52)"),
        ("report.pdf", "unsupported file type '.pdf'"),
        ("not_a_feed.xml", "not an RSS or Atom feed"),
        ("furniture_only.html", "no article text left after removing boilerplate"),
    ],
)
def test_bad_file_gives_one_failure(name, message):
    path = DATA / "bad" / name
    items = list(collect([path]))
    assert len(items) == 1 and isinstance(items[0], IngestFailure)
    assert items[0].source == str(path)
    assert items[0].message.startswith(message)
    assert "\n" not in items[0].message and "Traceback" not in items[0].message


def test_missing_path_and_missing_manifest():
    assert [str(x) for x in collect([DATA / "nope.txt"])] == [
        f"{DATA / 'nope.txt'}: no such file or directory"
    ]
    [failure] = collect(manifest=DATA / "no_manifest.jsonl")
    assert failure.message == "manifest not found"
    [failure] = collect(manifest=DATA)
    assert failure.message == "manifest is not a file"


def test_bom_and_utf16_files_are_fine():
    bom, utf16 = articles(collect([DATA / "good"]))
    assert (bom.title, bom.published) == ("Jets hit Kansafra", date(2019, 5, 2))
    assert (utf16.title, utf16.published) == ("Clashes in Qamishli", date(2018, 9, 8))


def test_manifest_with_bad_lines_overrides_and_fallback_date():
    manifest = DATA / "manifest" / "manifest.jsonl"
    items = list(collect(manifest=manifest, published=date(2019, 5, 1)))
    assert [(f.source, f.message) for f in failures(items)] == [
        (f"{manifest}:2", f"file not found: {DATA / 'manifest' / 'reports' / 'missing.txt'}"),
        (f"{manifest}:3", "not valid JSON (Expecting value at column 48)"),
        (f"{manifest}:4", 'unreadable manifest line: no "path"'),
        (f"{manifest}:5", "bad published date '09/09/2018' (expected YYYY-MM-DD); date ignored"),
    ]
    kansafra, latamneh, kafr_nabudah = articles(items)
    # manifest values override the file's own title; url and outlet come from the manifest
    assert (kansafra.title, kansafra.published, kansafra.outlet, kansafra.url) == (
        "Four of a family killed in Kansafra",
        date(2019, 5, 2),
        "Al Jazeera",
        "https://aljazeera.example/kansafra",
    )
    assert kansafra.path == str(DATA / "manifest" / "reports" / "kansafra.txt")
    assert "Source:" not in kansafra.text
    # bad manifest date ignored: the file's dateline stands; the fallback is only for undated articles
    assert (latamneh.published, latamneh.outlet) == (date(2018, 9, 9), "Monitor")
    assert kafr_nabudah.published == date(2019, 5, 1)
    assert kafr_nabudah.title == "State media: army hits terrorist groups in Kfr Nabouda"
    assert "Staff Writer" not in kafr_nabudah.text


def test_manifest_wins_over_the_file_and_nothing_is_read_twice(tmp_path):
    folder = tmp_path / "seeds"
    shutil.copytree(SAMPLES, folder)
    # a manifest in the folder is applied when the folder is walked, and not read as articles
    walked = list(collect([folder]))
    assert failures(walked) == []
    assert [a.outlet for a in walked] == ["The Epoch Times", None, "Al Jazeera", "The National", "Al Jazeera"]
    both = list(collect([folder, folder / "002_a8106be745b31416.txt"], manifest=folder / "manifest.jsonl"))
    assert [a.doc_id for a in both] == [a.doc_id for a in walked]
    assert [a.published for a in both] == [a.published for a in walked]


# --- a folder with a mix of good and bad files -------------------------------------------------


def test_mixed_folder_yields_every_good_article_and_one_failure_per_bad_file():
    folder = DATA / "mixed"
    items = list(collect([folder]))
    assert [a.doc_id for a in articles(items)] == [
        "a_report",
        "syriawire-2018-0909-001",
        "page",
        "rec-1",
        "rec-3",
    ]
    assert [f.source for f in failures(items)] == [
        str(folder / "binary.txt"),
        str(folder / "empty.txt"),
        str(folder / "latin1.txt"),
        f"{folder / 'records.jsonl'}:2",
    ]
    # hidden files and folders and unsupported types are skipped silently
    assert not any(
        ".hidden" in str(x) or "cache" in str(x) or ".png" in str(x) or ".docx" in str(x) for x in items
    )
    report = articles(items)[0]
    assert (report.title, report.published) == ("Barrel bombs hit al-Habeet and Abdin", date(2018, 9, 9))
    assert "Rania Khalil" not in report.text and "Read more" not in report.text
    assert report.text.endswith("The Syrian army denies using barrel bombs.")
    assert list(map(str, collect([folder]))) == list(map(str, items))  # deterministic


def test_parse_iso_date():
    assert parse_iso_date("2018-09-09") == date(2018, 9, 9)
    assert parse_iso_date("2018-09-09T10:00:00Z") == date(2018, 9, 9)
    assert parse_iso_date(None) is None
    for bad in ("2018-13-01", "yesterday", 20180909):
        with pytest.raises(ValueError):
            parse_iso_date(bad)


def test_a_one_line_note_is_its_own_text(tmp_path):
    from warwatch.ingest.text import read_text

    article = read_text("On 8 March 2022, Russian forces shelled in Metolkine, Luhansk. Casualties unknown.\n")
    assert article.text.startswith("On 8 March 2022, Russian forces shelled")
