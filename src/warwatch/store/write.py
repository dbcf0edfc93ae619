"""Writing one article: its row, its events (grouped in-article), its mentions and their claims.

Everything here runs on a connection inside the caller's transaction: an error anywhere (a
value that cannot be serialised, a constraint) rolls the whole article back.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.engine import Connection

from warwatch.fuse.group import group_mentions, summarise
from warwatch.models import Article, Mention
from warwatch.store import acled
from warwatch.store.records import AddResult
from warwatch.store.schema import articles, claims, events, mentions


def now() -> datetime:
    """UTC now, without tzinfo (SQLite has no time zones; every stored time is UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def dumps(value: Any) -> str:
    """JSON text; raises TypeError for what JSON cannot hold (the caller rolls back)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False)


def insert_article(conn: Connection, article: Article, content_hash: str) -> int:
    """Insert the article row and return its id."""
    result = conn.execute(insert(articles).values(
        content_hash=content_hash, doc_id=article.doc_id, path=article.path, title=article.title or "",
        text=article.text, published=article.published, outlet=article.outlet, url=article.url,
        ingested_at=now(),
    ))
    return int(result.inserted_primary_key[0])


def insert_event(conn: Connection, fields: dict) -> tuple[int, str]:
    """Insert one event row from :func:`summarise`'s fields; return its id and event_id_cnty."""
    stamp = now()
    values = dict(fields)
    values["runner_up"] = None if fields.get("runner_up") is None else dumps(fields["runner_up"])
    result = conn.execute(insert(events).values(**values, created_at=stamp, updated_at=stamp))
    pk = int(result.inserted_primary_key[0])
    # the id needs the primary key, so it is set in the same transaction right after the insert
    event_id = f"{acled.iso3(fields.get('country'))}{pk}"
    conn.execute(update(events).where(events.c.id == pk).values(event_id_cnty=event_id))
    return pk, event_id


def claim_rows(m: Mention) -> list[dict]:
    """One row per field the mention claims: fatalities, injuries, actors, date, weapon, target, place."""
    found: list[tuple[str, Any, str | None, bool]] = []
    if m.fatalities is not None:
        found.append(("fatalities", str(m.fatalities), m.fatalities_text, False))
    if m.injuries is not None:
        found.append(("injuries", str(m.injuries), m.injuries_text, False))
    if m.actor1:
        found.append(("actor1", m.actor1, m.actor_text, m.actor_attributed))
    if m.actor2:
        found.append(("actor2", m.actor2, None, False))
    if m.event_date is not None:
        found.append(("date", m.event_date.isoformat(), m.date_text, False))
    if m.weapon:
        found.append(("weapon", m.weapon, None, False))
    if m.target:
        found.append(("target", m.target, None, False))
    where = (m.place.name if m.place and m.place.name else None) or (m.toponym.text if m.toponym else None)
    if where:
        found.append(("location", where, m.toponym.text if m.toponym else None, False))
    return [{"field": f, "value": v, "quote": q, "claimant": m.claimant, "attributed": a,
             "sentence_start": m.evidence.start, "sentence_end": m.evidence.end} for f, v, q, a in found]


def mention_values(m: Mention, ordinal: int) -> dict:
    """The ``mentions`` row of one mention (everything needed to rebuild it)."""
    top = m.toponym
    return {
        "ordinal": ordinal, "event_type": m.event_type, "sub_event_type": m.sub_event_type or "",
        "event_date": m.event_date, "time_precision": m.time_precision, "date_text": m.date_text,
        "sentence_start": m.evidence.start, "sentence_end": m.evidence.end, "sentence_text": m.evidence.text,
        "toponym_text": top.text if top else None, "toponym_start": top.start if top else None,
        "toponym_end": top.end if top else None, "toponym_qualifier": top.qualifier if top else None,
        "toponym_context": dumps(list(top.context)) if top else None,
        "place": dumps(asdict(m.place)) if m.place is not None else None,
        "actor1": m.actor1, "assoc_actor_1": m.assoc_actor1, "actor2": m.actor2,
        "assoc_actor_2": m.assoc_actor2, "actor_attributed": m.actor_attributed,
        "actor_text": m.actor_text, "weapon": m.weapon, "target": m.target,
        "fatalities": m.fatalities, "fatalities_text": m.fatalities_text, "injuries": m.injuries,
        "injuries_text": m.injuries_text, "civilian_targeting": m.civilian_targeting,
        "claimant": m.claimant, "confidence": m.confidence,
        "denials": dumps([asdict(d) for d in m.denials]),
    }


def write_article(conn: Connection, article: Article, content_hash: str, found: list[Mention]) -> AddResult:
    """Store an article that is not stored yet, with its mentions grouped into new events.

    The seam for fusion across articles: today every group becomes a new event; a fuser can
    later attach a group to an existing event instead.
    """
    article_id = insert_article(conn, article, content_hash)
    ordinals = {id(m): i for i, m in enumerate(found)}
    event_ids: list[str] = []
    for group in group_mentions(found):
        event_pk, event_id = insert_event(conn, summarise(group))
        event_ids.append(event_id)
        for m in group:
            values = mention_values(m, ordinals[id(m)])
            result = conn.execute(insert(mentions).values(**values, article_id=article_id, event_id=event_pk))
            mention_id = int(result.inserted_primary_key[0])
            rows = claim_rows(m)
            if rows:
                conn.execute(insert(claims), [dict(r, mention_id=mention_id, event_id=event_pk,
                                                   article_id=article_id) for r in rows])
    return AddResult(article_id=article_id, created=True, events=event_ids)
