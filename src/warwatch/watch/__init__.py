"""watch: news feeds and sitemaps polled on a schedule, their new and changed articles stored.

``load_sources(path)`` reads a sources file; ``watch(config, db, fetcher)`` runs cycles until asked
to stop (``warwatch watch``); ``Watcher(store, fetcher, config).cycle()`` is one cycle;
``source_status(engine)`` is what ``warwatch sources`` and ``GET /api/sources`` show.
"""

from warwatch.watch.sources import Source, WatchConfig, WatchSettings, load_sources, parse_sources
from warwatch.watch.state import SourceStatus, source_status

__all__ = ["Source", "SourceStatus", "WatchConfig", "WatchSettings", "load_sources", "parse_sources",
           "source_status"]
