"""Richer reads for the API and dashboard: filtered, sorted, paginated events; daily counts; facets; articles.

Built on the store's tables (:mod:`warwatch.store.schema`) and returning the store's records, so
the REST API, the exports and the CLI all describe an event the same way. Everything here reads
only. A ``grade`` filter or sort works once the events table has a ``grade`` column (added by
fusion); until then a grade filter is ignored and sorting by grade falls back to the date.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, exists, false, func, null, or_, select
from sqlalchemy.engine import Connection

# one article and the sentences events rest on live in their own module; the API reads them from here
from warwatch.store import acled
from warwatch.store.article_view import ArticleMention as ArticleMention
from warwatch.store.article_view import ArticleRecord as ArticleRecord
from warwatch.store.article_view import fetch_article as fetch_article
from warwatch.store.places import where_condition
from warwatch.store.read import fetch_details, fetch_events
from warwatch.store.records import EventDetail, EventRecord
from warwatch.store.schema import events, mentions
from warwatch.store.search import ascii_lower, contains, sentence_test

#: the columns a list of events can be sorted by ("-" in front: descending)
SORT_KEYS = ("event_date", "event_type", "sub_event_type", "admin1", "location", "actor1", "fatalities",
             "id", "grade")

#: a listing counts its matches up to this many; past it the total says "more than COUNT_CAP" (unless
#: the indexes know the exact number for free, or the caller asks for it): counting every match of a
#: word in most sentences costs more than the page itself
COUNT_CAP = 10_000

#: at most this many rows read (expected) to fill a page by walking the sort column's index in order;
#: past it, SQLite is made to filter first and sort the matches
WALK_ROWS = 5000

#: at most this many events pass the indexed filters for a free-text filter to test each event's own
#: sentences (one index probe each) rather than scan every sentence once
PROBE_ROWS = 20_000

#: the events columns with an index (migrations 2 and 3): filters on them are made index-friendly
INDEXED = ("event_date", "event_type", "admin1", "country", "grade")


def has_grade() -> bool:
    """True when the events table (as this code knows it) has a ``grade`` column."""
    return "grade" in events.c


def record_columns() -> list[Any]:
    """The events columns that :class:`EventRecord` holds (the table may have more than the record knows)."""
    known = EventRecord.__dataclass_fields__
    return [column for column in events.c if column.name in known]


def live(*, walk: bool = False) -> list[ColumnElement[bool]]:
    """The condition for events still standing: once fusion exists, one fused into another is not listed.

    ``walk=True`` (a page read in index order) writes it as NOT IN (the few merged ids), so that
    SQLite can read the sort column's index alone. Elsewhere it is ``coalesce(merged_into, NULL)
    IS NULL``: the same test, hidden from SQLite's planner, which would otherwise take the
    merged_into index for a selective one (it is not: nearly every event has NULL there).
    """
    if "merged_into" not in events.c:
        return []
    if not walk:
        return [func.coalesce(events.c.merged_into, null()).is_(None)]
    return [events.c.id.not_in(select(_MERGED.c.id).where(_MERGED.c.merged_into.is_not(None)))]


#: the events table under another name, for subqueries over the same table
_MERGED = events.alias("merged")


def resolve_event(conn: Connection, event_id: str) -> int | None:
    """The primary key of the event with this event_id_cnty (any case), following fusion to the survivor."""
    wanted = event_id.strip().upper()
    row = conn.execute(select(*[events.c.id] + ([events.c.merged_into] if live() else []))
                       .where(func.upper(events.c.event_id_cnty) == wanted)).first()
    # isdecimal, not isdigit ("²" is a digit int() refuses); past 18 digits no SQLite key can match, and
    # binding the number would overflow SQLite's 64-bit integer
    if row is None and wanted.startswith("XXX") and wanted[3:].isdecimal() and len(wanted) <= 3 + 18:
        # an event without an id of its own is listed as XXX<primary key>
        row = conn.execute(select(*[events.c.id] + ([events.c.merged_into] if live() else []))
                           .where(events.c.id == int(wanted[3:]), events.c.event_id_cnty.is_(None))).first()
    for _ in range(20):  # a chain of fusions; bounded in case of a cycle
        if row is None or not live() or row.merged_into is None:
            break
        row = conn.execute(select(events.c.id, events.c.merged_into).where(events.c.id == row.merged_into)).first()
    return None if row is None else int(row.id)


def fetch_event(conn: Connection, event_id: str) -> EventDetail | None:
    """One event by event_id_cnty (following fusion), with its mentions, claims and articles."""
    pk = resolve_event(conn, event_id)
    if pk is None:
        return None
    records = fetch_events(conn, select(*record_columns()).where(events.c.id == pk))
    return fetch_details(conn, records)[0] if records else None


@dataclass(frozen=True)
class EventQuery:
    """Filters, order and page of an event listing. Empty tuples and None mean "no filter".

    since/until: inclusive bounds on event_date (undated events then drop out). bbox: (west,
    south, east, north) in degrees; west > east crosses the antimeridian. admin1, event_type,
    sub_event_type, grade, country (ISO alpha-2): any of the values, any case. actor: substring of
    any actor column. text: substring of the descriptive columns or an evidence sentence.
    unlocated: True for events without coordinates only, False for located ones only. undated: True for
    the events no source dates only (they are not ACLED rows), False for dated ones only.
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
    #: free text: an event id, or words of an evidence sentence (the place, actors, weapon, target and
    #: figures as each source wrote them); normalised names have their own filters (admin1, actor)
    text: str | None = None
    country: tuple[str, ...] = ()
    #: a place, district, province or country under any spelling (``warwatch events --where``)
    where: str | None = None
    unlocated: bool | None = None
    undated: bool | None = None
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


