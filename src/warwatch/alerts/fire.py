"""Firing: which events each alert has not yet told anyone about, and what is enqueued for them.

:func:`evaluate` compares each alert's matching events with what it last notified (``alert_events``):
an event that matches for the first time fires ``event.matched``; a notified event that changed in a
way that matters (:data:`MATERIAL`) fires ``event.changed`` with the list of changes; anything else
fires nothing. One firing is one notification (the Atom feed's entry) and one outbox row per webhook
and e-mail address, written in the same transaction as the new state: a crash leaves either all of
it or none, and a notification once written is delivered at least once (:mod:`warwatch.alerts.deliver`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import exists, insert, select, update
from sqlalchemy.engine import Connection, Row

from warwatch.alerts.manage import now, writing
from warwatch.alerts.model import Watch
from warwatch.store import EventDetail, EventRecord, Store, acled
from warwatch.store.alert_tables import alert_events, alert_notifications, alert_outbox, alerts
from warwatch.store.query import record_columns
from warwatch.store.read import fetch_details, fetch_events
from warwatch.store.schema import events

#: events read and compared at once (bounded memory on a watch that matches most of a large store)
BATCH = 500
#: evidence sentences a payload carries at most (the event page has them all)
MAX_EVIDENCE = 10
#: where links in payloads and e-mails point: the dashboard's address (else a path on it)
BASE_URL_ENV = "WARWATCH_PUBLIC_URL"


@dataclass(frozen=True)
class Snapshot:
    """The figures of an event that a notification is about, as compared the next time."""

    fatalities: int | None
    fatalities_high: int | None
    n_independent: int | None
    contested: bool


def _rose(old: int | None, new: int | None) -> bool:
    return new is not None and (old is None or new > old)


#: what makes a change of a notified event worth a notification: (name, the figure compared, test of
#: old and new, why).
#: A fall is never one (a corrected figure is not news to act on); the state then keeps the higher
#: figure notified, so a later rise fires only when it passes what was told.
MATERIAL: tuple[tuple[str, str, Callable[[Snapshot, Snapshot], bool], str], ...] = (
    ("fatalities", "fatalities", lambda o, n: _rose(o.fatalities, n.fatalities),
     "the conservative toll (ACLED's figure) rose"),
    ("fatalities_high", "fatalities_high", lambda o, n: _rose(o.fatalities_high, n.fatalities_high),
     "a source reports more dead than any before: the high estimate rose"),
    # the first corroboration only: a third or fourth outlet repeating it changes nothing to act on
    ("corroborated", "n_independent", lambda o, n: (o.n_independent or 0) < 2 <= (n.n_independent or 0),
     "a second independent source (another outlet, not a copy) reports it"),
    ("contested", "contested", lambda o, n: n.contested and not o.contested,
     "a denial or a source blaming another party makes it contested"),
)


def snapshot(r: EventRecord) -> Snapshot:
    high = r.fatalities_high if r.fatalities_high is not None else r.fatalities
    contested = r.grade == "contested" or "denial" in (r.flags or [])
    return Snapshot(fatalities=r.fatalities, fatalities_high=high,
                    n_independent=r.n_independent if r.n_independent is not None else r.n_sources,
                    contested=contested)


def changes(old: Snapshot, new: Snapshot) -> list[dict[str, Any]]:
    """The material changes from ``old`` to ``new`` (empty: nothing worth telling)."""
    return [{"change": name, "field": attr, "from": getattr(old, attr), "to": getattr(new, attr), "why": why}
            for name, attr, test, why in MATERIAL if test(old, new)]


def _highest(old: Snapshot, new: Snapshot) -> Snapshot:
    """What the state keeps after a notification: the highest figures told so far."""
    def top(a: int | None, b: int | None) -> int | None:
        return b if a is None else a if b is None else max(a, b)
    return Snapshot(top(old.fatalities, new.fatalities), top(old.fatalities_high, new.fatalities_high),
                    top(old.n_independent, new.n_independent), old.contested or new.contested)


def event_link(code: str, base: str | None = None) -> str:
    base = (base if base is not None else os.environ.get(BASE_URL_ENV, "")).rstrip("/")
    return f"{base}/events/{code}"


def event_payload(r: EventDetail, base: str | None = None) -> dict[str, Any]:
    """The event as a notification carries it: what an analyst needs to act, with its sources and evidence."""
    country = acled.country(r.country)
    evidence = []
    for m in r.mentions:
        item = {"source": m.article.source, "url": m.article.url, "text": m.sentence.text}
        if item not in evidence:
            evidence.append(item)
    return {
        "id": r.event_id_cnty, "url": event_link(r.event_id_cnty, base),
        "date": r.event_date.isoformat() if r.event_date else None, "time_precision": r.time_precision,
        "type": r.event_type, "sub_type": r.sub_event_type, "place": r.location, "admin1": r.admin1,
        "admin2": r.admin2, "country": country.name if country else r.country, "country_code": r.country,
        "lat": r.latitude, "lon": r.longitude, "geo_precision": r.geo_precision,
        "fatalities": r.fatalities,
        "fatalities_range": {"low": r.fatalities_low, "best": r.fatalities_best, "high": r.fatalities_high},
        "actors": [a for a in (r.actor1, r.assoc_actor_1, r.actor2, r.assoc_actor_2) if a],
        "grade": r.grade, "flags": list(r.flags or []), "n_independent_sources": r.n_independent,
        "sources": [{"outlet": a.source, "url": a.url, "title": a.title,
                     "published": a.published.isoformat() if a.published else None, "copy": a.is_copy}
                    for a in r.articles],
        "evidence": evidence[:MAX_EVIDENCE],
    }


def headline(r: EventDetail, kind: str, found: list[dict[str, Any]]) -> str:
    """One line for the feed entry's title and the e-mail's subject."""
    place = ", ".join(p for p in (r.location, r.admin1) if p) or r.place_text or "an unlocated place"
    toll = f": {r.fatalities} killed" if r.fatalities is not None else ""
    if r.fatalities_high is not None and r.fatalities is not None and r.fatalities_high > r.fatalities:
        toll = f": {r.fatalities}-{r.fatalities_high} killed"
    what = r.sub_event_type or r.event_type
    day = r.event_date.isoformat() if r.event_date else "undated"
    said = f" ({', '.join(c['change'].replace('_', ' ') for c in found)})" if found else ""
    verb = "changed" if kind == "event.changed" else "new"
    # one line whatever the article's text held: it becomes an e-mail Subject header
    return " ".join(f"[{verb}] {r.event_id_cnty} {what} in {place}, {day}{toll}{said}".split())


@dataclass
class Evaluation:
    """What one :func:`evaluate` did: notifications enqueued (their ids), by kind, per alert."""

    alerts: int = 0
    matched: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def notifications(self) -> list[str]:
        return self.matched + self.changed


def _stored_state(conn: Connection, alert_id: int, pks: list[int]) -> dict[int, Row]:
    rows = conn.execute(select(alert_events).where(alert_events.c.alert_id == alert_id,
                                                   alert_events.c.event_id.in_(pks)))
    return {row.event_id: row for row in rows}


def evaluate(store: Store, *, at: datetime | None = None, base_url: str | None = None) -> Evaluation:
    """Compare every alert's matching events with what it last notified; enqueue what is new or changed.

    One write transaction per alert and batch of events: the notifications, their outbox rows and the
    new state go in together. Running it again with nothing changed enqueues nothing.
    """
    report = Evaluation()
    with store.engine.connect() as conn:
        rows = conn.execute(select(alerts.c.id, alerts.c.filters, alerts.c.webhook_url, alerts.c.emails)
                            .order_by(alerts.c.id)).all()
    for row in rows:
        report.alerts += 1
        watch = Watch.from_json(row.filters)
        # the matching events this alert has not compared since they last changed
        seen = exists().where(alert_events.c.alert_id == row.id, alert_events.c.event_id == events.c.id,
                              alert_events.c.seen_updated_at == events.c.updated_at)
        with store.engine.connect() as conn:
            pks = list(conn.execute(watch.matching(conn).where(~seen)).scalars())
        for start in range(0, len(pks), BATCH):
            _fire(store, row, pks[start:start + BATCH], report, at or now(), base_url)
    return report


def _fire(store: Store, alert: Row, pks: list[int], report: Evaluation, moment: datetime,
          base_url: str | None) -> None:
    with writing(store) as conn:
        state = _stored_state(conn, alert.id, pks)
        firing: list[tuple[EventRecord, str, list[dict[str, Any]], int, Snapshot, bool]] = []
        records = fetch_events(conn, select(*record_columns()).where(events.c.id.in_(pks)).order_by(events.c.id))
        for record in records:
            new = snapshot(record)
            old_row = state.get(record.id)
            if old_row is None:
                firing.append((record, "event.matched", [], 1, new, True))
                continue
            old = Snapshot(old_row.fatalities, old_row.fatalities_high, old_row.n_independent,
                           bool(old_row.contested))
            found = changes(old, new)
            if found:
                firing.append((record, "event.changed", found, old_row.notified + 1, _highest(old, new), False))
            else:  # compared, nothing to tell: not compared again until the event changes again
                conn.execute(update(alert_events).where(alert_events.c.alert_id == alert.id,
                                                        alert_events.c.event_id == record.id)
                             .values(seen_updated_at=record.updated_at))
        # the articles and evidence only of the events that fire: most are unchanged
        details = {d.id: d for d in fetch_details(conn, [f[0] for f in firing])}
        for record, kind, found, count, kept, first in firing:
            detail = details[record.id]
            message_id = f"msg_{alert.id}_{detail.event_id_cnty}_{count}"
            _enqueue(conn, alert, detail, message_id, kind, found, moment, base_url)
            values = {"event_code": detail.event_id_cnty, "notified": count, "fatalities": kept.fatalities,
                      "fatalities_high": kept.fatalities_high, "n_independent": kept.n_independent,
                      "contested": kept.contested, "notified_at": moment, "seen_updated_at": record.updated_at}
            if first:
                conn.execute(insert(alert_events).values(alert_id=alert.id, event_id=record.id, **values))
            else:
                conn.execute(update(alert_events).where(alert_events.c.alert_id == alert.id,
                                                        alert_events.c.event_id == record.id).values(**values))
            (report.matched if first else report.changed).append(message_id)


def _enqueue(conn: Connection, alert: Row, detail: EventDetail, message_id: str, kind: str,
             found: list[dict[str, Any]], moment: datetime, base_url: str | None) -> None:
    name = conn.execute(select(alerts.c.name).where(alerts.c.id == alert.id)).scalar_one()
    body = {"type": kind, "timestamp": moment.isoformat(timespec="seconds") + "Z",
            "data": {"id": message_id, "alert": {"id": alert.id, "name": name},
                     "event": event_payload(detail, base_url), "changes": found}}
    conn.execute(insert(alert_notifications).values(
        id=message_id, alert_id=alert.id, event_id=detail.id, kind=kind, title=headline(detail, kind, found),
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True), created_at=moment))
    targets = [("webhook", alert.webhook_url)] if alert.webhook_url else []
    targets += [("email", address) for address in json.loads(alert.emails or "[]")]
    for channel, target in targets:
        conn.execute(insert(alert_outbox).values(
            notification_id=message_id, channel=channel, target=target, status="pending", attempts=0,
            next_attempt_at=moment))
