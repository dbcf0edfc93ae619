"""The event store: one SQLite file (or any SQLAlchemy URL), migrated on open, one transaction per article."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from warwatch.errors import StoreError
from warwatch.models import Article, Mention
from warwatch.store.article_view import ArticleRow, list_articles
from warwatch.store.maintain import fetch_copies, note_reprint, refuse_everything
from warwatch.store.migrations import FUSION_MIGRATION, migrate, serialise
from warwatch.store.read import event_query, fetch_details, fetch_events
from warwatch.store.records import AddResult, CopyRecord, EventDetail, EventRecord
from warwatch.store.rewrite import Rewritten, rewrite, stored_articles
from warwatch.store.schema import articles, events, mentions
from warwatch.store.write import write_article, write_rejected


def _reason(error: BaseException) -> str:
    """The driver's message on one line, without SQLAlchemy's SQL echo and links."""
    orig = getattr(error, "orig", None) or error
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


def sqlite_engine(path: str | Path) -> Engine:
    if str(path) == ":memory:":
        # one shared connection, or every checkout would see a new empty database
        engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        engine = create_engine(URL.create("sqlite+pysqlite", database=os.fspath(path)))

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # take BEGIN out of the driver's hands, so that DDL (migrations) is transactional too
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if str(path) != ":memory:":
            # write-ahead log: readers (the web app) never block the ingest, and a commit is one
            # append instead of a journal rewrite; NORMAL sync keeps the file consistent on a crash
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # writers ask for IMMEDIATE: they lock up front instead of failing to upgrade a read lock
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())

    return engine


def _engine_for_url(url: str) -> Engine:
    """An engine for a SQLAlchemy URL; SQLite URLs get the same transaction set-up as a path."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return sqlite_engine(parsed.database or ":memory:")
    return create_engine(parsed)


