"""Web archives (WARC, as CC-NEWS and crawlers such as ``wget --warc-file`` write them): every HTML
page the crawl fetched becomes an Article.

The file is read a record at a time (warcio streams it, gzipped record by record or not), and a page
at a time under the cap for one page, so that memory stays that of one page however big the archive.
A page that cannot be read is one failure named ``FILE#N`` (its record number) and the next record is
read; damage to the file itself (a copy cut short, corrupt gzip data) ends the reading there with one
failure line, after the pages before it.
"""

from __future__ import annotations

import codecs
import gzip
import os
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import IO

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import DecompressingBufferedReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from ..errors import InputError
from ..models import Article
from .collect import IngestFailure, _one_line, decode, settle_published
from .dates import parse_iso_date
from .html import read_html
from .limits import MAX_ARTICLE_CHARS, MAX_FILE_BYTES, megabytes, too_long

#: the content types of a page: anything else a crawl fetched (images, scripts, feeds, PDFs) is passed over
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
_BLOCK = 1 << 16


class _Damaged(Exception):
    """The file is damaged (corrupt gzip data, a record with no length): nothing after this point can be read."""


class _Cut(_Damaged):
    """The file ends before its data does: a download or a copy that stopped."""

    def __init__(self, message: str, *, inside: bool = False) -> None:
        super().__init__(message)
        self.inside = inside  # inside the record read last, not after it


class _Members(DecompressingBufferedReader):
    """warcio's reader of the file's gzip members, made to say when the data is damaged: warcio
    writes a zlib error to stderr and goes on as if the data had ended, and takes a file that stops
    inside a member for one that ends there."""

    truncated = False

    def _decompress(self, data: bytes) -> bytes:
        # the first block of a member goes to warcio, which takes data that does not inflate there for
        # an uncompressed file; past it, data that does not inflate is damage
        if self.decompressor is not None and data and self.num_block_read:
            try:
                return self.decompressor.decompress(data)
            except zlib.error as exc:
                raise _Damaged(f"corrupt gzip data ({exc})") from None
        return super()._decompress(data)

    def close_decompressor(self) -> None:
        # called once the records are read: the last member's end was never reached
        if self.decompressor is not None and not getattr(self.decompressor, "eof", True):
            self.truncated = True
        super().close_decompressor()


class _Records(ArchiveIterator):
    """warcio's records of a WARC, damage raised as :class:`_Damaged` instead of ignored."""

    #: written to stderr, several lines long, where a record's Content-Length is wrong: what follows
    #: then fails to parse, and that is reported, on one line
    INC_RECORD = ""

    def __init__(self, fileobj: IO[bytes] | _Gunzipped) -> None:
        super().__init__(fileobj)
        self.reader = _Members(self.fh, block_size=self.reader.block_size)


