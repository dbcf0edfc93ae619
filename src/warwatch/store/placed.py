"""The places of stored reports, per article: the theatre of a new batch.

See :mod:`warwatch.geocode.theatre`, which decides which of them count (``Theatre.add_places``).
Read from the mentions' own places (not the fused events), so that each report counts for where
it said something happened.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import fields
from datetime import date
from itertools import groupby

from sqlalchemy import select

from warwatch.models import Place
from warwatch.store.db import Store
from warwatch.store.schema import mentions

_PLACE_FIELDS = {f.name for f in fields(Place)}


def stored_places(store: Store, since: date | None = None, until: date | None = None) -> Iterator[list[Place]]:
    """The places of each stored article's mentions dated between since and until (inclusive;
    no bound when None), one list per article."""
    query = (select(mentions.c.article_id, mentions.c.place).where(mentions.c.place.is_not(None))
             .order_by(mentions.c.article_id))
    if since is not None:
        query = query.where(mentions.c.event_date >= since)
    if until is not None:
        query = query.where(mentions.c.event_date <= until)
    with store.engine.connect() as conn:
        for _article, rows in groupby(conn.execute(query), key=lambda row: row[0]):
            yield [Place(**{k: v for k, v in json.loads(text).items() if k in _PLACE_FIELDS}) for _a, text in rows]
