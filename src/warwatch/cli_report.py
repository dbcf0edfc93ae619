"""``warwatch report``: a situation report over the stored events (a thin layer on :mod:`warwatch.report`).

Registered on the main command in :mod:`warwatch.cli`; errors are the library's, printed as one line
by the main command's handler.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from warwatch.errors import InputError


def report(
    db: Annotated[str | None, typer.Option(
        "--db", help="SQLite file or database URL (default: $WARWATCH_DB, else ./warwatch.db).")] = None,
    where: Annotated[str | None, typer.Option(
        help="A place, district, province or country, under any spelling.")] = None,
    bbox: Annotated[str | None, typer.Option(help="Area as west,south,east,north in degrees.")] = None,
    since: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD (default: the first event's).")] = None,
    until: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD (default: the last event's).")] = None,
    event_type: Annotated[list[str] | None, typer.Option(
        "--type", help="ACLED event or sub-event type (repeat for any of several).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="html, pdf or md.")] = "html",
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="File to write (default: report.<format>; '-' for standard output, html/md).")] = None,
    base_url: Annotated[str | None, typer.Option(
        help="The dashboard's address (http://host:port): figures and ids then link to its event pages.")] = None,
) -> None:
    """Write a situation report: summary, map, chart, key incidents, what is uncertain, and sources."""
    from warwatch.cli import _date, _open, err  # here: cli imports this module at its end
    from warwatch.report.render import FORMATS, cli_filters, render, write

    fmt = fmt.strip().lower()
    if fmt not in FORMATS:
        raise InputError(f"--format: use one of {', '.join(FORMATS)}, not {fmt!r}")
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise InputError("--base-url must start with http:// or https://")
    filters = cli_filters(where=where, bbox=bbox, since=_date(since, "--since"), until=_date(until, "--until"),
                          event_type=event_type)
    if output is not None and str(output) == "-":
        if fmt == "pdf":
            raise InputError("a PDF is not written to standard output: give -o FILE.pdf")
        with _open(db) as store:
            done = render(store, filters, fmt, base_url=base_url)
        if done.pictures:
            err.print("the pictures are not written with '-': give -o FILE.md to save them beside it", highlight=False)
        sys.stdout.write(done.body.decode("utf-8"))
        return
    target = output or Path(f"report.{fmt}")
    if target.is_dir():
        raise InputError(f"{target} is a folder: give a file name")
    with _open(db) as store:
        done = render(store, filters, fmt, base_url=base_url, pictures=target.stem)
    written = write(done, target)
    n = len(done.layout.report.events) if done.layout else 0
    err.print(f"{n} event(s) → {', '.join(str(p) for p in written)}", highlight=False)