def _fold_in(column: Any, wanted: list[str], dialect: str) -> ColumnElement[bool]:
    if dialect == "sqlite":
        # NOCASE folds ASCII as SQLite's lower() does, without a function call per row
        return column.collate("NOCASE").in_(wanted)
    return ascii_lower(column).in_(wanted)  # as NOCASE: ASCII letters only


def _any_case(conn: Connection, column: Any, values: tuple[str, ...]) -> ColumnElement[bool] | None:
    """``column`` equal to any of the values, ignoring case.

    An indexed column is first asked for its stored spellings of the values (a scan of the index
    only), so that the filter itself is an exact IN that the index can answer.
    """
    wanted = _folded(values)
    if not wanted:
        return None
    if column.name not in INDEXED:
        return _fold_in(column, wanted, conn.dialect.name)
    stored = list(conn.execute(select(column).distinct().where(_fold_in(column, wanted, conn.dialect.name)))
                  .scalars())
    return column.in_(stored) if stored else false()


def _expensive(q: EventQuery) -> bool:
    """True when the filters test each event row with substring matches (actor), which no index narrows.

    (Free text is not: its matches come from one scan of the sentences, then one probe per event.)
    """
    return bool(q.actor and q.actor.strip())


def _broad_dates(conn: Connection, q: EventQuery) -> bool:
    """True when a substring-filtered query should not walk the date index: its range holds >10% of rows.

    SQLite guesses a range's share of rows blindly; past ~10% a sequential scan beats fetching
    each row through the index. Counting the range reads the index alone, so asking is cheap.
    """
    if conn.dialect.name != "sqlite" or not _expensive(q) or (q.since is None and q.until is None):
        return False
    bounds = [events.c.event_date >= q.since] if q.since else []
    bounds += [events.c.event_date <= q.until] if q.until else []
    in_range = conn.execute(select(func.count()).select_from(events).where(*bounds)).scalar_one()
    return in_range > 0.1 * _table_size(conn)


def _table_size(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(events)).scalar_one())


