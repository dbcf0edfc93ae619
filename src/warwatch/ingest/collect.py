"""Files, folders, JSONL and manifests in; Articles and IngestFailures out, in a fixed order.

One bad file never stops a batch: every problem becomes an :class:`IngestFailure` with a
one-line message, and the next file is read.
"""

from __future__ import annotations

import codecs
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..errors import InputError
from ..models import Article
from .dates import best_published, parse_iso_date, url_date, within_url_month
from .feeds import read_feed
from .html import read_html
from .text import read_text

#: extension → reader; anything else inside a folder is skipped, and named explicitly is a failure
READERS = {
    ".txt": "text", ".html": "html", ".htm": "html", ".jsonl": "jsonl",
    ".xml": "feed", ".rss": "feed", ".atom": "feed",
}  # fmt: skip
_SINGLE = {"text", "html"}  # kinds that hold exactly one article
_CHARSET = re.compile(rb"""(?:charset|encoding)\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


@dataclass
class IngestFailure:
    """A file, line or entry that could not be read, and why (one line, no traceback)."""

    source: str  # the file path, plus ":LINE" for a JSONL or manifest line, "#N" for a feed entry
    message: str

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
    text = " ".join(str(exc).split())
    return text if isinstance(exc, InputError) else f"{type(exc).__name__}: {text}"


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


def _looks_like_manifest(path: Path) -> bool:
    """A JSONL file whose first record names a "path" and carries no text: a manifest."""
    try:
        with path.open("rb") as fh:
            for raw in fh:
                if raw.strip():
                    obj = json.loads(raw.decode("utf-8-sig"))
                    return isinstance(obj, dict) and "path" in obj and not ({"text", "html"} & obj.keys())
    except (OSError, ValueError):
        return False
    return False


class _Collector:
    """One collect() run: remembers what it has read, so nothing is yielded twice."""

    def __init__(self, fallback: date | None):
        self.fallback = fallback
        self.seen: set[Path] = set()

    def _first_time(self, path: Path) -> bool:
        key = path.resolve()
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def path(
        self, path: Path, *, explicit: bool, meta: _Meta | None = None
    ) -> Iterator[Article | IngestFailure]:
        """A file or a folder given by the user, found in a folder, or named by a manifest."""
        if not path.exists():
            yield IngestFailure(str(path), "no such file or directory")
            return
        if path.is_dir():
            yield from self.folder(path)
            return
        kind = READERS.get(path.suffix.lower())
        if kind is None:
            if explicit:
                known = ", ".join(sorted(READERS))
                why = f"unsupported file type {path.suffix or '(none)'!r} (expected {known})"
                yield IngestFailure(str(path), why)
            return
        if kind == "jsonl" and _looks_like_manifest(path):
            yield from self.manifest(path)
            return
        if not self._first_time(path):
            return
        try:
            yield from self.file(path, kind, meta or _Meta())
        except Exception as exc:  # one bad file must not stop the batch
            yield IngestFailure(str(path), _one_line(exc))

    def folder(self, folder: Path) -> Iterator[Article | IngestFailure]:
        """Every supported, non-hidden file below ``folder``: its manifests first, then the rest
        in sorted order, so files a manifest describes get the manifest's metadata."""
        files: list[Path] = []
        for root, dirs, names in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            files.extend(Path(root) / n for n in names if not n.startswith("."))
        files = sorted(
            (f for f in files if f.suffix.lower() in READERS), key=lambda f: f.relative_to(folder).parts
        )
        manifests = [f for f in files if f.suffix.lower() == ".jsonl" and _looks_like_manifest(f)]
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
            lines = decode(manifest.read_bytes()).splitlines()
        except (OSError, InputError) as exc:
            yield IngestFailure(str(manifest), _one_line(exc))
            return
        for lineno, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            source = f"{manifest}:{lineno}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield IngestFailure(source, f"not valid JSON ({exc.msg} at column {exc.colno})")
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
            if not target.exists():
                yield IngestFailure(source, f"file not found: {target}")
                continue
            yield from self.path(target, explicit=True, meta=meta)

    def file(self, path: Path, kind: str, meta: _Meta) -> Iterator[Article | IngestFailure]:
        """The articles of one supported file."""
        data = path.read_bytes()
        if not data:
            raise InputError("empty file")
        if kind == "feed":
            decode(data, kind)  # binary / encoding problems are reported like any other file's
            items: Iterable[Article | IngestFailure] = self._feed(path, data)
        elif kind == "jsonl":
            items = self._jsonl(path, decode(data, kind))
        elif kind == "html":
            items = [read_html(decode(data, kind), path=str(path), url=meta.url)]
        else:
            items = [read_text(decode(data, kind), path=str(path))]
        for item in items:
            if isinstance(item, Article):
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
        article.published, article.published_from = settle_published(
            article, given=meta.published, fallback=self.fallback
        )
        return article

    def _feed(self, path: Path, data: bytes) -> Iterator[Article | IngestFailure]:
        for n, item in read_feed(data, path=str(path)):
            yield item if isinstance(item, Article) else IngestFailure(f"{path}#{n}", item)

    def _jsonl(self, path: Path, text: str) -> Iterator[Article | IngestFailure]:
        lines = text.splitlines()
        if not any(line.strip() for line in lines):
            raise InputError("empty file (only white space)")
        for lineno, line in enumerate(lines, start=1):
            if line.strip():
                try:
                    yield from _jsonl_line(path, lineno, line)
                except Exception as exc:  # a bad line must not stop the others
                    yield IngestFailure(f"{path}:{lineno}", _one_line(exc))


def _jsonl_line(path: Path, lineno: int, line: str) -> Iterator[Article | IngestFailure]:
    source = f"{path}:{lineno}"
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        yield IngestFailure(source, f"not valid JSON ({exc.msg} at column {exc.colno})")
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
    if published is not None:
        article.published, article.published_from = published, "record"
    article.outlet = _str_field(obj, "outlet") or article.outlet
    article.url = url or article.url
    article.doc_id = str(obj["id"]) if obj.get("id") not in (None, "") else f"{path.stem}:{lineno}"
    yield article


def settle_published(
    article: Article, *, given: date | None = None, fallback: date | None = None
) -> tuple[date | None, str | None]:
    """The publication date of ``article`` and where it came from, most trusted source first
    (see :data:`~warwatch.ingest.dates.PUBLISHED_SOURCES`): ``given`` (a manifest's), what the
    reader found (a record's field, feed entry, page metadata or dateline), a day in its URL's
    path, then ``fallback``. A text dateline outside the month its URL prints is not taken: the
    page contradicts itself, and the date in the text is more likely an event's.
    """
    own = (article.published, article.published_from)
    if own[1] == "dateline" and not within_url_month(own[0], article.url):
        own = (None, None)
    return best_published((given, "manifest"), own, (url_date(article.url), "url"), (fallback, "default"))


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
