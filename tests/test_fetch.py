"""Safe fetching (issue 16): every refusal of the address guard, the caps, redirects, robots.txt, the
per-host rate, retries and conditional GET, against a real HTTP server on 127.0.0.1.

No test sends a packet outside 127.0.0.0/8: an audit hook records every ``socket.connect`` the
process makes while a test runs, and each test ends by checking them. A refused name is shown to
be refused before any packet: its resolver points at the test server (or at an address nothing
may reach) and the server counts no connection, and the hook saw none.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
import sys
import threading
import time

import pytest
from webserver import WebServer, gzip_bomb

from warwatch.errors import InputError
from warwatch.ingest import fetch
from warwatch.ingest.fetch import Fetched, Fetcher, FetchFailed, FetchRefused
from warwatch.ingest.netguard import forbidden

# -- every connection the process makes, recorded while a test of this module runs ------------------

_connects: list[tuple[str, int]] = []
_lookups: list[str] = []
_recording = threading.Event()


def _audit(event: str, args: tuple) -> None:
    if not _recording.is_set():
        return
    if event == "socket.connect" and isinstance(args[1], tuple):
        _connects.append(args[1][:2])
    elif event == "socket.getaddrinfo":
        _lookups.append(str(args[0]))


_hooked = False


@pytest.fixture(autouse=True)
def only_loopback():
    """Records the test's connections; fails it if one went anywhere but 127.0.0.0/8."""
    global _hooked
    if not _hooked:  # an audit hook cannot be removed: it is installed once and switched on per test
        sys.addaudithook(_audit)
        _hooked = True
    _connects.clear()
    _lookups.clear()
    _recording.set()
    yield
    _recording.clear()
    outside = [a for a, _ in _connects if ipaddress.ip_address(a) not in ipaddress.ip_network("127.0.0.0/8")]
    assert not outside, f"a test connected outside 127.0.0.0/8: {outside}"


class Clock:
    """A clock that only moves when the fetcher sleeps on it; the sleeps are kept."""

    def __init__(self, advance: bool = True) -> None:
        self.now, self.advance, self.sleeps = 1000.0, advance, []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(round(seconds, 3))
            if self.advance:
                self.now += seconds


def fetcher(clock: Clock | None = None, **kw) -> Fetcher:
    """A fetcher for the test server: 127.0.0.1/32 allowed, no wait between requests, no retry."""
    clock = clock or Clock()
    options = {"allow_private": ["127.0.0.1/32"], "per_host_interval": 0.0, "retries": 0, "timeout": 2.0,
               "contact": "https://example.org/warwatch", "sleep": clock.sleep, "clock": clock}
    options.update(kw)
    return Fetcher(**options)


def resolving(table: dict[str, list[str]], calls: list[str] | None = None):
    """A resolver from a table; a name not in it is an error (no test falls through to real DNS)."""
    def resolve(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        return table[host]
    return resolve


# -- the address guard ------------------------------------------------------------------------------

REFUSED = [
    ("127.0.0.1", "loopback"), ("127.0.0.2", "loopback"), ("::1", "loopback"),
    ("10.0.0.5", "private"), ("172.16.3.4", "private"), ("172.31.255.254", "private"), ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("fc00::5", "unique local"),
    ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"), ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"), ("255.255.255.255", "broadcast"), ("0.0.0.0", "this network"), ("::", "unspecified"),
    ("100.64.0.1", "carrier-grade NAT"), ("192.0.2.7", "documentation"), ("198.18.0.1", "benchmarking"),
    ("::ffff:127.0.0.1", "carries 127.0.0.1"), ("::ffff:10.0.0.1", "carries 10.0.0.1"),
    ("2002:a9fe:a9fe::1", "carries 169.254.169.254"),  # 6to4
    ("64:ff9b::a00:1", "carries 10.0.0.1"),  # NAT64
    ("::7f00:1", "reserved"),  # IPv4-compatible ::127.0.0.1
]


