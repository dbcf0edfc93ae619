"""Files, folders, JSONL and manifests in; Articles and IngestFailures out, in a fixed order.

One bad file never stops a batch: every problem becomes an :class:`IngestFailure` with a
one-line message, and the next file is read.
"""

from __future__ import annotations

import codecs
import gzip
import json
import os
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ..errors import InputError
from ..models import Article
from .dates import best_published, latest_published, parse_iso_date, url_date, within_url_month
from .feeds import read_feed
from .html import read_html
from .limits import MAX_ARTICLE_CHARS, MAX_FILE_BYTES, MAX_LINE_BYTES, megabytes, too_long
from .text import read_text

#: extension → reader; anything else inside a folder is skipped, and named explicitly is a failure.
#: Each may also be gzipped (".jsonl.gz"): crawls and archives ship that way.
READERS = {
    ".txt": "text", ".html": "html", ".htm": "html", ".jsonl": "jsonl",
    ".xml": "feed", ".rss": "feed", ".atom": "feed", ".warc": "warc",
}  # fmt: skip
_SINGLE = {"text", "html"}  # kinds that hold exactly one article
_CHARSET = re.compile(rb"""(?:charset|encoding)\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


@dataclass
class IngestFailure:
    """A file, line or entry that could not be read, and why (one line, no traceback)."""

    source: str  # the file path, plus ":LINE" for a JSONL or manifest line, "#N" for a feed entry
    message: str

    def __post_init__(self) -> None:
        # one line, always: a path or a value quoted in the message may hold a line break
        self.source = self.source.replace("\r", "\\r").replace("\n", "\\n")
        self.message = " ".join(self.message.split())

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


@dataclass
class _Meta:
    """What a manifest line says about a file; it overrides what the file says itself."""

    published: date | None = None
    outlet: str | None = None
    url: str | None = None
    title: str | None = None


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "the file vanished before it could be read"
    if isinstance(exc, OSError) and exc.strerror:
        return f"cannot read: {exc.strerror}"  # no "[Errno N]" and no repeated path
    if isinstance(exc, RecursionError):
        return "too deeply nested to read"
    if isinstance(exc, MemoryError):
        return "too large to read in the memory available"
    text = " ".join(str(exc).split())
    return text if isinstance(exc, InputError) else f"{type(exc).__name__}: {text}"


def kind_of(path: Path) -> tuple[str | None, bool]:
    """The reader for a file name, and whether it is gzipped ("x.jsonl.gz": jsonl, True)."""
    suffix = path.suffix.lower()
    if suffix == ".gz":
        inner = READERS.get(Path(path.stem).suffix.lower())
        # a web archive is gzipped record by record, and warcio reads it so, a record at a time:
        # unzipped as one stream first it could not tell a damaged record from the rest
        return (inner, inner != "warc")
    return READERS.get(suffix), False


def _open(path: Path, gz: bool):  # type: ignore[no-untyped-def]
    return gzip.open(path, "rb") if gz else path.open("rb")


def _read_capped(path: Path, gz: bool) -> bytes:
    """The bytes of one page, text or feed, refused past MAX_FILE_BYTES (a gzip file as it inflates,
    read no further than the cap: a gzip bomb costs the cap, not what it would inflate to)."""
    if not gz:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"file of {megabytes(size)} is over the {megabytes(MAX_FILE_BYTES)} cap for one page, "
                             "text or feed")
    try:
        with _open(path, gz) as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise InputError(f"not a readable gzip file ({' '.join(str(exc).split()) or type(exc).__name__})") from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"inflates to more than the {megabytes(MAX_FILE_BYTES)} cap for one page, text or feed")
    return data


def _lines(fh) -> Iterator[tuple[int, bytes | None]]:  # type: ignore[no-untyped-def]
    """(line number, bytes) of a binary file, read one line at a time; a line over MAX_LINE_BYTES is
    passed over in bounded reads and given as None, so that it costs no more memory than the cap."""
    lineno = 0
    while True:
        raw = fh.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        lineno += 1
        if len(raw) > MAX_LINE_BYTES:
            while raw and not raw.endswith(b"\n"):
                raw = fh.readline(1 << 20)
            yield lineno, None
            continue
        yield lineno, raw


def _line_text(raw: bytes, lineno: int) -> str:
    """One line of a UTF-8 JSONL file as text (a BOM on the first line is fine)."""
    if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})") from None


def _bad_json(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg} at column {exc.colno})"
    return f"not valid JSON ({' '.join(str(exc).split())})"


def _too_long_line() -> str:
    return f"line longer than the {megabytes(MAX_LINE_BYTES)} cap: skipped"


def _str_field(obj: dict, key: str) -> str | None:
    value = obj.get(key)
    return value.strip() or None if isinstance(value, str) else None


def decode(data: bytes, kind: str = "text") -> str:
    """Bytes of a text file as str: UTF-8 (a BOM is fine), UTF-16 with a BOM, or, for HTML and
    feeds only, the charset the document declares. Raises InputError naming the problem."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"not valid UTF-16 (at offset {exc.start})") from exc
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(f"binary file, not text (NUL byte at offset {nul})")
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        declared = _CHARSET.search(data[:4096]) if kind in ("html", "feed") else None
        name = declared.group(1).decode("ascii").lower() if declared else ""
        if name and name.replace("-", "").replace("_", "") not in ("utf8", "utf8mb4"):
            try:
                return data.decode(name)
            except (LookupError, UnicodeDecodeError):
                pass
        offset = skip + exc.start
        raise InputError(f"not valid UTF-8 (byte 0x{data[offset]:02x} at offset {offset})") from exc


def _looks_like_manifest(path: Path, gz: bool = False) -> bool:
    """A JSONL file whose first record names a "path" and carries no text: a manifest."""
    try:
        with _open(path, gz) as fh:
            for _lineno, raw in _lines(fh):
                if raw is None:
                    return False
                if raw.strip():
                    obj = json.loads(raw.decode("utf-8-sig"))
                    return isinstance(obj, dict) and "path" in obj and not ({"text", "html"} & obj.keys())
    except (OSError, ValueError, EOFError, zlib.error):
        return False
    return False


class _Collector:
    """One collect() run: remembers what it has read, so nothing is yielded twice."""

    def __init__(self, fallback: date | None):
        self.fallback = fallback
        self.seen: set[Path] = set()

    def _first_time(self, path: Path) -> bool:
        try:
            key = path.resolve()
        except (OSError, RuntimeError):  # a symbolic link loop: judged by the caller
            key = path.absolute()
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def path(
        self, path: Path, *, explicit: bool, meta: _Meta | None = None
    ) -> Iterator[Article | IngestFailure]:
        """A file or a folder given by the user, found in a folder, or named by a manifest."""
        try:
            exists, folder = path.exists(), path.is_dir()
        except OSError as exc:  # a name too long, a folder we may not enter
            yield IngestFailure(str(path), _one_line(exc))
            return
        if not exists:
            why = "a symbolic link to nothing, or a loop of links" if path.is_symlink() else "no such file or directory"
            yield IngestFailure(str(path), why)
            return
        if folder:
            if meta is not None:
                # a manifest line describes one article: its title and date cannot be a folder's
                yield IngestFailure(str(path), "the manifest names a folder, not a file: list its files instead")
                return
            yield from self.folder(path)
            return
        if not path.is_file():
            yield IngestFailure(str(path), "not a regular file (a device, pipe or socket)")
            return
        kind, gz = kind_of(path)
        if kind is None:
            if explicit:
                known = ", ".join(sorted(READERS))
                why = f"unsupported file type {path.suffix or '(none)'!r} (expected {known})"
                yield IngestFailure(str(path), why)
            return
        if kind == "jsonl" and _looks_like_manifest(path, gz):
            yield from self.manifest(path)
            return
        if not self._first_time(path):
            return
        try:
            yield from self.file(path, kind, meta or _Meta(), gz)
        except Exception as exc:  # one bad file must not stop the batch
            yield IngestFailure(str(path), _one_line(exc))

    def folder(self, folder: Path) -> Iterator[Article | IngestFailure]:
        """Every supported, non-hidden file below ``folder``: its manifests first, then the rest
        in sorted order, so files a manifest describes get the manifest's metadata."""
        files: list[Path] = []
        for root, dirs, names in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            files.extend(Path(root) / n for n in names if not n.startswith("."))
        files = sorted((f for f in files if kind_of(f)[0]), key=lambda f: f.relative_to(folder).parts)
        manifests = [f for f in files if kind_of(f)[0] == "jsonl" and _looks_like_manifest(f, kind_of(f)[1])]
        for manifest in manifests:
            yield from self.manifest(manifest)
        for f in files:
            if f not in manifests:
                yield from self.path(f, explicit=False)

    def manifest(self, manifest: Path) -> Iterator[Article | IngestFailure]:
        """The files a manifest lists, in its order, with its metadata applied."""
        if not manifest.is_file():
            why = "manifest not found" if not manifest.exists() else "manifest is not a file"
            yield IngestFailure(str(manifest), why)
            return
        if not self._first_time(manifest):
            return
        try:
            lines = list(self._text_lines(manifest, kind_of(manifest)[1]))
        except (OSError, InputError, EOFError, zlib.error) as exc:
            yield IngestFailure(str(manifest), _one_line(exc))
            return
        for lineno, line in lines:
            source = f"{manifest}:{lineno}"
            if isinstance(line, IngestFailure):
                yield IngestFailure(source, line.message)
                continue
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as exc:  # JSONDecodeError, or a number past Python's 4300 digits
                yield IngestFailure(source, _bad_json(exc))
                continue
            rel = obj.get("path") if isinstance(obj, dict) else None
            if not isinstance(rel, str) or not rel.strip():
                what = "no \"path\""
                if not isinstance(obj, dict):
                    what = f"expected a JSON object, got {type(obj).__name__}"
                yield IngestFailure(source, f"unreadable manifest line: {what}")
                continue
            meta = _Meta(
                outlet=_str_field(obj, "outlet"), url=_str_field(obj, "url"), title=_str_field(obj, "title")
            )
            try:
                meta.published = parse_iso_date(obj.get("published"))
            except ValueError as exc:
                yield IngestFailure(source, f"{exc}; date ignored")
            target = manifest.parent / rel
            try:
                found = target.exists() or target.is_symlink()
            except OSError as exc:  # a name longer than the file system allows
                yield IngestFailure(source, f"cannot read {target}: {exc.strerror}")
                continue
            if not found:
                yield IngestFailure(source, f"file not found: {target}")
                continue
            yield from self.path(target, explicit=True, meta=meta)

    @staticmethod
    def _text_lines(path: Path, gz: bool) -> Iterator[tuple[int, str | IngestFailure]]:
        """The lines of a JSONL file or manifest as text, one at a time (memory: one line, capped);
        a line that is too long or not UTF-8 comes as an IngestFailure in its place. Raises
        InputError for a file that is binary or UTF-16 (read whole, under the file cap)."""
        with _open(path, gz) as fh:
            head = fh.peek(4096)[:4096] if hasattr(fh, "peek") else b""
            if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                text = decode(_read_capped(path, gz))
                yield from enumerate(text.splitlines(), start=1)
                return
            nul = head.find(b"\x00")
            if nul >= 0:
                raise InputError(f"binary file, not text (NUL byte at offset {nul})")
            for lineno, raw in _lines(fh):
                if raw is None:
                    yield lineno, IngestFailure(str(path), _too_long_line())
                    continue
                try:
                    yield lineno, _line_text(raw, lineno).rstrip("\r\n")
                except InputError as exc:
                    yield lineno, IngestFailure(str(path), str(exc))

    def file(self, path: Path, kind: str, meta: _Meta, gz: bool = False) -> Iterator[Article | IngestFailure]:
        """The articles of one supported file."""
        if kind == "jsonl":
            items: Iterable[Article | IngestFailure] = self._jsonl(path, gz)
        elif kind == "warc":
            from .warc import read_warc  # here, not above: warc.py builds on this module

            items = read_warc(path)
        else:
            data = _read_capped(path, gz)
            if not data:
                raise InputError("empty file")
            if kind == "feed":
                decode(data, kind)  # binary / encoding problems are reported like any other file's
                items = self._feed(path, data)
            elif kind == "html":
                items = [read_html(decode(data, kind), path=str(path), url=meta.url)]
            else:
                text = decode(data, kind)
                if len(text) > MAX_ARTICLE_CHARS:  # cleaning would cost seconds and leave a dump still
                    raise InputError(too_long(len(text)))
                items = [read_text(text, path=str(path))]
        for item in items:
            if isinstance(item, Article):
                if len(item.text) > MAX_ARTICLE_CHARS:
                    where = item.doc_id if kind not in _SINGLE and item.doc_id else None
                    yield IngestFailure(f"{path}#{where}" if where else str(path), too_long(len(item.text)))
                    continue
                item = self._finish(item, path, kind, meta)
            yield item

    def _finish(self, article: Article, path: Path, kind: str, meta: _Meta) -> Article:
        article.path = str(path)
        # a manifest's title and url describe one article; for a feed or a JSONL file only its
        # outlet and date apply to every article in it
        if kind in _SINGLE:
            article.doc_id = path.stem
            article.title = meta.title or article.title
            article.url = meta.url or article.url
        article.outlet = meta.outlet or article.outlet
        given, fallback = meta.published, self.fallback
        if kind == "warc":
            # a crawl's pages came out over many days, and each has its own dates, its crawl day at
            # least (read_warc settled them): a manifest's one date for the file is only a default
            given, fallback = None, meta.published or self.fallback
        article.published, article.published_from = settle_published(article, given=given, fallback=fallback)
        return article

    def _feed(self, path: Path, data: bytes) -> Iterator[Article | IngestFailure]:
        for n, item in read_feed(data, path=str(path)):
            yield item if isinstance(item, Article) else IngestFailure(f"{path}#{n}", item)

    def _jsonl(self, path: Path, gz: bool) -> Iterator[Article | IngestFailure]:
        seen = False
        for lineno, line in self._text_lines(path, gz):
            if isinstance(line, IngestFailure):
                seen = True
                yield IngestFailure(f"{path}:{lineno}", line.message)
                continue
            if line.strip():
                seen = True
                try:
                    yield from _jsonl_line(path, lineno, line)
                except Exception as exc:  # a bad line must not stop the others
                    yield IngestFailure(f"{path}:{lineno}", _one_line(exc))
        if not seen:
            raise InputError("empty file (only white space)" if path.stat().st_size else "empty file")


def _jsonl_line(path: Path, lineno: int, line: str) -> Iterator[Article | IngestFailure]:
    source = f"{path}:{lineno}"
    try:
        obj = json.loads(line)
    except ValueError as exc:  # JSONDecodeError, or a number past Python's 4300 digits
        yield IngestFailure(source, _bad_json(exc))
        return
    if not isinstance(obj, dict):
        yield IngestFailure(source, f"expected a JSON object, got {type(obj).__name__}")
        return
    text, html = obj.get("text"), obj.get("html")
    for key, value in (("text", text), ("html", html)):
        if value is not None and not isinstance(value, str):
            yield IngestFailure(source, f"\"{key}\" must be a string, got {type(value).__name__}")
            return
    if not (text or "").strip() and not (html or "").strip():
        yield IngestFailure(source, "line has neither \"text\" nor \"html\"")
        return
    try:
        published = parse_iso_date(obj.get("published"))
    except ValueError as exc:
        yield IngestFailure(source, f"{exc}; date ignored")
        published = None
    title, url = _str_field(obj, "title"), _str_field(obj, "url")
    if html and html.strip():
        article = read_html(html, path=str(path), url=url)
        article.title = title or article.title
    else:
        article = read_text(text or "", path=str(path), title=title)
    if len(article.text) > MAX_ARTICLE_CHARS:
        yield IngestFailure(source, too_long(len(article.text)))
        return
    if published is not None:
        article.published, article.published_from = published, "record"
    article.outlet = _str_field(obj, "outlet") or article.outlet
    article.url = url or article.url
    article.doc_id = str(obj["id"]) if obj.get("id") not in (None, "") else f"{path.stem}:{lineno}"
    yield article


def settle_published(
    article: Article, *, given: date | None = None, crawled: date | None = None, fallback: date | None = None
) -> tuple[date | None, str | None]:
    """The publication date of ``article`` and where it came from, most trusted source first
    (see :data:`~warwatch.ingest.dates.PUBLISHED_SOURCES`): ``given`` (a manifest's), what the
    reader found (a record's field, feed entry, page metadata or dateline), a day in its URL's
    path, ``crawled`` (the day a web archive fetched the page), then ``fallback``. A text dateline
    outside the month its URL prints is not taken: the page contradicts itself, and the date in
    the text is more likely an event's. Nor is a day after the crawl: no page was published after
    it was fetched (the day after is allowed, as the page's time zone may be ahead of UTC).
    """
    crawled = crawled if _a_real_day(crawled) else None
    own = (article.published, article.published_from)
    if own[1] == "dateline" and not within_url_month(own[0], article.url):
        own = (None, None)
    if not _a_real_day(own[0]) or _after_crawl(own[0], crawled):
        own = (None, None)
    in_url = url_date(article.url)
    in_url = None if _after_crawl(in_url, crawled) else in_url
    given = given if _a_real_day(given) else None
    return best_published((given, "manifest"), own, (in_url, "url"), (crawled, "crawl"), (fallback, "default"))


def _after_crawl(day: date | None, crawled: date | None) -> bool:
    return day is not None and crawled is not None and day > crawled + timedelta(days=1)


#: before this, a "publication day" is a placeholder (0001-01-01 is many systems' empty date), not a day
EARLIEST_REAL_DAY = date(1900, 1, 1)


def _a_real_day(day: date | None) -> bool:
    """False for placeholder days (0001-01-01, 9999-12-31) and days after today anywhere: no page was
    published then, and the event dates read relative to them would fall off the calendar."""
    return day is None or EARLIEST_REAL_DAY <= day <= latest_published()


def collect(
    paths: Sequence[str | Path] = (),
    *,
    manifest: str | Path | None = None,
    published: date | None = None,
) -> Iterator[Article | IngestFailure]:
    """Articles from files, folders and a manifest; an IngestFailure for every problem.

    Order is deterministic: the manifest's files in manifest order, then ``paths`` in the order
    given, folders walked recursively in sorted order (a manifest found in a folder is applied
    first). A file is read once even when named twice. Manifest values override what a file
    says itself; ``published`` is the date of articles that still have none. Never raises for
    bad input: a missing, binary, empty, mis-encoded or unsupported file, a malformed line or a
    bad date each yield an IngestFailure, and the batch goes on.
    """
    collector = _Collector(published)
    if manifest is not None:
        yield from collector.manifest(Path(manifest))
    for path in paths:
        yield from collector.path(Path(path), explicit=True)
