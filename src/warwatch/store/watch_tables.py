"""The watcher's state in the database (migration 0010_watch_sources): what survives a restart.

``watch_sources``: each source with its validators (ETag, Last-Modified), its schedule and its
failures. ``watch_pages``: each article page (or child sitemap) ever listed, with its validators,
the feed's or sitemap's last word on when it changed (``marker``), the stored version and what is
still to fetch. ``page_versions``: every version of a page that was stored, the superseded ones
too (a toll that rises in a page edited in place keeps its history).

The tables are frozen here as migration 0010 created them, like the core tables in
:mod:`warwatch.store.migrations`; ids on PostgreSQL come from migration 0009's trigger, as the
core tables' do, so both databases number rows alike.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Connection

MIGRATION = "0010_watch_sources"


def _tables(md: MetaData) -> None:
    """The tables as migration 0010 created them. FROZEN: later changes go in new migrations."""
    Table(
        "watch_sources", md,
        Column("id", Integer, primary_key=True),
        Column("url", Text, nullable=False),
        Column("outlet", String(200)),
        Column("language", String(20)),
        Column("every_s", Float, nullable=False),
        # False once the source is no longer in the sources file: kept, with its pages, for the record
        Column("active", Boolean, nullable=False, default=True),
        Column("etag", Text),
        Column("last_modified", Text),
        Column("last_polled", DateTime),
        Column("last_success", DateTime),
        Column("last_status", Integer),  # 200 or 304 of the last success
        Column("last_error", Text),
        Column("last_error_at", DateTime),
        Column("failures", Integer, nullable=False, default=0),  # in a row; 0 after a success
        Column("next_due", DateTime),
        Column("title", Text),  # the feed's own title, the outlet when none is configured
        Column("added_at", DateTime, nullable=False),
        Index("ix_watch_sources_url", "url", unique=True),
    )
    Table(
        "watch_pages", md,
        Column("id", Integer, primary_key=True),
        Column("url", Text, nullable=False),
        Column("source_id", Integer, ForeignKey("watch_sources.id"), nullable=False),
        Column("kind", String(10), nullable=False, default="article"),  # "article" or "sitemap"
        # what the listing last said about the page (a feed entry's updated, a sitemap's lastmod)
        Column("marker", Text),
        Column("published", Text),  # the listing's publication date (ISO day), the last fallback
        Column("title", Text),  # the listing's title of the entry
        # "due": to fetch (new, changed, or retried after a failure); "done"; "refused" by policy (never
        # retried: robots.txt, a private address, too large); "failed" after too many tries
        Column("status", String(10), nullable=False, default="due"),
        Column("etag", Text),
        Column("last_modified", Text),
        Column("content_hash", String(64)),  # of the version stored last
        Column("article_id", Integer),  # the stored article of the current version
        Column("versions", Integer, nullable=False, default=0),
        Column("language", String(20)),
        Column("failures", Integer, nullable=False, default=0),
        Column("last_error", Text),
        Column("next_try", DateTime),
        Column("first_seen", DateTime, nullable=False),
        Column("last_fetched", DateTime),
        Index("ix_watch_pages_url", "url", unique=True),
        Index("ix_watch_pages_source_id", "source_id"),
        Index("ix_watch_pages_status", "status"),
    )
    Table(
        "page_versions", md,
        Column("id", Integer, primary_key=True),
        Column("page_id", Integer, ForeignKey("watch_pages.id"), nullable=False),
        Column("version", Integer, nullable=False),
        Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
        Column("content_hash", String(64), nullable=False),
        Column("fetched_at", DateTime, nullable=False),
        Column("superseded_at", DateTime),  # None: the current version
        Index("ix_page_versions_page_id", "page_id"),
        Index("ix_page_versions_article_id", "article_id"),
    )


def tables() -> MetaData:
    """A fresh MetaData holding the watch tables (with stand-ins for the core tables they refer to)."""
    md = MetaData()
    Table("articles", md, Column("id", Integer, primary_key=True))
    _tables(md)
    return md


_md = tables()
sources: Table = _md.tables["watch_sources"]
pages: Table = _md.tables["watch_pages"]
versions: Table = _md.tables["page_versions"]
#: created in this order (foreign keys first)
TABLE_NAMES = ("watch_sources", "watch_pages", "page_versions")


def migrate_watch(conn: Connection) -> None:
    """Migration 0010: the watch tables; on PostgreSQL their ids given by migration 0009's trigger."""
    md = tables()
    for name in TABLE_NAMES:
        md.tables[name].create(conn)
    if conn.dialect.name != "postgresql":
        return
    for name in TABLE_NAMES:
        conn.exec_driver_sql(f"ALTER TABLE {name} ALTER COLUMN id DROP DEFAULT")
        conn.exec_driver_sql(f"CREATE TRIGGER {name}_next_id BEFORE INSERT ON {name} "
                             "FOR EACH ROW EXECUTE FUNCTION warwatch_next_id()")
