"""The server lets no one in: the token's failed attempts are limited per address and never
logged, uploads are capped while they stream, every response carries the security headers, the
pages hold no inline script, and listening beyond the loopback is warned about.

Over real SQLite files; the app in process (FastAPI's test client, or its ASGI entry point
called directly where a body must stream), and ``warwatch serve`` as a real process on
127.0.0.1 where what it prints and logs is the point.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import sqlite3
import warnings
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from served import serving

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's test client warns about its httpx transport
    from fastapi.testclient import TestClient

from conftest import run_cli

from warwatch.serve import api
from warwatch.serve.api import MAX_INGEST_BYTES, create_app
from warwatch.serve.security import MAX_FAILURES, FailedAttempts, exposure_warnings, is_loopback

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TOKEN = "a-long-enough-test-token-0123456789"
TEMPLATES = Path(api.__file__).parent / "web" / "templates"
HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "x-frame-options": "DENY"}


def assert_secure(response: httpx.Response) -> None:
    """The security headers, as every response must carry them."""
    for key, value in HEADERS.items():
        assert response.headers.get(key) == value, (response.request.url, key, dict(response.headers))
    policy = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval', no other host
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'" and "default-src" in policy


def leaked(secret: str, text: str) -> list[str]:
    """Every 8 characters of ``secret`` in a row that ``text`` holds: a token half logged is logged."""
    return [secret[i:i + 8] for i in range(len(secret) - 7) if secret[i:i + 8] in text]


def count_articles(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]


def articles_stored(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT content_hash FROM articles ORDER BY id")]


@pytest.fixture()
def ingest_app(seed_copy: Path):
    """An app that accepts ingest with TOKEN, over a private copy of the seed store (no pipeline is loaded:
    every request here is refused or empty before one would be needed)."""
    return create_app(seed_copy, allow_ingest=True, token=TOKEN, tiles=None)


# --- failed token attempts ------------------------------------------------------------------------


def test_wrong_tokens_lock_out_that_address_only_and_are_never_logged(ingest_app, seed_copy, caplog):
    before = articles_stored(seed_copy)
    attacker = TestClient(ingest_app, client=("203.0.113.7", 40000))
    neighbour = TestClient(ingest_app, client=("198.51.100.2", 40001))
    guesses = [secrets.token_hex(16) for _ in range(MAX_FAILURES + 2)]
    caplog.set_level(logging.INFO, logger="warwatch.serve")
    for guess in guesses[:MAX_FAILURES]:
        refused = attacker.post("/api/ingest", content=b"{}", headers={"Authorization": f"Bearer {guess}"})
        assert refused.status_code == 403, refused.text
    locked = attacker.post("/api/ingest", content=b"{}", headers={"Authorization": f"Bearer {guesses[-1]}"})
    assert locked.status_code == 429 and "message" in locked.json()
    assert 1 <= int(locked.headers["retry-after"]) <= 60
    assert_secure(locked)
    # while locked out, even the right token is refused: a right guess must not show
    right = {"Authorization": f"Bearer {TOKEN}"}
    assert attacker.post("/api/ingest", content=b"\n", headers=right).status_code == 429
    # another address is not locked out, and its success does not unlock the first
    answer = neighbour.post("/api/ingest", content=b"\n", headers=right)
    assert answer.status_code == 422 and "no article" in answer.json()["message"]  # past the token check
    assert attacker.post("/api/ingest", content=b"\n", headers=right).status_code == 429
    # without any token a client is told what to send, not counted as guessing
    assert neighbour.post("/api/ingest", content=b"\n").status_code == 401
    assert neighbour.post("/api/ingest", content=b"\n", headers=right).status_code == 422
    assert articles_stored(seed_copy) == before
    logged = caplog.text
    assert "203.0.113.7" in logged and "wrong token" in logged and "locked out" in logged
    assert not leaked(TOKEN, logged) and not [g for g in guesses if leaked(g, logged)]


def test_failures_expire_after_the_window_and_the_table_stays_bounded():
    now = [1000.0]
    attempts = FailedAttempts(limit=3, window=60, max_clients=4, clock=lambda: now[0])
    for step in (0, 10):
        now[0] += step
        attempts.failed("a")
    assert attempts.retry_after("a") is None  # two of three: it may still try
    now[0] += 10
    assert attempts.failed("a") == 3
    assert attempts.retry_after("a") == 40  # until the first failure (at 1000) is 60 s old
    assert attempts.retry_after("b") is None
    now[0] += 40
    assert attempts.retry_after("a") is None  # the first went out of the window, two are left
    assert attempts.failed("a") == 3
    assert attempts.retry_after("a") == 10  # a sliding window: now the one at 1010 must go
    for n in range(100):  # a flood from many addresses
        attempts.failed(f"10.0.{n // 256}.{n % 256}")
    assert len(attempts) == 4
    with pytest.raises(ValueError):
        FailedAttempts(limit=0)


# --- the upload cap -------------------------------------------------------------------------------


def call_ingest(app, headers: list[tuple[bytes, bytes]], chunks) -> tuple[int, dict[str, str], int]:
    """POST /api/ingest through the app's ASGI entry point, the body sent chunk by chunk as a server
    would pass it on; returns the status, the headers and how many chunks the app asked for."""
    sent = {"status": 0, "headers": {}}
    pulled = [0]
    body = iter(chunks)

    async def receive():
        chunk = next(body, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled[0] += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message):
        if message["type"] == "http.response.start":
            sent["status"] = message["status"]
            sent["headers"] = {k.decode().lower(): v.decode() for k, v in message["headers"]}

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/ingest", "raw_path": b"/api/ingest", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {TOKEN}".encode()), *headers],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}
    asyncio.run(app(scope, receive, send))
    return sent["status"], sent["headers"], pulled[0]


def test_a_chunked_upload_over_the_cap_is_dropped_while_it_streams(ingest_app, seed_copy):
    chunk = b'{"text": "Jets struck Kafr Nabudah on Monday, killing two."}\n' * 1000  # about 56 kB
    total = 2 * MAX_INGEST_BYTES // len(chunk)  # twice the cap, if it were all read
    before = count_articles(seed_copy)
    status, headers, pulled = call_ingest(ingest_app, [(b"transfer-encoding", b"chunked")], [chunk] * total)
    assert status == 413
    # read up to the first chunk past the cap, and no further
    assert pulled == MAX_INGEST_BYTES // len(chunk) + 1 < total
    assert headers["x-content-type-options"] == "nosniff" and "content-security-policy" in headers
    assert count_articles(seed_copy) == before


def test_a_declared_length_over_the_cap_is_refused_before_reading(ingest_app, seed_copy):
    before = count_articles(seed_copy)
    status, _, pulled = call_ingest(ingest_app, [(b"content-length", str(MAX_INGEST_BYTES + 1).encode())],
                                    [b"x" * 1024] * 4)
    assert status == 413 and pulled == 0
    assert count_articles(seed_copy) == before


# --- the headers and the pages --------------------------------------------------------------------


def test_every_kind_of_response_carries_the_security_headers(client, stored, seed_copy, monkeypatch):
    event = stored[0].event_id_cnty
    answers = {
        "JSON": client.get("/api/events", params={"limit": 2}),
        "JSON detail": client.get(f"/api/events/{event}"),
        "CSV": client.get("/api/events.csv", params={"limit": 2}),
        "GeoJSON": client.get("/api/events.geojson", params={"limit": 2}),
        "points": client.get("/api/events/points"),
        "schema": client.get("/openapi.json"),
        "JSON 404": client.get("/api/events/SYR999999"),
        "unknown path 404": client.get("/api/nothing"),
        "JSON 422": client.get("/api/events", params={"limit": 0}),
        "JSON 405": client.post("/api/events"),
        "dashboard": client.get("/"),
        "event page": client.get(f"/events/{event}"),
        "article page": client.get("/articles/1"),
        "HTML 404": client.get("/events/NOPE"),
        "docs": client.get("/docs"),
        "static": client.get("/static/common.js"),
        "static 404": client.get("/static/nothing.js"),
        "read-only ingest 404": client.post("/api/ingest", content=b"{}"),
    }
    ingest = TestClient(create_app(seed_copy, allow_ingest=True, token=TOKEN, tiles=None), client=("10.9.9.9", 1))
    answers["401"] = ingest.post("/api/ingest", content=b"{}")
    for _ in range(MAX_FAILURES):
        answers["403"] = ingest.post("/api/ingest", content=b"{}", headers={"Authorization": "Bearer no"})
    answers["429"] = ingest.post("/api/ingest", content=b"{}", headers={"Authorization": "Bearer no"})
    answers["413"] = TestClient(create_app(seed_copy, allow_ingest=True, token=TOKEN, tiles=None)).post(
        "/api/ingest", content=b"x" * (MAX_INGEST_BYTES + 1), headers={"Authorization": f"Bearer {TOKEN}"})

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(api, "search_events", broken)
    answers["500"] = TestClient(create_app(seed_copy, tiles=None), raise_server_exceptions=False).get("/api/events")
    expected = {"JSON 404": 404, "unknown path 404": 404, "JSON 422": 422, "JSON 405": 405, "HTML 404": 404,
                "static 404": 404, "read-only ingest 404": 404, "401": 401, "403": 403, "429": 429, "413": 413,
                "500": 500}
    for kind, response in answers.items():
        assert response.status_code == expected.get(kind, 200), (kind, response.text[:200])
        assert_secure(response)
    assert answers["500"].json()["message"] == "internal error (RuntimeError)"  # JSON, no traceback
    assert "text/html" in answers["dashboard"].headers["content-type"]


class _Scripts(HTMLParser):
    """Every inline script, inline handler and javascript: URL in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.scripts = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value}>")
        if tag == "script":
            self.scripts += 1
            self._in_script = True
            if not dict(attrs).get("src"):
                self.problems.append("<script> without src")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data.strip()[:60]}")


