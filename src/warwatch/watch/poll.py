"""One polling cycle: the due sources fetched (conditional GET), their links noted, the due pages
fetched, read and stored.

Network requests run on a small thread pool (the fetcher is thread-safe, and keeps its per-host
rate limit across threads); everything else (parsing, the database) happens on the calling thread,
one result at a time, so the state is written in the order the cycle decides it. A source or a page
that fails costs only itself: the error is stored and logged, and the cycle goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from warwatch.errors import InputError, StoreError
from warwatch.store import Store
from warwatch.watch import state
from warwatch.watch.intake import Intake, Taken, take_in
from warwatch.watch.listing import Listing, read_listing
from warwatch.watch.pages import detect_language, language_hold, read_page
from warwatch.watch.sources import WatchConfig
from warwatch.watch.state import PageRow, SourceRow

if TYPE_CHECKING:
    from warwatch.ingest.fetch import Fetched, Fetcher
    from warwatch.pipeline import Pipeline

T = TypeVar("T")
LOG = logging.getLogger("warwatch.watch")


@dataclass
class CycleReport:
    """What one cycle did (the log tells the same, line by line)."""

    polled: int = 0
    unchanged: int = 0  # 304s
    source_failures: int = 0
    new_links: int = 0
    changed_links: int = 0
    pages_fetched: int = 0
    pages_unchanged: int = 0
    page_failures: int = 0
    pages_refused: int = 0
    stored: int = 0
    replaced: int = 0
    unparsed: int = 0
    events: set[str] = field(default_factory=set)
    interrupted: bool = False


def _fetch_errors() -> tuple[type[Exception], type[Exception]]:
    from warwatch.ingest.fetch import FetchFailed, FetchRefused

    return FetchRefused, FetchFailed


def _reason(error: Exception, url: str = "") -> str:
    """The error on one line, without the URL in front (the log line names it already)."""
    text = " ".join(str(getattr(error, "reason", None) or error).split()) or type(error).__name__
    return text[len(url) + 2:] if url and text.startswith(f"{url}: ") else text


def _wait(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class Watcher:
    """The sources of one sources file, polled into one store with one fetcher.

    ``pipeline``: a loaded Pipeline, or None to load one the first time an article is to be parsed
    (kept for the life of the Watcher: spaCy is loaded once per process). ``clock``: UTC now, naive
    (tests move it forward to see a slowed-down source polled again).
    """

    def __init__(self, store: Store, fetcher: Fetcher, config: WatchConfig, *, pipeline: Pipeline | None = None,
                 clock: Callable[[], datetime] = state.now, log: logging.Logger | None = None,
                 lock_wait: float = 600.0) -> None:
        self.store, self.fetcher, self.config = store, fetcher, config
        self.clock, self.log, self.lock_wait = clock, log or LOG, lock_wait
        self._pipeline = pipeline
        state.sync_sources(store.engine, config.sources)
        self._by_id: dict[int, SourceRow] = {}
        self._unchanged: list[tuple[SourceRow, datetime]] = []

    def pipeline(self) -> Pipeline:
        """The pipeline, loaded on first use."""
        if self._pipeline is None:
            from warwatch.pipeline import Pipeline

            self.log.info("loading the pipeline (spaCy, gazetteer)")
            self._pipeline = Pipeline()
        return self._pipeline

    # --- the cycle -----------------------------------------------------------------------

    def cycle(self, *, scheduled: bool = True, should_stop: Callable[[], bool] | None = None) -> CycleReport:
        """Poll the due sources (every source but the slowed-down ones when not ``scheduled``), then fetch,
        read and store the due pages. ``should_stop()`` ends it after the item in hand."""
        report = CycleReport()
        stop = should_stop or (lambda: False)
        with ThreadPoolExecutor(self.config.settings.workers, thread_name_prefix="watch-fetch") as pool:
            due = state.due_sources(self.store.engine, self.clock(), scheduled=scheduled)
            self._unchanged: list[tuple[SourceRow, datetime]] = []
            for source, outcome in self._fetch_all(pool, due, lambda s: self._get(s.url, s.etag, s.last_modified),
                                                   stop):
                self._polled(source, outcome, report)
                if len(self._unchanged) >= 200:
                    state.unchanged(self.store.engine, self._unchanged)
                    self._unchanged = []
            state.unchanged(self.store.engine, self._unchanged)
            for page, outcome in self._fetch_all(pool, state.due_pages(self.store.engine, self.clock(), 1000,
                                                                       kind="sitemap"),
                                                 lambda p: self._get(p.url, p.etag, p.last_modified), stop):
                self._child_sitemap(page, outcome, report)
            if not stop():
                # read after the polls: a feed polled for the first time has just given its title
                self._by_id = {s.id: s for s in state.all_sources(self.store.engine)}
                pages = state.due_pages(self.store.engine, self.clock(), self.config.settings.max_pages)
                taken: list[Taken] = []
                for page, outcome in self._fetch_all(pool, pages, lambda p: self._get(p.url, p.etag,
                                                                                      p.last_modified), stop):
                    item = self._page(page, outcome, report)
                    if item is not None:
                        taken.append(item)
                if taken:
                    self._store(taken, report)
        report.interrupted = stop()
        return report

    def _get(self, url: str, etag: str | None, last_modified: str | None) -> Fetched | Exception:
        try:
            return self.fetcher.get(url, etag=etag, last_modified=last_modified)
        except Exception as error:  # handed to the main thread, which decides what it means
            return error

    def _fetch_all(self, pool: ThreadPoolExecutor, items: Iterable[T], fetch: Callable[[T], Any],
                   stop: Callable[[], bool]) -> Iterator[tuple[T, Any]]:
        """(item, fetch(item)) in the items' order, at most ``workers`` requests ahead; no new request once
        ``stop()`` is true (those in flight finish and are handled)."""
        window: list[tuple[T, Future]] = []
        items = iter(items)
        ahead = self.config.settings.workers * 2
        while True:
            while len(window) < ahead and not stop():
                item = next(items, None)
                if item is None:
                    break
                window.append((item, pool.submit(fetch, item)))
            if not window:
                return
            item, future = window.pop(0)
            yield item, future.result()

    # --- sources -------------------------------------------------------------------------

    def _polled(self, source: SourceRow, outcome: Fetched | Exception, report: CycleReport) -> None:
        when = self.clock()
        refused, failed = _fetch_errors()
        if isinstance(outcome, Exception) or outcome.status not in (200, 304):
            why = (_reason(outcome, source.url) if isinstance(outcome, refused | failed) else
                   f"{type(outcome).__name__}: {_reason(outcome)}" if isinstance(outcome, Exception)
                   else f"HTTP {outcome.status}")
            self._source_failed(source, when, why, report)
            return
        report.polled += 1
        if outcome.status == 304:
            report.unchanged += 1
            self._unchanged.append((source, when))  # written with the others (state.unchanged)
            self.log.info("polled %s: 304, unchanged", source.url)
            return
        try:
            listing = read_listing(outcome.content, outcome.url)
        except InputError as error:
            self._source_failed(source, when, str(error), report)
            return
        new, changed = state.polled(self.store.engine, source, when, status=200, etag=outcome.etag,
                                    last_modified=outcome.last_modified, title=listing.title,
                                    entries=listing.entries)
        report.new_links += new
        report.changed_links += changed
        self.log.info("polled %s: %s, %d link(s), %d new, %d changed", source.url, _kind(listing),
                      len(listing.entries), new, changed)

    def _source_failed(self, source: SourceRow, when: datetime, why: str, report: CycleReport) -> None:
        report.source_failures += 1
        wait = state.failed(self.store.engine, source, when, why)
        if source.failures + 1 > 1 or wait.total_seconds() > source.every:
            self.log.warning("failed %s: %s; %d failure(s) in a row, slowed down: next poll in %s", source.url, why,
                             source.failures + 1, _wait(wait))
        else:
            self.log.warning("failed %s: %s; next poll in %s", source.url, why, _wait(wait))

    def _child_sitemap(self, page: PageRow, outcome: Fetched | Exception, report: CycleReport) -> None:
        """A sitemap listed by a sitemap index: its links become the index's source's pages."""
        when = self.clock()
        if isinstance(outcome, Exception) or outcome.status not in (200, 304):
            self._page_failed(page, outcome, report)
            return
        if outcome.status == 304:
            state.page_unchanged(self.store.engine, page, when)
            return
        try:
            listing = read_listing(outcome.content, outcome.url)
        except InputError as error:
            self._page_failed(page, error, report)
            return
        with state.writing(self.store.engine) as conn:
            new, changed = state.note_entries(conn, page.source_id, listing.entries, when)
        state.page_unchanged(self.store.engine, page, when, etag=outcome.etag, last_modified=outcome.last_modified)
        report.new_links += new
        report.changed_links += changed
        self.log.info("polled %s: %s, %d link(s), %d new, %d changed", page.url, _kind(listing),
                      len(listing.entries), new, changed)

    # --- pages ---------------------------------------------------------------------------

    def _page_failed(self, page: PageRow, outcome: Fetched | Exception, report: CycleReport) -> None:
        refused, failed = _fetch_errors()
        is_refused = isinstance(outcome, refused)
        why = (_reason(outcome, page.url) if isinstance(outcome, refused | failed | InputError)
               else f"{type(outcome).__name__}: {_reason(outcome)}" if isinstance(outcome, Exception)
               else f"HTTP {outcome.status}")
        status = state.page_failed(self.store.engine, page, self.clock(), why, refused=is_refused)
        if is_refused:
            report.pages_refused += 1
            self.log.warning("refused %s: %s", page.url, why)
        else:
            report.page_failures += 1
            later = "given up until its listing changes" if status == "failed" else "retried later"
            self.log.warning("failed %s: %s; %s", page.url, why, later)

    def _page(self, page: PageRow, outcome: Fetched | Exception, report: CycleReport) -> Taken | None:
        """A fetched page read into an Article, or None when there is nothing new to store."""
        if isinstance(outcome, Exception) or outcome.status not in (200, 304):
            self._page_failed(page, outcome, report)
            return None
        report.pages_fetched += 1
        if outcome.status == 304:
            report.pages_unchanged += 1
            state.page_unchanged(self.store.engine, page, self.clock())
            self.log.info("fetched %s: 304, unchanged", page.url)
            return None
        source = self._by_id[page.source_id]
        try:
            article = read_page(outcome.content, outcome.headers, page.url, outlet=source.outlet or None,
                                listed_title=page.title, listed_day=page.published)
        except InputError as error:
            self._page_failed(page, error, report)
            return None
        if article.outlet is None and source.title:
            article.outlet = source.title  # the feed's own title, when neither the file nor the page names it
        if article.content_hash == page.content_hash:
            report.pages_unchanged += 1
            state.page_unchanged(self.store.engine, page, self.clock(), etag=outcome.etag,
                                 last_modified=outcome.last_modified)
            self.log.info("fetched %s: same text as stored", page.url)
            return None
        language = source.language or detect_language(article.text)
        return Taken(page=page, article=article, hold=language_hold(language), language=language,
                     etag=outcome.etag, last_modified=outcome.last_modified)

    def _store(self, taken: list[Taken], report: CycleReport) -> None:
        from warwatch.store.lock import WriterLock

        try:
            with WriterLock(self.store.path, wait=self.lock_wait):
                done = take_in(self.store, taken, self.pipeline, log=self.log)
        except StoreError as error:  # another writer held the database too long: the pages stay due
            self.log.error("cannot store %d page(s) now: %s; they are fetched again next cycle", len(taken), error)
            return
        _tell(done, taken, report, self.log)


def _kind(listing: Listing) -> str:
    return {"feed": "feed", "urlset": "sitemap", "sitemapindex": "sitemap index"}.get(listing.kind, listing.kind)


def _tell(done: Intake, taken: list[Taken], report: CycleReport, log: logging.Logger) -> None:
    report.stored += done.stored
    report.replaced += len(done.replaced)
    report.unparsed += len(done.unparsed)
    for item in taken:
        url = item.page.url
        if url in done.failed:
            report.page_failures += 1
            log.warning("failed %s: %s; retried later", url, done.failed[url])
            continue
        events = done.events.get(url, [])
        report.events.update(events)
        what = f"events {', '.join(events)}" if events else "no event"
        if url in done.replaced:
            old, new = done.replaced[url]
            log.info("changed article %s: version %d (article %d) replaces article %d; %s", url,
                     item.page.versions + 1, new, old, what)
        elif url in done.unparsed:
            log.info("new article %s: stored, not parsed (%s)", url, done.unparsed[url])
        else:
            log.info("new article %s: %s", url, what)
