"""Writing one article: its row, its reports (grouped in-article), its mentions and claims, fused.

Everything here runs on a connection inside the caller's transaction: an error anywhere (a
value that cannot be serialised, a constraint) rolls the whole article back.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from warwatch.fuse.group import group_mentions
from warwatch.models import Article, Mention
from warwatch.store import copies, fusion
from warwatch.store.fusion import report_values
from warwatch.store.records import AddResult
from warwatch.store.schema import LANDMARK_MARK, articles, claims, events, mentions, reports
from warwatch.store.summaries import summarise_events

now = fusion.now


def dumps(value: Any) -> str:
    """JSON text; raises TypeError for what JSON cannot hold (the caller rolls back)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False)


def insert_article(conn: Connection, article: Article, content_hash: str, rejected: str | None = None) -> int:
    """Insert the article row and return its id."""
    result = conn.execute(insert(articles).values(
        content_hash=content_hash, doc_id=article.doc_id, path=article.path, title=article.title or "",
        text=article.text, published=article.published, outlet=article.outlet, url=article.url,
        ingested_at=now(), rejected=rejected,
    ))
    return int(result.inserted_primary_key[0])


def write_rejected(conn: Connection, article: Article, content_hash: str, reason: str) -> AddResult:
    """Store an article the relevance gate kept out, with the reason: no reports, no mentions, and no
    fingerprint, so that it is nobody's original (a copy of it would otherwise be named after an
    article that is no source of any event); reading it again (reprocess) fingerprints it."""
    return AddResult(article_id=insert_article(conn, article, content_hash, reason), created=True, events=[])


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
        # the landmarks ride in the context's JSON list, marked (store/read.py splits them off again):
        # fusion reads them, and a rebuild from stored mentions must see what ingest saw
        "toponym_context": dumps([*top.context, *(LANDMARK_MARK + x for x in top.landmarks)]) if top else None,
        "place": dumps(asdict(m.place)) if m.place is not None else None,
        "theatre_place": dumps(asdict(m.theatre_place)) if m.theatre_place is not None else None,
        "actor1": m.actor1, "assoc_actor_1": m.assoc_actor1, "actor2": m.actor2,
        "assoc_actor_2": m.assoc_actor2, "actor_attributed": m.actor_attributed,
        "actor_text": m.actor_text, "weapon": m.weapon, "target": m.target,
        "fatalities": m.fatalities, "fatalities_text": m.fatalities_text, "injuries": m.injuries,
        "injuries_text": m.injuries_text, "civilian_targeting": m.civilian_targeting,
        "claimant": m.claimant, "confidence": m.confidence,
        "denials": dumps([asdict(d) for d in m.denials]),
    }


def write_article(conn: Connection, article: Article, content_hash: str, found: list[Mention]) -> AddResult:
    """Store an article that is not stored yet, and fuse it with what is stored.

    Its mentions are grouped in-article into reports; the article is fingerprinted and linked to
    the articles it copies or that copy it; then the components of the event graph that its
    reports (and the reports of articles whose copy status changed) belong to are re-clustered,
    and the mentions are written into the events they fall in.
    """
    article_id = insert_article(conn, article, content_hash)
    ordinals = {id(m): i for i, m in enumerate(found)}
    groups = group_mentions(found)
    report_ids = []
    for k, group in enumerate(groups):
        result = conn.execute(insert(reports).values(article_id=article_id, ordinal=k, **report_values(group)))
        report_ids.append(int(result.inserted_primary_key[0]))
    linked = copies.sign(conn, article_id, article.text)
    affected = set(report_ids)
    for other in copies.relink(conn, {article_id} | linked) | {article_id}:
        affected |= copies.align(conn, other)
    touched = fusion.refuse(conn, affected)
    event_of = {row.id: row.event_id for row in conn.execute(
        select(reports.c.id, reports.c.event_id).where(reports.c.article_id == article_id))}
    for group, report_id in zip(groups, report_ids, strict=True):
        event_pk = event_of[report_id]
        for m in group:
            values = mention_values(m, ordinals[id(m)])
            result = conn.execute(insert(mentions).values(**values, article_id=article_id, event_id=event_pk,
                                                          report_id=report_id))
            mention_id = int(result.inserted_primary_key[0])
            rows = claim_rows(m)
            if rows:
                conn.execute(insert(claims), [dict(r, mention_id=mention_id, event_id=event_pk,
                                                   article_id=article_id) for r in rows])
    summarise_events(conn, touched)
    names = {row.id: row.event_id_cnty for row in conn.execute(
        select(events.c.id, events.c.event_id_cnty).where(events.c.id.in_(sorted(set(event_of.values())))))}
    event_ids: list[str] = []
    for report_id in report_ids:
        name = names[event_of[report_id]]
        if name not in event_ids:
            event_ids.append(name)
    return AddResult(article_id=article_id, created=True, events=event_ids)