@pytest.mark.parametrize(("address", "named"), REFUSED, ids=[a for a, _ in REFUSED])
def test_a_name_resolving_to_a_forbidden_range_is_refused_before_any_packet(web: WebServer, address, named):
    web.route("/", "secret")
    web.route("/hook", "ok")
    # 127.0.0.1/32 is not allowed here: the first case points the name at the live test server
    f = fetcher(allow_private=[], resolver=resolving({"intranet.example": [address]}))
    url = f"http://intranet.example:{web.port}"
    for call in (lambda: f.get(url + "/"), lambda: f.post(url + "/hook", b"{}", {"Content-Type": "application/json"})):
        with pytest.raises(FetchRefused) as refused:
            call()
        assert f"resolves to {ipaddress.ip_address(address)}" in refused.value.reason
        assert named in refused.value.reason
    assert web.connections == 0 and web.requests == []
    assert _connects == []


@pytest.mark.parametrize("url", ["http://10.0.0.1/", "http://[::1]:80/", "http://169.254.169.254/latest/meta-data/",
                                 "http://[::ffff:127.0.0.1]/", "https://192.168.0.1/", "http://0.0.0.0:8080/"])
def test_an_address_in_the_url_is_checked_without_resolving(url):
    calls: list[str] = []
    f = fetcher(allow_private=[], resolver=resolving({}, calls))
    with pytest.raises(FetchRefused, match="refused"):
        f.get(url)
    assert calls == [] and _connects == []


def test_one_forbidden_answer_refuses_the_whole_name(web: WebServer):
    """A name answering both a public and a private address (DNS rebinding) is refused, not half-used."""
    web.route("/", "x")
    f = fetcher(resolver=resolving({"mixed.example": ["127.0.0.1", "10.1.2.3"]}))
    with pytest.raises(FetchRefused, match=r"10\.1\.2\.3"):
        f.get(f"http://mixed.example:{web.port}/", robots=False)
    assert web.connections == 0


def test_allow_private_allows_exactly_its_ranges_and_says_so(web: WebServer, caplog):
    web.route("/", "hello")
    table = {"one.example": ["127.0.0.1"], "two.example": ["127.0.0.2"], "mapped.example": ["::ffff:127.0.0.1"]}
    with caplog.at_level(logging.INFO, logger="warwatch.fetch"):
        f = fetcher(allow_private=["127.0.0.1/32"], resolver=resolving(table))
    assert [r.getMessage() for r in caplog.records if "127.0.0.1/32" in r.getMessage()], "the allowed range is logged"
    assert f.get(f"http://one.example:{web.port}/", robots=False).content == b"hello"
    with pytest.raises(FetchRefused, match=r"127\.0\.0\.2, which is a loopback address"):
        f.get(f"http://two.example:{web.port}/", robots=False)
    assert _connects == [("127.0.0.1", web.port)]
    with pytest.raises(InputError, match="not an address range"):
        Fetcher(allow_private=["10.0.0.0/33"])


def test_the_connection_goes_to_the_checked_address_with_the_name_kept(web: WebServer):
    """Resolved once, by the injected resolver; the socket connects to that address; Host names the site."""
    web.route("/a", "page")
    calls: list[str] = []
    f = fetcher(resolver=resolving({"news.example": ["127.0.0.1"]}, calls))
    got = f.get(f"http://news.example:{web.port}/a", robots=False)
    assert got.status == 200 and got.url == f"http://news.example:{web.port}/a"
    assert calls == ["news.example"]
    assert "news.example" not in _lookups  # the system resolver was never asked
    assert _connects == [("127.0.0.1", web.port)]
    assert web.requests[0].headers["host"] == f"news.example:{web.port}"


def test_tls_keeps_the_host_name_for_sni():
    """The socket goes to the checked address, yet the TLS handshake names the site (SNI, certificate)."""
    names: list[str | None] = []
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.sni_callback = lambda _sock, name, _ctx: names.append(name)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def handshake() -> None:
            conn, _ = listener.accept()
            with conn, pytest.raises(ssl.SSLError):  # no certificate: the handshake stops after the hello
                server_ctx.wrap_socket(conn, server_side=True)

        thread = threading.Thread(target=handshake, daemon=True)
        thread.start()
        f = fetcher(resolver=resolving({"news.example": ["127.0.0.1"]}))
        with pytest.raises(FetchFailed):
            f.get(f"https://news.example:{port}/", robots=False)
        thread.join(5)
    assert names == ["news.example"]
    assert _connects == [("127.0.0.1", port)]


