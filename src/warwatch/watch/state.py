"""Reading and writing the watcher's state (tables in :mod:`warwatch.store.watch_tables`).

Each change is its own short transaction, committed before the next network request: a crash
loses at most the request in flight, and the next run resumes from what is written here (a page
is marked done only after its article is stored, so a crash in between fetches it again and
finds its article already stored by content hash).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, bindparam, case, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from warwatch.store.fusion import now as utc_now
from warwatch.store.migrations import serialise
from warwatch.store.watch_tables import pages, sources, versions
from warwatch.watch.sources import Source

#: a failing source waits every * 2**failures, but never longer than this (nor less than its own every)
MAX_BACKOFF = timedelta(hours=12)
#: a page that failed waits PAGE_RETRY * 2**(failures - 1) before it is fetched again, at most MAX_BACKOFF
PAGE_RETRY = timedelta(minutes=1)
#: after this many failures in a row a page is given up ("failed") until its listing says it changed
PAGE_TRIES = 8
#: a URL longer than this is no article link worth keeping (and would not fit a PostgreSQL index entry)
MAX_URL = 2000

now = utc_now


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One write transaction, serialised with the store's other writers (BEGIN IMMEDIATE / advisory lock)."""
    with engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin():
        serialise(conn)
        yield conn


@dataclass(frozen=True)
class SourceRow:
    """A source as the poller needs it."""

    id: int
    url: str
    outlet: str | None
    language: str | None
    every: float
    etag: str | None
    last_modified: str | None
    failures: int
    title: str | None
    next_due: datetime | None


@dataclass(frozen=True)
class PageRow:
    """A page (article or child sitemap) to fetch."""

    id: int
    url: str
    source_id: int
    kind: str
    marker: str | None
    published: str | None
    title: str | None
    etag: str | None
    last_modified: str | None
    content_hash: str | None
    article_id: int | None
    versions: int
    failures: int


@dataclass(frozen=True)
class Entry:
    """One link a listing gives: an article page (or a child sitemap), with what it says of it."""

    url: str
    #: when the listing says the page last changed (feed ``updated``, sitemap ``lastmod``), as written
    marker: str | None = None
    published: str | None = None  # ISO day
    title: str | None = None
    kind: str = "article"


def backoff(every: float, failures: int) -> timedelta:
    """How long a source that failed ``failures`` times in a row waits before its next poll."""
    base = timedelta(seconds=every)
    if failures <= 0:
        return base
    return max(base, min(base * 2 ** min(failures, 20), MAX_BACKOFF))


def page_backoff(failures: int) -> timedelta:
    """How long a page that failed ``failures`` times in a row waits before it is fetched again."""
    return min(PAGE_RETRY * 2 ** min(max(failures - 1, 0), 20), MAX_BACKOFF)


def sync_sources(engine: Engine, configured: Sequence[Source]) -> None:
    """Make the stored sources those of the file: new ones added (due at once), changed ones updated,
    those left out deactivated (kept, with their pages, for the record)."""
    when = now()
    with writing(engine) as conn:
        stored = {r.url: r for r in conn.execute(select(sources.c.id, sources.c.url, sources.c.every_s))}
        for s in configured:
            values = {"outlet": s.outlet, "language": s.language, "every_s": s.every, "active": True}
            row = stored.get(s.url)
            if row is None:
                conn.execute(insert(sources).values(url=s.url, added_at=when, failures=0, **values))
            else:
                conn.execute(update(sources).where(sources.c.id == row.id).values(**values))
        urls = {s.url for s in configured}
        gone = [r.id for url, r in stored.items() if url not in urls]
        if gone:
            conn.execute(update(sources).where(sources.c.id.in_(gone)).values(active=False))


def _source_row(r) -> SourceRow:  # type: ignore[no-untyped-def]
    return SourceRow(id=r.id, url=r.url, outlet=r.outlet, language=r.language, every=r.every_s, etag=r.etag,
                     last_modified=r.last_modified, failures=r.failures or 0, title=r.title, next_due=r.next_due)


def due_sources(engine: Engine, when: datetime, *, scheduled: bool = True) -> list[SourceRow]:
    """The active sources to poll at ``when``, the most overdue first. ``scheduled=False`` (``--once``)
    takes every active source but those slowed down after failures: their wait is kept, or a cron job
    would hammer a failing host on each run."""
    c = sources.c
    query = select(sources).where(c.active.is_(True))
    if scheduled:
        query = query.where(or_(c.next_due.is_(None), c.next_due <= when))
    else:
        query = query.where(or_(c.failures == 0, c.next_due.is_(None), c.next_due <= when))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(c.next_due.is_not(None), c.next_due, c.id)).all()
    return [_source_row(r) for r in rows]


