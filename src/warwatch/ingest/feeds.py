"""RSS and Atom feeds: each entry becomes an Article (feed title as outlet)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import feedparser
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree

from ..errors import InputError
from ..models import Article
from .clean import clean_text, has_text, normalise_whitespace
from .dates import find_dates
from .html import fragment_text
from .text import derive_title, split_header

_ENCODING_DECL = re.compile(rb"^(\s*<\?xml[^>]*?)\s+encoding=[\"'][^\"']*[\"']", re.I)
_CHARREF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")


def _valid_charref(m: re.Match[bytes]) -> bytes:
    """A numeric character reference as it is, or U+FFFD where it names no character: feedparser's loose
    parser calls chr() on it and fails (OverflowError past C's int, ValueError past U+10FFFF, a
    UnicodeEncodeError for a surrogate), losing the whole feed to one bad entity."""
    digits = (m.group(1) or m.group(2)).lstrip(b"0") or b"0"
    if len(digits) > 8:
        return b"&#65533;"
    code = int(digits, 16 if m.group(1) else 10)
    return m.group(0) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else b"&#65533;"


def entry_date(entry: feedparser.FeedParserDict) -> date | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                return date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
            except ValueError:
                continue  # feedparser reads "0000-02-29T00:00:00Z" as year 0 (or -1): no calendar day
    for key in ("published", "updated"):
        found = find_dates(entry.get(key) or "")
        if found:
            return found[0][2]
    return None


def _entry_body(entry: feedparser.FeedParserDict) -> str:
    """The fullest text the entry carries: content:encoded / Atom content, else the summary."""
    parts = [(c.get("value") or "", c.get("type") or "text/html") for c in entry.get("content") or []]
    summary = entry.get("summary") or ""
    if summary:
        detail = entry.get("summary_detail") or {}
        parts.append((summary, detail.get("type") or "text/html"))
    if not parts:
        return ""
    value, kind = max(parts, key=lambda part: len(part[0]))
    return fragment_text(value) if "html" in kind else normalise_whitespace(value)


def _refuse_entities(data: bytes) -> None:
    """Raise InputError for a document that declares XML entities or external references.

    A feed has no use for them, and they are how "billion laughs" (entities nested ten deep, a few
    hundred bytes that expand to gigabytes) and external-entity reads work. feedparser's own
    parsing does not expand them either; this refuses such a document outright with a reason,
    instead of storing its entries with the entity references left in their text.
    """
    try:
        SafeElementTree.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InputError(f"refused: the feed declares XML entities or external references ({type(exc).__name__}), "
                         "as entity-expansion attacks do") from None
    except Exception:  # malformed XML: feedparser's lenient parser decides what it holds
        return


def parse_feed(data: bytes) -> feedparser.FeedParserDict:
    """feedparser's reading of ``data``, guarded: entity declarations refused, bad character references
    mended. InputError (one line) for what feedparser's own parsers let out. Bytes, not a string:
    feedparser would take a string that looks like a URL or a file name as something to open."""
    _refuse_entities(data)
    try:
        return feedparser.parse(_CHARREF.sub(_valid_charref, data))
    except (ValueError, OverflowError) as exc:  # what feedparser's own parsers let out (UnicodeError too)
        raise InputError(f"not parseable as an RSS or Atom feed ({' '.join(str(exc).split())})") from exc


def read_feed(data: bytes | str, *, path: str | None = None) -> Iterator[tuple[int, Article | str]]:
    """Each entry of an RSS/Atom document as (entry number, Article), or (number, why not).

    Raises :class:`~warwatch.errors.InputError` when the document is not a feed at all.
    """
    if isinstance(data, str):
        # the text is already decoded: a declared encoding would now be wrong. A lone surrogate (a JSON
        # "\ud800" escape) is no character and has no UTF-8: "?" in its place, not a UnicodeEncodeError
        data = _ENCODING_DECL.sub(rb"\1", data.encode("utf-8", "replace"), count=1)
    parsed = parse_feed(data)
    if not parsed.get("version") and not parsed.entries:
        why = parsed.get("bozo_exception")
        detail = f" ({' '.join(str(why).split())})" if why else ""
        raise InputError(f"not an RSS or Atom feed{detail}")
    outlet = (parsed.feed.get("title") or "").strip() or None
    stem = Path(path).stem if path else "feed"
    for n, entry in enumerate(parsed.entries, start=1):
        title = " ".join((entry.get("title") or "").split())
        body = _entry_body(entry)
        if not body.strip():
            yield n, f"feed entry {n} has no content or summary"
            continue
        _, dateline, text = split_header(body, title=title)
        cleaned = clean_text(text)
        if not has_text(cleaned):
            yield n, f"feed entry {n} has no text left after removing boilerplate"
            continue
        day = entry_date(entry)
        yield n, Article(
            text=cleaned,
            title=title or derive_title(cleaned.split("\n", 1)[0]),
            published=day or dateline,
            published_from="feed" if day else "dateline" if dateline else None,
            outlet=outlet,
            url=entry.get("link") or None,
            path=path,
            # the entry's own id is stable across fetches of the feed, its position is not
            doc_id=entry.get("id") or entry.get("link") or f"{stem}#{n}",
        )
