"""One stored article for the API and dashboard: its text and the sentences that events rest on."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
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