def inline_code(html: str) -> tuple[int, list[str]]:
    parser = _Scripts()
    parser.feed(html)
    return parser.scripts, parser.problems


def test_no_page_holds_inline_script_or_handlers():
    # the check itself finds what it looks for
    assert inline_code('<p onclick="x()">a</p><script>alert(1)</script><a href=" JavaScript:x">b</a>')[1] == [
        "<p onclick=…>", "<script> without src", "inline script: alert(1)", "<a href= JavaScript:x>"]
    pages = sorted(TEMPLATES.glob("*.html"))
    assert {p.name for p in pages} >= {"index.html", "event.html", "article.html", "docs.html", "404.html"}
    scripts = 0
    for page in pages:
        found, problems = inline_code(page.read_text(encoding="utf-8"))
        assert problems == [], (page.name, problems)
        scripts += found
    assert scripts >= 6  # the pages' own scripts were seen, from files


# --- where the server listens, and what it logs ---------------------------------------------------


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("LOCALHOST", True), ("0.0.0.0", False), ("::", False), ("192.168.1.20", False), ("10.0.0.1", False),
    ("203.0.113.9", False), ("example.org", False), ("", False)])
def test_loopback_or_not(host, loopback):
    assert is_loopback(host) is loopback


def test_exposure_warnings():
    assert exposure_warnings("127.0.0.1", None, False) == []
    assert exposure_warnings("localhost", TOKEN, True) == []
    [open_] = exposure_warnings("0.0.0.0", None, False)
    assert "0.0.0.0" in open_ and "read-only" in open_ and "127.0.0.1" in open_
    [clear] = exposure_warnings("192.168.1.20", TOKEN, True)
    assert "clear text" in clear and "HTTPS" in clear and "read-only" not in clear
    [short] = exposure_warnings("127.0.0.1", "abc", True)
    assert "short" in short and "abc" not in short  # a warning about the token never shows it
    assert len(exposure_warnings("::", "abc", True)) == 2


