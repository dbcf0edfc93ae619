"""Richer reads for the API and dashboard: filtered, sorted, paginated events; daily counts; facets; articles.

Built on the store's tables (:mod:`warwatch.store.schema`) and returning the store's records, so
the REST API, the exports and the CLI all describe an event the same way. Everything here reads
only. A ``grade`` filter or sort works once the events table has a ``grade`` column (added by
fusion); until then a grade filter is ignored and sorting by grade falls back to the date.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select
from sqlalchemy.engine import Connection

from warwatch.models import Evidence
from warwatch.store.read import fetch_events
from warwatch.store.records import ArticleInfo, EventRecord
from warwatch.store.schema import articles, events, mentions

#: the columns a list of events can be sorted by ("-" in front: descending)
SORT_KEYS = ("event_date", "event_type", "sub_event_type", "admin1", "location", "actor1", "fatalities",
             "id", "grade")

#: free text looks in these event columns, and in the evidence sentences of the event's mentions
TEXT_COLUMNS = ("event_id_cnty", "event_type", "sub_event_type", "actor1", "assoc_actor_1", "actor2",
                "assoc_actor_2", "admin1", "admin2", "location", "place_text", "weapon", "target", "notes")


ARTICLE_COLUMNS = (articles.c.id, articles.c.title, articles.c.outlet, articles.c.url, articles.c.published,
                   articles.c.path, articles.c.doc_id)


def has_grade() -> bool:
    """True when the events table (as this code knows it) has a ``grade`` column."""
    return "grade" in events.c


@dataclass(frozen=True)
class EventQuery:
    """Filters, order and page of an event listing. Empty tuples and None mean "no filter".

    since/until: inclusive bounds on event_date (undated events then drop out). bbox: (west,
    south, east, north) in degrees; west > east crosses the antimeridian. admin1, event_type,
    sub_event_type, grade, country (ISO alpha-2): any of the values, any case. actor: substring of
    any actor column. text: substring of the descriptive columns or an evidence sentence.
    unlocated: True for events without coordinates only, False for located ones only.
    sort: a :data:`SORT_KEYS` name, "-" in front for descending; undated/unknown values last.
    """

    since: date | None = None
    until: date | None = None
    bbox: tuple[float, float, float, float] | None = None
    admin1: tuple[str, ...] = ()
    event_type: tuple[str, ...] = ()
    sub_event_type: tuple[str, ...] = ()
    actor: str | None = None
    min_fatalities: int | None = None
    grade: tuple[str, ...] = ()
    text: str | None = None
    country: tuple[str, ...] = ()
    unlocated: bool | None = None
    sort: str = "event_date"
    offset: int = 0
    limit: int | None = 50

    def __post_init__(self) -> None:
        key = self.sort[1:] if self.sort.startswith("-") else self.sort
        if key not in SORT_KEYS:
            raise ValueError(f"cannot sort by {self.sort!r}: use one of {', '.join(SORT_KEYS)} (\"-\" for descending)")
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until})")
        if self.bbox is not None:
            check_bbox(self.bbox)
        if self.offset < 0 or (self.limit is not None and self.limit < 0):
            raise ValueError("offset and limit cannot be negative")
        if self.min_fatalities is not None and self.min_fatalities < 0:
            raise ValueError("min_fatalities cannot be negative")


def check_bbox(bbox: tuple[float, float, float, float]) -> None:
    """Raise ValueError unless bbox is (west, south, east, north) of finite degrees, south <= north."""
    west, south, east, north = bbox
    if not all(math.isfinite(v) for v in bbox):
        raise ValueError("bbox values must be finite numbers")
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise ValueError("bbox longitudes must be between -180 and 180")
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        raise ValueError("bbox latitudes must be between -90 and 90")
    if south > north:
        raise ValueError("bbox south is greater than north (order: west,south,east,north)")


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``"west,south,east,north"`` as four floats; ValueError with a clear message otherwise."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4:
        raise ValueError("bbox must be four numbers: west,south,east,north")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise ValueError("bbox must be four numbers: west,south,east,north") from None
    bbox = (values[0], values[1], values[2], values[3])
    check_bbox(bbox)
    return bbox


def _folded(values: tuple[str, ...]) -> list[str]:
    return sorted({v.strip().lower() for v in values if v and v.strip()})


def _in_any_case(column: Any, values: tuple[str, ...]) -> ColumnElement[bool] | None:
    wanted = _folded(values)
    return func.lower(column).in_(wanted) if wanted else None


def _contains(column: Any, needle: str) -> ColumnElement[bool]:
    # icontains escapes % and _ so that user text is matched literally
    return column.icontains(needle, autoescape=True)


def conditions(q: EventQuery) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a query's filters (pagination and order aside)."""
    out: list[ColumnElement[bool] | None] = []
    c = events.c
    if q.since is not None:
        out.append(c.event_date >= q.since)
    if q.until is not None:
        out.append(c.event_date <= q.until)
    if q.bbox is not None:
        west, south, east, north = q.bbox
        lon = c.longitude.between(west, east) if west <= east else or_(c.longitude >= west, c.longitude <= east)
        out.append(and_(c.latitude.between(south, north), lon))
    out.append(_in_any_case(c.admin1, q.admin1))
    out.append(_in_any_case(c.event_type, q.event_type))
    out.append(_in_any_case(c.sub_event_type, q.sub_event_type))
    out.append(_in_any_case(c.country, q.country))
    if q.grade and has_grade():
        out.append(_in_any_case(c.grade, q.grade))
    if q.actor and q.actor.strip():
        needle = q.actor.strip()
        out.append(or_(*(_contains(col, needle) for col in (c.actor1, c.assoc_actor_1, c.actor2, c.assoc_actor_2))))
    if q.min_fatalities is not None:
        out.append(c.fatalities >= q.min_fatalities)
    if q.text and q.text.strip():
        needle = q.text.strip()
        in_sentences = exists().where(mentions.c.event_id == c.id, _contains(mentions.c.sentence_text, needle))
        out.append(or_(*(_contains(c[name], needle) for name in TEXT_COLUMNS), in_sentences))
    if q.unlocated is True:
        out.append(or_(c.latitude.is_(None), c.longitude.is_(None)))
    elif q.unlocated is False:
        out.append(and_(c.latitude.is_not(None), c.longitude.is_not(None)))
    return [w for w in out if w is not None]