def split_types(values: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A type filter's values parted into event types and sub-event types (ACLED's spelling for
    those it knows); a name ACLED does not know stays an event type, matched as it is."""
    kinds: list[str] = []
    subs: list[str] = []
    for value in values:
        known = acled.resolve_type(value)
        if known and known[0] == "sub_event_type":
            subs.append(known[1])
        else:
            kinds.append(known[1] if known else value)
    return tuple(kinds), tuple(subs)


def conditions(conn: Connection, q: EventQuery, *, walk: bool = False) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a query's filters (pagination and order aside), cheap ones first.

    ``walk``: the query will read the sort column's index in order (see :func:`live`).
    """
    dialect = conn.dialect.name
    c = events.c
    out: list[ColumnElement[bool] | None] = [*live(walk=walk)]
    # coalesce(x, NULL) is x, but hides the index from SQLite (see _broad_dates)
    broad = _broad_dates(conn, q)
    day = func.coalesce(c.event_date, null()) if broad else c.event_date
    narrowed = bool(((q.since or q.until) and not broad) or q.event_type or q.admin1 or q.country or q.grade)
    indexed: list[ColumnElement[bool] | None] = []
    if q.since is not None:
        indexed.append(day >= q.since)
    if q.until is not None:
        indexed.append(day <= q.until)
    kinds, subs = split_types(q.event_type)
    if subs:
        # a sub-event type given as the type ("Mob violence"): the two columns in one OR
        by_sub = _any_case(conn, c.sub_event_type, subs)
        by_kind = _any_case(conn, c.event_type, kinds)
        indexed.append(by_sub if by_kind is None else or_(by_kind, by_sub))
    else:
        indexed.append(_any_case(conn, c.event_type, kinds))
    indexed.append(_any_case(conn, c.admin1, q.admin1))
    indexed.append(_any_case(conn, c.country, q.country))
    if has_grade():
        indexed.append(_any_case(conn, c.grade, q.grade))
    out += indexed
    out.append(where_condition(conn, q.where))  # exact IN lists of the stored spellings (store/places.py)
    out.append(_any_case(conn, c.sub_event_type, q.sub_event_type))
    if q.bbox is not None:
        west, south, east, north = q.bbox
        lon = c.longitude.between(west, east) if west <= east else or_(c.longitude >= west, c.longitude <= east)
        out.append(and_(c.latitude.between(south, north), lon))
    if q.min_fatalities is not None:
        out.append(c.fatalities >= q.min_fatalities)
    if q.undated is not None:
        out.append(c.event_date.is_(None) if q.undated else c.event_date.is_not(None))
    if q.unlocated is True:
        out.append(or_(c.latitude.is_(None), c.longitude.is_(None)))
    elif q.unlocated is False:
        out.append(and_(c.latitude.is_not(None), c.longitude.is_not(None)))
    # substring tests last: SQLite evaluates AND terms in order, so cheap filters prune rows first
    if q.actor and q.actor.strip():
        needle = q.actor.strip()
        out.append(or_(*(contains(col, needle, dialect)
                         for col in (c.actor1, c.actor2, c.assoc_actor_1, c.assoc_actor_2))))
    if q.text and q.text.strip():
        needle = q.text.strip()
        # the sentences are found once for the whole query, then each event is one probe. Alone,
        # the matches drive the query (looked up by id); with an indexed filter or an index walk,
        # "id + 0" leaves the driving to that index and the matches are only probed
        if dialect == "sqlite" and (walk or (narrowed and _few(conn, indexed))):
            # few events get this far (an index walk stops once the page is full; the indexed filters
            # leave few): test each one's own sentences, an index probe each, and scan no other sentence
            own = exists().where(mentions.c.event_id == c.id, contains(mentions.c.sentence_text, needle, dialect))
            out.append(or_(func.upper(c.event_id_cnty) == needle.upper(), own))
        else:
            # the matching sentences, through the full-text index when it narrows them (see search.py)
            by_sentence = select(mentions.c.event_id).where(sentence_test(conn, needle))
            if narrowed and dialect == "sqlite":
                out.append(or_(func.upper(c.event_id_cnty) == needle.upper(), (c.id + 0).in_(by_sentence)))
            else:
                out.append(or_(c.event_id_cnty == needle.upper(), c.id.in_(by_sentence)))
    return [w for w in out if w is not None]


