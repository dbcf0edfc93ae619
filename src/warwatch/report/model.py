"""What a situation report holds, gathered from the store: the period and the one before it, the
events and their tolls, places, actors, key incidents, what is uncertain, and the sources.

Everything here is data; :mod:`warwatch.report.summary` writes the sentences and the renderers
(:mod:`~warwatch.report.html`, :mod:`~warwatch.report.markdown`, :mod:`~warwatch.report.pdf`) lay
it out. Each aggregate keeps the ids of the events it counts, so that every figure can point to
its events and, through them, to the sentences it was read from.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from warwatch.errors import InputError
from warwatch.store import Store
from warwatch.store.query import EventQuery, search_events
from warwatch.store.read import article_order
from warwatch.store.records import ArticleInfo, EventDetail, EventRecord
from warwatch.store.schema import articles, mentions

#: key incidents: the most lethal, then the best corroborated not already among them
MOST_LETHAL = 5
BEST_CORROBORATED = 3
#: events whose full evidence (sentences, denials, articles) is read at most; past it only the key
#: incidents and the contested events are (the rest of the report needs only the rows)
DETAIL_ALL_UP_TO = 2000
#: geo_precision of an event placed at a region's centre (ACLED's 3)
REGION_LEVEL = 3

_YEARS = re.compile(r"\s*\(\d{4}-\d{0,4}\)$")


def actor_name(actor: str) -> str:
    """An actor as prose names it: ACLED's "(2000-)" period suffix left out."""
    return _YEARS.sub("", actor).strip()


@dataclass(frozen=True)
class Period:
    """Inclusive days."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def before(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))


@dataclass
class Tally:
    """Events counted together (a place, an actor, a type), with the ids that make the count."""

    name: str
    events: list[EventRecord] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.events)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(e.event_id for e in self.events)

    @property
    def killed(self) -> int:
        return sum(e.fatalities or 0 for e in self.events)

    @property
    def killed_ids(self) -> tuple[str, ...]:
        return tuple(e.event_id for e in self.events if e.fatalities)


@dataclass
class Toll:
    """Reported deaths over a set of events: the conservative sum and the range the sources give."""

    low: int
    high: int
    #: events with a reported figure (0 included), and those with none
    counted: list[EventRecord]
    unreported: list[EventRecord]

    @classmethod
    def of(cls, rows: list[EventRecord]) -> Toll:
        counted = [e for e in rows if e.fatalities is not None]
        return cls(low=sum(e.fatalities or 0 for e in counted),
                   high=sum(max(e.fatalities or 0, e.fatalities_high or 0) for e in counted),
                   counted=counted, unreported=[e for e in rows if e.fatalities is None])

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(e.event_id for e in self.counted if e.fatalities or e.fatalities_high)


@dataclass
class Incident:
    """A key incident: the event with its evidence, and why it was picked."""

    event: EventDetail
    why: list[str]


@dataclass
class Contested:
    """A contested event and what contests it: the denials' own words, or what the sources dispute."""

    event: EventRecord
    reasons: list[str]
    denials: list[tuple[ArticleInfo, str]]


@dataclass
class Outlet:
    name: str
    #: by article id
    articles: dict[int, ArticleInfo]
    events: set[str] = field(default_factory=set)

    @property
    def copies(self) -> int:
        return sum(1 for a in self.articles.values() if a.is_copy)