class Store:
    """Articles, events, mentions and claims in one database, migrated to the current schema on open.

    ``path`` is a file path (created if missing; its folder must exist), ``":memory:"``, or a
    SQLAlchemy URL such as ``postgresql+psycopg://...``. Use as a context manager or call
    :meth:`close`.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = path
        url_given = isinstance(path, str) and "://" in path
        where = str(path)
        if not url_given and where != ":memory:":
            target = Path(path)
            if target.is_dir():
                raise StoreError(f"cannot open database {where}: it is a folder")
            if not target.parent.is_dir():
                raise StoreError(f"cannot open database {where}: folder {target.parent} does not exist")
        try:
            self.engine = _engine_for_url(str(path)) if url_given else sqlite_engine(path)
            done = migrate(self.engine)
        except StoreError as error:
            self._dispose()
            raise StoreError(f"cannot open database {where}: {error}") from error
        except (SQLAlchemyError, OSError) as error:
            self._dispose()
            raise StoreError(f"cannot open database {where}: {_reason(error)}") from error
        if FUSION_MIGRATION in done and self.articles_count():
            # a database from before fusion: its reports are its old events, fuse them now
            self.refuse(rebuild=True)

    def _dispose(self) -> None:
        engine = getattr(self, "engine", None)
        if engine is not None:
            engine.dispose()

    # --- writing ---------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin():
            serialise(conn)  # PostgreSQL's BEGIN IMMEDIATE
            yield conn

    def add_article(self, article: Article, mentions: list[Mention], *, rejected: str | None = None) -> AddResult:
        """Store an article with its mentions, grouped into events, in ONE transaction.

        ``rejected``: the relevance gate's reason for keeping the article out of the pipeline; it is
        then stored unparsed, with no mentions, for ``warwatch articles --rejected`` and ``reprocess``.
        Idempotent: when an article with the same content_hash is stored, nothing is written and
        the result has ``created=False`` with the events the stored copy went into. Any failure
        (a value that cannot be serialised, a full disk) rolls the whole article back and raises
        StoreError; articles stored before are untouched.
        """
        content_hash = article.content_hash
        name = article.doc_id or article.path or article.title[:60] or content_hash[:12]
        try:
            with self._write() as conn:
                found = self._stored(conn, content_hash)
                if found is not None:
                    note_reprint(conn, found.article_id, article)
                    return found
                if rejected is not None:
                    return write_rejected(conn, article, content_hash, rejected)
                return write_article(conn, article, content_hash, list(mentions))
        except IntegrityError as error:
            # another writer stored the same article between our check and our insert
            with self.engine.connect() as conn:
                found = self._stored(conn, content_hash)
            if found is not None:
                return found
            raise StoreError(f"cannot store article {name}: {_reason(error)}") from error
        except SQLAlchemyError as error:
            raise StoreError(f"cannot store article {name}: {_reason(error)}") from error
        except (TypeError, ValueError) as error:
            raise StoreError(f"cannot store article {name}: {error}") from error

    def rewrite(self, results: list[tuple[int, list[Mention]]],
                published: dict[int, date] | None = None, rejected: dict[int, str | None] | None = None) -> Rewritten:
        """Replace stored articles' mentions (article id, new mentions) and fuse everything again, in
        ONE transaction: an error leaves the store as it was. Event ids are kept where the incident
        is the same (see :mod:`warwatch.store.rewrite`). ``published``: new publication dates of
        articles stored without one. ``rejected``: the relevance gate's new verdicts (article id ->
        its reason, or None for an article read now)."""
        try:
            with self._write() as conn:
                return rewrite(conn, results, published or {}, rejected or {})
        except SQLAlchemyError as error:
            raise StoreError(f"cannot store the re-extracted articles: {_reason(error)}") from error

    def note_reprint(self, article: Article) -> bool:
        """Note that this article's text is stored already (same content_hash) but came again
        under another outlet, URL or file: a reprint, not a source. True when something was noted."""
        try:
            with self._write() as conn:
                article_id = conn.execute(select(articles.c.id).where(
                    articles.c.content_hash == article.content_hash)).scalar()
                return article_id is not None and note_reprint(conn, int(article_id), article)
        except SQLAlchemyError as error:
            raise StoreError(f"cannot note reprint: {_reason(error)}") from error

    @staticmethod
    def _stored(conn: Connection, content_hash: str) -> AddResult | None:
        article_id = conn.execute(
            select(articles.c.id).where(articles.c.content_hash == content_hash)).scalar()
        if article_id is None:
            return None
        ids = conn.execute(
            select(events.c.event_id_cnty).join(mentions, mentions.c.event_id == events.c.id)
            .where(mentions.c.article_id == article_id).group_by(events.c.id, events.c.event_id_cnty)
            .order_by(func.min(mentions.c.sentence_start), events.c.id)).scalars()
        return AddResult(article_id=int(article_id), created=False, events=list(ids))

    # --- reading ---------------------------------------------------------------------------

    def _read(self, what: str) -> _Reading:
        return _Reading(self.engine, what)

    def has_article(self, content_hash: str) -> bool:
        """True when an article with this content_hash is stored."""
        with self._read("article") as conn:
            return conn.execute(
                select(articles.c.id).where(articles.c.content_hash == content_hash)).first() is not None

    def stored_articles(self) -> list[tuple[int, Article]]:
        """Every stored article (id, the article as ingest read it), in the order they were stored."""
        with self._read("articles") as conn:
            return stored_articles(conn)

    def rejections(self) -> dict[int, str]:
        """article id -> why the relevance gate kept it out, for every stored article it rejected."""
        with self._read("articles") as conn:
            return {row.id: row.rejected for row in conn.execute(
                select(articles.c.id, articles.c.rejected).where(articles.c.rejected.is_not(None)))}

    def article_list(self, *, rejected: bool | None = None) -> list[ArticleRow]:
        """Stored articles in the order they were stored, with the events each is a source of;
        ``rejected``: True for those the relevance gate kept out only, False for the others."""
        with self._read("articles") as conn:
            return list_articles(conn, rejected=rejected)

    def articles_count(self) -> int:
        """How many articles are stored."""
        with self._read("articles") as conn:
            return int(conn.execute(select(func.count()).select_from(articles)).scalar_one())

    def events(self, *, since: date | None = None, until: date | None = None, event_type: str | None = None,
               where: str | None = None, unlocated: bool | None = None,
               limit: int | None = None, grade: str | None = None,
               undated: bool | None = None) -> list[EventRecord]:
        """Events by date (undated last), then id, filtered.

        since/until: inclusive bounds on event_date (undated events then drop out); event_type:
        the event type or sub-event type, any case; where: a place, district, province or country
        under any spelling (see :func:`warwatch.store.places.where_condition`); unlocated: True for events without
        coordinates only, False for located ones only; grade: single_source, corroborated or
        contested (also "single-source", any case; InputError for anything else); undated: True
        for the events that no source dates only (not ACLED rows), False for dated ones only.
        """
        with self._read("events") as conn:
            query = event_query(since=since, until=until, event_type=event_type, where=where,
                                unlocated=unlocated, limit=limit, grade=grade, undated=undated, conn=conn)
            return fetch_events(conn, query)

    def event(self, event_id: str) -> EventDetail | None:
        """One event by event_id_cnty (any case), with its mentions, claims and source articles.

        The id of an event that was fused into another one gives that other event.
        """
        with self._read("event") as conn:
            records = fetch_events(conn, select(events).where(
                func.upper(events.c.event_id_cnty) == event_id.strip().upper()))
            seen: set[int] = set()
            while records and records[0].merged_into is not None and records[0].merged_into not in seen:
                seen.add(records[0].merged_into)
                records = fetch_events(conn, select(events).where(events.c.id == records[0].merged_into))
            return fetch_details(conn, records)[0] if records else None

    def copies(self) -> list[CopyRecord]:
        """Every stored article that copies another, with the one it copies and how alike they are."""
        with self._read("copies") as conn:
            return fetch_copies(conn)

    def refuse(self, *, rebuild: bool = False) -> int:
        """Fuse everything again from the stored reports, in one transaction; return events changed.

        Articles not yet fingerprinted are fingerprinted and linked first. ``rebuild`` also
        recomputes what fusion compares from the stored mentions (after an upgrade, or when the
        rules change). Existing event ids are kept wherever the events still overlap.
        """
        try:
            with self._write() as conn:
                return refuse_everything(conn, rebuild=rebuild)
        except SQLAlchemyError as error:
            raise StoreError(f"cannot fuse events: {_reason(error)}") from error

    def event_details(self, records: list[EventRecord]) -> list[EventDetail]:
        """The details of many events at once (what exports and reports need), in the same order."""
        with self._read("events") as conn:
            return fetch_details(conn, records)

    def close(self) -> None:
        """Release the database connections."""
        self._dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class _Reading:
    """A read transaction whose database errors come out as StoreError."""

    def __init__(self, engine: Engine, what: str) -> None:
        self.engine, self.what = engine, what
        self.conn: Connection | None = None

    def __enter__(self) -> Connection:
        try:
            self.conn = self.engine.connect()
        except SQLAlchemyError as error:
            raise StoreError(f"cannot read {self.what}: {_reason(error)}") from error
        return self.conn

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self.conn is not None
        self.conn.close()
        if isinstance(value, SQLAlchemyError):
            raise StoreError(f"cannot read {self.what}: {_reason(value)}") from value
