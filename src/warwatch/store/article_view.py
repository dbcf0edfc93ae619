"""Stored articles for the CLI, the API and the dashboard: one article with its text and the sentences
that events rest on, and the list of articles (with the relevance gate's reason for those it kept out)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from warwatch.models import Evidence
from warwatch.store.records import ArticleInfo
from warwatch.store.schema import articles, events, mentions

ARTICLE_COLUMNS = (articles.c.id, articles.c.title, articles.c.outlet, articles.c.url, articles.c.published,
                   articles.c.path, articles.c.doc_id)


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
    #: why the relevance gate kept the article out of the pipeline (None: it was read)
    rejected: str | None = None


@dataclass(frozen=True)
class ArticleRow:
    """One line of the list of stored articles."""

    id: int
    published: date | None
    outlet: str | None
    title: str
    name: str
    #: the relevance gate's reason for keeping it out (None: it was read)
    rejected: str | None
    #: how many events it is a source of
    events: int


def list_articles(conn: Connection, *, rejected: bool | None = None) -> list[ArticleRow]:
    """Stored articles in the order they were stored; ``rejected``: True for the gate's rejects only,
    False for the articles read, None for all."""
    c = articles.c
    counts = (select(mentions.c.article_id, func.count(func.distinct(mentions.c.event_id)).label("n"))
              .group_by(mentions.c.article_id).subquery())
    query = (select(c.id, c.published, c.outlet, c.title, c.doc_id, c.path, c.url, c.rejected, counts.c.n)
             .outerjoin(counts, counts.c.article_id == c.id).order_by(c.id))
    if rejected is not None:
        query = query.where(c.rejected.is_not(None) if rejected else c.rejected.is_(None))
    return [ArticleRow(id=r.id, published=r.published, outlet=r.outlet, title=r.title or "",
                       name=r.doc_id or r.path or r.url or "", rejected=r.rejected, events=int(r.n or 0))
            for r in conn.execute(query)]

def fetch_article(conn: Connection, article_id: int) -> ArticleRecord | None:
    """One article by primary key, with its text and its mentions' sentences; None if unknown."""
    row = conn.execute(select(*ARTICLE_COLUMNS, articles.c.text, articles.c.ingested_at, articles.c.rejected)
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
    return ArticleRecord(info=info, text=row.text, ingested_at=row.ingested_at, mentions=found, rejected=row.rejected)
