"""Live updates: ``GET /api/stream`` (server-sent events) against a real Uvicorn server over real SQLite
files (and PostgreSQL), and the dashboard in a real browser following a change without a reload.

The store is changed the way it is in use: the seed article held back is ingested through the library
(a command-line ingest or ``warwatch watch`` write the same way) while the client listens.
"""

from __future__ import annotations

import json
import logging
import queue
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import SAMPLES
from served import serving, start
from sqlalchemy.exc import OperationalError

from warwatch.serve import live
from warwatch.serve.api import create_app
from warwatch.store import Store
from warwatch.store.version import DataVersion, VersionProbe

try:  # the browser fixtures that watch every page for errors; without Playwright only the browser test skips
    from test_browser import CHROMIUM, browser, marker_ids, open_page, page, table_ids  # noqa: F401
except pytest.skip.Exception:
    CHROMIUM = None

MANIFEST = [json.loads(line) for line in (SAMPLES / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
#: the seed held back and ingested while a client listens: its events (May 2019) are no other seed's
LATE = "004_a4b19aa4bc454938.txt"


def _ingest(db: str | Path, entries: list[dict[str, Any]], pipeline, folder: Path) -> list[str]:
    """Ingest these manifest entries into ``db``; the ids of the events they went into."""
    from warwatch.pipeline import ingest

    manifest = folder / f"manifest-{len(entries)}-{time.monotonic_ns()}.jsonl"
    manifest.write_text("".join(json.dumps({**e, "path": str(SAMPLES / e["path"])}) + "\n" for e in entries),
                        encoding="utf-8")
    report = ingest([], manifest=manifest, db=db, pipeline=pipeline)
    assert report.stored == len(entries) and not report.failures, report
    return sorted(report.events)


@pytest.fixture(scope="module")
def early_db(tmp_path_factory: pytest.TempPathFactory, pipeline) -> Path:
    """The seeds but the late one."""
    folder = tmp_path_factory.mktemp("live")
    _ingest(folder / "early.db", [e for e in MANIFEST if e["path"] != LATE], pipeline, folder)
    return folder / "early.db"


@pytest.fixture()
def early_copy(early_db: Path, tmp_path: Path) -> Path:
    shutil.copy(early_db, tmp_path / "early.db")
    return tmp_path / "early.db"


def ingest_late(db: str | Path, pipeline, folder: Path) -> list[str]:
    return _ingest(db, [e for e in MANIFEST if e["path"] == LATE], pipeline, folder)


# --- a real server, and a client that reads the stream as it comes ---------------------------------


@dataclass
class Running:
    url: str
    hub: live.Hub
    server: live.Server
    thread: threading.Thread

    def stop(self) -> float:
        """Stop the server as Ctrl-C would; the seconds it took."""
        start = time.monotonic()
        self.server.should_exit = True
        self.thread.join(15)
        assert not self.thread.is_alive(), "the server did not stop"
        return time.monotonic() - start


@contextmanager
def running(db: str | Path, **hub: Any) -> Iterator[Running]:
    """``warwatch serve``'s server (live.Server) in a thread over ``db``, its hub made with ``hub``."""
    app = create_app(db, tiles=None)
    # quick polls, and keep-alives frequent enough for Stream to close in time
    app.state.live = live.Hub(app.state.store.engine, **{"interval": 0.1, "keepalive": 0.3, **hub})
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server, thread = start(app, sock)
    served = Running(f"http://127.0.0.1:{sock.getsockname()[1]}", app.state.live, server, thread)
    try:
        yield served
    finally:
        if thread.is_alive():
            served.stop()
        sock.close()
        app.state.store.close()


class Stream:
    """One open ``/api/stream``, read in a thread: each event ({"event", "id", "data", "retry"}) or
    comment ({"comment"}) is queued as it arrives, then {"end": ...} when the stream ends.

    The reader thread also closes it (httpx's close would wait for the read in flight): :meth:`close`
    asks, and the reader closes at its next line, which the server's keep-alives make come soon.
    """

    def __init__(self, client: httpx.Client, url: str, last_id: str | None = None) -> None:
        headers = {"Last-Event-ID": last_id} if last_id else {}
        self._context = client.stream("GET", url + "/api/stream", headers=headers)
        self.response = self._context.__enter__()
        self.items: queue.Queue[dict[str, Any]] = queue.Queue()
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        fields: dict[str, Any] = {}
        try:
            for line in self.response.iter_lines():
                if self._stop.is_set():
                    break
                if line.startswith(":"):
                    self.items.put({"comment": line[1:].strip()})
                elif line:
                    name, _, value = line.partition(":")
                    fields[name] = value.removeprefix(" ")
                elif fields:
                    if "data" in fields:
                        fields["data"] = json.loads(fields["data"])
                    self.items.put(fields)
                    fields = {}
            self.items.put({"end": "closed"})
        except Exception as error:  # a broken connection
            self.items.put({"end": repr(error)})
        finally:
            self._context.__exit__(None, None, None)

    def next(self, timeout: float = 5.0) -> dict[str, Any]:
        return self.items.get(timeout=timeout)

    def event(self, timeout: float = 5.0) -> dict[str, Any]:
        """The next event, past keep-alive comments."""
        deadline = time.monotonic() + timeout
        while True:
            item = self.next(max(0.01, deadline - time.monotonic()))
            if "comment" not in item:
                return item

    def during(self, seconds: float) -> list[dict[str, Any]]:
        """Everything that arrives within ``seconds``."""
        out: list[dict[str, Any]] = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                out.append(self.next(left))
            except queue.Empty:
                break
        return out

    def close(self) -> None:
        self._stop.set()
        self._reader.join(5)
        assert not self._reader.is_alive(), "the stream was not closed"


def wait_until(test, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not test():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# --- the stream -------------------------------------------------------------------------------------


def test_a_change_to_the_store_is_streamed_and_nothing_else_is(early_copy, pipeline, tmp_path):
    with Store(early_copy) as store:
        before = store.events()
        stored = store.stored_articles()
    with running(early_copy, keepalive=0.3) as server, httpx.Client(timeout=10) as client:
        stream = Stream(client, server.url)
        assert stream.response.status_code == 200
        assert stream.response.headers["content-type"].startswith("text/event-stream")
        assert stream.response.headers["cache-control"] == "no-cache"
        ready = stream.event()
        assert ready["event"] == "ready" and ready["retry"] == "3000"
        assert ready["id"] == ready["data"]["version"] and ready["data"]["events"] == len(before)
        version = DataVersion.parse(ready["id"])
        assert version is not None and version.articles == len(stored) == 4

        # nothing changes: keep-alive comments only, while the poller reads the version many times
        polls = server.hub.polls
        # a write that changes nothing the API shows (a reprint of a stored text, under another outlet)
        with Store(early_copy) as store:
            assert store.note_reprint(replace(stored[0][1], outlet="Another Wire", url=None))
        quiet = stream.during(1.0)
        assert quiet and all(item == {"comment": "keep-alive"} for item in quiet), quiet
        assert server.hub.polls - polls >= 5

        # the late seed is ingested: "changed" with its new events, within a poll or two
        start = time.monotonic()
        new = ingest_late(early_copy, pipeline, tmp_path)
        changed = stream.event()
        assert changed["event"] == "changed", changed
        data = changed["data"]
        assert time.monotonic() - start < 5
        with Store(early_copy) as store:
            after = store.events()
        assert len(after) > len(before) and set(new) <= {r.event_id_cnty for r in after}
        assert set(new) <= set(data["changed"]) and not data["removed"] and not data["more"]
        assert data["events"] == len(after) and data["articles"] == 5 and changed["id"] == data["version"]
        assert all("comment" in item for item in stream.during(0.7))  # told once
        stream.close()

        # a client that reconnects with the version it last saw is told what it missed, at once
        missed = Stream(client, server.url, last_id=ready["id"])
        first = missed.event()
        assert first["event"] == "changed" and set(new) <= set(first["data"]["changed"])
        assert first["id"] == changed["id"]
        missed.close()
        # one that saw the current version, and one that sends something else, are just told the version
        for last_id in (changed["id"], "not-a-version", "1.2.3"):
            again = Stream(client, server.url, last_id=last_id)
            assert again.event()["event"] == "ready"
            again.close()


def test_streams_are_capped_and_a_closed_one_frees_its_slot(early_db):
    with running(early_db, max_streams=2) as server, httpx.Client(timeout=10) as client:
        first, second = Stream(client, server.url), Stream(client, server.url)
        assert first.event()["event"] == second.event()["event"] == "ready"
        refused = client.get(server.url + "/api/stream")
        assert refused.status_code == 503 and refused.headers["retry-after"] == "30"
        assert "too many live streams" in refused.json()["message"]
        first.close()
        wait_until(lambda: len(server.hub.listeners) == 1)
        third = Stream(client, server.url)
        assert third.event()["event"] == "ready"
        second.close()
        third.close()
        # nobody listens: the poller stops, and an idle server reads nothing
        wait_until(lambda: not server.hub.listeners and not server.hub.polling)
        polls = server.hub.polls
        time.sleep(0.3)
        assert server.hub.polls == polls


def test_a_database_that_stops_answering_keeps_the_streams_open(early_copy, pipeline, tmp_path, monkeypatch,
                                                                  caplog):
    real = VersionProbe.poll
    broken = {"left": 3}

    def poll(self):
        if broken["left"]:
            broken["left"] -= 1
            raise OperationalError("SELECT", {}, Exception("disk I/O error"))
        return real(self)

    with running(early_copy) as server, httpx.Client(timeout=10) as client:
        stream = Stream(client, server.url)
        assert stream.event()["event"] == "ready"
        with caplog.at_level(logging.WARNING, logger="warwatch.serve"):
            monkeypatch.setattr(VersionProbe, "poll", poll)
            wait_until(lambda: not broken["left"])
            new = ingest_late(early_copy, pipeline, tmp_path)
            changed = stream.event()
        assert changed["event"] == "changed" and set(new) <= set(changed["data"]["changed"])
        said = [r.getMessage() for r in caplog.records if r.name == "warwatch.serve"]
        assert said == ["live updates: cannot read the database (disk I/O error); retrying",
                        "live updates: the database answers again"]
        stream.close()


def test_stopping_the_server_ends_open_streams_at_once(early_db):
    with running(early_db, keepalive=60) as server, httpx.Client(timeout=10) as client:
        streams = [Stream(client, server.url) for _ in range(3)]
        assert all(s.event()["event"] == "ready" for s in streams)
        assert server.stop() < 2  # plain Uvicorn would wait for the streams forever
        for s in streams:
            assert "end" in s.next(2)
            s.close()


def test_warwatch_serve_stops_at_once_with_a_client_listening(early_db):
    with serving("--db", str(early_db)) as served, httpx.Client(timeout=10) as client:
        stream = Stream(client, served.url)
        assert stream.event(15)["event"] == "ready"
        start = time.monotonic()
    # serving() sent SIGINT and waited for the process on leaving the block
    assert time.monotonic() - start < 5, served.output
    assert "end" in stream.next(2)
    stream.close()


def test_the_stream_over_postgresql(pg_url, pipeline, tmp_path):
    _ingest(pg_url, [e for e in MANIFEST if e["path"] != LATE][:1], pipeline, tmp_path)
    with running(pg_url) as server, httpx.Client(timeout=10) as client:
        stream = Stream(client, server.url)
        ready = stream.event()
        assert ready["event"] == "ready" and ready["data"]["articles"] == 1
        new = ingest_late(pg_url, pipeline, tmp_path)
        changed = stream.event()
        assert changed["event"] == "changed" and set(new) <= set(changed["data"]["changed"])
        assert changed["data"]["articles"] == 2
        stream.close()


# --- the dashboard follows, without a reload --------------------------------------------------------


def map_view(tab) -> str:
    """Where the map looks (its pane's offset, the zoom's scale), once any animation has ended."""
    read = "document.querySelector('#map .leaflet-map-pane').style.transform + ' ' + " \
           "document.querySelector('#map .leaflet-overlay-pane svg').getAttribute('viewBox')"
    last = tab.evaluate(read)
    while True:
        tab.wait_for_timeout(300)
        now = tab.evaluate(read)
        if now == last:
            return now
        last = now


@pytest.mark.skipif(CHROMIUM is None, reason="Playwright or Debian's chromium is missing (see test_browser.py)")
def test_the_dashboard_shows_a_new_event_without_a_reload(page, early_copy, pipeline, tmp_path):
    # the user's filter (2019 on: the late seed's events, and one earlier seed's), selection and map view
    since = "2019-01-01"
    with Store(early_copy) as store:
        kept = store.events(since=date.fromisoformat(since))
    chosen = kept[0].event_id_cnty
    with running(early_copy, interval=0.2) as server:
        open_page(page, f"{server.url}/?since={since}&event={chosen}")
        page.wait_for_selector(f"#detail h2:has-text('{chosen}')")
        page.wait_for_selector("body[data-live='open']")
        assert page.inner_text("#live") == "● live"
        rows, markers = table_ids(page), marker_ids(page)
        assert set(rows) == {r.event_id_cnty for r in kept}
        page.evaluate("window.__noReload = 1")
        view = map_view(page)

        new = ingest_late(early_copy, pipeline, tmp_path)
        with Store(early_copy) as store:
            every = store.events()
            now = store.events(since=date.fromisoformat(since))
        late = [r for r in now if r.event_id_cnty in new]
        assert late and any(r.located for r in late)
        page.wait_for_selector("body[data-live-updates='1']", timeout=10_000)
        assert page.evaluate("window.__noReload") == 1  # the same document: no reload
        assert page.input_value("input[name=since]") == since and f"since={since}" in page.url
        assert set(table_ids(page)) == set(rows) | {r.event_id_cnty for r in late}
        assert set(marker_ids(page)) == set(markers) | {r.event_id_cnty for r in late if r.located}
        assert page.inner_text("#summary").startswith(f"{len(now)} events · ")
        assert page.inner_text("#live").startswith("● updated ")
        assert page.get_attribute(f"#events tr[data-id='{chosen}']", "class") == "selected"
        assert f"event={chosen}" in page.url and page.is_visible("#detail")
        assert map_view(page) == view
        # the timeline has the late seed's days; the filters' counts and the legend are the database's
        days = set(page.eval_on_selector_all("#timeline g.day", "g => g.map(x => x.dataset.date)"))
        assert {r.event_date.isoformat() for r in late if r.event_date} <= days
        counts = dict(page.eval_on_selector_all("select[name=event_type] option[value]:not([value=''])",
                                                "o => o.map(x => [x.value, x.textContent])"))
        for kind in {r.event_type for r in late}:
            assert counts[kind] == f"{kind} ({sum(r.event_type == kind for r in every)})"
        legend = page.eval_on_selector_all(".legend div[data-type]", "ds => ds.map(d => d.dataset.type)")
        assert set(legend) == {r.event_type for r in every}
        # left before the server stops: a stream it ended would be reconnected, and refused
        page.goto("about:blank")
