"""Schema migrations: a named, append-only list, applied in order whenever a store is opened.

Each migration runs in its own transaction and is recorded in ``schema_migrations`` (version,
name, applied_at) in that same transaction, so a crash leaves the schema at a known version.
Rules for adding one: append to :data:`MIGRATIONS`, never edit or reorder a released entry,
and describe tables as they are *at that version* (the frozen ``_tables_v1`` below), so that a
fresh database and an upgraded one end with the same schema. Only portable DDL (SQLAlchemy Core
constructs, or plain ``ALTER TABLE ... ADD COLUMN``), so a PostgreSQL URL works too; a feature
of SQLite alone (the full-text index of migration 5) checks the database first and is skipped
where it is missing, the code that reads it falling back to what works everywhere. Likewise what
PostgreSQL alone needs (migrations 8 and 9) does nothing on SQLite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from warwatch.errors import StoreError
from warwatch.store.alert_tables import create_alert_tables
from warwatch.store.watch_tables import migrate_watch


@dataclass(frozen=True)
class Migration:
    """One schema change: a stable name and the function that applies it on a connection."""

    name: str
    apply: Callable[[Connection], None]


def versions_table(metadata: MetaData) -> Table:
    """The bookkeeping table: one row per applied migration."""
    return Table(
        "schema_migrations", metadata,
        Column("version", Integer, primary_key=True, autoincrement=False),
        Column("name", String(100), nullable=False, unique=True),
        Column("applied_at", DateTime, nullable=False),
    )


def _tables_v1(md: MetaData) -> None:
    """The tables as migration 1 created them. FROZEN: later changes go in new migrations."""
    Table(
        "articles", md,
        Column("id", Integer, primary_key=True),
        Column("content_hash", String(64), nullable=False),
        Column("doc_id", String(200)),
        Column("path", Text),
        Column("title", Text, nullable=False, default=""),
        Column("text", Text, nullable=False),
        Column("published", Date),
        Column("outlet", String(200)),
        Column("url", Text),
        Column("ingested_at", DateTime, nullable=False),
        Index("ix_articles_content_hash", "content_hash", unique=True),
    )
    Table(
        "events", md,
        Column("id", Integer, primary_key=True),
        # filled in the same transaction as the insert: ISO3 + id ("SYR12"), "XXX12" when unlocated
        Column("event_id_cnty", String(32), unique=True),
        Column("event_date", Date),
        Column("time_precision", Integer, nullable=False, default=1),
        Column("event_type", String(60), nullable=False),
        Column("sub_event_type", String(80), nullable=False, default=""),
        Column("actor1", String(200)),
        Column("assoc_actor_1", String(200)),
        Column("actor2", String(200)),
        Column("assoc_actor_2", String(200)),
        Column("civilian_targeting", Boolean, nullable=False, default=False),
        Column("country", String(2)),
        Column("admin1", String(200)),
        Column("admin2", String(200)),
        Column("location", String(200)),
        Column("latitude", Float),
        Column("longitude", Float),
        Column("geo_precision", Integer),
        Column("gazetteer_id", String(64)),
        Column("place_text", String(200)),
        Column("ambiguous", Boolean, nullable=False, default=False),
        Column("runner_up", Text),  # JSON
        Column("fatalities", Integer),
        Column("injuries", Integer),
        Column("weapon", String(100)),
        Column("target", String(100)),
        Column("actor_attributed", Boolean, nullable=False, default=False),
        Column("confidence", Float, nullable=False, default=0.5),
        Column("notes", Text),
        Column("created_at", DateTime, nullable=False),
        Column("updated_at", DateTime, nullable=False),
    )
    Table(
        "mentions", md,
        Column("id", Integer, primary_key=True),
        Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
        Column("event_id", Integer, ForeignKey("events.id"), nullable=False),
        Column("ordinal", Integer, nullable=False),  # position in the extractor's list
        Column("event_type", String(60), nullable=False),
        Column("sub_event_type", String(80), nullable=False, default=""),
        Column("event_date", Date),
        Column("time_precision", Integer, nullable=False, default=1),
        Column("date_text", String(200)),
        Column("sentence_start", Integer, nullable=False),
        Column("sentence_end", Integer, nullable=False),
        Column("sentence_text", Text, nullable=False),
        Column("toponym_text", String(200)),
        Column("toponym_start", Integer),
        Column("toponym_end", Integer),
        Column("toponym_qualifier", String(20)),
        Column("toponym_context", Text),  # JSON list
        Column("place", Text),  # JSON object: the mention's own resolved place
        Column("actor1", String(200)),
        Column("assoc_actor_1", String(200)),
        Column("actor2", String(200)),
        Column("assoc_actor_2", String(200)),
        Column("actor_attributed", Boolean, nullable=False, default=False),
        Column("actor_text", String(200)),
        Column("weapon", String(100)),
        Column("target", String(100)),
        Column("fatalities", Integer),
        Column("fatalities_text", String(200)),
        Column("injuries", Integer),
        Column("injuries_text", String(200)),
        Column("civilian_targeting", Boolean, nullable=False, default=False),
        Column("claimant", String(200)),
        Column("confidence", Float, nullable=False, default=0.5),
        Column("denials", Text, nullable=False, default="[]"),  # JSON list of evidence
    )
    Table(
        "claims", md,
        Column("id", Integer, primary_key=True),
        Column("mention_id", Integer, ForeignKey("mentions.id", ondelete="CASCADE"), nullable=False),
        Column("event_id", Integer, ForeignKey("events.id"), nullable=False),
        Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
        # fatalities, injuries, actor1, actor2, date, weapon, target, location
        Column("field", String(20), nullable=False),
        Column("value", Text),
        Column("quote", Text),  # the words of the sentence the value was read from, if known
        Column("claimant", String(200)),
        Column("attributed", Boolean, nullable=False, default=False),
        Column("sentence_start", Integer, nullable=False),
        Column("sentence_end", Integer, nullable=False),
    )


def tables_v1() -> MetaData:
    """A fresh MetaData holding the version-1 tables."""
    md = MetaData()
    _tables_v1(md)
    return md


def _initial(conn: Connection) -> None:
    tables_v1().create_all(conn)


def _query_indexes(conn: Connection) -> None:
    t = tables_v1().tables
    for index in (
        Index("ix_events_event_date", t["events"].c.event_date),
        Index("ix_events_event_type", t["events"].c.event_type),
        Index("ix_events_admin1", t["events"].c.admin1),
        Index("ix_events_country", t["events"].c.country),
        Index("ix_mentions_event_id", t["mentions"].c.event_id),
        Index("ix_mentions_article_id", t["mentions"].c.article_id),
        Index("ix_claims_mention_id", t["claims"].c.mention_id),
        Index("ix_claims_event_id", t["claims"].c.event_id),
    ):
        index.create(conn)


def _fusion_tables(md: MetaData) -> None:
    """Tables added by migration 3 (cross-article fusion). FROZEN, like ``_tables_v1``."""
    Table(
        # one row per in-article group of mentions: what fusion clusters into events
        "reports", md,
        Column("id", Integer, primary_key=True),
        Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
        Column("ordinal", Integer, nullable=False),  # the group's place in its article
        Column("event_id", Integer, ForeignKey("events.id")),
        # the report of the copied article that this report of a copy repeats
        Column("follows", Integer, ForeignKey("reports.id")),
        Column("event_type", String(60), nullable=False),
        Column("sub_event_type", String(80), nullable=False, default=""),
        Column("event_date", Date),  # as the article says it
        Column("time_precision", Integer, nullable=False, default=1),
        Column("day_lo", Date),  # the days it may mean; an undated copy's are its original's
        Column("day_hi", Date),
        Column("date_inherited", Boolean, nullable=False, default=False),
        Column("latitude", Float),
        Column("longitude", Float),
        Column("geo_precision", Integer),
        Column("gazetteer_id", String(64)),
        Column("names", Text),  # JSON list of folded name skeletons
        Column("admin1", String(200)),  # folded skeleton
        Column("country", String(2)),
        Column("actor1", String(200)),
        Column("actor2", String(200)),
        Column("confidence", Float, nullable=False, default=0.5),
        Index("ix_reports_event_id", "event_id"),
        Index("ix_reports_article_id", "article_id"),
        Index("ix_reports_follows", "follows"),
        Index("ix_reports_days", "day_lo", "day_hi"),
    )
    Table(
        # near-duplicate pairs, a_id < b_id; which one copies which follows from their ranks
        "article_links", md,
        Column("a_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        Column("b_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        Column("shared", Integer, nullable=False),
        Column("of", Integer, nullable=False),
        Column("share", Float, nullable=False),
        Column("kind", String(10), nullable=False),
        Index("ix_article_links_b_id", "b_id"),
    )
    Table(
        # MinHash LSH band keys of each article's fingerprint
        "article_bands", md,
        Column("key", BigInteger, primary_key=True, autoincrement=False),
        Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    )
    Table(
        # the same text met again under another outlet, URL or file: stored once, noted here
        "article_reprints", md,
        Column("id", Integer, primary_key=True),
        Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
        Column("outlet", String(200)),
        Column("url", Text),
        Column("path", Text),
        Column("doc_id", String(200)),
        Column("published", Date),
        Column("noted_at", DateTime, nullable=False),
        Index("ix_article_reprints_article_id", "article_id"),
    )


#: columns migration 3 adds to the version-1 tables: (table, column, portable SQL type). FROZEN.
FUSION_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("articles", "copy_of", "INTEGER"),  # the article this one copies (None: an original)
    ("articles", "root_id", "INTEGER"),  # the original at the end of the copy_of chain
    ("articles", "signed", "BOOLEAN"),  # fingerprinted (band keys stored, links found)
    ("mentions", "report_id", "INTEGER"),
    ("events", "grade", "VARCHAR(20)"),
    ("events", "n_independent", "INTEGER"),
    ("events", "flags", "TEXT"),  # JSON list
    ("events", "fatalities_low", "INTEGER"),
    ("events", "fatalities_best", "INTEGER"),
    ("events", "fatalities_high", "INTEGER"),
    ("events", "merged_into", "INTEGER"),  # a fused-away event: the event that took its reports
)


def tables_v3() -> MetaData:
    """A fresh MetaData holding the tables as of migration 3."""
    md = tables_v1()
    _fusion_tables(md)
    return md


def _fusion(conn: Connection) -> None:
    """Reports, copy links, LSH bands; one report per existing event (each was one in-article group)."""
    md = tables_v3()
    for name in ("reports", "article_links", "article_bands", "article_reprints"):
        md.tables[name].create(conn)
    for table, column, kind in FUSION_COLUMNS:
        conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {kind}"))
    for name, table, column in (("ix_events_grade", "events", "grade"),
                                ("ix_events_merged_into", "events", "merged_into"),
                                ("ix_mentions_report_id", "mentions", "report_id"),
                                ("ix_articles_root_id", "articles", "root_id"),
                                ("ix_articles_copy_of", "articles", "copy_of")):
        conn.execute(text(f"CREATE INDEX {name} ON {table} ({column})"))
    # before fusion every event was one group of one article: it becomes that article's report
    m, e = md.tables["mentions"], md.tables["events"]
    first_article, first_sentence = func.min(m.c.article_id), func.min(m.c.sentence_start)
    rows = conn.execute(
        select(m.c.event_id, first_article, first_sentence, e.c.event_type, e.c.sub_event_type, e.c.event_date,
               e.c.time_precision).join(e, e.c.id == m.c.event_id)
        .group_by(m.c.event_id, e.c.event_type, e.c.sub_event_type, e.c.event_date, e.c.time_precision)
        .order_by(first_article, first_sentence, m.c.event_id)).all()
    reports = md.tables["reports"]
    ordinal: dict[int, int] = {}
    for event_id, article_id, _, event_type, sub_event_type, event_date, time_precision in rows:
        ordinal[article_id] = ordinal.get(article_id, -1) + 1
        conn.execute(insert(reports).values(
            id=event_id, article_id=article_id, ordinal=ordinal[article_id], event_id=event_id,
            event_type=event_type, sub_event_type=sub_event_type or "", event_date=event_date,
            time_precision=time_precision or 1, date_inherited=False, confidence=0.5))
    conn.execute(text("UPDATE mentions SET report_id = event_id"))


def _map_indexes(conn: Connection) -> None:
    # the dashboard's box-and-toll filter ("events in this map view with at least 5 killed") reads
    # the index instead of every event
    events = tables_v3().tables["events"]
    Index("ix_events_lat_lon_fatalities", events.c.latitude, events.c.longitude, events.c.fatalities).create(conn)


#: the full-text index of migration 5 (SQLite only). FROZEN, like the tables above
SENTENCE_INDEX = "mentions_fts"
#: the SQLite that first ships FTS5's trigram tokenizer
TRIGRAM_SQLITE = (3, 34, 0)


def sqlite_trigram(conn: Connection) -> bool:
    """True when this connection is SQLite with FTS5 compiled in and its trigram tokenizer (3.34+)."""
    if conn.dialect.name != "sqlite":
        return False
    version = tuple(int(p) for p in conn.exec_driver_sql("SELECT sqlite_version()").scalar_one().split("."))
    fts5 = conn.exec_driver_sql("SELECT sqlite_compileoption_used('ENABLE_FTS5')").scalar_one()
    return bool(fts5) and version >= TRIGRAM_SQLITE


def _sentence_index(conn: Connection) -> None:
    """A trigram full-text index over the evidence sentences, kept in step with ``mentions`` by triggers.

    SQLite only, and only where FTS5 has its trigram tokenizer (SQLite 3.34+): elsewhere, and on
    PostgreSQL, nothing is created and free text keeps its substring scan (the query code asks
    whether the index exists). Trigrams index every three characters, spaces and punctuation
    included, so any substring of three characters or more can be looked up; the index only
    narrows the candidates, the usual LIKE test still decides (same answers with or without it).
    An external-content table: it holds the index alone, the text stays in ``mentions``.
    """
    if not sqlite_trigram(conn):
        return
    for statement in (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {SENTENCE_INDEX} USING fts5(sentence_text, content='mentions', "
        "content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER IF NOT EXISTS {SENTENCE_INDEX}_insert AFTER INSERT ON mentions BEGIN "
        f"INSERT INTO {SENTENCE_INDEX}(rowid, sentence_text) VALUES (new.id, new.sentence_text); END",
        f"CREATE TRIGGER IF NOT EXISTS {SENTENCE_INDEX}_delete AFTER DELETE ON mentions BEGIN "
        f"INSERT INTO {SENTENCE_INDEX}({SENTENCE_INDEX}, rowid, sentence_text) "
        "VALUES ('delete', old.id, old.sentence_text); END",
        f"CREATE TRIGGER IF NOT EXISTS {SENTENCE_INDEX}_update AFTER UPDATE OF id, sentence_text ON mentions BEGIN "
        f"INSERT INTO {SENTENCE_INDEX}({SENTENCE_INDEX}, rowid, sentence_text) "
        "VALUES ('delete', old.id, old.sentence_text); "
        f"INSERT INTO {SENTENCE_INDEX}(rowid, sentence_text) VALUES (new.id, new.sentence_text); END",
        # the sentences stored before this migration (a no-op on a new database)
        f"INSERT INTO {SENTENCE_INDEX}({SENTENCE_INDEX}) VALUES ('rebuild')",
    ):
        conn.exec_driver_sql(statement)


def _theatre_places(conn: Connection) -> None:
    # where each report's first pass put its place (see Mention.theatre_place); NULL for reports stored
    # before, whose own place stands in for it
    conn.exec_driver_sql("ALTER TABLE mentions ADD COLUMN theatre_place TEXT")


def _rejected_articles(conn: Connection) -> None:
    # why the relevance gate kept an article out of the pipeline (extract/relevance.py): stored unparsed,
    # with no mentions, listed by `warwatch articles --rejected`; NULL for an article that was read
    conn.exec_driver_sql("ALTER TABLE articles ADD COLUMN rejected TEXT")


#: the trigram index of migration 8 (PostgreSQL only). FROZEN
SENTENCE_TRIGRAMS = "ix_mentions_sentence_trgm"

#: PostgreSQL advisory lock key (two int4, "warwatch" "stor") taken by every write transaction: see :func:`serialise`
WRITE_KEY = (0x77617277, 0x73746F72)


def serialise(conn: Connection) -> None:
    """On PostgreSQL, wait for the other write transactions of this database to end (a transaction-level
    advisory lock, released at COMMIT or ROLLBACK): what BEGIN IMMEDIATE does on SQLite. Writers then see
    each other's rows, and the ids of migration 9 (the largest plus one) cannot be taken twice."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": WRITE_KEY[0], "b": WRITE_KEY[1]})


