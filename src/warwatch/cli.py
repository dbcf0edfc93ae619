"""The ``warwatch`` command: parse arguments, call the library, render the result.

Every command is a thin layer: the work is in :mod:`warwatch.pipeline`, :mod:`warwatch.store`
and :mod:`warwatch.serve.export`. Errors become one line on stderr and a non-zero exit code,
never a traceback (set WARWATCH_DEBUG=1 to see one).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

from warwatch.config import db_exists, db_path
from warwatch.errors import InputError, WarwatchError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="News reports about armed conflict in, an ACLED-style event table out.",
)
# piped or in CI there is no terminal width to read: 160 columns keep a row of the table on a line
out = Console(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160)
err = Console(stderr=True, soft_wrap=True)  # one line per message, never wrapped

DbOption = Annotated[
    str | None, typer.Option("--db", help="SQLite file or database URL (default: $WARWATCH_DB, else ./warwatch.db).")
]
#: --where: the place test of warwatch.store.places (events, timeline and alerts alike)
WHERE_HELP = "A place, district, province or country, under any spelling (Idlib or Idleb)."


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} wants a date as YYYY-MM-DD, not {value!r}") from None


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders: .txt, .html, .jsonl, RSS/Atom feeds.")
    ] = None,
    db: DbOption = None,
    manifest: Annotated[
        Path | None, typer.Option(help="JSONL manifest: path, published, outlet, url, title per line.")
    ] = None,
    published: Annotated[
        str | None, typer.Option(help="Publication date (YYYY-MM-DD) for files that give none.")
    ] = None,
    wait: Annotated[
        float, typer.Option(help="Seconds to wait for another ingest into the same database to finish.")
    ] = 600.0,
    keep_irrelevant: Annotated[bool, typer.Option(
        "--keep-irrelevant", help="Read every article: the relevance gate keeps none out.")] = False,
    workers: Annotated[int | None, typer.Option(
        help="Parse on this many local Dask worker processes (see docs/scale.md).")] = None,
    scheduler: Annotated[str | None, typer.Option(
        help="Parse on the workers of a running Dask cluster: its scheduler's address, tcp://HOST:8786.")] = None,
) -> None:
    """Read articles, extract and geocode their events, and store them.

    Articles that cannot hold an event are kept out of the parse by a relevance gate, stored with the
    reason ('warwatch articles --rejected'), and read by 'warwatch reprocess --keep-irrelevant'.

    Ctrl-C or SIGTERM stops it between two articles (a second Ctrl-C at once); what was stored
    stays, and the same command run again stores the rest.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from warwatch.ingest import IngestFailure
    from warwatch.pipeline import ingest as run_ingest

    if not paths and manifest is None:
        raise InputError("nothing to ingest: give files, folders or --manifest")
    if workers is not None and scheduler is not None:
        raise InputError("--workers starts a local Dask cluster, --scheduler uses a running one: give one of them")
    if workers is not None and workers < 1:
        raise InputError(f"--workers wants a number of worker processes, 1 or more, not {workers}")
    when = _date(published, "--published")
    with _stop_on_signals() as stop, Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err, transient=True
    ) as bar:
        task = bar.add_task("reading", total=None)

        def tick(item: object) -> None:
            if isinstance(item, IngestFailure):
                bar.console.print(f"[red]skipped[/red] {escape(str(item.source))}: {escape(item.message)}", markup=True,
                                  highlight=False)
            else:
                bar.update(task, advance=1, description="extracting events")

        def waiting(pid: int | None) -> None:
            who = f" (pid {pid})" if pid else ""
            bar.console.print(f"another ingest{who} is writing to {db_path(db)}: waiting for it, up to {wait:.0f} s",
                              highlight=False)

        report = run_ingest(list(paths or []), db=db_path(db), manifest=manifest, published=when, on_article=tick,
                            should_stop=stop.asked, wait=wait, on_wait=waiting, keep_irrelevant=keep_irrelevant,
                            workers=workers, scheduler=scheduler)
    err.print(
        f"{report.stored} article(s) stored, {report.duplicates} already stored, {len(report.failures)} skipped; "
        f"{report.mentions} mention(s) in {len(report.events)} event(s) → {db_path(db)}; "
        f"{report.rejected} of the stored not about armed conflict, not parsed ('warwatch articles --rejected')",
        highlight=False,
    )
    if report.stored_rejected and keep_irrelevant:
        err.print(f"{report.stored_rejected} of the already stored were kept out by the relevance gate before and "
                  "are not read again here: 'warwatch reprocess --keep-irrelevant' reads them", highlight=False)
    if report.interrupted:
        err.print(f"stopped by {stop.name} after storing {report.stored} of {report.new} new article(s); "
                  "nothing half-stored: run the same command again to store the rest", highlight=False)
        raise typer.Exit(stop.exit_code)
    if not report.ok:
        raise typer.Exit(2)