def _order(sort: str) -> list[Any]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key == "grade" and not has_grade():
        key = "event_date"
    column = events.c.id if key == "id" else events.c[key]
    # portable "NULLS LAST" in both directions: SQLite sorts NULL first, PostgreSQL last
    missing = case((column.is_(None), 1), else_=0)
    if key == "id":
        return [column.desc() if descending else column]
    return [missing, column.desc() if descending else column, events.c.id.desc() if descending else events.c.id]


@dataclass
class EventPage:
    """One page of a listing: the records and how many events match the filters in all."""

    total: int
    records: list[EventRecord] = field(default_factory=list)


def count_events(conn: Connection, q: EventQuery) -> int:
    """How many events match the query's filters."""
    return int(conn.execute(select(func.count()).select_from(events).where(*conditions(q))).scalar_one())


def page_query(q: EventQuery) -> Select:
    """SELECT of the ids of the query's page, in order."""
    query = select(events.c.id).where(*conditions(q)).order_by(*_order(q.sort)).offset(q.offset)
    return query.limit(q.limit) if q.limit is not None else query


def search_events(conn: Connection, q: EventQuery, *, with_total: bool = True) -> EventPage:
    """The query's page of events (with their sources) and, unless told not to, the total count.

    Two steps: the ids of the page first (a narrow, index-friendly sort), then the full rows of
    those ids only, so a deep or wide listing never reads more rows than it returns.
    """
    ids = list(conn.execute(page_query(q)).scalars())
    total = count_events(conn, q) if with_total else len(ids)
    records: list[EventRecord] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        records.extend(fetch_events(conn, select(events).where(events.c.id.in_(chunk))))
    position = {pk: i for i, pk in enumerate(ids)}
    records.sort(key=lambda r: position[r.id])
    return EventPage(total=total, records=records)


