"""The sources file: TOML, one ``[[source]]`` table per feed or sitemap, read and checked in full.

```toml
contact = "https://example.org/about-our-crawler"   # named in the User-Agent
[watch]
per_host_interval = 1.0      # seconds between two requests to one host
[[source]]
url = "https://example.org/feed.xml"
outlet = "Example News"      # optional: else the page's site name, else the feed's title
language = "en"              # optional: else detected per article
every = "15m"                # optional: "90s", "15m", "1h", "1d" (default 30m)
```

Every problem is an :class:`~warwatch.errors.InputError` of one line naming the file and the
source, never a traceback: a sources file is written by hand.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warwatch.errors import InputError

#: a source polled more often than this would be impolite and costs its host for nothing
MIN_EVERY = 30.0
#: nor less often than once a week: a longer interval is almost certainly a typo
MAX_EVERY = 7 * 86400.0
DEFAULT_EVERY = 30 * 60.0
#: seconds per unit of an ``every`` value
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$", re.I)
#: the keys a table may hold: a misspelt key ("evry") must be an error, not a silent default
SOURCE_KEYS = frozenset({"url", "outlet", "language", "every"})
WATCH_KEYS = frozenset({"per_host_interval", "timeout", "max_bytes", "workers", "max_pages"})
TOP_KEYS = frozenset({"contact", "watch", "source"})
#: a language as a BCP 47 primary tag ("en", "fr", "ar"), optionally with a region ("pt-BR")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")


@dataclass(frozen=True)
class Source:
    """One feed or sitemap to watch."""

    url: str
    outlet: str | None = None
    #: the primary language tag the source publishes in ("en"); None: detected per article
    language: str | None = None
    #: seconds between two polls
    every: float = DEFAULT_EVERY


@dataclass(frozen=True)
class WatchSettings:
    """The ``[watch]`` table: how politely and how much to fetch."""

    per_host_interval: float = 1.0
    timeout: float = 20.0
    max_bytes: int = 10_000_000
    #: fetches in flight at once (different hosts; one host is still rate-limited by the fetcher)
    workers: int = 8
    #: article pages fetched per cycle at most: a feed of 10,000 new links is read over several cycles
    max_pages: int = 200


@dataclass(frozen=True)
class WatchConfig:
    """A whole sources file."""

    sources: tuple[Source, ...]
    contact: str | None = None
    settings: WatchSettings = field(default_factory=WatchSettings)


def parse_every(value: object, where: str = "every") -> float:
    """Seconds in an interval such as "90s", "15m", "1h", "1d" (or a number of seconds)."""
    if isinstance(value, bool):
        raise InputError(f"{where}: {value!r} is no interval; write e.g. \"15m\", \"1h\" or \"90s\"")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (m := _EVERY.match(value)):
        seconds = float(m.group(1)) * UNITS[m.group(2).lower()]
    else:
        raise InputError(f"{where}: {value!r} is no interval; write e.g. \"15m\", \"1h\" or \"90s\"")
    if not MIN_EVERY <= seconds <= MAX_EVERY:
        raise InputError(f"{where}: {value!r} is outside {MIN_EVERY:.0f} s to 7 days")
    return seconds


def check_url(url: object, where: str) -> str:
    """An absolute http(s) URL, stripped; InputError otherwise (the fetcher refuses the rest anyway)."""
    if not isinstance(url, str) or not url.strip():
        raise InputError(f"{where}: a url is required (url = \"https://...\")")
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise InputError(f"{where}: {url!r} is no URL ({error})") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError(f"{where}: {url!r} is no http or https URL")
    return url


def _text(table: dict[str, Any], key: str, where: str, limit: int = 200) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise InputError(f"{where}: {key} must be a non-empty string of at most {limit} characters")
    return value.strip()


def _unknown(table: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        raise InputError(f"{where}: unknown key {extra[0]!r} (known: {', '.join(sorted(allowed))})")


def _source(table: object, n: int, name: str) -> Source:
    where = f"{name}: source {n}"
    if not isinstance(table, dict):
        raise InputError(f"{where}: write each source as a [[source]] table")
    _unknown(table, SOURCE_KEYS, where)
    url = check_url(table.get("url"), where)
    where = f"{name}: source {n} ({url})"
    language = _text(table, "language", where, 20)
    if language is not None:
        if not _LANGUAGE.match(language):
            raise InputError(f"{where}: language {language!r} is no language tag such as \"en\" or \"fr\"")
        language = language.split("-")[0].lower()
    every = parse_every(table["every"], f"{where}: every") if "every" in table else DEFAULT_EVERY
    return Source(url=url, outlet=_text(table, "outlet", where), language=language, every=every)


def _number(table: dict[str, Any], key: str, where: str, low: float, high: float) -> float | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise InputError(f"{where}: {key} must be a number from {low:g} to {high:g}")
    return float(value)


def _settings(table: object, name: str) -> WatchSettings:
    where = f"{name}: [watch]"
    if not isinstance(table, dict):
        raise InputError(f"{where} must be a table")
    _unknown(table, WATCH_KEYS, where)
    base = WatchSettings()
    found = {key: _number(table, key, where, *limits) for key, limits in (
        ("per_host_interval", (0, 3600)), ("timeout", (1, 600)), ("max_bytes", (1000, 1_000_000_000)),
        ("workers", (1, 64)), ("max_pages", (1, 100_000)))}
    return WatchSettings(
        per_host_interval=found["per_host_interval"] if found["per_host_interval"] is not None
        else base.per_host_interval,
        timeout=found["timeout"] or base.timeout,
        max_bytes=int(found["max_bytes"] or base.max_bytes),
        workers=int(found["workers"] or base.workers),
        max_pages=int(found["max_pages"] or base.max_pages),
    )


def parse_sources(text: str, name: str = "sources") -> WatchConfig:
    """A sources file's text as a :class:`WatchConfig`; InputError for anything wrong in it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{name}: not valid TOML ({error})") from None
    _unknown(data, TOP_KEYS, name)
    tables = data.get("source")
    if not isinstance(tables, list) or not tables:
        raise InputError(f"{name}: no sources; add a [[source]] table with a url for each feed or sitemap")
    sources = [_source(t, n, name) for n, t in enumerate(tables, start=1)]
    seen: set[str] = set()
    for s in sources:
        if s.url in seen:
            raise InputError(f"{name}: {s.url} is listed twice")
        seen.add(s.url)
    contact = data.get("contact")
    if contact is not None:
        contact = check_url(contact, f"{name}: contact") if "://" in str(contact) else _text(data, "contact", name)
    settings = _settings(data["watch"], name) if "watch" in data else WatchSettings()
    return WatchConfig(sources=tuple(sources), contact=contact, settings=settings)


def load_sources(path: str | Path) -> WatchConfig:
    """Read and check a sources file (see the module's docstring)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    return parse_sources(text, str(path))
