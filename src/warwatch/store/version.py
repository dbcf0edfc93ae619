"""The store's data version: a few numbers that move whenever what the API shows changes, for the
dashboard's live updates (:mod:`warwatch.serve.live`).

A version is the newest article and event ids, the article and event counts, the number of events
fused away, and the newest ``events.updated_at``. Every write that changes a listing moves one of
them: a new article moves the article ids; a new event the event ids; a toll that rises, a second
source or a new grade moves ``updated_at`` (fusion stamps it only when a summary changes); an event
fused into another moves the merged count and its ``updated_at``; one deleted by a rewrite moves the
event count. Writes that change nothing shown (a reprint noted, a watcher's bookkeeping) move none.

Reading it is one statement. ``max(id)`` is an index probe; the counts and ``max(updated_at)`` read
an index or the events table, so :class:`VersionProbe` on a SQLite file asks SQLite first whether
anything was committed at all (``PRAGMA data_version``, free) and reads the numbers only then.
PostgreSQL has no such counter: there the statement runs at every poll (a few milliseconds for
100,000 events).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select, true
from sqlalchemy.engine import Connection

from warwatch.store.schema import articles, events

#: a version as its token: six non-negative integers joined by dots (``updated_at`` in microseconds)
TOKEN = re.compile(r"^\d{1,19}(?:\.\d{1,19}){5}$")
#: at most this many event ids in one list of changes: past it, ``more`` is set and a client reloads all
MAX_IDS = 200
#: stored times are naive UTC
EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class DataVersion:
    """What the store holds, in numbers that move with every visible change (see the module's text)."""

    max_article: int
    articles: int
    max_event: int
    events: int  # every row, fused-away ones included
    merged: int
    updated: int  # the newest events.updated_at, in microseconds since the epoch (0: no event)

    @property
    def live_events(self) -> int:
        """The events still standing (not fused into another)."""
        return self.events - self.merged

    @property
    def token(self) -> str:
        """The version as a short string, for an SSE ``id:`` (a client sends it back as Last-Event-ID)."""
        return ".".join(str(v) for v in asdict(self).values())

    @classmethod
    def parse(cls, token: str) -> DataVersion | None:
        """The version a token names, or None for anything that is not one (it comes from a client)."""
        token = token.strip()
        if not TOKEN.match(token):
            return None
        return cls(*(int(v) for v in token.split(".")))


@dataclass(frozen=True)
class Changes:
    """The events changed since a version: ``changed`` (standing ones, created or updated) and
    ``removed`` (fused into another), newest first; ``more``: there were more than the lists hold."""

    changed: list[str]
    removed: list[str]
    more: bool


def _micros(moment: datetime | str | None) -> int:
    if moment is None:
        return 0
    if isinstance(moment, str):  # SQLite may hand an aggregate of a DateTime back as text
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return (moment - EPOCH) // timedelta(microseconds=1)


def read_version(conn: Connection) -> DataVersion:
    """The store's data version, in one statement."""
    merged = (select(func.count()).select_from(events).where(events.c.merged_into.is_not(None))
              if "merged_into" in events.c else select(0))
    row = conn.execute(select(
        select(func.coalesce(func.max(articles.c.id), 0)).scalar_subquery(),
        select(func.count()).select_from(articles).scalar_subquery(),
        select(func.coalesce(func.max(events.c.id), 0)).scalar_subquery(),
        select(func.count()).select_from(events).scalar_subquery(),
        merged.scalar_subquery(),
        select(func.max(events.c.updated_at)).scalar_subquery(),
    )).one()
    return DataVersion(int(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4]), _micros(row[5]))


def read_changes(conn: Connection, since: DataVersion, limit: int = MAX_IDS) -> Changes:
    """The events created, updated or fused away after ``since`` (by ``updated_at``), at most ``limit``
    of each kind. An event deleted outright (a rewrite can) is in neither list: its count moved."""
    newer = events.c.updated_at > EPOCH + timedelta(microseconds=since.updated) if since.updated else true()
    found: dict[bool, list[str]] = {}
    more = False
    for standing in (True, False):
        merged = events.c.merged_into.is_(None) if standing else events.c.merged_into.is_not(None)
        ids = list(conn.execute(select(events.c.event_id_cnty).where(newer, merged)
                                .order_by(events.c.updated_at.desc(), events.c.id.desc()).limit(limit + 1)).scalars())
        more = more or len(ids) > limit
        found[standing] = [i for i in ids[:limit] if i]
    return Changes(changed=found[True], removed=found[False], more=more)


class VersionProbe:
    """Reads the data version again and again, as cheaply as the database allows.

    On a SQLite file it keeps one connection and asks ``PRAGMA data_version`` first: that number
    moves only when another connection commits, so an idle store costs one pragma per poll. The
    connection is in no transaction between polls (it would hold the WAL back). Elsewhere each poll
    is :func:`read_version` on a pooled connection. Not thread-safe: one poller owns it.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        file = engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:")
        self._conn: Connection | None = engine.connect() if file else None
        self._pragma: int | None = None
        self._last: DataVersion | None = None

    def poll(self) -> DataVersion:
        """The current data version."""
        if self._conn is None:
            with self.engine.connect() as conn:
                return read_version(conn)
        try:
            counter = self._conn.exec_driver_sql("PRAGMA data_version").scalar()
            if self._last is None or counter != self._pragma:
                self._last = read_version(self._conn)
                self._pragma = counter
            return self._last
        finally:
            self._conn.rollback()  # end the read transaction: a WAL reader holds back checkpoints

    def close(self) -> None:
        """Release the connection it keeps."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
