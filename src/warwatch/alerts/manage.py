"""Adding, listing, changing and removing alerts in the store.

Every write is one transaction taken as the store's writers take theirs (IMMEDIATE on SQLite, the
advisory lock on PostgreSQL), so an alert changed while ``alerts send`` runs is seen whole or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from warwatch.alerts.model import (
    Alert,
    Watch,
    check_email,
    check_name,
    check_webhook_url,
    new_feed_token,
    new_secret,
    secret_key,
)
from warwatch.errors import InputError, StoreError
from warwatch.store import Store
from warwatch.store.alert_tables import alert_notifications, alert_outbox, alerts
from warwatch.store.migrations import serialise


def now() -> datetime:
    """The time as stored: naive UTC, like every other time in the store."""
    return datetime.now(UTC).replace(tzinfo=None)


@contextmanager
def writing(store: Store) -> Iterator[Connection]:
    """One write transaction, as :class:`Store`'s own writes take it; database errors as StoreError."""
    try:
        with store.engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin():
            serialise(conn)
            yield conn
    except IntegrityError:
        raise  # a constraint (a name taken meanwhile): the caller says which, in its words
    except SQLAlchemyError as error:
        orig = getattr(error, "orig", None) or error
        raise StoreError(f"cannot write alerts: {str(orig).strip().splitlines()[0]}") from error


@dataclass
class Created:
    """A new alert and its secret: the only time the secret is handed out (None: no webhook)."""

    alert: Alert
    secret: str | None


def _alert(row: Row) -> Alert:
    return Alert(id=row.id, name=row.name, watch=Watch.from_json(row.filters), webhook_url=row.webhook_url,
                 has_secret=bool(row.webhook_secret), emails=json.loads(row.emails or "[]"),
                 feed_token=row.feed_token, created_at=row.created_at, updated_at=row.updated_at)


def _channels(webhook: str | None, secret: str | None, emails: Sequence[str]) -> tuple[str | None, list[str]]:
    url = check_webhook_url(webhook) if webhook else None
    if secret is not None:
        if url is None:
            raise InputError("--secret signs a webhook: give --webhook too")
        secret_key(secret)
    return url, list(dict.fromkeys(check_email(a) for a in emails))


def add_alert(store: Store, name: str, watch: Watch, *, webhook: str | None = None, secret: str | None = None,
              emails: Sequence[str] = ()) -> Created:
    """Store a new alert; with a webhook, its secret is ``secret`` or a new one (returned once, here).

    InputError for a bad name, URL, address or secret, or a name already taken.
    """
    name = check_name(name)
    url, addresses = _channels(webhook, secret, emails)
    if url is not None and secret is None:
        secret = new_secret()
    moment = now()
    try:
        with writing(store) as conn:
            if conn.execute(select(alerts.c.id).where(func.lower(alerts.c.name) == name.lower())).first():
                raise InputError(f"there is an alert named {name!r} already (alerts remove it, or pick another name)")
            pk = conn.execute(insert(alerts).values(
                name=name, filters=watch.to_json(), webhook_url=url, webhook_secret=secret if url else None,
                emails=json.dumps(addresses), feed_token=new_feed_token(), created_at=moment,
                updated_at=moment).returning(alerts.c.id)).scalar_one()
            row = conn.execute(select(alerts).where(alerts.c.id == pk)).one()
    except IntegrityError:
        raise InputError(f"there is an alert named {name!r} already") from None
    return Created(alert=_alert(row), secret=secret if url else None)


def list_alerts(store: Store) -> list[Alert]:
    """Every alert, by id (without secrets)."""
    with store.engine.connect() as conn:
        return [_alert(row) for row in conn.execute(select(alerts).order_by(alerts.c.id))]


def find_alert(store: Store, ref: str | int) -> Alert | None:
    """The alert with this id (a number) or name (any case); None when there is none."""
    with store.engine.connect() as conn:
        row = _find(conn, ref)
    return None if row is None else _alert(row)


def _find(conn: Connection, ref: str | int) -> Row | None:
    text = str(ref).strip()
    if text.isdecimal() and len(text) <= 18:
        return conn.execute(select(alerts).where(alerts.c.id == int(text))).first()
    return conn.execute(select(alerts).where(func.lower(alerts.c.name) == text.lower())).first()


def feed_alert(store: Store, token: str) -> Alert | None:
    """The alert whose Atom feed has this token; None when none has."""
    with store.engine.connect() as conn:
        row = conn.execute(select(alerts).where(alerts.c.feed_token == token)).first()
    return None if row is None else _alert(row)


class _Keep:
    """The type of :data:`KEEP`."""


#: what :func:`update_alert` leaves alone when not given (None there means "remove")
KEEP = _Keep()


def update_alert(store: Store, ref: str | int, *, name: str | None = None, watch: Watch | None = None,
                 webhook: str | _Keep | None = KEEP, secret: str | None = None,
                 emails: Sequence[str] | _Keep = KEEP) -> Created:
    """Change an alert: its name, watch, webhook (None removes it), secret (write-only) or addresses.

    A webhook given to an alert that had none gets a new secret unless ``secret`` is given; the
    result's ``secret`` is then that new one (the only time it is handed out), else None.
    What was notified stays notified: a changed watch fires for the events it newly matches only.
    """
    generated: str | None = None
    try:
        with writing(store) as conn:
            row = _find(conn, ref)
            if row is None:
                raise InputError(f"no alert {ref!r} (see `warwatch alerts list`)")
            values: dict[str, object] = {}
            if name is not None:
                values["name"] = check_name(name)
                taken = conn.execute(select(alerts.c.id).where(func.lower(alerts.c.name) == values["name"].lower(),
                                                               alerts.c.id != row.id)).first()
                if taken:
                    raise InputError(f"there is an alert named {values['name']!r} already")
            if watch is not None:
                values["filters"] = watch.to_json()
            url = row.webhook_url
            if not isinstance(webhook, _Keep):
                url = check_webhook_url(webhook) if webhook else None
                values["webhook_url"] = url
                if url is None:
                    values["webhook_secret"] = None
                elif not row.webhook_secret and secret is None:
                    generated = values["webhook_secret"] = new_secret()
            if secret is not None:
                if url is None:
                    raise InputError("a secret signs a webhook: this alert has none")
                secret_key(secret)
                values["webhook_secret"] = secret
            if not isinstance(emails, _Keep):
                values["emails"] = json.dumps(list(dict.fromkeys(check_email(a) for a in emails)))
            values["updated_at"] = now()
            conn.execute(update(alerts).where(alerts.c.id == row.id).values(**values))
            changed = conn.execute(select(alerts).where(alerts.c.id == row.id)).one()
    except IntegrityError:
        raise InputError(f"there is an alert named {name!r} already") from None
    return Created(alert=_alert(changed), secret=generated)


def remove_alert(store: Store, ref: str | int) -> Alert:
    """Remove an alert with its notifications, feed and pending deliveries; InputError when there is none."""
    with writing(store) as conn:
        row = _find(conn, ref)
        if row is None:
            raise InputError(f"no alert {ref!r} (see `warwatch alerts list`)")
        conn.execute(delete(alerts).where(alerts.c.id == row.id))
    return _alert(row)


def pending_count(store: Store, alert_id: int) -> dict[str, int]:
    """How many of an alert's deliveries are pending, delivered and failed."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(alert_outbox.c.status, func.count())
                            .join(alert_notifications, alert_notifications.c.id == alert_outbox.c.notification_id)
                            .where(alert_notifications.c.alert_id == alert_id).group_by(alert_outbox.c.status))
        return {status: int(n) for status, n in rows}
