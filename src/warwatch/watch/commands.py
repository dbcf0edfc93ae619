"""``warwatch watch`` and ``warwatch sources``: thin commands over :mod:`warwatch.watch`.

Registered on the main Typer app by :func:`register` (one call at the bottom of ``warwatch.cli``).
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from warwatch.watch.state import SourceStatus

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(message)s"


def deliver_alerts(store, fetcher) -> None:  # type: ignore[no-untyped-def]
    """After each poll cycle: evaluate every alert against what the cycle stored and deliver what is due
    (webhooks through the watch's own guarded fetcher, e-mail through $WARWATCH_SMTP_URL). The outbox
    keeps what fails for the next cycle, so an error here never stops the watch."""
    from warwatch.alerts import SmtpConfig, run_cycle

    cycle = run_cycle(store, fetcher, SmtpConfig.from_env())
    if cycle.evaluation.alerts:
        for line in cycle.lines():
            logging.getLogger("warwatch.watch").info("alerts: %s", line)


#: what runs after each cycle, called with (store, fetcher): alert evaluation and delivery
AFTER_CYCLE = deliver_alerts


def _logging(verbose: bool) -> logging.Logger:
    """One readable line per event on stderr: time, level, message."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT, datefmt="%Y-%m-%dT%H:%M:%S"))
    root = logging.getLogger("warwatch")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False
    return logging.getLogger("warwatch.watch")


def watch_command(
    sources_file: Annotated[Path, typer.Argument(metavar="SOURCES.toml", help="[[source]] tables: url, and "
                                                 "optional outlet, language, every (docs/operations.md).")],
    db: Annotated[str | None, typer.Option(
        "--db", help="SQLite file or database URL (default: $WARWATCH_DB, else ./warwatch.db).")] = None,
    once: Annotated[bool, typer.Option(
        "--once", help="Poll every source once (but those slowed down by failures) and exit: for cron and tests.")
    ] = False,
    allow_private: Annotated[list[str] | None, typer.Option(
        "--allow-private", metavar="CIDR", help="Allow fetching from this private or loopback range "
                                                "(repeatable), e.g. 127.0.0.1/32 for tests, an intranet range.")
    ] = None,
    contact: Annotated[str | None, typer.Option(
        help="A URL or e-mail address for site owners, named in the User-Agent (else the file's contact).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every request too.")] = False,
) -> None:
    """Poll news feeds and sitemaps, fetch their new and changed articles, and store their events.

    Runs in the foreground and logs one line per event; SIGTERM or Ctrl-C stops it after the item in
    hand. Its state lives in the database: run it again and it resumes where it stopped.
    """
    from warwatch.cli import _stop_on_signals
    from warwatch.config import db_path
    from warwatch.watch.run import make_fetcher, watch
    from warwatch.watch.sources import load_sources

    config = load_sources(sources_file)
    log = _logging(verbose)
    fetcher = make_fetcher(config, allow_private=allow_private or [], contact=contact, log=log)
    path = db_path(db)
    try:
        with _stop_on_signals() as stop:
            reports = watch(config, path, fetcher, once=once, should_stop=stop.asked, log=log,
                            after_cycle=AFTER_CYCLE)
    finally:
        fetcher.close()
    if stop.asked():
        log.info("stopped by %s", stop.name)
    elif once and reports and reports[-1].source_failures and not reports[-1].polled:
        raise typer.Exit(1)  # a cron job is told when not one source could be reached



def _when(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.replace(tzinfo=UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def sources_table(rows: list[SourceStatus]) -> Table:
    """One line per watched source: its schedule, its last success and error, what it gave."""
    table = Table(title=f"{len(rows)} source(s)")
    table.add_column("source", overflow="fold")
    table.add_column("outlet", overflow="fold")
    table.add_column("last success", no_wrap=True)
    table.add_column("last error", overflow="fold")
    table.add_column("failures", justify="right")
    table.add_column("next due", no_wrap=True)
    table.add_column("articles", justify="right")
    table.add_column("pending", justify="right")
    for r in rows:
        error = Text(f"{_when(r.last_error_at)} {r.last_error}", style="yellow") if r.last_error else Text("-")
        table.add_row(r.url if r.active else f"{r.url} (not in the file)", r.outlet or "-", _when(r.last_success),
                      error, Text(str(r.failures), style="red" if r.failures else ""),
                      _when(r.next_due) if r.active else "-", str(r.articles), str(r.pending))
    return table


def sources_command(
    db: Annotated[str | None, typer.Option(
        "--db", help="SQLite file or database URL (default: $WARWATCH_DB, else ./warwatch.db).")] = None,
) -> None:
    """List the watched sources: last success, last error, failures in a row, next poll, articles stored."""
    from warwatch.cli import _open, out
    from warwatch.watch.state import source_status

    with _open(db) as store:
        rows = source_status(store.engine)
    out.print(sources_table(rows))


def register(app: typer.Typer) -> None:
    """Add ``watch`` and ``sources`` to the ``warwatch`` command."""
    app.command("watch")(watch_command)
    app.command("sources")(sources_command)