def _sentence_trigrams(conn: Connection) -> None:
    """PostgreSQL: the ``pg_trgm`` extension and a GIN trigram index over the evidence sentences, what
    migration 5's FTS5 index is on SQLite. Free text on PostgreSQL is an ILIKE, which this index answers
    for a needle of three characters or more, and a test that folds ASCII case only (SQLite's LIKE), so
    the answers are the same with or without the index (see :mod:`warwatch.store.search`).

    pg_trgm is a trusted extension: a user with the CREATE privilege on the database (its owner) may
    create it; otherwise someone who may must run ``CREATE EXTENSION pg_trgm`` in it first.
    """
    if conn.dialect.name != "postgresql":
        return
    if conn.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").first() is None:
        try:
            with conn.begin_nested():
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DBAPIError as error:
            reason = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else type(error.orig).__name__
            raise StoreError(f"cannot create the extension pg_trgm (free-text search): {reason}; run CREATE "
                             "EXTENSION pg_trgm in this database as a user who may, then try again") from None
    conn.exec_driver_sql(f"CREATE INDEX {SENTENCE_TRIGRAMS} ON mentions USING gin (sentence_text gin_trgm_ops)")


#: the tables whose ``id`` migration 9 gives out as SQLite does. FROZEN
ROWID_TABLES = ("articles", "events", "mentions", "claims", "reports", "article_reprints")


