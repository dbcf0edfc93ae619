"""Reading events back: filtered lists of :class:`EventRecord`, and :class:`EventDetail` views."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.engine import Connection, Row

from warwatch.fuse.summary import normal_grade, source_key
from warwatch.models import Evidence, Place, Toponym
from warwatch.store import acled
from warwatch.store.places import where_condition
from warwatch.store.records import ArticleInfo, ClaimRecord, EventDetail, EventRecord, MentionRecord
from warwatch.store.schema import LANDMARK_MARK, articles, claims, events, mentions

#: rows per IN (...) list: well under SQLite's limit on bound parameters
CHUNK = 500

ARTICLE_COLUMNS = (articles.c.id, articles.c.title, articles.c.outlet, articles.c.url,
                   articles.c.published, articles.c.path, articles.c.doc_id, articles.c.copy_of,
                   articles.c.root_id)
_root = articles.alias("root_article")


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def event_query(*, since: date | None = None, until: date | None = None, event_type: str | None = None,
                where: str | None = None, unlocated: bool | None = None, limit: int | None = None,
                grade: str | None = None, undated: bool | None = None, conn: Connection | None = None) -> Select:
    """SELECT of the (live, not fused-away) events rows matching the filters, by date (undated
    last) then id. ``grade`` is single_source, corroborated or contested (any case, - or space);
    ``undated`` True keeps only the events no source dates, False only the dated ones. ``where``:
    a place, district, province or country under any spelling (:func:`~warwatch.store.places.where_condition`),
    which reads the stored places through ``conn`` (required with it)."""
    query = select(events).where(events.c.merged_into.is_(None))
    if grade:
        query = query.where(events.c.grade == normal_grade(grade))
    if since is not None:
        query = query.where(events.c.event_date >= since)
    if until is not None:
        query = query.where(events.c.event_date <= until)
    if event_type:
        # ACLED's spelling where the name is one of its types ("explosions / remote violence" too)
        known = acled.resolve_type(event_type)
        wanted = (known[1] if known else event_type).strip().lower()
        query = query.where(or_(func.lower(events.c.event_type) == wanted,
                                func.lower(events.c.sub_event_type) == wanted))
    if where and where.strip():
        if conn is None:
            raise ValueError("a where filter reads the stored places: pass the connection (conn=)")
        placed = where_condition(conn, where)
        if placed is not None:
            query = query.where(placed)
    if undated is not None:
        query = query.where(events.c.event_date.is_(None) if undated else events.c.event_date.is_not(None))
    if unlocated is True:
        query = query.where(or_(events.c.latitude.is_(None), events.c.longitude.is_(None)))
    elif unlocated is False:
        query = query.where(and_(events.c.latitude.is_not(None), events.c.longitude.is_not(None)))
    # portable "NULLS LAST": SQLite sorts NULL first, PostgreSQL last
    undated = case((events.c.event_date.is_(None), 1), else_=0)
    query = query.order_by(undated, events.c.event_date, events.c.id)
    if limit is not None:
        query = query.limit(max(0, limit))
    return query


def article_order(info: ArticleInfo) -> tuple:
    """Sources in a fixed order whatever the order of storing: originals first, earliest first."""
    return (info.is_copy, info.published is None, info.published or date.max, info.source, info.id)


def _sources(conn: Connection, event_pks: list[int]) -> dict[int, list[tuple[ArticleInfo, str]]]:
    """The distinct source articles of each event with the independent source each counts as."""
    out: dict[int, list[tuple[ArticleInfo, str]]] = {pk: [] for pk in event_pks}
    for chunk in _chunks(event_pks):
        rows = conn.execute(
            select(mentions.c.event_id, *ARTICLE_COLUMNS, _root.c.id.label("r_id"), _root.c.outlet.label("r_outlet"),
                   _root.c.url.label("r_url")).distinct()
            .join(articles, articles.c.id == mentions.c.article_id)
            .join(_root, _root.c.id == func.coalesce(articles.c.root_id, articles.c.id))
            .where(mentions.c.event_id.in_(chunk)))
        for row in rows:
            out[row.event_id].append((_article(row), source_key(row.r_outlet, row.r_url, row.r_id)))
    for found in out.values():
        found.sort(key=lambda ak: article_order(ak[0]))
    return out


def independent(found: list[tuple[ArticleInfo, str]]) -> list[str]:
    """One name per independent source: the outlet of its first article (originals come first)."""
    names: dict[str, str] = {}
    for info, key in found:
        names.setdefault(key, info.source)
    return list(dict.fromkeys(names.values()))


def _article(row: Row, prefix: str = "") -> ArticleInfo:
    def get(name: str) -> Any:
        return getattr(row, prefix + name)

    return ArticleInfo(id=get("id"), title=get("title") or "", outlet=get("outlet"), url=get("url"),
                       published=get("published"), path=get("path"), doc_id=get("doc_id"),
                       copy_of=get("copy_of"), root_id=get("root_id"))


def _event_fields(row: Row) -> dict:
    values = dict(row._mapping)
    values["runner_up"] = _loads(values["runner_up"])
    values["event_id_cnty"] = values["event_id_cnty"] or f"XXX{values['id']}"
    values["flags"] = _loads(values["flags"]) or []
    for flag in ("civilian_targeting", "ambiguous", "actor_attributed"):
        values[flag] = bool(values[flag])
    return values


def fetch_events(conn: Connection, query: Select) -> list[EventRecord]:
    """Run an :func:`event_query` and attach each event's sources."""
    rows = list(conn.execute(query))
    sources = _sources(conn, [r.id for r in rows])
    out = []
    for row in rows:
        found = sources[row.id]
        names = independent(found)
        copied = list(dict.fromkeys(info.source for info, _ in found if info.is_copy))
        out.append(EventRecord(**_event_fields(row), sources=names, n_sources=len(names), copies=copied,
                               n_articles=len(found)))
    return out


