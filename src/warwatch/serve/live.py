"""Live updates: ``GET /api/stream``, server-sent events that tell the dashboard the store changed.

One poller per server process reads the store's data version (:mod:`warwatch.store.version`) every
``interval`` seconds while at least one client listens, whoever wrote (an ingest through the API, a
command-line ingest, ``warwatch watch``), and tells every open stream at once: clients cost no query
each. The stream says::

    retry: 3000                            how long a browser waits before it reconnects
    id: 5.5.19.19.0.1796...                the data version, sent back as Last-Event-ID on a reconnect
    event: ready                           on connect: the version now, nothing to do
    data: {"version": ..., "articles": 5, "events": 19, ...}

    event: changed                         the store changed: "changed" and "removed" list the event
    data: {..., "changed": ["SYR20"], "removed": [], "more": false, "at": "2026-..."}   ids (newest first)

    : keep-alive                           a comment every ``keepalive`` seconds, so that proxies keep it open

A client that reconnects with a Last-Event-ID older than the version is sent ``changed`` at once,
with what changed since its version: it missed nothing. Streams are capped per process (503 past
``max_streams``). Uvicorn waits, on shutdown, for every response to finish, which a stream never
does: :class:`Server` (what ``warwatch serve`` runs) ends the streams first; under another server,
call :func:`end_streams` on shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

import uvicorn
from fastapi import APIRouter, FastAPI, Header, HTTPException, Request
from sqlalchemy import Engine
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from warwatch.serve import api_models as m
from warwatch.store.version import DataVersion, VersionProbe, read_changes, read_version

log = logging.getLogger("warwatch.serve")

#: seconds between two reads of the data version (while a client listens)
INTERVAL = 1.0
#: seconds between two keep-alive comments on a quiet stream
KEEPALIVE = 15.0
#: milliseconds a browser waits before it reconnects a dropped stream
RETRY_MS = 3000
#: open streams a server process holds at most; past it a client is answered 503
MAX_STREAMS = 100
#: messages kept for a client that does not read them; past it they become one "reload everything"
BACKLOG = 16
#: the longest wait between two reads after the database failed to answer
MAX_BACKOFF = 30.0


class Listener:
    """One open stream: the messages it has yet to send, and what wakes it."""

    def __init__(self) -> None:
        self.pending: list[dict[str, Any]] = []
        self.wake = asyncio.Event()

    def push(self, payload: dict[str, Any]) -> None:
        if len(self.pending) >= BACKLOG:
            # a client this far behind gets the newest message only, saying that it misses some ids
            self.pending = [{**payload, "more": True}]
        else:
            self.pending.append(payload)
        self.wake.set()

    def take(self) -> list[dict[str, Any]]:
        out, self.pending = self.pending, []
        self.wake.clear()
        return out


def _payload(version: DataVersion, **changes: Any) -> dict[str, Any]:
    return {"version": version.token, "articles": version.articles, "events": version.live_events, **changes,
            "at": datetime.now(UTC).isoformat(timespec="seconds")}


def _message(kind: str, payload: dict[str, Any]) -> str:
    return f"id: {payload['version']}\nevent: {kind}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n"


class Hub:
    """The streams of one app and the poller that feeds them (started with the first stream, ended
    with the last: an idle server reads nothing)."""

    def __init__(self, engine: Engine, *, interval: float = INTERVAL, keepalive: float = KEEPALIVE,
                 max_streams: int = MAX_STREAMS, retry_ms: int = RETRY_MS) -> None:
        self.engine = engine
        self.interval, self.keepalive, self.max_streams, self.retry_ms = interval, keepalive, max_streams, retry_ms
        self.listeners: set[Listener] = set()
        self.version: DataVersion | None = None
        self.closed = False
        self.polls = 0  # versions read by the poller: tests check that an idle server reads none
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    @property
    def polling(self) -> bool:
        """Whether the poller runs (it does while a client listens, and a moment after the last one left)."""
        return self._task is not None

    def _read(self) -> DataVersion:
        with self.engine.connect() as conn:
            return read_version(conn)

    def _changes(self, since: DataVersion) -> dict[str, Any]:
        with self.engine.connect() as conn:
            found = read_changes(conn, since)
        return {"changed": found.changed, "removed": found.removed, "more": found.more}

    async def subscribe(self, last_id: str | None) -> tuple[Listener, str]:
        """A new stream's listener and its first message (503 past the cap, or while shutting down)."""
        if self.closed:
            raise HTTPException(503, "the server is shutting down", headers={"Retry-After": "5"})
        if len(self.listeners) >= self.max_streams:
            raise HTTPException(503, f"too many live streams open ({self.max_streams}): try again later",
                                headers={"Retry-After": "30"})
        listener = Listener()
        self.listeners.add(listener)  # before any await: the slot is taken now, whoever comes next
        try:
            async with self._lock:
                if self._task is None:  # nobody listened: what we knew may be old, read it now
                    self.version = await asyncio.to_thread(self._read)
                    self._task = asyncio.create_task(self._run())
                version = self.version
            assert version is not None
            since = DataVersion.parse(last_id) if last_id else None
            if since is not None and since != version:
                first = _message("changed", _payload(version, **await asyncio.to_thread(self._changes, since)))
            else:
                first = _message("ready", _payload(version))
        except BaseException:
            self.unsubscribe(listener)
            raise
        return listener, f"retry: {self.retry_ms}\n{first}"

    def unsubscribe(self, listener: Listener) -> None:
        self.listeners.discard(listener)

    async def _run(self) -> None:
        probe: VersionProbe | None = None
        failures = 0
        try:
            while True:
                await asyncio.sleep(min(MAX_BACKOFF, self.interval * 2 ** failures))
                if self.closed or not self.listeners:
                    self._task = None  # with the test above, no await between: a newcomer starts a new poller
                    return
                try:
                    if probe is None:
                        probe = await asyncio.to_thread(VersionProbe, self.engine)
                    async with self._lock:
                        await self._refresh(probe)
                    if failures:
                        log.warning("live updates: the database answers again")
                    failures = 0
                except Exception as error:  # a database gone away: say so once, then wait longer each time
                    if not failures:  # the driver's first line, without SQLAlchemy's SQL echo and links
                        reason = str(getattr(error, "orig", None) or error).strip().splitlines() or [repr(error)]
                        log.warning("live updates: cannot read the database (%s); retrying", reason[0])
                    failures = min(failures + 1, 8)
                    if probe is not None:  # its connection may be the broken part: a new one next time
                        with contextlib.suppress(Exception):
                            await asyncio.to_thread(probe.close)
                        probe = None
        finally:
            if self._task is asyncio.current_task():
                self._task = None
            if probe is not None:
                await asyncio.to_thread(probe.close)

    async def _refresh(self, probe: VersionProbe) -> None:
        version = await asyncio.to_thread(probe.poll)
        self.polls += 1
        old, self.version = self.version, version
        if old is None or version == old:
            return
        payload = _payload(version, **await asyncio.to_thread(self._changes, old))
        for listener in list(self.listeners):
            listener.push(payload)

    async def stream(self, listener: Listener, first: str) -> AsyncIterator[str]:
        """What one client is sent, until it goes or the server shuts down."""
        try:
            yield first
            while not self.closed:
                try:
                    await asyncio.wait_for(listener.wake.wait(), self.keepalive)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if self.closed:
                    break
                for payload in listener.take():
                    yield _message("changed", payload)
        finally:
            self.unsubscribe(listener)

    def close(self) -> None:
        """End every stream now (the server is shutting down) and refuse new ones."""
        self.closed = True
        for listener in list(self.listeners):
            listener.wake.set()