class _Gunzipped:
    """A WARC gzipped as a whole, as warcio reads it: a file cut short is damage, where warcio would
    take the EOFError for the archive's end."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh

    def read(self, size: int = -1) -> bytes:
        try:
            return self.fh.read(size)
        except EOFError:
            raise _Cut("the file ends inside its gzip stream") from None
        except (zlib.error, gzip.BadGzipFile) as exc:
            raise _Damaged(f"corrupt gzip data ({' '.join(str(exc).split())})") from None

    def tell(self) -> int:
        return self.fh.tell()


def read_warc(path: Path) -> Iterator[Article | IngestFailure]:
    """The HTML pages of a WARC file as Articles, in the file's order, and an IngestFailure for each
    page that cannot be read (``FILE#N``, N the record's number) or damage to the file.

    A page is a ``response`` record of HTTP status 200 with an HTML content type, or a ``resource``
    record of an HTML type; requests, metadata, warcinfo, revisits, redirects, errors and other
    content are passed over. The page's URL is the record's WARC-Target-URI, its doc_id the
    WARC-Record-ID, its date the page's own (metadata, then URL, then dateline) or else the day it was
    fetched (WARC-Date, published_from "crawl").
    """
    yield from _Reading(path).items()


class _Reading:
    """One WARC file being read: how far, and what its records were."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.n = 0  # records read, and the number of the record being read
        self.pages = 0
        self.passed: Counter[str] = Counter()  # what the records that are no page were

    def items(self) -> Iterator[Article | IngestFailure]:
        try:
            with self.path.open("rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if not size:
                    yield IngestFailure(str(self.path), "empty file")
                    return
                records = _Records(fh)
                members = records.reader  # warcio lets go of it at the end
                try:
                    yield from self._pages(records)
                except ArchiveLoadFailed as exc:
                    if "non-chunked gzip" not in str(exc):
                        raise
                    whole = True  # "gzip x.warc": one stream, not a member per record
                else:
                    whole = False
                    # warcio ends quietly where the next record is incomplete: bytes left after the
                    # last whole record are one that the file lost the end of
                    if self.n and records.offset < size:
                        raise _Cut(f"the {size - records.offset:,} bytes after it are no whole record")
                    if members.truncated:
                        raise _Cut("the file ends inside a gzip member")
            if whole:
                # read again through one gzip stream, past the records already read; memory stays one page
                with gzip.open(self.path, "rb") as gz:
                    yield from self._pages(_Records(_Gunzipped(gz)))
        except Exception as exc:  # warcio fails in many ways on a damaged header (an AttributeError...)
            yield IngestFailure(str(self.path), self._broken(exc))
            return
        if not self.n:
            yield IngestFailure(str(self.path), "not a WARC file (no WARC record in it)")
        elif not self.pages:
            passed = ", ".join(f"{count} {what}" for what, count in self.passed.most_common())
            why = f"no HTML page (HTTP 200, text/html) among its {self.n} records: {passed}"
            yield IngestFailure(str(self.path), why)

    def _broken(self, exc: BaseException) -> str:
        """Why the file, or the rest of it, cannot be read, in one line (warcio's own messages run
        to several lines and quote binary data)."""
        if isinstance(exc, _Cut):
            if not self.n:
                return f"not a readable WARC file, cut short: {exc}"
            return f"cut short {'in' if exc.inside else 'after'} record {self.n}: {exc}"
        if isinstance(exc, _Damaged):
            why = str(exc)
        elif isinstance(exc, zlib.error | gzip.BadGzipFile):
            why = f"corrupt gzip data ({' '.join(str(exc).split()) or type(exc).__name__})"
        elif isinstance(exc, OSError) and exc.strerror:
            why = f"cannot read: {exc.strerror}"
        else:  # ArchiveLoadFailed, or warcio failing on a header it cannot make sense of
            if not self.n:
                return "not a WARC file (it does not begin with a WARC/1.0 or WARC/1.1 record header)"
            why = "no readable WARC record header where the next record should begin"
        if not self.n:
            return f"not a readable WARC file: {why}"
        return f"damaged after record {self.n}: {why}; the rest of the file is not read"

    def _pages(self, records: Iterable[ArcWarcRecord]) -> Iterator[Article | IngestFailure]:
        for number, record in enumerate(records, start=1):
            if number <= self.n:  # read already, before the file had to be read again
                continue
            if record.format != "warc":
                # warcio reads ARC files too, and takes any text for one: a WARC begins "WARC/1.x"
                raise ArchiveLoadFailed("not a WARC record")
            if not isinstance(getattr(record.raw_stream, "limit", None), int):
                # no Content-Length (a header cut short, mostly): warcio would read to the end of the
                # file as this record's content
                raise _Damaged("the next record has no valid Content-Length, so where it ends is unknown")
            self.n = number
            passed = _not_a_page(record)
            if passed:
                self.passed[passed] += 1
                _whole(record)
                continue
            self.pages += 1
            uri = record.rec_headers.get_header("WARC-Target-URI") or None
            try:
                yield self._page(record, uri)
            except _Damaged:
                raise
            except Exception as exc:  # one bad page must not stop the file
                yield IngestFailure(f"{self.path}#{number}", f"{uri + ': ' if uri else ''}{_one_line(exc)}")

    def _page(self, record: ArcWarcRecord, uri: str | None) -> Article:
        stored = record.raw_stream.limit  # the payload's bytes as stored
        cap = megabytes(MAX_FILE_BYTES)
        if stored > MAX_FILE_BYTES:
            raise InputError(f"page of {megabytes(stored)} is over the {cap} cap for one page")
        data = _payload(record)
        _whole(record)
        if not data.strip():
            raise InputError("empty page")
        headers = record.http_headers or record.rec_headers
        text = _page_text(data, headers.get_header("Content-Type"))
        del data  # the bytes and the text of a page near the cap are not kept both while it is parsed
        article = read_html(text, path=str(self.path), url=uri)
        if len(article.text) > MAX_ARTICLE_CHARS:
            raise InputError(too_long(len(article.text)))
        article.url = uri or article.url
        # the record's id: stable each time the file is read (an identical page is stored once anyway)
        record_id = (record.rec_headers.get_header("WARC-Record-ID") or "").strip("<> ")
        article.doc_id = record_id or f"{self.path.stem}#{self.n}"
        crawled = _day(record.rec_headers.get_header("WARC-Date"))
        article.published, article.published_from = settle_published(article, crawled=crawled)
        return article


def _not_a_page(record: ArcWarcRecord) -> str | None:
    """What a record is when it is no HTML page (it is then passed over), else None."""
    if record.rec_type == "response":
        if record.http_headers is None:  # a "dns:" lookup and the like
            return "not HTTP"
        status = record.http_headers.get_statuscode()
        if status != "200":  # redirects, errors: no article
            return f"HTTP {status}" if len(status) == 3 and status.isdecimal() else "no HTTP status line"
        content_type = record.http_headers.get_header("Content-Type")
    elif record.rec_type == "resource":  # some crawlers store a page as it was, with no HTTP headers
        content_type = record.rec_headers.get_header("Content-Type")
    else:  # request, metadata, warcinfo, revisit (a page seen before, with no body), conversion
        return record.rec_type or "record of no type"
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    return None if mime in HTML_TYPES else "not HTML"


def _payload(record: ArcWarcRecord) -> bytes:
    """The page's bytes (de-chunked and inflated as its HTTP headers say), read no further than the
    cap: a page that inflates a thousandfold costs the cap, not what it would inflate to."""
    stream = record.content_stream()
    data = bytearray()
    while len(data) <= MAX_FILE_BYTES:
        chunk = stream.read(min(_BLOCK, MAX_FILE_BYTES + 1 - len(data)))
        if not chunk:
            break
        data += chunk
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"page inflates to more than the {megabytes(MAX_FILE_BYTES)} cap for one page")
    return bytes(data)


def _whole(record: ArcWarcRecord) -> None:
    """Raise _Cut when the file ends before the record does (its Content-Length says how long it is):
    a copy or download cut short, or a gzip member that stops early. Reads what is left of it, as
    warcio would before the next record."""
    raw = record.raw_stream
    while raw.read(_BLOCK):
        pass
    if raw.limit > 0:
        raise _Cut(f"the file ends {raw.limit:,} bytes before the record does", inside=True)


def _page_text(data: bytes, content_type: str | None) -> str:
    """The page as text: UTF-8 where it is valid UTF-8, else the charset its HTTP header names, else
    the one the page declares (as browsers rank them, the header over the page)."""
    found = _CHARSET.search(content_type or "")
    if found and b"\x00" not in data and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                return data.decode(found.group(1))
            except (LookupError, UnicodeDecodeError):
                pass
    return decode(data, "html")


def _day(value: str | None) -> date | None:
    """The day of a WARC-Date ("2018-09-10T06:12:01Z"), or None."""
    try:
        return parse_iso_date(value)
    except ValueError:
        return None