def _rowid_ids(conn: Connection) -> None:
    """PostgreSQL: new rows' ids as SQLite gives them, the largest id plus one, instead of a sequence's.

    A sequence never gives an id twice: after a rolled-back article or a deleted last event, it skips
    ids that SQLite would give again, and event ids ("SYR12") would differ between the two databases
    for the same articles. A BEFORE INSERT trigger fills an id left out; write transactions are
    serialised (:func:`serialise`), so no two can take the same one. Ids given explicitly stay as given.
    """
    if conn.dialect.name != "postgresql":
        return
    conn.execute(text(
        "CREATE FUNCTION warwatch_next_id() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.id IS NULL THEN "
        "EXECUTE format('SELECT coalesce(max(id), 0) + 1 FROM %I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME) INTO NEW.id; "
        "END IF; RETURN NEW; END $$"))
    for table in ROWID_TABLES:
        conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN id DROP DEFAULT")
        conn.exec_driver_sql(f"CREATE TRIGGER {table}_next_id BEFORE INSERT ON {table} "
                             "FOR EACH ROW EXECUTE FUNCTION warwatch_next_id()")


def _place_and_change_indexes(conn: Connection) -> None:
    # location and admin2: the place test of --where reads their distinct spellings (store/places.py),
    # which an index answers without reading every event; updated_at: the live stream's and the
    # alerts' "what changed since" read only the events that changed
    events = tables_v3().tables["events"]
    # (location, admin2) together: the place test reads the distinct pairs, which this index covers
    for name, columns in (("ix_events_location_admin2", (events.c.location, events.c.admin2)),
                          ("ix_events_admin2", (events.c.admin2,)), ("ix_events_updated_at", (events.c.updated_at,))):
        Index(name, *columns).create(conn)


