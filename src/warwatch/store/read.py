"""Reading events back: filtered lists of :class:`EventRecord`, and :class:`EventDetail` views."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.engine import Connection, Row

from warwatch.models import Evidence, Place, Toponym
from warwatch.store import acled
from warwatch.store.records import ArticleInfo, ClaimRecord, EventDetail, EventRecord, MentionRecord
from warwatch.store.schema import articles, claims, events, mentions

#: rows per IN (...) list: well under SQLite's limit on bound parameters
CHUNK = 500

ARTICLE_COLUMNS = (articles.c.id, articles.c.title, articles.c.outlet, articles.c.url,
                   articles.c.published, articles.c.path, articles.c.doc_id)


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def event_query(*, since: date | None = None, until: date | None = None, event_type: str | None = None,
                where: str | None = None, unlocated: bool | None = None, limit: int | None = None) -> Select:
    """SELECT of the events rows matching the filters, by date (undated last) then id."""
    query = select(events)
    if since is not None:
        query = query.where(events.c.event_date >= since)
    if until is not None:
        query = query.where(events.c.event_date <= until)
    if event_type:
        wanted = event_type.strip().lower()
        query = query.where(or_(func.lower(events.c.event_type) == wanted,
                                func.lower(events.c.sub_event_type) == wanted))
    if where and where.strip():
        needle = where.strip()
        tests = [events.c.location.icontains(needle, autoescape=True),
                 events.c.admin1.icontains(needle, autoescape=True),
                 events.c.admin2.icontains(needle, autoescape=True)]
        codes = acled.codes_named(needle)
        if codes:
            tests.append(events.c.country.in_(codes))
        query = query.where(or_(*tests))
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


def _sources(conn: Connection, event_pks: list[int]) -> dict[int, list[ArticleInfo]]:
    """The distinct source articles of each event, in the order they were stored."""
    out: dict[int, list[ArticleInfo]] = {pk: [] for pk in event_pks}
    for chunk in _chunks(event_pks):
        rows = conn.execute(
            select(mentions.c.event_id, *ARTICLE_COLUMNS).distinct()
            .join(articles, articles.c.id == mentions.c.article_id)
            .where(mentions.c.event_id.in_(chunk))
            .order_by(mentions.c.event_id, articles.c.id))
        for row in rows:
            out[row.event_id].append(_article(row))
    return out


def _article(row: Row) -> ArticleInfo:
    return ArticleInfo(id=row.id, title=row.title or "", outlet=row.outlet, url=row.url,
                       published=row.published, path=row.path, doc_id=row.doc_id)


def _event_fields(row: Row) -> dict:
    values = dict(row._mapping)
    values["runner_up"] = _loads(values["runner_up"])
    values["event_id_cnty"] = values["event_id_cnty"] or f"XXX{values['id']}"
    for flag in ("civilian_targeting", "ambiguous", "actor_attributed"):
        values[flag] = bool(values[flag])
    return values


def fetch_events(conn: Connection, query: Select) -> list[EventRecord]:
    """Run an :func:`event_query` and attach each event's sources."""
    rows = list(conn.execute(query))
    sources = _sources(conn, [r.id for r in rows])
    out = []
    for row in rows:
        names = [a.source for a in sources[row.id]]
        out.append(EventRecord(**_event_fields(row), sources=names, n_sources=len(names)))
    return out


def _mention(row: Row, article: ArticleInfo) -> MentionRecord:
    toponym = None
    if row.toponym_text is not None:
        toponym = Toponym(text=row.toponym_text, start=row.toponym_start, end=row.toponym_end,
                          qualifier=row.toponym_qualifier, context=_loads(row.toponym_context) or [])
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
            info = ArticleInfo(id=row.a_id, title=row.a_title or "", outlet=row.a_outlet, url=row.a_url,
                               published=row.a_published, path=row.a_path, doc_id=row.a_doc_id)
            record = _mention(row, info)
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
        found = by_event[record.id]
        seen: dict[int, ArticleInfo] = {}
        for m in found:
            seen.setdefault(m.article.id, m.article)
        fields = {k: getattr(record, k) for k in EventRecord.__dataclass_fields__}
        out.append(EventDetail(**fields, mentions=found, articles=list(seen.values())))
    return out
