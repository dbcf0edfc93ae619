"""``warwatch alerts``: add, list, remove and send alerts (a thin layer on :mod:`warwatch.alerts`).

Registered on the main command in :mod:`warwatch.cli`; errors are the library's (InputError: one line,
exit 2), printed by the main command's handler.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from warwatch.config import db_path
from warwatch.errors import InputError

alerts_app = typer.Typer(no_args_is_help=True, help="Alerts: be told when an event matches a watch, or changes.")
out = Console(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160)
err = Console(stderr=True, soft_wrap=True)

DbOption = Annotated[
    str | None, typer.Option("--db", help="SQLite file or database URL (default: $WARWATCH_DB, else ./warwatch.db).")
]
#: --where: the place test of warwatch.store.places (events, timeline and alerts alike)
WHERE_HELP = "A place, district, province or country, under any spelling (Idlib or Idleb)."


def _store(db: str | None, *, create: bool = False):  # type: ignore[no-untyped-def]
    """The store at --db: ``warwatch.cli._open`` (one line when there is none), or made when ``create``."""
    from warwatch.cli import _open
    from warwatch.store import Store

    return Store(db_path(db)) if create else _open(db)


@alerts_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="A name for the alert (not a number alone).")],
    where: Annotated[str | None, typer.Option(help=WHERE_HELP)] = None,
    bbox: Annotated[str | None, typer.Option(help="Area as west,south,east,north in degrees.")] = None,
    event_type: Annotated[list[str] | None, typer.Option(
        "--type", help="ACLED event or sub-event type (repeat for any of several).")] = None,
    min_fatalities: Annotated[int | None, typer.Option(help="At least this many killed (conservative toll).")] = None,
    actor: Annotated[list[str] | None, typer.Option(help="Part of an actor name (repeat for any of several).")] = None,
    grade: Annotated[list[str] | None, typer.Option(
        help="single_source, corroborated or contested (repeat for any of several).")] = None,
    webhook: Annotated[str | None, typer.Option(help="URL to POST each notification to (signed).")] = None,
    secret: Annotated[str | None, typer.Option(
        help="The webhook's signing secret, whsec_ + base64 (default: a new one, printed once).")] = None,
    email: Annotated[list[str] | None, typer.Option(help="Address to e-mail (repeat for several).")] = None,
    db: DbOption = None,
) -> None:
    """Add an alert. Prints its Atom feed's path and its webhook secret: the secret only this once."""
    from warwatch.alerts import Watch, add_alert

    watch = Watch.checked(where=where, bbox=bbox, event_type=event_type or [], min_fatalities=min_fatalities,
                          actor=actor or [], grade=grade or [])
    with _store(db, create=True) as store:
        created = add_alert(store, name, watch, webhook=webhook, secret=secret, emails=email or [])
    alert = created.alert
    err.print(f"alert {alert.id} {alert.name!r}: {alert.watch.describe()}", highlight=False, markup=False)
    print(f"feed: {alert.feed_path}")
    if created.secret is not None and secret is None:
        print(f"webhook secret: {created.secret}")
        err.print("keep the secret now: it is never shown again (the receiver checks signatures with it)",
                  highlight=False, markup=False)


@alerts_app.command("list")
def list_(db: DbOption = None) -> None:
    """List the alerts with their filters, channels and deliveries (never a secret)."""
    from warwatch.alerts import list_alerts
    from warwatch.alerts.manage import pending_count

    with _store(db) as store:
        found = list_alerts(store)
        counts = {a.id: pending_count(store, a.id) for a in found}
    table = Table(title=f"{len(found)} alert(s)")
    for column in ("id", "name", "filters", "channels", "feed", "deliveries"):
        table.add_column(column, overflow="fold")
    for a in found:
        channels = ([f"webhook {a.webhook_url}" + (" (signed)" if a.has_secret else "")] if a.webhook_url else [])
        channels += [f"e-mail {e}" for e in a.emails]
        c = counts[a.id]
        table.add_row(str(a.id), a.name, a.watch.describe(), "\n".join(channels) or "feed only", a.feed_path,
                      f"{c.get('delivered', 0)} delivered, {c.get('pending', 0)} pending, {c.get('failed', 0)} failed")
    out.print(table)


@alerts_app.command("remove")
def remove(ref: Annotated[str, typer.Argument(help="The alert's id or name.")], db: DbOption = None) -> None:
    """Remove an alert, its feed and its pending deliveries."""
    from warwatch.alerts import remove_alert

    with _store(db) as store:
        gone = remove_alert(store, ref)
    err.print(f"removed alert {gone.id} {gone.name!r}", highlight=False, markup=False)


@alerts_app.command("send")
def send(
    db: DbOption = None,
    allow_private: Annotated[list[str] | None, typer.Option(
        "--allow-private", help="CIDR a webhook may reach although private (repeatable; e.g. 127.0.0.1/32).")] = None,
    backoff: Annotated[float, typer.Option(
        help="Seconds before the first retry of a failed delivery; each later one waits twice as long.")] = 30.0,
    contact: Annotated[str | None, typer.Option(
        help="A URL or e-mail address named in the webhook requests' User-Agent (as for watch).")] = None,
) -> None:
    """Evaluate every alert and deliver what is due, once (for cron, after 'warwatch ingest').

    E-mail goes through $WARWATCH_SMTP_URL (smtp://user:password@host:port, smtp+starttls://, smtps://)
    from $WARWATCH_SMTP_FROM. Links point at $WARWATCH_PUBLIC_URL when set.
    """
    from warwatch.alerts import SmtpConfig, run_cycle
    from warwatch.ingest.fetch import Fetcher

    if backoff < 0:
        raise InputError("--backoff cannot be negative")
    smtp = SmtpConfig.from_env()
    # no retries inside the fetcher: the outbox retries, with its backoff stored across runs
    with _store(db) as store, Fetcher(allow_private=allow_private or [], retries=0, per_host_interval=0.0,
                                          contact=contact) as fetcher:
        cycle = run_cycle(store, fetcher, smtp, base=backoff)
    for line in cycle.lines():
        err.print(line, highlight=False, markup=False)