def _mention(row: Row, article: ArticleInfo) -> MentionRecord:
    toponym = None
    if row.toponym_text is not None:
        said = _loads(row.toponym_context) or []
        toponym = Toponym(text=row.toponym_text, start=row.toponym_start, end=row.toponym_end,
                          qualifier=row.toponym_qualifier,
                          context=[c for c in said if not c.startswith(LANDMARK_MARK)],
                          landmarks=[c[len(LANDMARK_MARK):] for c in said if c.startswith(LANDMARK_MARK)])
    place_data = _loads(row.place)
    return MentionRecord(
        id=row.id, article=article, ordinal=row.ordinal, event_type=row.event_type,
        sub_event_type=row.sub_event_type, event_date=row.event_date, time_precision=row.time_precision,
        date_text=row.date_text,
        sentence=Evidence(start=row.sentence_start, end=row.sentence_end, text=row.sentence_text),
        toponym=toponym, place=Place(**place_data) if place_data else None,
        actor1=row.actor1, assoc_actor_1=row.assoc_actor_1, actor2=row.actor2,
        assoc_actor_2=row.assoc_actor_2, actor_attributed=bool(row.actor_attributed),
        actor_text=row.actor_text, weapon=row.weapon, target=row.target, fatalities=row.fatalities,
        fatalities_text=row.fatalities_text, injuries=row.injuries, injuries_text=row.injuries_text,
        civilian_targeting=bool(row.civilian_targeting), claimant=row.claimant,
        confidence=row.confidence, denials=[Evidence(**d) for d in _loads(row.denials) or []],
        report_id=getattr(row, "report_id", None),
    )


def fetch_details(conn: Connection, records: list[EventRecord]) -> list[EventDetail]:
    """Each event with its mentions (article order within each source), claims and articles."""
    pks = [r.id for r in records]
    by_event: dict[int, list[MentionRecord]] = {pk: [] for pk in pks}
    by_mention: dict[int, MentionRecord] = {}
    for chunk in _chunks(pks):
        rows = conn.execute(
            select(mentions, *(c.label(f"a_{c.name}") for c in ARTICLE_COLUMNS))
            .join(articles, articles.c.id == mentions.c.article_id)
            .where(mentions.c.event_id.in_(chunk))
            .order_by(mentions.c.article_id, mentions.c.sentence_start, mentions.c.id))
        for row in rows:
            record = _mention(row, _article(row, "a_"))
            by_event[row.event_id].append(record)
            by_mention[record.id] = record
    for chunk in _chunks(list(by_mention)):
        for row in conn.execute(select(claims).where(claims.c.mention_id.in_(chunk)).order_by(claims.c.id)):
            by_mention[row.mention_id].claims.append(ClaimRecord(
                id=row.id, mention_id=row.mention_id, article_id=row.article_id, field=row.field,
                value=row.value, quote=row.quote, claimant=row.claimant, attributed=bool(row.attributed),
                sentence_start=row.sentence_start, sentence_end=row.sentence_end))
    out = []
    for record in records:
        seen: dict[int, ArticleInfo] = {}
        for m in by_event[record.id]:
            seen.setdefault(m.article.id, m.article)
        ordered = sorted(seen.values(), key=article_order)
        rank = {a.id: i for i, a in enumerate(ordered)}
        found = sorted(by_event[record.id], key=lambda m: (rank[m.article.id], m.sentence.start, m.id))
        fields = {k: getattr(record, k) for k in EventRecord.__dataclass_fields__}
        out.append(EventDetail(**fields, mentions=found, articles=ordered))
    return out