def record_grade(conn: Connection, records: list[EventRecord]) -> dict[int, str | None]:
    """The grade of each record (by primary key): None for all until the column exists."""
    if not records or not has_grade():
        return {r.id: None for r in records}
    out: dict[int, str | None] = {}
    pks = [r.id for r in records]
    for start in range(0, len(pks), 500):
        rows = conn.execute(select(events.c.id, events.c.grade).where(events.c.id.in_(pks[start:start + 500])))
        out.update({row.id: row.grade for row in rows})
    return out


@dataclass
class DayCount:
    """Events and reported fatalities of one event type on one day (day None: undated)."""

    day: date | None
    event_type: str
    events: int
    fatalities: int


def daily_counts(conn: Connection, q: EventQuery) -> list[DayCount]:
    """Events and fatalities per day and event type, for the filtered events, by day then type."""
    query = (select(events.c.event_date, events.c.event_type, func.count().label("n"),
                    func.coalesce(func.sum(events.c.fatalities), 0).label("dead"))
             .where(*conditions(q)).group_by(events.c.event_date, events.c.event_type))
    rows = [DayCount(r.event_date, r.event_type, int(r.n), int(r.dead)) for r in conn.execute(query)]
    rows.sort(key=lambda d: (d.day is None, d.day or date.min, d.event_type))
    return rows


def facets(conn: Connection) -> dict[str, Any]:
    """What the filters can choose from: each value with its count, and the range of dates."""
    out: dict[str, Any] = {}
    names = ["event_type", "sub_event_type", "admin1", "country"] + (["grade"] if has_grade() else [])
    for name in names:
        column = events.c[name]
        rows = conn.execute(select(column, func.count()).where(column.is_not(None), column != "")
                            .group_by(column).order_by(func.count().desc(), column))
        out[name] = [{"value": value, "count": int(n)} for value, n in rows]
    if not has_grade():
        out["grade"] = []
    first, last, total = conn.execute(select(func.min(events.c.event_date), func.max(events.c.event_date),
                                             func.count()).select_from(events)).one()
    out.update({"date_min": first, "date_max": last, "total": int(total)})
    return out


@dataclass
class ArticleMention:
    """A sentence of an article that supports (or denies) an event, by character offsets."""

    event_id: str
    start: int
    end: int
    text: str
    #: "evidence" for a mention's sentence, "denial" for a sentence that denies it
    kind: str = "evidence"
    event_type: str = ""
    sub_event_type: str = ""


@dataclass
class ArticleRecord:
    """A stored article with its full text and the sentences that events rest on."""

    info: ArticleInfo
    text: str
    ingested_at: Any
    mentions: list[ArticleMention] = field(default_factory=list)


def fetch_article(conn: Connection, article_id: int) -> ArticleRecord | None:
    """One article by primary key, with its text and its mentions' sentences; None if unknown."""
    row = conn.execute(select(*ARTICLE_COLUMNS, articles.c.text, articles.c.ingested_at)
                       .where(articles.c.id == article_id)).first()
    if row is None:
        return None
    found: list[ArticleMention] = []
    rows = conn.execute(
        select(mentions.c.sentence_start, mentions.c.sentence_end, mentions.c.sentence_text, mentions.c.denials,
               events.c.id, events.c.event_id_cnty, events.c.event_type, events.c.sub_event_type)
        .join(events, events.c.id == mentions.c.event_id)
        .where(mentions.c.article_id == article_id)
        .order_by(mentions.c.sentence_start, mentions.c.id))
    seen: set[tuple[str, int, str]] = set()
    for m in rows:
        event_id = m.event_id_cnty or f"XXX{m.id}"
        items = [("evidence", Evidence(m.sentence_start, m.sentence_end, m.sentence_text))]
        items += [("denial", Evidence(**d)) for d in json.loads(m.denials or "[]")]
        for kind, ev in items:
            if (event_id, ev.start, kind) in seen:
                continue
            seen.add((event_id, ev.start, kind))
            found.append(ArticleMention(event_id=event_id, start=ev.start, end=ev.end, text=ev.text, kind=kind,
                                        event_type=m.event_type, sub_event_type=m.sub_event_type))
    found.sort(key=lambda a: (a.start, a.end))
    info = ArticleInfo(id=row.id, title=row.title or "", outlet=row.outlet, url=row.url, published=row.published,
                       path=row.path, doc_id=row.doc_id)
    return ArticleRecord(info=info, text=row.text, ingested_at=row.ingested_at, mentions=found)
