"""The places of stored reports, per article: the theatre of a new batch.

See :mod:`warwatch.geocode.theatre`, which decides which of them count (``Theatre.add_places``).
Read from the mentions' own places (not the fused events), so that each report counts for where
it said something happened.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from dataclasses import fields
from datetime import date
from itertools import groupby

from sqlalchemy import func, select

from warwatch.models import Place
from warwatch.store.db import Store
from warwatch.store.schema import articles, mentions

_PLACE_FIELDS = {f.name for f in fields(Place)}


def stored_places(store: Store, since: date | None = None, until: date | None = None, *,
                  articles: Collection[int] | None = None, leave_out: Collection[int] = ()) -> Iterator[list[Place]]:
    """The theatre places of each stored article's mentions (where the first pass put them; a report
    stored before that was kept gives its own place), one list per article, in the mentions' order.

    Only mentions dated between since and until (inclusive; no bound when None), of the ``articles``
    given (all when None), not of those in ``leave_out``.
    """
    place = func.coalesce(mentions.c.theatre_place, mentions.c.place)
    query = (select(mentions.c.article_id, place).where(place.is_not(None))
             .order_by(mentions.c.article_id, mentions.c.ordinal, mentions.c.id))
    if since is not None:
        query = query.where(mentions.c.event_date >= since)
    if until is not None:
        query = query.where(mentions.c.event_date <= until)
    if articles is not None:
        if not articles:
            return
        query = query.where(mentions.c.article_id.in_(sorted(articles)))
    if leave_out:
        query = query.where(mentions.c.article_id.not_in(sorted(leave_out)))
    with store.engine.connect() as conn:
        for _article, rows in groupby(conn.execute(query), key=lambda row: row[0]):
            yield [Place(**{k: v for k, v in json.loads(text).items() if k in _PLACE_FIELDS}) for _a, text in rows]


def article_ids(store: Store, hashes: Collection[str]) -> dict[str, int]:
    """content hash → id of the stored articles among ``hashes``."""
    found: dict[str, int] = {}
    wanted = sorted(set(hashes))
    with store.engine.connect() as conn:
        for i in range(0, len(wanted), 500):  # SQLite's limit on bound parameters
            rows = conn.execute(select(articles.c.content_hash, articles.c.id)
                                .where(articles.c.content_hash.in_(wanted[i:i + 500])))
            found.update({h: n for h, n in rows})
    return found
