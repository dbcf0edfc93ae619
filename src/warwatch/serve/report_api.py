"""``GET /api/report``: the situation report over the dashboard's filters, as HTML, PDF or Markdown.

Rendering costs far more than a listing (every event of the period is read, and a PDF is drawn),
so finished reports are cached by (format, filters, data version): the same report asked again
while the store is unchanged is served from memory. Each client may start at most
:data:`RENDERS_PER_MINUTE` renders a minute (a cached answer costs none), and at most
:data:`CONCURRENT_RENDERS` run at once in the whole process; past either, 429 with Retry-After.
"""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections import OrderedDict
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from warwatch.errors import InputError, RendererMissing
from warwatch.serve import security
from warwatch.serve.api import Filters, StoreDep
from warwatch.store.version import read_version

router = APIRouter()

RENDERS_PER_MINUTE = 6
CONCURRENT_RENDERS = 2
CACHED_REPORTS = 32
#: a cached report is never larger than this (bytes): the cache's memory stays bounded
CACHE_ITEM_LIMIT = 8 * 1024 * 1024



class _Reports:
    """One app's finished reports and render limits (each app has its own store, so its own cache)."""

    def __init__(self) -> None:
        self.cache: OrderedDict[str, tuple[bytes, str, str]] = OrderedDict()
        self.lock = threading.Lock()
        self.running = threading.BoundedSemaphore(CONCURRENT_RENDERS)
        # the same sliding window that counts wrong tokens, here counting renders per client
        self.renders = security.FailedAttempts(limit=RENDERS_PER_MINUTE, window=60.0)

    def get(self, key: str) -> tuple[bytes, str, str] | None:
        with self.lock:
            hit = self.cache.get(key)
            if hit is not None:
                self.cache.move_to_end(key)
            return hit

    def put(self, key: str, value: tuple[bytes, str, str]) -> None:
        if len(value[0]) > CACHE_ITEM_LIMIT:
            return
        with self.lock:
            self.cache[key] = value
            while len(self.cache) > CACHED_REPORTS:
                self.cache.popitem(last=False)


_made = threading.Lock()


def _reports(request: Request) -> _Reports:
    state = request.app.state
    with _made:
        if not hasattr(state, "reports"):
            state.reports = _Reports()
    return state.reports


def _too_many(seconds: int) -> HTTPException:
    return HTTPException(status_code=429, detail=f"too many reports at once or from this client: try again in"
                         f" {seconds} s", headers={"Retry-After": str(seconds)})


@router.get("/api/report", tags=["reports"], response_class=Response, responses={
    200: {"content": {"text/html": {}, "application/pdf": {}, "application/zip": {}},
          "description": "the report; Markdown comes as a zip with its pictures"},
    429: {"description": "too many reports from this client, or too many at once (see Retry-After)"}})
def get_report(request: Request, filters: Filters, store: StoreDep,
               format: Annotated[str, Query(pattern="^(html|pdf|md)$", description="html, pdf or md")] = "html",
               ) -> Response:
    """A situation report over the events the filters select (the dashboard's own filters): summary,
    map, chart of events per day, key incidents, what is uncertain, and the sources. Figures and ids link
    to this server's event pages. Without since/until the period is the span of the matching events."""
    with store.engine.connect() as conn:
        version = read_version(conn).token
    key = json.dumps([format, version, sorted((k, repr(v)) for k, v in filters.items())])
    reports = _reports(request)
    hit = reports.get(key)
    if hit is None:
        client = security.client_address(request)
        wait = reports.renders.retry_after(client)
        if wait is not None:
            raise _too_many(wait)
        if not reports.running.acquire(blocking=False):
            raise _too_many(2)
        try:
            reports.renders.failed(client)  # counts this render in the client's window
            hit = _render(store, filters, format)
        finally:
            reports.running.release()
        reports.put(key, hit)
    body, media_type, name = hit
    return Response(body, media_type=media_type, headers={
        "Content-Disposition": f'{"inline" if format == "html" else "attachment"}; filename="{name}"',
        "Cache-Control": "no-store"})


def _render(store: Any, filters: dict[str, Any], fmt: str) -> tuple[bytes, str, str]:
    from warwatch.report.render import render

    try:
        done = render(store, filters, fmt, base_url="", pictures="report")
    except InputError as error:
        raise HTTPException(status_code=422, detail=str(error)) from None
    except RendererMissing as error:
        raise HTTPException(status_code=501, detail=str(error)) from None
    if fmt != "md":
        return done.body, done.media_type, f"report.{fmt}"
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("report.md", done.body)
        for name, data in done.pictures.items():
            archive.writestr(name, data)
    return packed.getvalue(), "application/zip", "report.zip"