FUSION_MIGRATION = "0003_fusion"

#: append-only: the position in this list (1-based) is the version recorded in the database
MIGRATIONS: list[Migration] = [
    Migration("0001_initial_tables", _initial),
    Migration("0002_query_indexes", _query_indexes),
    Migration(FUSION_MIGRATION, _fusion),
    Migration("0004_map_indexes", _map_indexes),
    Migration("0005_sentence_index", _sentence_index),
    Migration("0006_theatre_places", _theatre_places),
    Migration("0007_rejected_articles", _rejected_articles),
    Migration("0008_sentence_trigrams", _sentence_trigrams),
    Migration("0009_rowid_ids", _rowid_ids),
    Migration("0010_watch_sources", migrate_watch),
    Migration("0011_alerts", create_alert_tables),
    Migration("0012_place_and_change_indexes", _place_and_change_indexes),
]


def applied(conn: Connection) -> list[str]:
    """Names of the migrations recorded in the database, in version order ([] for a new one)."""
    if not inspect(conn).has_table("schema_migrations"):
        return []
    table = versions_table(MetaData())
    return list(conn.execute(select(table.c.name).order_by(table.c.version)).scalars())


def _check(done: list[str], migrations: list[Migration]) -> None:
    names = [m.name for m in migrations]
    if done != names[: len(done)]:
        unknown = next((n for i, n in enumerate(done) if i >= len(names) or names[i] != n), done[-1])
        raise StoreError(f"database schema has migration {unknown!r}, unknown to this warwatch (newer?)")


def migrate(engine: Engine, migrations: list[Migration] | None = None) -> list[str]:
    """Apply the pending migrations in order, each in one transaction; return the names applied.

    ``migrations`` defaults to :data:`MIGRATIONS` (tests pass a prefix to build an old database).
    A database that already records a migration this code does not know raises StoreError.
    """
    migrations = MIGRATIONS if migrations is None else migrations
    with engine.connect() as conn:
        done = applied(conn)
    _check(done, migrations)
    if len(done) == len(migrations):
        return []
    names: list[str] = []
    # BEGIN IMMEDIATE on SQLite: two processes opening a new database must not both migrate it
    with engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn:
        for version, migration in enumerate(migrations, start=1):
            with conn.begin():
                serialise(conn)  # two processes opening a new PostgreSQL database: one migrates it
                done = applied(conn)
                _check(done, migrations)
                if migration.name in done:
                    continue
                migration.apply(conn)
                table = versions_table(MetaData())
                table.create(conn, checkfirst=True)
                conn.execute(insert(table).values(
                    version=version, name=migration.name,
                    applied_at=datetime.now(UTC).replace(tzinfo=None)))
                names.append(migration.name)
    return names
