"""Fetching feeds, sitemaps, article pages and webhooks over HTTP(S), safely and politely.

Every request warwatch makes to the web goes through one :class:`Fetcher`, which decides whether a
URL may be fetched and how:

1. the scheme is http or https, or the URL is refused;
2. robots.txt allows it (``get`` only; the robots.txt itself is fetched through steps 3-6, kept per
   host for a day; a 4xx means no rules, a 5xx or no answer means "disallow all" for a while, as
   Google does);
3. the host's turn has come: requests to one host are at least ``per_host_interval`` apart, or the
   robots.txt Crawl-delay when that is longer;
4. the connection goes only to addresses that :mod:`.netguard` allows, checked after resolving and
   on the address connected to;
5. the whole exchange ends within ``timeout`` seconds, however slowly the server trickles bytes,
   and the body, counted as it inflates, stays under ``max_bytes``;
6. redirects are followed by hand, each hop going through steps 1-5 again;
7. connection errors, timeouts, 5xx and 429 are retried with exponential backoff and jitter
   (Retry-After honoured up to :data:`MAX_RETRY_AFTER`); refusals never are.

A refusal is :class:`FetchRefused`, a failure :class:`FetchFailed`; both carry a one-line reason.
"""

from __future__ import annotations

import email.utils
import http.cookiejar
import importlib.metadata
import logging
import random
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import httpcore
import httpx
from protego import Protego

from ..errors import InputError
from . import netguard
from .netguard import AddressGuard, FetchFailed, FetchRefused, GuardedBackend, Resolver, system_resolver

__all__ = ["FetchFailed", "FetchRefused", "Fetched", "Fetcher", "Resolver", "system_resolver"]

#: statuses whose answer is a Location to follow; 303 (and 301/302 after a POST) turn into a GET
REDIRECTS = frozenset({301, 302, 303, 307, 308})
#: the longest Retry-After waited for; a server asking for longer is taken at its word and the
#: fetch fails now, to be tried on a later cycle, rather than holding a worker for minutes
MAX_RETRY_AFTER = 60.0
#: the first retry waits about this long, each next one twice as long, up to BACKOFF_MAX
BACKOFF_BASE = 0.5
BACKOFF_MAX = 30.0
#: robots.txt is read again after a day (Google's cache time); an unreachable one again sooner
ROBOTS_TTL = 24 * 3600.0
ROBOTS_ERROR_TTL = 15 * 60.0
#: Google reads the first 500 KiB of a robots.txt and ignores the rest
ROBOTS_MAX_BYTES = 500 * 1024
#: a Crawl-delay over this is capped: one host's robots.txt should not stall a source for hours
MAX_CRAWL_DELAY = 60.0
#: the name warwatch answers to in robots.txt groups
ROBOTS_TOKEN = "warwatch"
#: content codings asked for, and the only ones read: each inflates with a bounded output
ACCEPT_ENCODING = "gzip, deflate"
_STEP = 64 * 1024  # bytes inflated at a time, so a bomb costs no more than this past the cap


def _version() -> str:
    try:
        return importlib.metadata.version("warwatch")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


@dataclass(frozen=True)
class Fetched:
    """One answer: the final URL, its status, lower-case headers and the decoded body."""

    url: str
    status: int
    headers: dict[str, str]
    content: bytes
    etag: str | None
    last_modified: str | None


class _Robots:
    """One host's robots.txt rules (None: allow all) until ``expires``, or 'disallow all'."""

    def __init__(self, parser: Protego | None, expires: float, disallow_all: str | None = None) -> None:
        self.parser, self.expires, self.disallow_all = parser, expires, disallow_all

    def allows(self, url: str) -> bool:
        if self.disallow_all:
            return False
        return self.parser is None or self.parser.can_fetch(url, ROBOTS_TOKEN)


