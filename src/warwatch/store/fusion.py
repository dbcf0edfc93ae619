"""Fusion in the store: reports in, events out, re-fused where new articles touch them.

Every stored article is split into *reports* (in-article groups, table ``reports``). Fusion
assigns each report to an event. When an article arrives, :func:`refuse` re-clusters exactly the
connected components (in the compatibility graph of :mod:`warwatch.fuse.units`) that its
reports, and the reports whose copy status changed, belong to; since clustering decomposes over
components, the events are the same as if everything had been fused at once, in any order.

Event ids stay put: each new cluster takes over the existing event it shares the most reports
with. An event left without reports (two events fused into one) is kept as a tombstone with
``merged_into`` set, so its id still resolves.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, false, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Row

from warwatch.fuse.group import summarise
from warwatch.fuse.units import (
    ADJACENT_DAYS,
    MAX_SPAN_DAYS,
    NEAR_KM,
    UNDATED_WINDOW_DAYS,
    Unit,
    compatible,
    date_range,
    name_keys,
    skeleton,
    undated_fit,
)
from warwatch.models import COUNTRY_ONLY, Mention
from warwatch.store.schema import articles, claims, events, mentions, reports

CHUNK = 500
UNIT_COLUMNS = (reports, articles.c.content_hash)
#: articles stored within this long of each other count as one ingest run: an undated article
#: was first seen when the newest dated article of its run was published (see :func:`seen_days`)
RUN_WINDOW = timedelta(hours=1)


def now() -> datetime:
    """UTC now, without tzinfo (SQLite has no time zones; every stored time is UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _day(ordinal: int | None) -> date | None:
    return None if ordinal is None else date.fromordinal(ordinal)


def report_values(group: list[Mention]) -> dict:
    """The ``reports`` columns of one in-article group (what fusion compares)."""
    fields = summarise(group)
    names: list[str | None] = []
    landmarks: list[str] = []
    country_only = False
    for m in group:
        if m.toponym is not None and m.toponym.qualifier == COUNTRY_ONLY:
            country_only = True  # no place named: the country's name is no place to meet others by
            continue
        names.append(m.toponym.text if m.toponym else None)
        if m.place is not None:
            names.extend([m.place.name, m.place.text])
        if m.toponym is not None and (m.place is None or not m.place.located):
            # "a camp in Mon Lai Hket near Laiza", unlocated: another outlet's equally unlocated
            # "the attack on Laiza camp" that night is this incident told by its landmark
            landmarks.extend(m.toponym.landmarks)
    lo, hi = date_range(fields["event_date"], fields["time_precision"])
    located = fields["latitude"] is not None and fields["longitude"] is not None
    return {
        "event_type": fields["event_type"], "sub_event_type": fields["sub_event_type"] or "",
        "event_date": fields["event_date"], "time_precision": fields["time_precision"],
        "day_lo": _day(lo), "day_hi": _day(hi), "date_inherited": False,
        "latitude": fields["latitude"], "longitude": fields["longitude"],
        "geo_precision": (fields["geo_precision"] or 1) if located else None,
        "gazetteer_id": fields["gazetteer_id"] if located else None,
        # the name skeletons, then what the report says about the incident (see EVIDENCE_MARK)
        "names": json.dumps([*sorted(name_keys(*names)), *_evidence(group),
                             *(f"@l:{k}" for k in sorted(name_keys(*landmarks))),
                             *([COUNTRY_MARK] if country_only else [])]),
        "admin1": skeleton(fields["admin1"]) or None,
        "country": fields["country"] or None, "actor1": fields["actor1"], "actor2": fields["actor2"],
        "confidence": fields["confidence"],
    }


def unit(row: Row) -> Unit:
    """A report row (joined with its article's content_hash) as fusion sees it."""
    lo = row.day_lo.toordinal() if row.day_lo is not None else None
    hi = row.day_hi.toordinal() if row.day_hi is not None else None
    names, weapons, targets, tolls, landmarks, country_only = _read_names(row.names)
    return Unit(
        rid=row.id, order=(row.content_hash, row.ordinal), articles=frozenset({row.article_id}),
        event_type=row.event_type, sub_event_type=row.sub_event_type or "", lo=lo, hi=hi,
        precision=row.time_precision or 1, lat=row.latitude, lon=row.longitude, gp=row.geo_precision,
        gid=row.gazetteer_id, names=names, admin1=row.admin1 or "",
        country=row.country or "", actor1=row.actor1, actor2=row.actor2, confidence=row.confidence,
        weapons=weapons, targets=targets, tolls=tolls, landmarks=landmarks, country_only=country_only)


def seen_days(conn: Connection, article_ids: Iterable[int]) -> dict[int, int]:
    """The day (ordinal) each article was first seen, for placing its undated reports in time.

    A dated article was first seen when it was published. An undated one came with the articles
    of its ingest run, and when old articles are ingested in a batch the wall clock says nothing
    about them: it was first seen when the newest dated article of its run was published. The run
    is the articles stored within RUN_WINDOW of it (one ``warwatch ingest`` stores its articles
    back to back); when none of them is dated, its own ``ingested_at`` day.
    """
    out: dict[int, int] = {}
    for chunk in _chunks(article_ids):
        rows = conn.execute(select(articles.c.id, articles.c.published, articles.c.ingested_at)
                            .where(articles.c.id.in_(chunk))).all()
        for row in rows:
            if row.published is not None:
                out[row.id] = row.published.toordinal()
                continue
            newest = conn.execute(select(func.max(articles.c.published)).where(
                articles.c.ingested_at.between(row.ingested_at - RUN_WINDOW, row.ingested_at + RUN_WINDOW))).scalar()
            out[row.id] = (newest or row.ingested_at.date()).toordinal()
    return out


def annotate(conn: Connection, units: Iterable[Unit]) -> list[Unit]:
    """Fill in the day each undated report's article was first seen. Returns the units."""
    units = list(units)
    undated = [u for u in units if not u.dated]
    seen = seen_days(conn, {a for u in undated for a in u.articles}) if undated else {}
    for u in undated:
        days = [seen[a] for a in u.articles if a in seen]
        u.seen = max(days) if days else None
    return units


#: what a report says about the incident rides in its ``names`` JSON list, marked by this prefix
#: (a name skeleton never holds it): "@w:" a weapon, "@t:" a target kind, "@k:" a death toll,
#: "@l:" the name key of an unlocated place's landmark; "@c" a report that names no place, only
#: (at most) its country
EVIDENCE_MARK = "@"
COUNTRY_MARK = "@c"


def _evidence(group: list[Mention]) -> list[str]:
    marks = {f"@w:{m.weapon.strip().lower()}" for m in group if m.weapon}
    marks |= {f"@t:{m.target.strip().lower()}" for m in group if m.target}
    marks |= {f"@k:{m.fatalities}" for m in group if m.fatalities}
    return sorted(marks)


def _read_names(text: str | None) -> tuple[frozenset[str], frozenset[str], frozenset[str], tuple[int, int] | None,
                                          frozenset[str], bool]:
    """Names, weapons, targets, the (lowest, highest) death toll, landmarks and whether the report
    names no place, from a ``names`` column."""
    names, weapons, targets, tolls, landmarks = set(), set(), set(), [], set()
    country_only = False
    for item in json.loads(text or "[]"):
        if item == COUNTRY_MARK:
            country_only = True
        elif not item.startswith(EVIDENCE_MARK):
            names.add(item)
        elif item.startswith("@w:"):
            weapons.add(item[3:])
        elif item.startswith("@t:"):
            targets.add(item[3:])
        elif item.startswith("@k:") and item[3:].isdecimal():
            tolls.append(int(item[3:]))
        elif item.startswith("@l:"):
            landmarks.add(item[3:])
    return (frozenset(names), frozenset(weapons), frozenset(targets), (min(tolls), max(tolls)) if tolls else None,
            frozenset(landmarks), country_only)


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    items = sorted(ids)
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


def load_units(conn: Connection, ids: Iterable[int]) -> dict[int, tuple[Unit, int | None, int | None]]:
    """Reports by id: (unit, follows, event_id)."""
    out = {}
    for chunk in _chunks(ids):
        query = select(*UNIT_COLUMNS).join(articles, articles.c.id == reports.c.article_id) \
            .where(reports.c.id.in_(chunk))
        for row in conn.execute(query):
            out[row.id] = (unit(row), row.follows, row.event_id)
    annotate(conn, [u for u, _, _ in out.values()])
    return out


def _candidates(conn: Connection, u: Unit) -> list[Unit]:
    """Leader reports that share a day with ``u`` (or the day before or after) and may share its
    place (a superset of the compatible); for an undated report, the dated ones of its window."""
    if u.dated:
        lo, hi = u.lo - ADJACENT_DAYS, u.hi + ADJACENT_DAYS  # type: ignore[operator]
    elif u.seen is not None:
        lo, hi = u.seen - UNDATED_WINDOW_DAYS, u.seen
    else:
        return []
    query = select(*UNIT_COLUMNS).join(articles, articles.c.id == reports.c.article_id).where(
        reports.c.follows.is_(None), reports.c.day_lo.is_not(None),
        reports.c.day_lo <= _day(hi), reports.c.day_hi >= _day(lo),
        reports.c.day_lo >= _day(lo - MAX_SPAN_DAYS))
    return annotate(conn, (unit(row) for row in conn.execute(_near(query, u))))


def _undated_candidates(conn: Connection, u: Unit, pool: dict[str, list[Unit]]) -> list[Unit]:
    """Undated leader reports that may join ``u``'s event (:func:`~warwatch.fuse.units.undated_fit`).

    ``pool`` keeps the undated leader reports of each country already read in this closure: they
    are few, and reading them once per country instead of once per dated report saves a query
    for every report of an ingest (``undated_fit`` decides on place as a place query would)."""
    if u.country not in pool:
        same_country = reports.c.country == u.country if u.country else reports.c.country.is_(None)
        query = select(*UNIT_COLUMNS).join(articles, articles.c.id == reports.c.article_id).where(
            reports.c.follows.is_(None), reports.c.day_lo.is_(None), same_country)
        pool[u.country] = annotate(conn, (unit(row) for row in conn.execute(query)))
    return [o for o in pool[u.country] if undated_fit(u, o)]


def _near(query, u: Unit):  # type: ignore[no-untyped-def]
    """The query narrowed to reports that may share ``u``'s place."""
    same_country = reports.c.country == u.country if u.country else reports.c.country.is_(None)
    if u.region:
        # the same province, and the located places in it
        inside = reports.c.admin1 == u.admin1 if u.admin1 else false()
        query = query.where(same_country, reports.c.latitude.is_not(None),
                            or_(reports.c.geo_precision >= 3, inside))
    elif u.located:
        dlat = NEAR_KM / 111.0 + 0.01
        dlon = NEAR_KM / (111.32 * max(0.05, math.cos(math.radians(min(89.0, abs(u.lat) + dlat))))) + 0.01  # type: ignore[arg-type]
        near = and_(reports.c.latitude.between(u.lat - dlat, u.lat + dlat),  # type: ignore[operator]
                    reports.c.longitude.between(u.lon - dlon, u.lon + dlon))  # type: ignore[operator]
        province = and_(reports.c.geo_precision >= 3, same_country, reports.c.admin1 == u.admin1) \
            if u.admin1 else false()
        query = query.where(or_(near, province, and_(reports.c.latitude.is_(None), same_country)))
    else:
        query = query.where(same_country)
    return query


def closure(conn: Connection, seeds: Iterable[Unit], leaders: dict[int, Unit]) -> dict[int, Unit]:
    """Every leader report connected to the seeds by compatibility: whole components, so that
    clustering them gives what clustering everything would. ``leaders`` (seeds that are leaders)
    is extended in place and returned."""
    queue = list(seeds)
    probed: set[int] = set()
    undated_pool: dict[str, list[Unit]] = {}
    while queue:
        u = queue.pop()
        if u.rid in probed:
            continue
        probed.add(u.rid)
        if not u.dated:
            # an undated report links the dated events it may join (a tie among them matters)
            for other in _candidates(conn, u):
                if other.rid not in leaders and undated_fit(other, u):
                    leaders[other.rid] = other
                    queue.append(other)
            continue
        for other in _candidates(conn, u):
            if other.rid not in leaders and compatible(u, other):
                leaders[other.rid] = other
                queue.append(other)
        for other in _undated_candidates(conn, u, undated_pool):
            if other.rid not in leaders:
                leaders[other.rid] = other
                queue.append(other)
    return leaders


def followers_of(conn: Connection, leader_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Reports that follow these (directly or down a chain): id -> (the leader, its article)."""
    out: dict[int, tuple[int, int]] = {}
    level = {rid: rid for rid in leader_ids}
    while level:
        found: dict[int, int] = {}
        for chunk in _chunks(level):
            rows = conn.execute(select(reports.c.id, reports.c.follows, reports.c.article_id)
                                .where(reports.c.follows.in_(chunk)))
            for row in rows:
                if row.id not in out:
                    out[row.id] = (level[row.follows], row.article_id)
                    found[row.id] = level[row.follows]
        level = found
    return out


def leader_of(conn: Connection, rid: int) -> int:
    """The report at the end of a ``follows`` chain."""
    seen = {rid}
    while True:
        follows = conn.execute(select(reports.c.follows).where(reports.c.id == rid)).scalar()
        if follows is None or follows in seen:
            return rid
        seen.add(follows)
        rid = follows


class Assignment:
    """Clusters of report ids mapped onto event ids: existing ones kept, new ones created."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.touched: set[int] = set()
        self.used: set[int] = set()
        self.orphans: dict[int, list[int]] = {}  # old event -> its reports, when it lost them all

    def apply(self, clusters: list[list[int]], old: dict[int, int | None]) -> None:
        """Give each cluster an event (the old event it overlaps most, else a new one) and move reports."""
        overlap: dict[tuple[int, int], int] = {}
        for k, members in enumerate(clusters):
            for rid in members:
                if old.get(rid) is not None:
                    overlap[(k, old[rid])] = overlap.get((k, old[rid]), 0) + 1  # type: ignore[index]
        chosen: dict[int, int] = {}
        # the oldest event a cluster overlaps keeps its id (when two events merge, the older id
        # survives and the other redirects to it); of clusters that split one event, the one
        # holding most of its reports keeps it
        for (k, event_id), _count in sorted(overlap.items(), key=lambda kv: (kv[0][1], -kv[1], kv[0][0])):
            if k not in chosen and event_id not in self.used:
                chosen[k] = event_id
                self.used.add(event_id)
        # new events are numbered in the order of their first report (an article's in article order)
        for k in sorted(range(len(clusters)), key=lambda k: min(clusters[k])):
            members = clusters[k]
            event_id = chosen.get(k)
            if event_id is None:
                event_id = self._new_event(members[0])
                self.used.add(event_id)
            self.touched.add(event_id)
            moved = [rid for rid in members if old.get(rid) != event_id]
            for rid in moved:
                if old.get(rid) is not None:
                    self.orphans.setdefault(old[rid], []).append(rid)  # type: ignore[arg-type]
            self._move(moved, event_id)

    def _new_event(self, seed_report: int) -> int:
        row = self.conn.execute(select(reports.c.event_type, reports.c.sub_event_type, reports.c.time_precision)
                                .where(reports.c.id == seed_report)).one()
        stamp = now()
        result = self.conn.execute(insert(events).values(
            event_type=row.event_type, sub_event_type=row.sub_event_type or "",
            time_precision=row.time_precision or 1, created_at=stamp, updated_at=stamp))
        return int(result.inserted_primary_key[0])

    def _move(self, rids: list[int], event_id: int) -> None:
        for chunk in _chunks(rids):
            self.conn.execute(update(reports).where(reports.c.id.in_(chunk)).values(event_id=event_id))
            self.conn.execute(update(mentions).where(mentions.c.report_id.in_(chunk)).values(event_id=event_id))
            self.conn.execute(update(claims).where(claims.c.mention_id.in_(
                select(mentions.c.id).where(mentions.c.report_id.in_(chunk)))).values(event_id=event_id))

    def finish(self) -> set[int]:
        """Tombstone the events that lost every report (they were fused into another); return the
        events to re-summarise."""
        for event_id, rids in sorted(self.orphans.items()):
            if event_id in self.used:
                continue
            left = self.conn.execute(select(reports.c.id).where(reports.c.event_id == event_id).limit(1)).first()
            if left is not None:
                self.touched.add(event_id)
                continue
            now_in = [self.conn.execute(select(reports.c.event_id).where(reports.c.id == rid)).scalar() for rid in rids]
            target = max(set(now_in), key=lambda e: (now_in.count(e), -e))
            self.conn.execute(update(events).where(events.c.id == event_id).values(merged_into=target,
                                                                                   updated_at=now()))
            self.conn.execute(update(events).where(events.c.merged_into == event_id).values(merged_into=target))
        return self.touched


def refuse(conn: Connection, report_ids: set[int]) -> set[int]:
    """Re-cluster the components holding these reports (new ones, or ones whose copy status
    changed) and everything that shared an event with them; return the events to re-summarise."""
    if not report_ids:
        return set()
    start = set(report_ids) | _run_undated(conn, report_ids)
    # the events of every report re-clustered, the undated ones whose first-seen day moved
    # included: an undated report that leaves its event must not take the event's id along
    # while the event's other reports, never re-clustered, keep it too
    old_events = set()
    for chunk in _chunks(start):
        old_events |= {e for e in conn.execute(select(reports.c.event_id).where(reports.c.id.in_(chunk))).scalars()
                       if e is not None}
    for chunk in _chunks(old_events):
        start |= set(conn.execute(select(reports.c.id).where(reports.c.event_id.in_(chunk))).scalars())
    loaded = load_units(conn, start)
    # a copy's report joins its leader's event: bring the leader in
    extra = {leader_of(conn, rid) for rid, (_, follows, _) in loaded.items() if follows is not None}
    loaded.update(load_units(conn, extra - set(loaded)))
    leaders = {rid: u for rid, (u, follows, _) in loaded.items() if follows is None}
    closure(conn, [u for u, _, _ in loaded.values()], leaders)
    follow = followers_of(conn, leaders)
    return assign(conn, leaders, follow, Assignment(conn)).finish()


def _run_undated(conn: Connection, report_ids: set[int]) -> set[int]:
    """The undated leader reports of undated articles whose first-seen day (:func:`seen_days`)
    these reports' articles move: those of an undated article within RUN_WINDOW of a dated one
    published after every other dated article of that undated article's run.

    Every run of an undated article stored before a dated one (within RUN_WINDOW) holds the hour
    before the dated one, and every run of one stored after it the hour after it; when that hour
    holds an article published as late, no undated article on that side moves, so a long batch
    re-fuses its undated articles only the few times its newest date rises."""
    article_ids: set[int] = set()
    for chunk in _chunks(report_ids):
        article_ids |= set(conn.execute(select(reports.c.article_id).where(reports.c.id.in_(chunk))).scalars())
    moved: set[int] = set()
    for chunk in _chunks(article_ids):
        rows = conn.execute(select(articles.c.id, articles.c.published, articles.c.ingested_at).where(
            articles.c.id.in_(chunk), articles.c.published.is_not(None))).all()
        for row in rows:
            at = row.ingested_at
            for lo, hi in ((at - RUN_WINDOW, at), (at, at + RUN_WINDOW)):
                side = articles.c.ingested_at.between(lo, hi)
                newest = conn.execute(select(func.max(articles.c.published))
                                      .where(side, articles.c.id != row.id)).scalar()
                if newest is not None and newest >= row.published:
                    continue
                undated = conn.execute(select(articles.c.id, articles.c.ingested_at).where(
                    side, articles.c.published.is_(None), articles.c.id.not_in(moved))).all()
                for other in undated:
                    # the newest date of its own run, but for this article's
                    run = articles.c.ingested_at.between(other.ingested_at - RUN_WINDOW, other.ingested_at + RUN_WINDOW)
                    before = conn.execute(select(func.max(articles.c.published)).where(
                        run, articles.c.id != row.id)).scalar()
                    if before is None or before < row.published:
                        moved.add(other.id)
    found: set[int] = set()
    for chunk in _chunks(moved):
        found |= set(conn.execute(select(reports.c.id).where(
            reports.c.article_id.in_(chunk), reports.c.follows.is_(None), reports.c.day_lo.is_(None))).scalars())
    return found


def assign(conn: Connection, leaders: dict[int, Unit], follow: dict[int, tuple[int, int]],
           assignment: Assignment) -> Assignment:
    """Cluster the leaders (a union of whole components), attach followers, and move reports."""
    from warwatch.fuse.cluster import cluster

    extra_articles: dict[int, set[int]] = {}
    for _rid, (leader, article_id) in follow.items():
        extra_articles.setdefault(leader, set()).add(article_id)
    for rid, articles_of in extra_articles.items():
        if rid in leaders:
            leaders[rid].articles = leaders[rid].articles | articles_of
    return apply_clusters(conn, cluster(leaders.values()), follow, assignment)


def apply_clusters(conn: Connection, clustered: list[list[Unit]], follow: dict[int, tuple[int, int]],
                   assignment: Assignment) -> Assignment:
    """Map clusters of leader units (plus the followers of each) onto events, and date the followers."""
    by_leader: dict[int, list[int]] = {}
    for rid, (leader, _) in follow.items():
        by_leader.setdefault(leader, []).append(rid)
    clusters = [[rid for u in c for rid in (u.rid, *sorted(by_leader.get(u.rid, ())))] for c in clustered]
    old: dict[int, int | None] = {}
    for chunk in _chunks([rid for c in clusters for rid in c]):
        for row in conn.execute(select(reports.c.id, reports.c.event_id).where(reports.c.id.in_(chunk))):
            old[row.id] = row.event_id
    assignment.apply(clusters, old)
    for c in clustered:
        # an undated report that joined a dated event takes the event's date (its own stays null,
        # so that it is compared as undated again whenever it is re-fused)
        undated = [u.rid for u in c if not u.dated]
        if undated:
            conn.execute(update(reports).where(reports.c.id.in_(undated))
                         .values(date_inherited=any(u.dated for u in c)))
    leaders = {u.rid: u for c in clustered for u in c}
    for leader, rids in by_leader.items():
        u = leaders.get(leader)
        if u is None:
            continue
        for chunk in _chunks(rids):
            # an undated copy takes its original's dates
            conn.execute(update(reports).where(reports.c.id.in_(chunk), reports.c.event_date.is_(None))
                         .values(day_lo=_day(u.lo), day_hi=_day(u.hi), date_inherited=u.dated))
    return assignment


def _windows(conn: Connection, follow: dict[int, tuple[int, int]], days: int = 28) -> Iterator[Unit]:
    """Every dated leader report, by first day, read a few weeks at a time (no cursor stays open)."""
    extra: dict[int, set[int]] = {}
    for leader, article_id in follow.values():
        extra.setdefault(leader, set()).add(article_id)
    first = conn.execute(select(reports.c.day_lo).where(reports.c.follows.is_(None), reports.c.day_lo.is_not(None))
                         .order_by(reports.c.day_lo).limit(1)).scalar()
    last = conn.execute(select(reports.c.day_lo).where(reports.c.follows.is_(None), reports.c.day_lo.is_not(None))
                        .order_by(reports.c.day_lo.desc()).limit(1)).scalar()
    if first is None:
        return
    day = first.toordinal()
    while day <= last.toordinal():
        rows = conn.execute(select(*UNIT_COLUMNS).join(articles, articles.c.id == reports.c.article_id).where(
            reports.c.follows.is_(None), reports.c.day_lo >= _day(day), reports.c.day_lo < _day(day + days))
            .order_by(reports.c.day_lo, reports.c.id)).all()
        for u in annotate(conn, (unit(row) for row in rows)):
            if u.rid in extra:
                u.articles = u.articles | extra[u.rid]
            yield u
        day += days


def refuse_all(conn: Connection) -> set[int]:
    """Fuse every stored report from scratch, component by component; return the events to re-summarise.

    Existing event ids are kept wherever a cluster overlaps an existing event.
    """
    from warwatch.fuse.cluster import fuse_stream

    parents = {row.id: (row.follows, row.article_id) for row in conn.execute(
        select(reports.c.id, reports.c.follows, reports.c.article_id).where(reports.c.follows.is_not(None)))}
    follow: dict[int, tuple[int, int]] = {}
    for rid, (target, article_id) in parents.items():
        seen = {rid}
        while target in parents and target not in seen:
            seen.add(target)
            target = parents[target][0]
        follow[rid] = (target, article_id)
    by_leader: dict[int, dict[int, tuple[int, int]]] = {}
    for rid, (leader, article_id) in follow.items():
        by_leader.setdefault(leader, {})[rid] = (leader, article_id)
    assignment = Assignment(conn)

    def subset(clustered: list[list[Unit]]) -> dict[int, tuple[int, int]]:
        return {rid: v for c in clustered for u in c for rid, v in by_leader.get(u.rid, {}).items()}

    for clustered in fuse_stream(_windows(conn, follow)):
        apply_clusters(conn, clustered, subset(clustered), assignment)
    undated = set(conn.execute(select(reports.c.id).where(reports.c.follows.is_(None), reports.c.day_lo.is_(None)))
                  .scalars())
    # the undated reports stay where they were until then (an event that holds one is no tombstone)
    touched = assignment.finish()
    # undated reports may join the dated event of their incident: fuse their components, now that
    # the dated events are settled. Each is clustered there with the reports of the event it was
    # in, so one that stays in its event keeps it: given an event of its own first, it would
    # take a new id and leave a tombstone behind when it went back
    return touched | refuse(conn, undated)