def _few(conn: Connection, indexed: list[ColumnElement[bool] | None]) -> bool:
    """True when at most :data:`PROBE_ROWS` events pass these (index-answered) filters."""
    terms = [t for t in indexed if t is not None]
    found = conn.execute(select(func.count()).select_from(select(events.c.id).where(*terms)
                                                          .limit(PROBE_ROWS + 1).subquery())).scalar_one()
    return int(found) <= PROBE_ROWS


def _order(sort: str, *, index_order: bool = True, dialect: str = "sqlite") -> list[Any]:
    """ORDER BY for a sort key, NULLs last both ways, ties by id.

    ``index_order=False`` (SQLite) sorts an expression instead of the bare column: SQLite then
    filters first and sorts the matches, instead of walking the column's index past rows that
    the filters reject. On PostgreSQL text sorts by code point (``COLLATE "C"``), as SQLite's
    BINARY does, whatever the database's locale: the same order on both.
    """
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key == "grade" and not has_grade():
        key = "event_date"
    tie = events.c.id.desc() if descending else events.c.id.asc()
    if key == "id":
        return [tie]
    column = events.c[key] if index_order else func.coalesce(events.c[key], null())
    if dialect == "postgresql" and isinstance(events.c[key].type, String):
        column = column.collate("C")
    # NULLS LAST (SQLite >= 3.30, PostgreSQL): unlike a CASE expression it lets an index give the order
    return [(column.desc() if descending else column.asc()).nulls_last(), tie]


@dataclass
class EventPage:
    """One page of a listing: the records and how many events match the filters in all.

    ``total_capped``: more events match than were counted, and ``total`` is a lower bound (see
    :func:`search_events`).
    """

    total: int
    records: list[EventRecord] = field(default_factory=list)
    total_capped: bool = False


def count_events(conn: Connection, q: EventQuery) -> int:
    """How many events match the query's filters."""
    return _count(conn, q, None)[0]


def count_capped(conn: Connection, q: EventQuery, cap: int) -> tuple[int, bool]:
    """How many events match, counted no further than ``cap``: ``(count, True)``, or ``(cap, False)``
    when more match. A count that the indexes give without testing rows (no filter) is exact at any size.
    """
    return _count(conn, q, cap)


def _count(conn: Connection, q: EventQuery, cap: int | None) -> tuple[int, bool]:
    """(count, exact): counting stops at cap + 1 rows found, which then means "more than cap"."""
    if _unfiltered(q) and live():
        # all events less the merged ones: two index counts instead of a test of every row
        merged = select(func.count()).select_from(events).where(events.c.merged_into.is_not(None))
        return _table_size(conn) - int(conn.execute(merged).scalar_one()), True
    stop = None if cap is None else cap + 1
    if q.text and q.text.strip() and _unfiltered(replace(q, text=None)):
        # free text alone: the distinct events of the matching sentences, without reading events; with a
        # cap, the scan of the sentences stops once it has found enough events
        needle = q.text.strip()
        said = sentence_test(conn, needle)
        merged = select(_MERGED.c.id).where(_MERGED.c.merged_into.is_not(None))
        # DISTINCT rather than a UNION with the id match: one dedup of the matches, not two
        found = select(mentions.c.event_id).distinct().where(said)
        if live():
            found = found.where(mentions.c.event_id.not_in(merged))
        n = _rows(conn, found, stop)
        if cap is not None and n > cap:
            return cap, False
        # the event whose id is the text counts too, unless one of its sentences matched already
        named = select(events.c.id).where(events.c.event_id_cnty == needle.upper())
        if live():
            named = named.where(events.c.id.not_in(merged))
        pk = conn.execute(named).scalar()
        if pk is not None and not conn.execute(select(mentions.c.id).where(mentions.c.event_id == pk, said)).first():
            n += 1
        return n, True
    where = conditions(conn, q)
    if stop is None:
        return int(conn.execute(select(func.count()).select_from(events).where(*where)).scalar_one()), True
    n = _rows(conn, select(events.c.id).where(*where), stop)
    return (cap, False) if cap is not None and n > cap else (n, True)


def _rows(conn: Connection, query: Select, stop: int | None) -> int:
    """How many rows the query gives, reading no more than ``stop`` of them."""
    if stop is not None:
        query = query.limit(stop)
    return int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())