def test_no_proxy_from_the_environment(web: WebServer, monkeypatch):
    """trust_env is off: a proxy in the environment would carry requests around the guard."""
    web.route("/", "direct")
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    assert fetcher().get(web.url("/"), robots=False).content == b"direct"
    assert _connects == [("127.0.0.1", web.port)]


def test_public_addresses_pass_the_guard():
    for address in ("8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4001::200e"):
        assert forbidden(ipaddress.ip_address(address)) is None, address


# -- schemes and redirects -----------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://example.org:70/1",
                                 "javascript:alert(1)", "example.org/no-scheme", "http:///no-host"])
def test_only_http_and_https(url):
    with pytest.raises(FetchRefused):
        fetcher(resolver=resolving({})).get(url)
    assert _connects == []


def test_redirects_into_forbidden_places_are_refused(web: WebServer):
    table = {"meta.example": ["169.254.169.254"], "other.example": ["127.0.0.2"], "news.example": ["127.0.0.1"]}
    web.route("/to-10", redirect="http://10.0.0.1/")
    web.route("/to-meta", redirect=f"http://meta.example:{web.port}/latest/meta-data/", status=301)
    web.route("/to-127-2", redirect=f"http://other.example:{web.port}/", status=307)
    web.route("/to-file", redirect="file:///etc/passwd")
    web.route("/to-self", redirect="/page", status=308)
    web.route("/page", "landed")
    f = fetcher(resolver=resolving(table))
    for path, words in [("/to-10", "10.0.0.1 is a private"), ("/to-meta", "169.254.169.254, which is a link-local"),
                        ("/to-127-2", "127.0.0.2, which is a loopback"), ("/to-file", "scheme 'file'")]:
        with pytest.raises(FetchRefused, match="redirected") as refused:
            f.get(web.url(path), robots=False)
        assert words in refused.value.reason
    got = f.get(f"http://news.example:{web.port}/to-self", robots=False)
    assert (got.url, got.content) == (f"http://news.example:{web.port}/page", b"landed")
    assert {a for a, _ in _connects} == {"127.0.0.1"}


def test_a_redirect_loop_ends(web: WebServer):
    web.route("/loop", redirect="/loop")
    with pytest.raises(FetchFailed, match="more than 3 redirects"):
        fetcher(max_redirects=3).get(web.url("/loop"), robots=False)
    assert len(web.requests) == 4


def test_a_post_that_is_redirected_with_303_becomes_a_get(web: WebServer):
    web.route("/hook", status=303, redirect="/done")
    web.route("/done", "thanks")
    got = fetcher().post(web.url("/hook"), b'{"a": 1}', {"Content-Type": "application/json"})
    assert got.content == b"thanks"
    assert [(r.method, r.path, r.body) for r in web.requests] == [("POST", "/hook", b'{"a": 1}'), ("GET", "/done", b"")]


# -- size and time caps ----------------------------------------------------------------------------

def test_a_body_over_the_cap_is_refused_whatever_content_length_says(web: WebServer):
    web.route("/big", b"x" * 50_000)
    web.route("/big-chunked", b"x" * 50_000, chunked=True)
    web.route("/fits", b"x" * 10_000, chunked=True)
    f = fetcher(max_bytes=20_000)
    for path in ("/big", "/big-chunked"):
        with pytest.raises(FetchRefused, match="over the size cap of 20,000 bytes"):
            f.get(web.url(path), robots=False)
    assert f.get(web.url("/fits"), robots=False).content == b"x" * 10_000
    assert web.paths() == ["/big", "/big-chunked", "/fits"]  # a refusal is not retried


