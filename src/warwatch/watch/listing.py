"""What a watched source lists: RSS/Atom entries (feedparser) or sitemap URLs (defusedxml), as links.

A sitemap is a ``<urlset>`` of ``<url><loc>`` with an optional ``<lastmod>`` (and, in a Google News
sitemap, ``<news:publication_date>`` and ``<news:title>``); a ``<sitemapindex>`` lists child
sitemaps, which become pages of kind "sitemap", fetched (conditionally) like articles. Both are
parsed with defusedxml, which refuses entity declarations and external references; feeds go
through the same guard as ``warwatch ingest`` reads them with (:mod:`warwatch.ingest.feeds`).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urljoin, urlsplit

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree

from warwatch.errors import InputError
from warwatch.ingest.dates import find_dates
from warwatch.ingest.feeds import entry_date, parse_feed
from warwatch.watch.state import MAX_URL, Entry

#: a gzipped sitemap may expand to at most this many bytes (a sitemap holds at most 50 MB by the protocol)
MAX_UNZIPPED = 60_000_000


@dataclass
class Listing:
    """A fetched listing: "feed", "urlset" or "sitemapindex", its title, and its links."""

    kind: str
    title: str | None = None
    entries: list[Entry] = field(default_factory=list)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _link(base: str, href: str | None) -> str | None:
    """An absolute http(s) link, without its fragment; None for anything else."""
    if not href or not href.strip():
        return None
    url = urljoin(base, href.strip()).split("#", 1)[0]
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or len(url) > MAX_URL:
        return None
    return url


def _gunzip(content: bytes) -> bytes:
    """A .xml.gz sitemap served as a file (not as a Content-Encoding): unzipped, within MAX_UNZIPPED."""
    unzip = zlib.decompressobj(wbits=31)
    try:
        out = unzip.decompress(content, MAX_UNZIPPED)
    except zlib.error as error:
        raise InputError(f"not a readable gzip file ({error})") from None
    if unzip.unconsumed_tail:
        raise InputError(f"refused: the gzipped sitemap expands past {MAX_UNZIPPED:,} bytes")
    return out


def _day(text: str | None) -> str | None:
    if not text:
        return None
    found = find_dates(text)
    return found[0][2].isoformat() if found else None


def _sitemap(root: object, base: str) -> Listing:
    kind = _local(getattr(root, "tag", ""))
    listing = Listing(kind=kind)
    for item in list(root):  # type: ignore[call-overload]
        fields: dict[str, str] = {}
        for child in item.iter():
            name = _local(child.tag)
            if name and child.text and child.text.strip() and name not in fields:
                fields[name] = child.text.strip()
        url = _link(base, fields.get("loc"))
        if url is None:
            continue
        marker = fields.get("lastmod") or fields.get("publication_date")
        listing.entries.append(Entry(url=url, marker=marker, published=_day(fields.get("publication_date")),
                                     title=fields.get("title"),
                                     kind="sitemap" if kind == "sitemapindex" else "article"))
    return listing


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _feed(content: bytes, base: str) -> Listing:
    parsed = parse_feed(content)
    if not parsed.get("version") and not parsed.entries:
        raise InputError("neither an RSS or Atom feed nor a sitemap")
    listing = Listing(kind="feed", title=(parsed.feed.get("title") or "").strip() or None)
    for entry in parsed.entries:
        url = _link(base, entry.get("link"))
        if url is None:
            continue
        # "updated" moves when the outlet edits the story; "published" stands in where there is no updated
        # (read as a plain dict: feedparser's own get() maps a missing "updated" to "published", with a warning)
        marker = dict.get(entry, "updated") or dict.get(entry, "published")
        title = " ".join((entry.get("title") or "").split()) or None
        listing.entries.append(Entry(url=url, marker=marker, published=_iso(entry_date(entry)), title=title))
    return listing


def read_listing(content: bytes, url: str) -> Listing:
    """The links of a fetched feed or sitemap (relative links resolved against ``url``). Raises InputError
    for what is neither, or what declares XML entities."""
    if content[:2] == b"\x1f\x8b":
        content = _gunzip(content)
    try:
        root = SafeElementTree.fromstring(content, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise InputError(f"refused: the listing declares XML entities or external references "
                         f"({type(error).__name__})") from None
    except Exception:  # malformed XML: feedparser's lenient parser may still read a feed from it
        root = None
    if root is not None and _local(root.tag) in ("urlset", "sitemapindex"):
        return _sitemap(root, url)
    return _feed(content, url)