def all_sources(engine: Engine) -> list[SourceRow]:
    """Every stored source, active or not."""
    with engine.connect() as conn:
        return [_source_row(r) for r in conn.execute(select(sources).order_by(sources.c.id))]


def next_due(engine: Engine) -> datetime | None:
    """When the next active source is due (None: one is due now or none is active)."""
    with engine.connect() as conn:
        return conn.execute(select(func.min(sources.c.next_due)).where(sources.c.active.is_(True))).scalar()


def polled(engine: Engine, source: SourceRow, when: datetime, *, status: int, etag: str | None,
           last_modified: str | None, title: str | None, entries: Iterable[Entry] = ()) -> tuple[int, int]:
    """A successful poll: validators and schedule stored, the listing's links noted, in one transaction.
    Returns (new pages, pages the listing says changed)."""
    with writing(engine) as conn:
        values = {"last_polled": when, "last_success": when, "last_status": status, "failures": 0,
                  "next_due": when + backoff(source.every, 0)}
        if status != 304:
            values.update(etag=etag, last_modified=last_modified)
            if title:
                values["title"] = title[:500]
        conn.execute(update(sources).where(sources.c.id == source.id).values(**values))
        return note_entries(conn, source.id, entries, when)


def unchanged(engine: Engine, polls: Sequence[tuple[SourceRow, datetime]]) -> None:
    """Many 304s in one transaction: a 304 changes only the schedule, and one transaction per source
    would cost more CPU than the requests (losing them in a crash costs one poll more, nothing else)."""
    if not polls:
        return
    with writing(engine) as conn:
        conn.execute(update(sources).where(sources.c.id == bindparam("sid")).values(
            last_polled=bindparam("when"), last_success=bindparam("when"), last_status=304, failures=0,
            next_due=bindparam("due")),
            [{"sid": s.id, "when": when, "due": when + backoff(s.every, 0)} for s, when in polls])


def failed(engine: Engine, source: SourceRow, when: datetime, error: str) -> timedelta:
    """A failed poll: counted, the error kept, the next poll put off exponentially. Returns the wait."""
    failures = source.failures + 1
    wait = backoff(source.every, failures)
    with writing(engine) as conn:
        conn.execute(update(sources).where(sources.c.id == source.id).values(
            last_polled=when, last_error=error[:1000], last_error_at=when, failures=failures, next_due=when + wait))
    return wait


def note_entries(conn: Connection, source_id: int, entries: Iterable[Entry], when: datetime) -> tuple[int, int]:
    """Each link once: a new one is due; a known one is due again when the listing's marker changed."""
    found = {e.url: e for e in entries if len(e.url) <= MAX_URL}
    if not found:
        return 0, 0
    stored = {}
    urls = sorted(found)
    for i in range(0, len(urls), 500):
        stored.update({r.url: r for r in conn.execute(
            select(pages.c.id, pages.c.url, pages.c.marker).where(pages.c.url.in_(urls[i:i + 500])))})
    new = changed = 0
    for url, e in found.items():
        row = stored.get(url)
        if row is None:
            conn.execute(insert(pages).values(url=url, source_id=source_id, kind=e.kind, marker=e.marker,
                                              published=e.published, title=(e.title or "")[:1000] or None,
                                              status="due", versions=0, failures=0, first_seen=when))
            new += 1
        elif e.marker is not None and e.marker != row.marker:
            conn.execute(update(pages).where(pages.c.id == row.id).values(
                marker=e.marker, status="due", failures=0, next_try=None,
                **({"published": e.published} if e.published else {})))
            changed += 1
    return new, changed


def due_pages(engine: Engine, when: datetime, limit: int, kind: str = "article") -> list[PageRow]:
    """Pages to fetch now, those seen first first."""
    c = pages.c
    query = (select(pages).where(c.status == "due", c.kind == kind, or_(c.next_try.is_(None), c.next_try <= when))
             .order_by(c.first_seen, c.id).limit(limit))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [PageRow(id=r.id, url=r.url, source_id=r.source_id, kind=r.kind, marker=r.marker, published=r.published,
                    title=r.title, etag=r.etag, last_modified=r.last_modified, content_hash=r.content_hash,
                    article_id=r.article_id, versions=r.versions or 0, failures=r.failures or 0) for r in rows]