@dataclass
class Report:
    """Everything a situation report says, before it is written in a format."""

    #: the area in words ("Idlib", "the box 36.0-37.0°E, 35.0-36.5°N", or None for everywhere)
    scope: str | None
    #: the filters in a line, as given ("type Battles")
    filters_text: str
    period: Period | None
    previous: Period | None
    #: the dated events of the period, by date then id
    events: list[EventRecord]
    #: the previous period's events; empty when it has none (then there is no comparison)
    previous_events: list[EventRecord]
    #: events that match the filters but that no source dates (not counted in the period)
    undated: list[EventRecord]
    details: dict[str, EventDetail]
    incidents: list[Incident]
    contested: list[Contested]
    outlets: list[Outlet]
    articles: list[ArticleInfo]
    generated: datetime
    #: the query behind it, for the dashboard link ("see these events")
    filters: dict[str, Any] = field(default_factory=dict)

    @property
    def toll(self) -> Toll:
        return Toll.of(self.events)

    @property
    def located(self) -> list[EventRecord]:
        return [e for e in self.events if e.located]

    @property
    def unlocated(self) -> list[EventRecord]:
        return [e for e in self.events if not e.located]

    @property
    def region_level(self) -> list[EventRecord]:
        return [e for e in self.events if e.located and (e.geo_precision or 0) >= REGION_LEVEL]

    @property
    def single_source(self) -> list[EventRecord]:
        return [e for e in self.events if (e.n_independent or len(e.sources) or 1) <= 1]

    @property
    def copies(self) -> list[ArticleInfo]:
        return [a for a in self.articles if a.is_copy]

    def places(self) -> list[Tally]:
        """Places by reported deaths, then events: the village or town, or the province for events
        placed only at province level (they are not in any one village)."""
        groups: dict[str, Tally] = {}
        for e in self.events:
            if e.location and (e.geo_precision or 0) < REGION_LEVEL:
                name = f"{e.location}, {e.admin1}" if e.admin1 and e.admin1 != e.location else e.location
            else:
                name = e.admin1 or e.location or "unlocated"
            groups.setdefault(name, Tally(name)).events.append(e)
        return sorted(groups.values(), key=lambda t: (-t.killed, -t.n, t.name))

    def provinces(self) -> list[Tally]:
        groups: dict[str, Tally] = {}
        for e in self.events:
            name = e.admin1 or "unknown province"
            groups.setdefault(name, Tally(name)).events.append(e)
        return sorted(groups.values(), key=lambda t: (-t.n, -t.killed, t.name))

    def actors(self) -> list[Tally]:
        """The sides named as carrying out the events (ACLED's actor1), by number of events."""
        groups: dict[str, Tally] = {}
        for e in self.events:
            if e.actor1:
                name = actor_name(e.actor1)
                groups.setdefault(name, Tally(name)).events.append(e)
        return sorted(groups.values(), key=lambda t: (-t.n, -t.killed, t.name))

    def by_type(self, rows: list[EventRecord] | None = None) -> list[Tally]:
        """Events by sub-event type (what the summary compares), most first."""
        groups: dict[str, Tally] = {}
        for e in self.events if rows is None else rows:
            name = e.sub_event_type or e.event_type
            groups.setdefault(name, Tally(name)).events.append(e)
        return sorted(groups.values(), key=lambda t: (-t.n, t.name))

    def days(self) -> list[tuple[date, Counter[str], int]]:
        """Every day of the period with its events by type and its reported deaths (zeros included)."""
        if self.period is None:
            return []
        per_day: dict[date, tuple[Counter[str], list[int]]] = {}
        for e in self.events:
            if e.event_date is not None:
                counts, killed = per_day.setdefault(e.event_date, (Counter(), [0]))
                counts[e.event_type] += 1
                killed[0] += e.fatalities or 0
        out = []
        day = self.period.start
        while day <= self.period.end:
            counts, killed = per_day.get(day, (Counter(), [0]))
            out.append((day, counts, killed[0]))
            day += timedelta(days=1)
        return out


def build(store: Store, filters: dict[str, Any] | None = None, *, scope: str | None = None,
          filters_text: str = "", now: datetime | None = None) -> Report:
    """The report over the events matching ``filters`` (:class:`EventQuery`'s keyword arguments).

    With no ``since``/``until`` the period is the span of the matching dated events; with one of
    them, it runs from that day to the other end of the span. The previous period is the span of
    the same length just before; it is compared only when it has events.
    """
    filters = {k: v for k, v in (filters or {}).items() if k not in ("undated", "sort", "offset", "limit")}
    try:  # the query's own checks (box, dates in order, ...): one line for a caller's bad filter
        EventQuery(**filters, limit=None)
    except ValueError as error:
        raise InputError(str(error)) from None
    base = EventQuery(**{**filters, "since": None, "until": None}, limit=None, undated=False)
    since, until = filters.get("since"), filters.get("until")
    with store.engine.connect() as conn:
        if since is None or until is None:
            span = _span(conn, base)
            if span is None:
                since = since or until
                until = until or since
            else:
                since = since or (span[0] if until is None or span[0] <= until else until)
                until = until or max(span[1], since)
        period = Period(since, until) if since and until else None
        rows = _events(conn, base, period) if period else []
        previous = period.before() if period else None
        before = _events(conn, base, previous) if previous else []
        undated = search_events(conn, replace(base, undated=True), with_total=False).records
        all_articles, by_event = _articles(conn, [e.id for e in rows])
    key = _key_events(rows)
    details = _details(store, rows, key)
    outlets: dict[str, Outlet] = {}
    for e in rows:
        for a in by_event.get(e.id, []):
            outlet = outlets.setdefault(a.outlet or a.source, Outlet(a.outlet or a.source, {}))
            outlet.articles.setdefault(a.id, a)
            outlet.events.add(e.event_id)
    return Report(
        scope=scope, filters_text=filters_text, period=period, previous=previous if before else None,
        events=rows, previous_events=before, undated=undated, details=details,
        incidents=_incidents(key, details), contested=_contested(rows, details),
        outlets=sorted(outlets.values(), key=lambda o: (-len(o.events), o.name)), articles=all_articles,
        generated=now or datetime.now(UTC), filters=dict(filters, since=period.start if period else None,
                                                          until=period.end if period else None),
    )