def _unfiltered(q: EventQuery) -> bool:
    return q == EventQuery(sort=q.sort, offset=q.offset, limit=q.limit)


def page_query(conn: Connection, q: EventQuery, *, with_total: bool = False, index_order: bool = True) -> Select:
    """SELECT of the ids of the query's page, in order (and the total, as ``total``, if asked)."""
    columns = [events.c.id] + ([func.count().over().label("total")] if with_total else [])
    where = conditions(conn, q, walk=index_order and conn.dialect.name == "sqlite")
    query = select(*columns).where(*where).order_by(*_order(q.sort, index_order=index_order,
                                                                    dialect=conn.dialect.name)).offset(q.offset)
    return query.limit(q.limit) if q.limit is not None else query


def _walk_index(conn: Connection, q: EventQuery, total: int) -> bool:
    """True when walking the sort column's index in order reads few rows (:data:`WALK_ROWS`) to fill the page.

    Without filters the walk reads the index alone (no row), so any depth of page is cheap.
    """
    if conn.dialect.name != "sqlite" or _unfiltered(q):
        return True  # other databases plan with real statistics
    if q.sort.lstrip("-") not in (*INDEXED, "id"):
        return False  # no index gives this order: there is nothing to walk, filter first and sort the matches
    size = _table_size(conn)
    wanted = q.offset + (q.limit if q.limit is not None else size)
    return total > 0 and wanted * size / total <= WALK_ROWS


def search_events(conn: Connection, q: EventQuery, *, with_total: bool = True, cap: int | None = None) -> EventPage:
    """The query's page of events (with their sources) and, unless told not to, the total count.

    The ids of the page come first (a narrow query), then the full rows of those ids only. With an
    actor filter (every row costly to test) one pass gives page and total (a window count);
    otherwise the count comes first and decides the plan: walk the sort column's index when
    matches are common enough to fill the page quickly, else filter first and sort.

    ``cap``: count no further than this many matches (:func:`count_capped`). Past it the page says
    ``total_capped`` and ``total`` is a lower bound: the cap, or more if the page itself lies beyond
    it; a page that ends before ``limit`` tells the exact total after all.
    """
    total: int | None = None
    exact = True
    if _expensive(q):
        rows = conn.execute(page_query(conn, q, with_total=with_total, index_order=False)).all()
        ids = [r.id for r in rows]
        if with_total and rows:
            total = int(rows[0].total)
    else:
        if with_total:
            total, exact = _count(conn, q, cap)
        walk = _walk_index(conn, q, total) if total is not None else True
        ids = list(conn.execute(page_query(conn, q, index_order=walk)).scalars())
    if total is None:
        # no row on this page: a page past the end (or no total asked for)
        if with_total and ids == [] and q.offset:
            total, exact = _count(conn, q, cap)
        else:
            total = len(ids)
    if not exact and ids:
        seen = q.offset + len(ids)
        exact = q.limit is None or len(ids) < q.limit  # the last page: nothing matches past it
        total = seen if exact else max(total, seen)
    records: list[EventRecord] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        records.extend(fetch_events(conn, select(*record_columns()).where(events.c.id.in_(chunk))))
    position = {pk: i for i, pk in enumerate(ids)}
    records.sort(key=lambda r: position[r.id])
    return EventPage(total=total, records=records, total_capped=not exact)


#: what each row of :func:`map_points` holds, in order
POINT_FIELDS = ("event_id", "latitude", "longitude", "event_type", "fatalities")
#: decimals kept of a point's coordinates: 1e-5 degree is about a metre, finer than any geocoding
POINT_DECIMALS = 5

Point = tuple[str, float, float, str, int | None]


@dataclass
class PointSet:
    """The located events of a query as map points, and how many matches had no coordinates."""

    points: list[Point]
    #: more located events match than ``limit`` let through
    truncated: bool
    unlocated: int