def test_serve_warns_on_stderr_when_it_listens_beyond_the_loopback(seed_db):
    # 192.0.2.1 (a documentation address) is on no interface: the warning comes, then the bind fails
    # on one line, and no server is left listening
    done = run_cli("serve", "--db", str(seed_db), "--host", "192.0.2.1", "--port", "0")
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 2, done.stderr
    assert lines[0].startswith("warning: 192.0.2.1 is reachable from the network") and "read-only" in lines[0]
    assert lines[1].startswith("error: cannot listen on 192.0.2.1:0") and "Traceback" not in done.stderr
    # ingest with the token from the environment (never on the command line): the clear-text warning
    done = run_cli("serve", "--db", str(seed_db), "--host", "192.0.2.1", "--port", "0", "--allow-ingest",
                   env={"WARWATCH_TOKEN": TOKEN})
    assert "token travels in clear text" in done.stderr and TOKEN not in done.stderr, done.stderr
    assert "cannot listen" in done.stderr and "needs --token" not in done.stderr


def test_a_running_server_never_logs_the_token(seed_copy):
    secret = "SECRET-" + secrets.token_hex(16)
    guesses = [secret[:-1] + c for c in "ghijk"[:MAX_FAILURES]]  # near misses, as a typo would be
    with serving("--db", str(seed_copy), "--allow-ingest", "--token", secret, "--access-log") as server:
        assert server.url.startswith("http://127.0.0.1:")  # the default interface
        with httpx.Client(base_url=server.url, timeout=30) as http:
            events = http.get("/api/events")
            assert events.status_code == 200
            assert_secure(events)
            right = {"Authorization": f"Bearer {secret}"}
            assert http.post("/api/ingest", content=b"\n", headers=right).status_code == 422
            for guess in guesses:
                assert http.post("/api/ingest", content=b"{}", headers={"Authorization": f"Bearer {guess}"}
                                 ).status_code == 403
            locked = http.post("/api/ingest", content=b"\n", headers=right)
            assert locked.status_code == 429 and locked.headers["retry-after"]
    out = server.output
    # the log is on, and says what happened (access lines, refusals), without any token
    assert '"POST /api/ingest HTTP/1.1" 403' in out and '"POST /api/ingest HTTP/1.1" 429' in out
    assert "wrong token" in out and "locked out" in out
    assert not leaked(secret, out) and not [g for g in guesses if leaked(g[-8:], out)], out