def _span(conn: Any, q: EventQuery) -> tuple[date, date] | None:
    first = search_events(conn, replace(q, sort="event_date", limit=1), with_total=False).records
    last = search_events(conn, replace(q, sort="-event_date", limit=1), with_total=False).records
    if not first or first[0].event_date is None or last[0].event_date is None:
        return None
    return first[0].event_date, last[0].event_date


def _events(conn: Any, q: EventQuery, period: Period) -> list[EventRecord]:
    found = search_events(conn, replace(q, since=period.start, until=period.end, sort="event_date"),
                          with_total=False).records
    return sorted(found, key=lambda e: (e.event_date or date.max, e.id))


def _articles(conn: Any, pks: list[int]) -> tuple[list[ArticleInfo], dict[int, list[ArticleInfo]]]:
    """Every article behind the events (copies included), and each event's."""
    by_event: dict[int, list[ArticleInfo]] = {}
    seen: dict[int, ArticleInfo] = {}
    cols = (articles.c.id, articles.c.title, articles.c.outlet, articles.c.url, articles.c.published,
            articles.c.path, articles.c.doc_id, articles.c.copy_of, articles.c.root_id)
    for start in range(0, len(pks), 500):
        chunk = pks[start:start + 500]
        rows = conn.execute(select(mentions.c.event_id, *cols).distinct()
                            .join(articles, articles.c.id == mentions.c.article_id)
                            .where(mentions.c.event_id.in_(chunk)))
        for row in rows:
            info = seen.get(row.id) or ArticleInfo(
                id=row.id, title=row.title or "", outlet=row.outlet, url=row.url, published=row.published,
                path=row.path, doc_id=row.doc_id, copy_of=row.copy_of, root_id=row.root_id)
            seen[row.id] = info
            by_event.setdefault(row.event_id, []).append(info)
    return sorted(seen.values(), key=article_order), by_event


def _details(store: Store, rows: list[EventRecord], key: list[tuple[EventRecord, list[str]]]) -> dict[str, EventDetail]:
    if len(rows) <= DETAIL_ALL_UP_TO:
        wanted = rows
    else:
        picked = {e.id for e, _ in key}
        wanted = [e for e in rows if e.id in picked or e.grade == "contested"]
    return {d.event_id: d for d in store.event_details(wanted)} if wanted else {}


def _lethality(e: EventRecord) -> tuple:
    return (e.fatalities or 0, e.fatalities_high or 0, e.n_independent or 0)


def _key_events(rows: list[EventRecord]) -> list[tuple[EventRecord, list[str]]]:
    """The key incidents, each with why it is one: the most lethal, then the best corroborated of
    the rest; when nothing is lethal or corroborated, the period's first few events stand for it."""
    lethal = [e for e in sorted(rows, key=_lethality, reverse=True) if e.fatalities or e.fatalities_high]
    picked = lethal[:MOST_LETHAL]
    taken = {e.id for e in picked}
    corroborated = [e for e in sorted(rows, key=lambda e: (e.n_independent or 0, *_lethality(e)), reverse=True)
                    if (e.n_independent or 0) >= 2 and e.id not in taken]
    picked += corroborated[:BEST_CORROBORATED]
    if not picked:
        picked = rows[:MOST_LETHAL]
    out = []
    for e in picked:
        why = ["among the most lethal"] if e.id in taken else []
        if (e.n_independent or 0) >= 2:
            why.append(f"{e.n_independent} independent sources")
        out.append((e, why))
    return out


def _incidents(key: list[tuple[EventRecord, list[str]]], details: dict[str, EventDetail]) -> list[Incident]:
    out = [Incident(details[e.event_id], why) for e, why in key if e.event_id in details]
    return sorted(out, key=lambda i: (i.event.event_date or date.max, i.event.id))


_FLAG_WORDS = {
    "denial": "a party denies it",
    "competing_claims": "the sources name different perpetrators",
    "conflicting_fatalities": "the sources give different death tolls",
    "conflicting_injuries": "the sources give different injury figures",
}


def _contested(rows: list[EventRecord], details: dict[str, EventDetail]) -> list[Contested]:
    out = []
    for e in rows:
        disputed = [f for f in e.flags if f in _FLAG_WORDS]
        if e.grade != "contested" and not disputed:
            continue
        denials: list[tuple[ArticleInfo, str]] = []
        detail = details.get(e.event_id)
        for m in detail.mentions if detail else []:
            for d in m.denials:
                if (m.article, d.text) not in denials:
                    denials.append((m.article, d.text))
        out.append(Contested(e, [_FLAG_WORDS[f] for f in disputed] or ["contested"], denials))
    return out
