"""The watched sources on the dashboard: ``GET /api/sources`` (JSON) and ``GET /sources`` (a page whose
script fetches it), what ``warwatch sources`` prints. Included in the app by ``create_app``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from warwatch.watch.state import source_status

PAGE = Path(__file__).resolve().parent / "web" / "templates" / "sources.html"
router = APIRouter()


class SourceOut(BaseModel):
    """One watched feed or sitemap."""

    url: str
    outlet: str | None
    #: False once it is no longer in the sources file (kept for the record)
    active: bool
    every_seconds: float
    last_polled: datetime | None
    last_success: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    #: failed polls in a row (0 after a success); each one doubles the wait before the next poll
    failures: int
    next_due: datetime | None
    #: pages of this source stored as articles
    articles: int
    #: pages waiting to be fetched (new, changed, or to be tried again)
    pending: int
    #: pages refused by policy (robots.txt, a private address, too large) or given up after failures
    refused: int


class SourceList(BaseModel):
    """Every watched source (times are UTC)."""

    sources: list[SourceOut]


@router.get("/api/sources", response_model=SourceList, tags=["sources"])
async def list_sources(request: Request) -> SourceList:
    """The sources ``warwatch watch`` polls: schedule, last success and error, articles stored."""
    rows = await run_in_threadpool(source_status, request.app.state.store.engine)
    return SourceList(sources=[SourceOut(url=r.url, outlet=r.outlet, active=r.active, every_seconds=r.every,
                                         last_polled=r.last_polled, last_success=r.last_success,
                                         last_error=r.last_error, last_error_at=r.last_error_at,
                                         failures=r.failures, next_due=r.next_due, articles=r.articles,
                                         pending=r.pending, refused=r.refused) for r in rows])


@router.get("/sources", include_in_schema=False)
def sources_page() -> FileResponse:
    return FileResponse(PAGE, media_type="text/html; charset=utf-8")
