"""Event rows from their reports: load every source's mentions and write the fused fields."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from warwatch.fuse.summary import SourceReport, fuse_fields, source_key
from warwatch.fuse.units import priority
from warwatch.models import Mention
from warwatch.store import acled
from warwatch.store.fusion import UNIT_COLUMNS, _chunks, now, unit
from warwatch.store.read import _mention
from warwatch.store.records import ArticleInfo
from warwatch.store.schema import articles, events, mentions, reports

_NOBODY = ArticleInfo(id=0, title="", outlet=None, url=None, published=None, path=None, doc_id=None)


def _row_values(fields: dict) -> dict:
    values = dict(fields)
    values["runner_up"] = None if fields.get("runner_up") is None else json.dumps(
        fields["runner_up"], ensure_ascii=False, sort_keys=True, allow_nan=False)
    values["flags"] = json.dumps(fields["flags"])
    return values


def summarise_events(conn: Connection, event_ids: Iterable[int]) -> int:
    """Recompute the fused fields of these events from all their reports; return rows changed."""
    root = articles.alias("root")
    changed = 0
    for chunk in _chunks(set(event_ids)):
        query = (select(*UNIT_COLUMNS, articles.c.copy_of, root.c.id.label("root_key_id"),
                        root.c.outlet.label("root_outlet"), root.c.url.label("root_url"))
                 .join(articles, articles.c.id == reports.c.article_id)
                 .join(root, root.c.id == func.coalesce(articles.c.root_id, articles.c.id))
                 .where(reports.c.event_id.in_(chunk)))
        rows = conn.execute(query).all()
        said: dict[int, list[Mention]] = {row.id: [] for row in rows}
        for ids in _chunks(said):
            for m in conn.execute(select(mentions).where(mentions.c.report_id.in_(ids))
                                  .order_by(mentions.c.sentence_start, mentions.c.id)):
                said[m.report_id].append(_mention(m, _NOBODY).to_mention())
        by_event: dict[int, list] = {}
        for row in rows:
            by_event.setdefault(row.event_id, []).append(row)
        current = {r.id: r for r in conn.execute(select(events).where(events.c.id.in_(chunk)))}
        for event_id, members in by_event.items():
            leaders = [r for r in members if r.follows is None] or members
            seed = min(leaders, key=lambda r: priority(unit(r)))
            ordered = sorted(members, key=lambda r: (r.follows is not None, priority(unit(r))))
            sources = [SourceReport(mentions=said[r.id], article_id=r.article_id,
                                    source_key=source_key(r.root_outlet, r.root_url, r.root_key_id),
                                    seed=r is seed, copy=r.copy_of is not None)
                       for r in ordered if said[r.id]]
            if not sources:
                continue
            values = _row_values(fuse_fields(sources))
            row = current[event_id]
            if row.event_id_cnty is None:
                values["event_id_cnty"] = f"{acled.iso3(values.get('country'))}{event_id}"
            if row.merged_into is not None:
                values["merged_into"] = None
            if any(getattr(row, k) != v for k, v in values.items()):
                values["updated_at"] = now()
                conn.execute(update(events).where(events.c.id == event_id).values(**values))
                changed += 1
    return changed