def _checked_url(url: str) -> httpx.URL:
    """``url`` parsed, or FetchRefused for anything but an http(s) URL with a host."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise FetchRefused(f"{url!r} is not a URL ({exc})") from None
    if parsed.scheme not in ("http", "https"):
        scheme = parsed.scheme or "(none)"
        raise FetchRefused(f"{url}: the scheme {scheme!r} is refused, only http and https are fetched")
    if not parsed.host:
        raise FetchRefused(f"{url}: no host name")
    return parsed


def _inflate(chunks: Iterable[bytes], encoding: str, url: str) -> Iterator[bytes]:
    """The body decoded, piece by piece, never more than _STEP bytes at once (a gzip bomb stops early)."""
    coding = encoding.strip().lower()
    if coding in ("", "identity"):
        yield from chunks
        return
    if coding in ("gzip", "x-gzip"):
        wbits = 16 + zlib.MAX_WBITS
    elif coding == "deflate":
        wbits = zlib.MAX_WBITS  # zlib-wrapped, as the standard says; raw deflate is tried below
    else:
        raise FetchFailed(f"{url}: the body's content coding {encoding!r} is not one warwatch reads")
    inflater = zlib.decompressobj(wbits)
    started = False
    for chunk in chunks:
        data = chunk
        while True:
            try:
                out = inflater.decompress(data, _STEP)
            except zlib.error as exc:
                if coding == "deflate" and not started:  # some servers send raw deflate
                    wbits, started = -zlib.MAX_WBITS, True
                    inflater = zlib.decompressobj(wbits)
                    continue
                raise FetchFailed(f"{url}: the {coding} body is corrupt ({exc})") from None
            started = True
            if out:
                yield out
            data = inflater.unconsumed_tail
            if inflater.eof or (not data and len(out) < _STEP):
                break
        if inflater.eof:
            return  # anything after the end of the stream is padding


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (either form), or None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class Fetcher:
    """The one door to the web: safe (SSRF, size, time) and polite (robots.txt, per-host rate). Thread-safe."""

    def __init__(self, *, allow_private: Sequence[str] = (), resolver: Resolver | None = None,
                 contact: str | None = None, max_bytes: int = 10_000_000, timeout: float = 20.0,
                 per_host_interval: float = 1.0, max_redirects: int = 5, retries: int = 2,
                 sleep: Callable[[float], None] = time.sleep, log: logging.Logger | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.log = log or logging.getLogger("warwatch.fetch")
        self.guard = AddressGuard(allow_private, resolver)
        if self.guard.allowed:
            self.log.warning("fetching may reach these private ranges, as --allow-private says: %s",
                             ", ".join(str(n) for n in self.guard.allowed))
        if contact and any(c in contact for c in "\r\n\t"):
            raise InputError(f"the contact {contact!r} has a control character; give a URL or an e-mail address")
        if not contact:
            self.log.warning("no contact URL is configured: the User-Agent names warwatch but gives site owners "
                             "no way to reach whoever runs it (set one in the config)")
        self.user_agent = f"warwatch/{_version()} (+{contact})" if contact else f"warwatch/{_version()}"
        self.max_bytes, self.timeout = max_bytes, timeout
        self.per_host_interval, self.max_redirects, self.retries = per_host_interval, max_redirects, retries
        self.sleep, self.clock = sleep, clock
        self._lock = threading.Lock()
        self._next_turn: dict[str, float] = {}
        self._crawl_delay: dict[str, float] = {}
        self._robots: dict[str, _Robots] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        transport = _GuardedTransport(GuardedBackend(self.guard))
        # no cookies kept between requests: a crawler has no session, and a jar would grow forever
        jar = http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        # trust_env=False: no proxy from the environment may carry a request around the address check
        self._client = httpx.Client(transport=transport, trust_env=False, follow_redirects=False,
                                    cookies=jar, headers={"User-Agent": self.user_agent,
                                                          "Accept-Encoding": ACCEPT_ENCODING})

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
            robots: bool = True) -> Fetched:
        """GET ``url`` (conditional when validators are given: an unchanged page is a 304 with no content)."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        got = self._request("GET", url, None, headers, robots=robots, max_bytes=self.max_bytes)
        if got.status == 304:  # the validators still hold: keep the ones the caller has
            return Fetched(got.url, 304, got.headers, b"", got.etag or etag, got.last_modified or last_modified)
        return got

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Fetched:
        """POST ``body`` to ``url`` (webhooks): the same guard, no robots.txt."""
        return self._request("POST", url, body, dict(headers), robots=False, max_bytes=self.max_bytes)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the steps of the module docstring -------------------------------------------------------

    def _request(self, method: str, url: str, body: bytes | None, headers: dict[str, str], *, robots: bool,
                 max_bytes: int, truncate: bool = False) -> Fetched:
        current = _checked_url(url)
        for hop in range(self.max_redirects + 1):
            try:
                if robots:
                    self._check_robots(current)
                got = self._with_retries(method, current, body, headers, max_bytes, truncate)
            except FetchRefused as exc:
                if hop:
                    raise FetchRefused(f"{url} redirected to {current}: {exc.reason}") from None
                raise
            location = got.headers.get("location")
            if got.status not in REDIRECTS or not location:
                return got
            try:
                target = current.join(location)
                current = _checked_url(str(target))
            except FetchRefused as exc:
                raise FetchRefused(f"{url} redirected: {exc.reason}") from None
            if got.status == 303 or (got.status in (301, 302) and method == "POST"):
                method, body = "GET", None
                headers = {k: v for k, v in headers.items() if k.lower() not in ("content-type", "content-length")}
        raise FetchFailed(f"{url}: more than {self.max_redirects} redirects", status=got.status)

    def _with_retries(self, method: str, url: httpx.URL, body: bytes | None, headers: dict[str, str],
                      max_bytes: int, truncate: bool) -> Fetched:
        tries = self.retries + 1
        for attempt in range(tries):
            self._wait_turn(url.host)
            try:
                got = self._exchange(method, url, body, headers, max_bytes, truncate)
            except httpx.TimeoutException:
                reason = f"{url}: no complete answer within {self.timeout:g} s (the time cap)"
                if attempt + 1 == tries:
                    raise FetchFailed(reason + (f", {tries} tries" if tries > 1 else "")) from None
                wait = self._backoff(attempt)
            except httpx.HTTPError as exc:
                reason = f"{url}: {type(exc).__name__}: {exc}"
                if attempt + 1 == tries:
                    raise FetchFailed(reason + (f" ({tries} tries)" if tries > 1 else "")) from None
                wait = self._backoff(attempt)
            else:
                if got.status < 500 and got.status != 429:
                    return got
                reason = f"{url}: HTTP {got.status}"
                if attempt + 1 == tries:
                    raise FetchFailed(reason + (f" ({tries} tries)" if tries > 1 else ""), status=got.status)
                after = _retry_after(got.headers.get("retry-after"))
                if after is not None and after > MAX_RETRY_AFTER:
                    raise FetchFailed(f"{reason}, and the server asks to wait {after:.0f} s "
                                      f"(over the {MAX_RETRY_AFTER:g} s warwatch waits)", status=got.status)
                wait = after if after is not None else self._backoff(attempt)
            self.log.info("%s; trying again in %.1f s", reason, wait)
            self.sleep(wait)
        raise AssertionError("unreachable")  # the last try returns or raises

    def _backoff(self, attempt: int) -> float:
        """Exponential, with jitter so that many workers that failed together do not retry together."""
        base = min(BACKOFF_MAX, BACKOFF_BASE * 2 ** attempt)
        return base / 2 + random.uniform(0, base / 2)

    def _wait_turn(self, host: str) -> None:
        """Sleep until ``host`` may be asked again; the slot is taken under the lock, the sleep is not."""
        with self._lock:
            now = self.clock()
            interval = max(self.per_host_interval, self._crawl_delay.get(host, 0.0))
            start = max(now, self._next_turn.get(host, now))
            self._next_turn[host] = start + interval
            if len(self._next_turn) > 10_000:  # forget hosts whose turn has long come
                self._next_turn = {h: t for h, t in self._next_turn.items() if t > now}
        if start > now:
            self.sleep(start - now)

    def _exchange(self, method: str, url: httpx.URL, body: bytes | None, headers: dict[str, str],
                  max_bytes: int, truncate: bool) -> Fetched:
        """One request and its whole answer, within the time cap and the size cap."""
        end = time.monotonic() + self.timeout
        token = netguard.deadline.set(end)
        try:
            request = self._client.build_request(method, url, content=body, headers=headers, timeout=self.timeout)
            try:
                response = self._client.send(request, stream=True)
            except FetchRefused as exc:  # the address guard: it names the host, not the URL
                raise FetchRefused(f"{url}: {exc.reason}") from None
            try:
                content = b""
                if response.status_code not in (204, 304) and method != "HEAD":
                    content = self._read(response, str(url), end, max_bytes, truncate)
            finally:
                response.close()
        finally:
            netguard.deadline.reset(token)
        headers_out = dict(response.headers.items())
        return Fetched(str(url), response.status_code, headers_out, content,
                       headers_out.get("etag"), headers_out.get("last-modified"))

    def _read(self, response: httpx.Response, url: str, end: float, max_bytes: int, truncate: bool) -> bytes:
        """The body, decoded as it streams; Content-Length is not trusted, the bytes are counted."""
        parts: list[bytes] = []
        size = raw_size = 0

        def raw() -> Iterator[bytes]:
            nonlocal raw_size
            for chunk in response.iter_raw():
                raw_size += len(chunk)
                if raw_size > max_bytes and not truncate:
                    raise FetchRefused(f"{url}: the body is over the size cap of {max_bytes:,} bytes")
                yield chunk

        for piece in _inflate(raw(), response.headers.get("content-encoding", ""), url):
            if time.monotonic() > end:
                raise httpx.ReadTimeout("the time cap for the whole exchange is over")
            size += len(piece)
            if size > max_bytes:
                if truncate:
                    parts.append(piece[: len(piece) - (size - max_bytes)])
                    break
                raise FetchRefused(f"{url}: the body is over the size cap of {max_bytes:,} bytes (decoded)")
            parts.append(piece)
        return b"".join(parts)

    def _check_robots(self, url: httpx.URL) -> None:
        rules = self._robots_for(url)
        if not rules.allows(str(url)):
            why = rules.disallow_all or "its robots.txt disallows it"
            raise FetchRefused(f"{url}: {why}")

    def _robots_for(self, url: httpx.URL) -> _Robots:
        """The host's robots.txt rules, read once per TTL (one thread reads them, the others wait)."""
        origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
        with self._lock:
            lock = self._robots_locks.setdefault(origin, threading.Lock())
        with lock:
            cached = self._robots.get(origin)
            if cached is not None and cached.expires > self.clock():
                return cached
            rules = self._load_robots(origin, url.host)
            self._robots[origin] = rules
            return rules

    def _load_robots(self, origin: str, host: str) -> _Robots:
        robots_url = origin + "/robots.txt"
        now = self.clock()
        try:
            got = self._request("GET", robots_url, None, {}, robots=False, max_bytes=ROBOTS_MAX_BYTES, truncate=True)
        except FetchFailed as exc:
            if exc.status in REDIRECTS:  # too many redirects: no robots.txt, as Google reads it
                return _Robots(None, now + ROBOTS_TTL)
            self.log.warning("%s: %s; the host is treated as disallowing everything for %d minutes",
                             robots_url, exc.reason, ROBOTS_ERROR_TTL // 60)
            return _Robots(None, now + ROBOTS_ERROR_TTL,
                           disallow_all=f"its robots.txt could not be read ({exc.reason}), so nothing is fetched")
        if 400 <= got.status < 500:  # no robots.txt: no rules
            return _Robots(None, now + ROBOTS_TTL)
        if not 200 <= got.status < 300:
            return _Robots(None, now + ROBOTS_ERROR_TTL,
                           disallow_all=f"its robots.txt answered HTTP {got.status}, so nothing is fetched")
        parser = Protego.parse(got.content.decode("utf-8", "replace"))
        delay = parser.crawl_delay(ROBOTS_TOKEN)
        with self._lock:
            before = max(self.per_host_interval, self._crawl_delay.get(host, 0.0))
            if delay:
                self._crawl_delay[host] = min(float(delay), MAX_CRAWL_DELAY)
            else:
                self._crawl_delay.pop(host, None)
            after = max(self.per_host_interval, self._crawl_delay.get(host, 0.0))
            if host in self._next_turn:  # the robots.txt request itself took a turn of the old length
                self._next_turn[host] += after - before
        return _Robots(parser, now + ROBOTS_TTL)


class _GuardedTransport(httpx.BaseTransport):
    """httpx's transport over an httpcore pool whose connections go through :class:`GuardedBackend`.

    httpx.HTTPTransport builds its own pool with the default backend, so this is its
    ``handle_request`` with the pool made here.
    """

    def __init__(self, backend: GuardedBackend) -> None:
        self._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(), network_backend=backend,
                                             max_connections=100, max_keepalive_connections=20,
                                             keepalive_expiry=5.0, http1=True, http2=False, retries=0)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        req = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=request.url.raw_scheme, host=request.url.raw_host,
                             port=request.url.port, target=request.url.raw_path),
            headers=request.headers.raw, content=request.stream, extensions=request.extensions)
        try:
            resp = self._pool.handle_request(req)
        except httpcore.TimeoutException as exc:
            raise httpx.TimeoutException(str(exc), request=request) from exc
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as exc:
            raise httpx.TransportError(str(exc), request=request) from exc
        return httpx.Response(status_code=resp.status, headers=resp.headers,
                              stream=_ResponseStream(resp.stream, request), extensions=resp.extensions)

    def close(self) -> None:
        self._pool.close()


class _ResponseStream(httpx.SyncByteStream):
    """The body as httpcore streams it, with httpcore's errors turned into httpx's."""

    def __init__(self, stream: Iterable[bytes], request: httpx.Request) -> None:
        self._stream, self._request = stream, request

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._stream
        except httpcore.TimeoutException as exc:
            raise httpx.TimeoutException(str(exc), request=self._request) from exc
        except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
            raise httpx.TransportError(str(exc), request=self._request) from exc

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()
