"""The places that stored reports were given with confidence: the theatre of a new batch.

See :mod:`warwatch.geocode.theatre`. Read from the mentions' own places (not the fused events),
so that each report counts once for where it said something happened.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

from sqlalchemy import select

from warwatch.store.db import Store
from warwatch.store.schema import mentions


def placed_points(store: Store, since: date | None = None,
                  until: date | None = None) -> Iterator[tuple[str | None, float, float, str]]:
    """(country, lat, lon, toponym) of every stored mention dated between since and until
    (inclusive; no bound when None) whose place is confident: located, to a town or near one,
    and not ambiguous. One per article and place."""
    query = select(mentions.c.article_id, mentions.c.place).where(mentions.c.place.is_not(None))
    if since is not None:
        query = query.where(mentions.c.event_date >= since)
    if until is not None:
        query = query.where(mentions.c.event_date <= until)
    seen: set[tuple[int, float, float]] = set()
    with store.engine.connect() as conn:
        for article_id, text in conn.execute(query):
            place = json.loads(text)
            lat, lon = place.get("lat"), place.get("lon")
            if (lat is None or lon is None or place.get("ambiguous")
                    or place.get("geo_precision") not in (1, 2) or (article_id, lat, lon) in seen):
                continue
            seen.add((article_id, lat, lon))
            yield place.get("country"), lat, lon, place.get("text") or ""
