"""The service: cycles of :class:`~warwatch.watch.poll.Watcher` until asked to stop.

``watch(...)`` is what ``warwatch watch`` runs. Between cycles it sleeps until the next source is
due (at most ``max_sleep`` seconds, so that pages waiting for a retry are not forgotten), in short
steps that ask ``should_stop()``: SIGTERM ends it within a second when idle, and after the item in
hand when busy. ``after_cycle(store, fetcher)`` runs after every cycle (the alert delivery hook); an
error there is logged, never fatal: the watcher goes on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from warwatch.errors import StoreError
from warwatch.store import Store
from warwatch.watch import state
from warwatch.watch.poll import LOG, CycleReport, Watcher
from warwatch.watch.sources import WatchConfig

if TYPE_CHECKING:
    from warwatch.ingest.fetch import Fetcher
    from warwatch.pipeline import Pipeline

#: the longest sleep between two cycles (seconds): due page retries are looked at this often
MAX_SLEEP = 60.0
#: how often a sleeping watcher asks whether to stop (seconds)
STOP_CHECK = 0.5

AfterCycle = Callable[[Store, "Fetcher"], None]


def make_fetcher(config: WatchConfig, *, allow_private: Sequence[str] = (), contact: str | None = None,
                 log: logging.Logger | None = None) -> Fetcher:
    """The one fetcher of a watch process, as the sources file and the command line set it up."""
    from warwatch.ingest.fetch import Fetcher

    settings = config.settings
    return Fetcher(allow_private=allow_private, contact=contact or config.contact, max_bytes=settings.max_bytes,
                   timeout=settings.timeout, per_host_interval=settings.per_host_interval, log=log or LOG)


def summary(report: CycleReport) -> str:
    """One line for the end of a cycle."""
    parts = [f"{report.polled} source(s) polled ({report.unchanged} unchanged)"]
    if report.source_failures:
        parts.append(f"{report.source_failures} failed")
    parts.append(f"{report.new_links} new link(s), {report.changed_links} changed")
    parts.append(f"{report.pages_fetched} page(s) fetched, {report.stored} article(s) stored")
    if report.replaced:
        parts.append(f"{report.replaced} replaced by a newer version")
    if report.unparsed:
        parts.append(f"{report.unparsed} not parsed")
    if report.page_failures or report.pages_refused:
        parts.append(f"{report.page_failures} page(s) failed, {report.pages_refused} refused")
    parts.append(f"{len(report.events)} event(s) touched")
    return "cycle: " + "; ".join(parts)


def watch(config: WatchConfig, db: str | Path, fetcher: Fetcher, *, once: bool = False,
          should_stop: Callable[[], bool] | None = None, after_cycle: AfterCycle | None = None,
          pipeline: Pipeline | None = None, log: logging.Logger | None = None,
          clock: Callable[[], datetime] = state.now, sleep: Callable[[float], None] = time.sleep,
          max_sleep: float = MAX_SLEEP) -> list[CycleReport]:
    """Poll the sources into the database at ``db`` until ``should_stop()`` (or one cycle, ``once``).
    Returns the cycles' reports. ``once`` polls every source but those slowed down by failures."""
    log = log or LOG
    stop = should_stop or (lambda: False)
    reports: list[CycleReport] = []
    with Store(db) as store:
        watcher = Watcher(store, fetcher, config, pipeline=pipeline, clock=clock, log=log)
        log.info("watching %d source(s) → %s", len(config.sources), db)
        while True:
            try:
                report = watcher.cycle(scheduled=not once, should_stop=stop)
            except StoreError as error:
                # the database is away (a full disk, a PostgreSQL restart): said, and tried again after a
                # pause, never in a tight loop; what was committed stays, and the next cycle resumes from it
                if once:
                    raise
                log.error("cycle failed: %s; trying again in %.0f s", error, max_sleep)
                _sleep_until_due(store, clock, sleep, stop, max_sleep, log, wait=max_sleep)
                if stop():
                    break
                continue
            reports.append(report)
            log.info("%s", summary(report))
            if after_cycle is not None:
                try:
                    # ALERTS: the coordinator wires warwatch.alerts.run_cycle here (store, fetcher)
                    after_cycle(store, fetcher)
                except Exception as error:  # delivery has its own retries; the watcher must go on
                    log.error("after the cycle: %s: %s", type(error).__name__, error)
            if once or stop():
                break
            _sleep_until_due(store, clock, sleep, stop, max_sleep, log)
            if stop():
                break
    return reports


def _sleep_until_due(store: Store, clock: Callable[[], datetime], sleep: Callable[[float], None],
                     stop: Callable[[], bool], max_sleep: float, log: logging.Logger,
                     wait: float | None = None) -> None:
    if wait is None:
        due = state.next_due(store.engine)
        wait = max_sleep if due is None else min(max((due - clock()).total_seconds(), 0.0), max_sleep)
    if wait >= 1:
        log.debug("next cycle in %.0f s", wait)
    end = time.monotonic() + wait
    while not stop():
        left = end - time.monotonic()
        if left <= 0:
            return
        sleep(min(STOP_CHECK, left))