@app.command()
def reprocess(
    db: DbOption = None,
    keep_irrelevant: Annotated[bool, typer.Option(
        "--keep-irrelevant", help="Read every stored article, those the relevance gate rejects too; none stays "
                                  "rejected.")] = False,
) -> None:
    """Read every stored article again with this release's pipeline and fuse again; show what changed.

    The relevance gate judges every article again, as a fresh ingest would (what it rejects keeps no event).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from warwatch.ingest import IngestFailure
    from warwatch.reprocess import reprocess as run_reprocess

    path = db_path(db)
    if not db_exists(path):
        raise InputError(f"no database at {path} (run 'warwatch ingest' first, or give --db)")
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err, transient=True
    ) as bar:
        task = bar.add_task("reading", total=None)

        def start(total: int) -> None:
            bar.update(task, total=total, description="extracting events")

        def tick(item: object) -> None:
            if isinstance(item, IngestFailure):
                bar.console.print(f"[red]skipped[/red] {escape(str(item.source))}: {escape(item.message)}", markup=True,
                                  highlight=False)
            bar.update(task, advance=1)

        def storing() -> None:
            bar.update(task, description="storing and fusing events")

        report = run_reprocess(path, on_start=start, on_article=tick, on_store=storing,
                               keep_irrelevant=keep_irrelevant)
    if report.changed:
        from rich.table import Table

        table = Table("change", "event", "before", "after", title="What changed")
        for row in report.changes:
            table.add_row(*row)
        out.print(table)
    err.print(
        f"{report.reprocessed} of {report.articles} article(s) reprocessed, {len(report.failures)} skipped, "
        f"{report.dated} dated from their URL; "
        f"{report.kept} event(s) kept, {len(report.added)} added, {len(report.removed)} removed, "
        f"{len(report.merged)} merged, {len(report.redated)} re-dated, {len(report.replaced)} re-placed, "
        f"{len(report.retyped)} re-typed, {len(report.tolls)} toll(s) changed → {path}; "
        f"{report.rejected} not about armed conflict, not parsed ({report.newly_rejected} newly rejected, "
        f"{report.readmitted} rejected before and read now)",
        highlight=False,
    )
    if report.articles and not report.reprocessed and not report.rejected:
        raise typer.Exit(2)  # as ingest: nothing at all could be read


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="acled (CSV), json or geojson.")],
    db: DbOption = None,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="File to write (default: stdout).")] = None,  # noqa: UP045
) -> None:
    """Write the event table as ACLED CSV, JSON (with claims and evidence) or GeoJSON."""
    from warwatch.serve.export import export_acled, export_geojson, export_json

    writers = {"acled": export_acled, "json": export_json, "geojson": export_geojson}
    if fmt not in writers:
        raise InputError(f"--format must be one of acled, json, geojson, not {fmt!r}")
    store = _open(db)
    with store:
        if output is None:
            writers[fmt](store, sys.stdout)
            return
        try:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                rows = writers[fmt](store, handle)
        except OSError as error:
            raise InputError(f"cannot write {output}: {error.strerror}") from None
    err.print(f"{rows} event(s) → {output}", highlight=False)


@app.command()
def events(
    db: DbOption = None,
    since: Annotated[Optional[str], typer.Option(help="First day, YYYY-MM-DD.")] = None,  # noqa: UP045
    until: Annotated[Optional[str], typer.Option(help="Last day, YYYY-MM-DD.")] = None,  # noqa: UP045
    event_type: Annotated[Optional[str], typer.Option("--type", help="Event type or sub-event type.")] = None,  # noqa: UP045
    where: Annotated[Optional[str], typer.Option(help=WHERE_HELP)] = None,  # noqa: UP045
    unlocated: Annotated[
        bool, typer.Option("--unlocated", help="Only events whose place could not be located.")
    ] = False,
    grade: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="single_source, corroborated or contested."),
    ] = None,
    limit: Annotated[Optional[int], typer.Option(help="At most this many rows.")] = None,  # noqa: UP045
    undated: Annotated[
        bool, typer.Option("--undated", help="Only events that no source dates (they are not ACLED rows).")
    ] = False,
) -> None:
    """List stored events as a table."""
    from warwatch.serve.render import events_table
    from warwatch.store import acled

    if event_type is not None and acled.resolve_type(event_type) is None:
        # a misspelt type would list nothing and look like "no such events"
        raise InputError(f"--type: {acled.unknown_type_message(event_type)}")
    store = _open(db)
    with store:
        rows = store.events(
            since=_date(since, "--since"),
            until=_date(until, "--until"),
            event_type=event_type,
            where=where,
            unlocated=True if unlocated else None,
            limit=limit,
            grade=grade,
            undated=True if undated else None,
        )
    out.print(events_table(rows))


@app.command()
def articles(
    db: DbOption = None,
    rejected: Annotated[bool, typer.Option(
        "--rejected", help="Only the articles the relevance gate kept out, with the reason.")] = False,
) -> None:
    """List stored articles and their events, or those the relevance gate kept out and why."""
    from warwatch.serve.render import articles_table

    store = _open(db)
    with store:
        rows = store.article_list(rejected=True if rejected else None)
    out.print(articles_table(rows, rejected=rejected))


@app.command()
def timeline(
    db: DbOption = None,
    where: Annotated[Optional[str], typer.Option(help=WHERE_HELP)] = None,  # noqa: UP045
    since: Annotated[Optional[str], typer.Option(help="First day, YYYY-MM-DD.")] = None,  # noqa: UP045
    until: Annotated[Optional[str], typer.Option(help="Last day, YYYY-MM-DD.")] = None,  # noqa: UP045
    grade: Annotated[Optional[str], typer.Option(help="single_source, corroborated or contested.")] = None,  # noqa: UP045
    as_json: Annotated[bool, typer.Option("--json", help="Print the timeline as JSON.")] = False,
) -> None:
    """What happened, day by day, with the number of independent sources per event."""
    import json

    from warwatch.serve.timeline import timeline as build
    from warwatch.serve.timeline import timeline_json, timeline_renderable

    store = _open(db)
    with store:
        days = build(store, where=where, since=_date(since, "--since"), until=_date(until, "--until"), grade=grade)
    if as_json:
        sys.stdout.write(json.dumps(timeline_json(days), ensure_ascii=False, indent=2) + "\n")
    else:
        out.print(timeline_renderable(days))


def _listen(host: str, port: int):  # type: ignore[no-untyped-def]
    """A socket bound to host:port (IPv6 for an address with a colon), or InputError."""
    import socket

    address = host.strip().strip("[]")
    listener = None
    try:
        listener = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((address, port))
    except (OSError, OverflowError) as error:  # OverflowError: a port past 65535
        if listener is not None:
            listener.close()
        raise InputError(f"cannot listen on {host}:{port}: {getattr(error, 'strerror', None) or error}") from None
    return listener


@app.command()
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(
        help="Interface to listen on; any but a loopback address opens the dashboard to the network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free port, printed at start).")] = 8000,
    tiles: Annotated[
        str, typer.Option(help="Leaflet tile URL template, or 'none' to draw only the bundled boundaries.")
    ] = "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    allow_ingest: Annotated[
        bool, typer.Option("--allow-ingest", help="Accept POST /api/ingest (needs --token or $WARWATCH_TOKEN).")
    ] = False,
    token: Annotated[Optional[str], typer.Option(  # noqa: UP045
        help="Bearer token for ingest requests. Prefer $WARWATCH_TOKEN: other users of this machine can read the "
             "command line (ps), not the environment.")] = None,
    access_log: Annotated[bool, typer.Option(
        "--access-log", help="Log each request (client address, request line, status; never a header).")] = False,
) -> None:
    """Serve the dashboard and the REST API (read-only unless --allow-ingest).

    Five wrong tokens within a minute lock the address that sent them out until the minute is over.
    """
    import uvicorn

    from warwatch.serve import live
    from warwatch.serve.api import create_app
    from warwatch.serve.security import exposure_warnings, log_config

    token = token or os.environ.get("WARWATCH_TOKEN")
    if allow_ingest and not token:
        raise InputError("--allow-ingest needs --token (or $WARWATCH_TOKEN): ingest requests must carry it")
    if not allow_ingest and not db_exists(db_path(db)):
        raise InputError(f"no database at {db_path(db)} (run 'warwatch ingest' first, or give --db)")
    web = create_app(db_path(db), allow_ingest=allow_ingest, token=token, tiles=tiles)
    for warning in exposure_warnings(host, token, allow_ingest):
        err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    # bound here rather than by Uvicorn: a busy port or a foreign address is then one line of ours
    # (Uvicorn logs and exits), and with --port 0 the port actually chosen can be printed
    listener = _listen(host, port)
    bind, chosen = listener.getsockname()[:2]
    shown = f"[{bind}]" if ":" in bind else bind
    err.print(f"warwatch on http://{shown}:{chosen}/ (API docs at /docs) over {db_path(db)}",
              highlight=False, markup=False)
    config = uvicorn.Config(web, log_config=log_config(access_log), log_level=None, access_log=access_log,
                            server_header=False)  # no "server: uvicorn": nothing to tell a scanner
    with listener:
        live.Server(config).run(sockets=[listener])  # uvicorn's, ending the live streams on shutdown


@app.command()
def backup(
    out: Annotated[Path, typer.Argument(help="The backup file to write (a new SQLite file, or pg_dump's).")],
    db: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--db", help="SQLite file or PostgreSQL URL (default: $WARWATCH_DB, else ./warwatch.db).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it exists (in one rename).")] = False,
) -> None:
    """Copy the database to OUT as it is at one moment, safely while ingest and serve run.

    The copy is checked (integrity_check) and serves the same events; a PostgreSQL database is dumped
    with pg_dump (custom format, one snapshot; restore it with pg_restore).
    """
    from warwatch.config import DEFAULT_DB
    from warwatch.store.backup import backup as run_backup

    # a string, not a Path: a Path would fold the "//" of a database URL, which must be recognised
    source = db or os.environ.get("WARWATCH_DB") or DEFAULT_DB
    done = run_backup(source, out, force=force)
    server = "://" in source and not source.lower().startswith("sqlite")
    checked = "read back by pg_restore" if server else "integrity checked"
    if server:  # never a password on the terminal
        from sqlalchemy.engine import make_url

        source = make_url(source).render_as_string(hide_password=True)
    err.print(f"{source} → {done.path}: {done.size:,} bytes, {done.articles} article(s), {done.events} event(s), "
              f"{checked}", highlight=False, markup=False)


@app.command()
def show(event_id: Annotated[str, typer.Argument(help="An event id such as SYR12.")], db: DbOption = None) -> None:
    """Every field of one event, with the sentence each came from, source by source."""
    from warwatch.serve.render import event_panel

    store = _open(db)
    with store:
        detail = store.event(event_id)
    if detail is None:
        raise InputError(f"no event {event_id!r} in {db_path(db)}")
    out.print(event_panel(detail))


@app.command()
def geocode(
    name: Annotated[Optional[str], typer.Argument(help="A place name as a report writes it.")] = None,  # noqa: UP045
    context: Annotated[Optional[str], typer.Option(help="Words around it, e.g. 'northern Hama'.")] = None,  # noqa: UP045
    country: Annotated[Optional[str], typer.Option(help="ISO 3166 alpha-2 code of the story's country.")] = None,  # noqa: UP045
    limit: int = 5,
    db: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        help="Weigh namesakes by where this store's reports placed events, as ingest does.")] = None,
    on: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--date", help="The report's date (YYYY-MM-DD): only stored reports within 180 days count.")] = None,
    sources: Annotated[bool, typer.Option(
        "--sources", help="Print every gazetteer source (packaged and yours) with its attribution and terms.")] = False,
) -> None:
    """Show the gazetteer candidates for a name, their scores and why the first one wins."""
    if sources:
        from warwatch.geocode.sources import full_attributions

        _lines(full_attributions())
        if name is None:
            return
    if name is None:
        raise InputError("give a place name (warwatch geocode NAME), or --sources to list the gazetteers' sources")

    from warwatch.geocode import Geocoder
    from warwatch.serve.render import candidates_table

    words = [w for w in (context or "").replace(",", " ").split() if w[:1].isupper()]
    theatre = None
    if db is not None:
        from warwatch.pipeline import stored_theatre

        day = _date(on, "--date")
        with _open(db) as store:
            theatre = stored_theatre(store, [day] if day else [])
    found = Geocoder().candidates(name, context=words, country=country.upper() if country else None, limit=limit,
                                  theatre=theatre)
    if not found:
        raise InputError(f"no place called {name!r} in the gazetteers")
    out.print(candidates_table(name, found))


def _lines(lines: list[str]) -> None:
    # plain writes: attribution lines must reach a pipe or a file whole, never wrapped or marked up by Rich
    sys.stdout.write("".join(f"{line}\n" for line in lines))


gazetteer_app = typer.Typer(
    no_args_is_help=True,
    help="The settlement lists the geocoder reads: the packaged ones and your own (OCHA/HDX lists, field lists).",
)
app.add_typer(gazetteer_app, name="gazetteer")


@gazetteer_app.command("add")
def gazetteer_add(
    file: Annotated[Path, typer.Argument(help="A UTF-8 .tsv or .tsv.gz with a header line (docs/gazetteer.md).")],
    source: Annotated[str, typer.Option("--source", help="A short name for the list: a-z, 0-9, '_' and '-'.")],
    licence: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--licence", help="The list's licence or terms, printed with the sources.")] = None,
) -> None:
    """Import your own settlement list; the gazetteer index then includes it."""
    from warwatch.geocode import index
    from warwatch.geocode.sources import add_user_source

    added = add_user_source(file, source, licence)
    again = f"; it replaces the earlier list {added.name!r}" if added.replaced else ""
    err.print(f"{added.rows} row(s) imported from {file.name} as {added.name!r}, {added.skipped} skipped{again} "
              f"→ {added.path}", highlight=False, markup=False)
    for problem in added.problems:
        err.print(f"  skipped {problem}", highlight=False, markup=False)
    if added.skipped > len(added.problems):
        err.print(f"  … and {added.skipped - len(added.problems)} more", highlight=False, markup=False)
    err.print("updating the gazetteer index (the first time takes a minute or two)…", highlight=False)
    path = index.ensure_index()
    err.print(f"gazetteer index ready: {path}", highlight=False, markup=False)


@gazetteer_app.command("list")
def gazetteer_list() -> None:
    """Every source the geocoder reads, packaged and yours, with its row count and terms."""
    import sqlite3

    from rich.table import Table

    from warwatch.errors import GazetteerError
    from warwatch.geocode import index
    from warwatch.geocode.sources import PACKAGED, user_sources

    try:
        counts = index.source_rows(index.ensure_index())  # the index knows how many rows each source gave
    except (AttributeError, sqlite3.Error, GazetteerError):
        counts = {}  # an index without its source table (or none at all): the counts show as "–"
    table = Table("source", "what", "rows", "licence / terms", title="Gazetteer sources")
    for s in PACKAGED:
        rows = counts.get(s.name)
        table.add_row(s.name, s.title, f"{rows:,}" if rows is not None else "–", s.licence)
    for u in user_sources():
        table.add_row(u.name, f"your list {u.original or u.path.name}, added {u.added} ({u.skipped} row(s) skipped)",
                      f"{u.rows:,}", u.licence or "not stated")
    out.print(table)


@gazetteer_app.command("remove")
def gazetteer_remove(
    name: Annotated[str, typer.Argument(help="The name given with 'gazetteer add --source'.")],
) -> None:
    """Remove one of your lists (the index drops it when next used)."""
    from warwatch.geocode.sources import remove_user_source

    remove_user_source(name)
    err.print(f"removed the list {name!r}", highlight=False, markup=False)


def _version(value: bool) -> None:
    if not value:
        return
    from importlib.metadata import PackageNotFoundError, version

    from warwatch.geocode.sources import short_attributions

    try:
        number = version("warwatch")
    except PackageNotFoundError:  # run from a checkout that was never installed
        number = "unknown"
    _lines([f"warwatch {number}", "Gazetteer data:", *(f"  {line}" for line in short_attributions())])
    raise typer.Exit()


@app.callback()
def _main(
    show_version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and the data attributions.")] = False,
) -> None:
    """News reports about armed conflict in, an ACLED-style event table out."""


@app.command()
def demo(db: DbOption = None) -> None:
    """Ingest the five bundled sample articles and print their events."""
    samples = resources.files("warwatch").joinpath("samples")
    with resources.as_file(samples) as folder:
        ingest(paths=None, db=db, manifest=Path(folder) / "manifest.jsonl", published=None, keep_irrelevant=False)
    events(db=db, since=None, until=None, event_type=None, where=None, unlocated=False, grade=None, limit=None,
           undated=False)


class _Stop:
    """Whether a stop was asked for, by which signal; the second signal interrupts at once."""

    def __init__(self) -> None:
        self.signal: int | None = None

    def asked(self) -> bool:
        return self.signal is not None

    @property
    def name(self) -> str:
        import signal

        return "Ctrl-C" if self.signal == signal.SIGINT else "SIGTERM"

    @property
    def exit_code(self) -> int:
        return 128 + (self.signal or 2)  # as a shell reports a process ended by the signal


@contextmanager
def _stop_on_signals() -> Iterator[_Stop]:
    """SIGINT and SIGTERM ask the work to stop at its next safe point instead of killing it mid-way."""
    import signal
    import threading

    stop = _Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop  # signal handlers can only be set in the main thread (a test runner's worker)
        return

    owner = os.getpid()

    def handler(signum: int, _frame: object) -> None:
        if os.getpid() != owner:
            return  # a worker process forked with this handler (spaCy's): the parent decides when to stop
        if stop.signal is not None:
            raise KeyboardInterrupt  # asked twice: stop now (each article is one transaction all the same)
        stop.signal = signum
        err.print(f"{stop.name}: stopping after the current article (again to stop at once)", highlight=False)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _open(db: str | None):  # type: ignore[no-untyped-def]
    from warwatch.store import Store

    path = db_path(db)
    if not db_exists(path):
        raise InputError(f"no database at {path} (run 'warwatch ingest' first, or give --db)")
    return Store(path)


from warwatch.watch.commands import register as _register_watch  # noqa: E402  (it reuses the helpers above)

_register_watch(app)


def main() -> None:
    """Console entry point: run the app, turning errors into one line and an exit code."""
    try:
        app()
    except WarwatchError as error:
        if os.environ.get("WARWATCH_DEBUG"):
            raise
        err.print(f"[red]error:[/red] {escape(str(error))}", highlight=False)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:  # a bug: still one line, with the way to see more
        if os.environ.get("WARWATCH_DEBUG"):
            raise
        err.print(
            f"[red]error:[/red] {type(error).__name__}: {escape(str(error))} (set WARWATCH_DEBUG=1 for details)",
            highlight=False,
        )
        sys.exit(1)


from warwatch.cli_alerts import alerts_app  # noqa: E402  (after app exists; imports nothing heavy)

app.add_typer(alerts_app, name="alerts")

from warwatch.cli_report import report as report_command  # noqa: E402

app.command("report")(report_command)

if __name__ == "__main__":
    main()