def test_a_gzip_bomb_stops_at_the_cap(web: WebServer):
    bomb = gzip_bomb(20_000_000)
    assert len(bomb) < 40_000
    web.route("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    web.route("/small", "x" * 5000, gzip=True)
    f = fetcher(max_bytes=1_000_000)
    started = time.monotonic()
    with pytest.raises(FetchRefused, match=r"over the size cap of 1,000,000 bytes \(decoded\)"):
        f.get(web.url("/bomb"), robots=False)
    assert time.monotonic() - started < 1.0
    assert f.get(web.url("/small"), robots=False).content == b"x" * 5000
    # inflating is done a bounded piece at a time, so the bomb never exists whole in memory
    pieces = fetch._inflate([bomb], "gzip", "bomb")
    assert all(len(next(pieces)) <= fetch._STEP for _ in range(40))


def test_a_trickling_server_is_cut_off_at_the_time_cap(web: WebServer):
    # a byte every 0.8 s: each read is well within a read timeout, the whole is not. The read that
    # waits past the deadline is cut at the deadline (1.0 s), not when its byte arrives (1.6 s).
    web.route("/trickle", "x" * 100, trickle=0.8)
    web.route("/stall", "late", delay=5)
    f = fetcher(timeout=1.0)
    for path in ("/trickle", "/stall"):
        started = time.monotonic()
        with pytest.raises(FetchFailed, match=r"within 1 s \(the time cap\)"):
            f.get(web.url(path), robots=False)
        assert 0.95 < time.monotonic() - started < 1.45


# -- conditional GET, retries ----------------------------------------------------------------------

def test_conditional_get_returns_304_with_no_content(web: WebServer):
    stamp = "Sat, 05 Dec 2026 10:00:00 GMT"
    web.route("/feed", "<rss/>", etag='"v1"', last_modified=stamp)
    f = fetcher()
    first = f.get(web.url("/feed"), robots=False)
    assert (first.status, first.etag, first.last_modified, first.content) == (200, '"v1"', stamp, b"<rss/>")
    again = f.get(web.url("/feed"), etag=first.etag, last_modified=first.last_modified, robots=False)
    assert (again.status, again.content, again.etag, again.last_modified) == (304, b"", '"v1"', stamp)
    assert web.requests[1].headers["if-none-match"] == '"v1"'
    assert web.requests[1].headers["if-modified-since"] == stamp
    web.route("/feed", "<rss>new</rss>", etag='"v2"')
    changed = f.get(web.url("/feed"), etag='"v1"', robots=False)
    assert (changed.status, changed.content, changed.etag) == (200, b"<rss>new</rss>", '"v2"')


def test_500s_are_retried_with_backoff_then_succeed(web: WebServer):
    web.route("/flaky", "fine")
    web.route("/flaky", status=500, times=2)
    clock = Clock()
    got = fetcher(clock, retries=2).get(web.url("/flaky"), robots=False)
    assert got.content == b"fine" and len(web.requests) == 3
    first, second = clock.sleeps
    assert 0.25 <= first <= 0.5 and 0.5 <= second <= 1.0  # exponential, with jitter


def test_retries_end_in_a_failure_with_the_status(web: WebServer):
    web.route("/down", status=502)
    with pytest.raises(FetchFailed, match=r"HTTP 502 \(2 tries\)") as failed:
        fetcher(retries=1).get(web.url("/down"), robots=False)
    assert failed.value.status == 502 and len(web.requests) == 2


def test_retry_after_is_honoured_up_to_a_cap(web: WebServer):
    web.route("/busy", "done")
    web.route("/busy", status=503, headers={"Retry-After": "7"}, times=1)
    web.route("/limited", status=429, headers={"Retry-After": "3600"})
    clock = Clock()
    f = fetcher(clock, retries=3)
    assert f.get(web.url("/busy"), robots=False).content == b"done"
    assert clock.sleeps == [7.0]
    with pytest.raises(FetchFailed, match="asks to wait 3600 s") as failed:
        f.get(web.url("/limited"), robots=False)
    assert failed.value.status == 429
    assert web.paths().count("/limited") == 1


def test_connection_errors_are_retried():
    with socket.socket() as s:  # a port on which nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    clock = Clock()
    with pytest.raises(FetchFailed, match=r"\(3 tries\)"):
        fetcher(clock, retries=2).get(f"http://127.0.0.1:{port}/", robots=False)
    assert len(clock.sleeps) == 2


# -- robots.txt, the per-host rate, the User-Agent --------------------------------------------------

def test_robots_txt_is_read_once_and_obeyed(web: WebServer):
    web.route("/robots.txt", "User-agent: *\nDisallow: /private\n\nUser-agent: otherbot\nDisallow: /\n",
              content_type="text/plain")
    web.route("/public", "ok")
    web.route("/private/x", "no")
    clock = Clock()
    f = fetcher(clock)
    assert f.get(web.url("/public")).content == b"ok"
    with pytest.raises(FetchRefused, match=r"robots\.txt disallows"):
        f.get(web.url("/private/x"))
    assert f.get(web.url("/private/x"), robots=False).content == b"no"  # the caller may opt out
    assert f.post(web.url("/private/x"), b"", {}).status == 200  # webhooks do not read robots.txt
    assert web.paths() == ["/robots.txt", "/public", "/private/x", "/private/x"]
    clock.now += fetch.ROBOTS_TTL + 1
    f.get(web.url("/public"))
    assert web.paths()[-2:] == ["/robots.txt", "/public"]


def test_robots_txt_missing_allows_and_failing_disallows(web: WebServer):
    web.route("/page", "ok")
    f = fetcher()
    assert f.get(web.url("/page")).status == 200  # 404 for robots.txt: no rules
    with WebServer() as broken:
        broken.route("/robots.txt", status=503)
        broken.route("/page", "ok")
        with pytest.raises(FetchRefused, match=r"robots.txt answered HTTP 503|could not be read"):
            fetcher().get(broken.url("/page"))
        assert broken.paths() == ["/robots.txt"]


def test_robots_txt_is_fetched_through_the_guard(web: WebServer):
    web.route("/robots.txt", redirect="http://169.254.169.254/latest/meta-data/")
    web.route("/page", "ok")
    with pytest.raises(FetchRefused, match=r"169\.254\.169\.254"):
        fetcher().get(web.url("/page"))
    assert web.paths() == ["/robots.txt"]
    f = fetcher(resolver=resolving({"intranet.example": ["10.0.0.9"]}))
    with pytest.raises(FetchRefused, match=r"robots.txt: intranet.example resolves to 10.0.0.9"):
        f.get("http://intranet.example/page")


def test_the_per_host_interval_and_crawl_delay(web: WebServer):
    web.route("/a", "a")
    clock = Clock()
    f = fetcher(clock, per_host_interval=1.5, resolver=resolving({"other.example": ["127.0.0.1"]}))
    for _ in range(3):
        f.get(web.url("/a"), robots=False)
    assert clock.sleeps == [1.5, 1.5]
    f.get(f"http://other.example:{web.port}/a", robots=False)  # another host: its own turn
    assert clock.sleeps == [1.5, 1.5]
    web.route("/robots.txt", "User-agent: *\nCrawl-delay: 4\n", content_type="text/plain")
    clock.now += 100
    f.get(f"http://other.example:{web.port}/a")  # reads robots.txt, then waits the crawl delay
    assert clock.sleeps == [1.5, 1.5, 4.0]


def test_the_per_host_interval_holds_across_threads(web: WebServer):
    web.route("/a", "a")
    clock = Clock(advance=False)  # each thread reserves its own slot: the waits are 1, 2, 3 and 4 s
    f = fetcher(clock, per_host_interval=1.0)
    threads = [threading.Thread(target=f.get, args=(web.url("/a"),), kwargs={"robots": False}) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(clock.sleeps) == [1.0, 2.0, 3.0, 4.0]
    assert len(web.requests) == 5


def test_user_agent_names_warwatch_and_the_contact(web: WebServer, caplog):
    web.route("/", "x")
    version = fetch._version()
    fetcher().get(web.url("/"), robots=False)
    assert web.requests[0].headers["user-agent"] == f"warwatch/{version} (+https://example.org/warwatch)"
    with caplog.at_level(logging.WARNING, logger="warwatch.fetch"):
        anonymous = fetcher(contact=None)
        anonymous.get(web.url("/"), robots=False)
        anonymous.get(web.url("/"), robots=False)
    assert web.requests[1].headers["user-agent"] == f"warwatch/{version}"
    assert sum("no contact URL" in r.getMessage() for r in caplog.records) == 1
    with pytest.raises(InputError, match="control character"):
        Fetcher(contact="https://x.example/\r\nX-Evil: 1")


def test_fetched_carries_lower_case_headers(web: WebServer):
    web.route("/x", "body", headers={"X-Thing": "1"}, content_type="application/xml")
    got = fetcher().get(web.url("/x"), robots=False)
    assert isinstance(got, Fetched)
    assert got.headers["content-type"] == "application/xml" and got.headers["x-thing"] == "1"