def map_points(conn: Connection, q: EventQuery) -> PointSet:
    """The query's located events as :data:`POINT_FIELDS` rows, in its order and page; no record is built.

    One narrow SELECT of five columns (no sources, no JSON): what a map needs to draw every match.
    ``unlocated`` counts the matches without coordinates (none when the query wants located ones only).
    """
    located = replace(q, unlocated=False, limit=None if q.limit is None else q.limit + 1)
    if q.unlocated is True:
        rows: list[Any] = []
    else:
        # unfiltered, the sort column's index (or the table, for id) gives the order; else filter first, then sort
        walk = _unfiltered(replace(q, unlocated=None))
        # rounded by SQLite: a C call per value instead of a Python one. PostgreSQL has no round() of a
        # double: there Python rounds, which like SQLite rounds the exact binary value (the same figures)
        by_sql = conn.dialect.name == "sqlite"
        lat, lon = ((func.round(events.c.latitude, POINT_DECIMALS), func.round(events.c.longitude, POINT_DECIMALS))
                    if by_sql else (events.c.latitude, events.c.longitude))
        query = (select(events.c.id, events.c.event_id_cnty, lat, lon, events.c.event_type, events.c.fatalities)
                 .where(*conditions(conn, located, walk=walk))
                 .order_by(*_order(q.sort, index_order=walk, dialect=conn.dialect.name)).offset(q.offset))
        rows = conn.execute(query.limit(located.limit) if located.limit is not None else query).all()
        if not by_sql:
            rows = [(pk, code, None if y is None else round(y, POINT_DECIMALS),
                     None if x is None else round(x, POINT_DECIMALS), kind, dead)
                    for pk, code, y, x, kind, dead in rows]
    truncated = q.limit is not None and len(rows) > q.limit
    points: list[Point] = [(code or f"XXX{pk}", lat, lon, kind, dead)
                           for pk, code, lat, lon, kind, dead in rows[:q.limit]]
    unlocated = 0 if q.unlocated is False else count_events(conn, replace(q, unlocated=True))
    return PointSet(points=points, truncated=truncated, unlocated=unlocated)


def record_grade(conn: Connection, records: list[EventRecord]) -> dict[int, str | None]:
    """The grade of each record (by primary key): None for all until the column exists."""
    if all(hasattr(r, "grade") for r in records):
        return {r.id: getattr(r, "grade", None) for r in records}
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
             .where(*conditions(conn, q)).group_by(events.c.event_date, events.c.event_type))
    rows = [DayCount(r.event_date, r.event_type, int(r.n), int(r.dead)) for r in conn.execute(query)]
    rows.sort(key=lambda d: (d.day is None, d.day or date.min, d.event_type))
    return rows


def facets(conn: Connection) -> dict[str, Any]:
    """What the filters can choose from: each value with its count, and the range of dates.

    Counted over all rows (an indexed column's index alone answers), less the few events fused
    into others: testing every row for fusion would read the whole table once per column.
    """
    out: dict[str, Any] = {}
    names = ["event_type", "sub_event_type", "admin1", "country"] + (["grade"] if has_grade() else [])
    for name in names:
        column = events.c[name]
        present = [column.is_not(None), column != ""]
        counts = dict(conn.execute(select(column, func.count()).where(*present).group_by(column)).all())
        if live():
            # the column hidden behind coalesce(), so that SQLite takes the merged_into index (few rows),
            # not the column's own index for the grouping (every row)
            hidden = func.coalesce(column, null())
            merged = (select(hidden, func.count()).where(events.c.merged_into.is_not(None), hidden.is_not(None),
                                                         hidden != "").group_by(hidden))
            for value, n in conn.execute(merged):
                counts[value] -= n
        ranked = sorted(((value, int(n)) for value, n in counts.items() if n > 0), key=lambda vn: (-vn[1], vn[0]))
        out[name] = [{"value": value, "count": n} for value, n in ranked]
    if not has_grade():
        out["grade"] = []
    dated = select(events.c.event_date).where(events.c.event_date.is_not(None), *live(walk=True)).limit(1)
    first = conn.execute(dated.order_by(events.c.event_date.asc())).scalar()
    last = conn.execute(dated.order_by(events.c.event_date.desc())).scalar()
    total = count_events(conn, EventQuery())
    out.update({"date_min": first, "date_max": last, "total": int(total)})
    return out