def page_unchanged(engine: Engine, page: PageRow, when: datetime, *, etag: str | None = None,
                   last_modified: str | None = None) -> None:
    """Fetched, and nothing new: a 304, or the same text as the stored version."""
    values = {"status": "done", "failures": 0, "last_error": None, "next_try": None, "last_fetched": when}
    if etag or last_modified:
        values.update(etag=etag, last_modified=last_modified)
    with writing(engine) as conn:
        conn.execute(update(pages).where(pages.c.id == page.id).values(**values))


def page_failed(engine: Engine, page: PageRow, when: datetime, error: str, *, refused: bool = False) -> str:
    """A page that could not be fetched or read. Refused by policy: never retried. Otherwise retried later,
    and given up after PAGE_TRIES in a row (until its listing says it changed). Returns its new status."""
    failures = page.failures + 1
    status = "refused" if refused else "failed" if failures >= PAGE_TRIES else "due"
    with writing(engine) as conn:
        conn.execute(update(pages).where(pages.c.id == page.id).values(
            status=status, failures=failures, last_error=error[:1000], last_fetched=when,
            next_try=when + page_backoff(failures) if status == "due" else None))
    return status


def stored_version(conn: Connection, page: PageRow, when: datetime, *, article_id: int, content_hash: str,
                   etag: str | None, last_modified: str | None, language: str | None) -> int:
    """A new version of a page stored as ``article_id``: the earlier current version is marked superseded
    (the caller takes it out of fusion, in :mod:`warwatch.watch.versions`). Returns the version number."""
    number = page.versions + 1
    conn.execute(update(versions).where(versions.c.page_id == page.id, versions.c.superseded_at.is_(None),
                                        versions.c.article_id != article_id).values(superseded_at=when))
    if conn.execute(select(versions.c.id).where(versions.c.page_id == page.id,
                                                versions.c.article_id == article_id)).first() is None:
        conn.execute(insert(versions).values(page_id=page.id, version=number, article_id=article_id,
                                             content_hash=content_hash, fetched_at=when))
    else:  # the page went back to a version stored before: that version is the current one again
        conn.execute(update(versions).where(versions.c.page_id == page.id, versions.c.article_id == article_id)
                     .values(superseded_at=None))
    conn.execute(update(pages).where(pages.c.id == page.id).values(
        status="done", failures=0, last_error=None, next_try=None, last_fetched=when, etag=etag,
        last_modified=last_modified, content_hash=content_hash, article_id=article_id, versions=number,
        language=language))
    return number


def page_versions(engine: Engine, url: str) -> list[tuple[int, int, bool]]:
    """(version, article id, current?) of every stored version of the page at ``url``, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(versions.c.version, versions.c.article_id, versions.c.superseded_at)
                            .join(pages, pages.c.id == versions.c.page_id).where(pages.c.url == url)
                            .order_by(versions.c.version)).all()
    return [(r.version, r.article_id, r.superseded_at is None) for r in rows]


@dataclass(frozen=True)
class SourceStatus:
    """One line of ``warwatch sources`` and of ``GET /api/sources``."""

    url: str
    outlet: str | None
    active: bool
    every: float
    last_polled: datetime | None
    last_success: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    failures: int
    next_due: datetime | None
    articles: int
    pending: int
    refused: int


def source_status(engine: Engine) -> list[SourceStatus]:
    """Every stored source with its schedule, failures, and how many of its pages are stored, due, refused."""
    c, p = sources.c, pages.c

    def count(condition):  # type: ignore[no-untyped-def]
        return func.sum(case((condition, 1), else_=0))

    counts = (select(p.source_id, count(p.article_id.is_not(None)).label("n"), count(p.status == "due").label("due"),
                     count(p.status.in_(("refused", "failed"))).label("refused"))
              .where(p.kind == "article").group_by(p.source_id).subquery())
    query = (select(sources, counts.c.n, counts.c.due, counts.c.refused)
             .outerjoin(counts, counts.c.source_id == c.id).order_by(c.active.desc(), c.id))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [SourceStatus(url=r.url, outlet=r.outlet or r.title, active=bool(r.active), every=r.every_s,
                         last_polled=r.last_polled, last_success=r.last_success, last_error=r.last_error,
                         last_error_at=r.last_error_at, failures=r.failures or 0, next_due=r.next_due,
                         articles=int(r.n or 0), pending=int(r.due or 0), refused=int(r.refused or 0))
            for r in rows]