class _Stream(StreamingResponse):
    """A stream that gives its slot back however it ends, also when the client left before it began."""

    def __init__(self, hub: Hub, listener: Listener, first: str) -> None:
        super().__init__(hub.stream(listener, first), media_type="text/event-stream",
                         headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        self.hub, self.listener = hub, listener

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.hub.unsubscribe(self.listener)


def hub(app: FastAPI) -> Hub:
    """The app's hub, made on first use over the app's store (a test may set ``app.state.live`` first)."""
    found = getattr(app.state, "live", None)
    if found is None:
        found = app.state.live = Hub(app.state.store.engine)
    return found


def end_streams(app: Any) -> None:
    """End the open streams of ``app`` (a warwatch app; anything else is ignored), for a server's shutdown."""
    found = getattr(getattr(app, "state", None), "live", None)
    if isinstance(found, Hub):
        found.close()


class Server(uvicorn.Server):
    """Uvicorn's server, ending the event streams first when it shuts down: Uvicorn waits for every
    open response to finish, and a stream would never finish."""

    async def shutdown(self, sockets: Any = None) -> None:
        end_streams(self.config.app)
        await super().shutdown(sockets)


router = APIRouter()


@router.get("/api/stream", response_class=StreamingResponse, tags=["events"], responses={
    200: {"content": {"text/event-stream": {}}, "description": "server-sent events: ready, then changed"},
    503: {"model": m.ErrorOut, "description": "Too many streams open, or the server is shutting down"}})
async def stream(request: Request, last_event_id: Annotated[str | None, Header(
        max_length=200, description="the last id received: a reconnect is told what it missed")] = None,
                 ) -> StreamingResponse:
    """Server-sent events: ``ready`` on connect, then ``changed`` whenever the store changes (see docs/web.md)."""
    live = hub(request.app)
    listener, first = await live.subscribe(last_event_id)
    return _Stream(live, listener, first)
