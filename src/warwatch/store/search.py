"""Free text over the evidence sentences: the trigram index where it narrows, a scan where it cannot.

Free text means a case-insensitive substring (``LIKE '%needle%'``, ASCII letters folded as SQLite
folds them, ``%`` and ``_`` literal). That test always has the last word, so answers are the same
whichever way the candidate sentences are found:

1. with the full-text index of migration 5 (SQLite with FTS5's trigram tokenizer), the sentences
   holding the needle's trigrams, in order, are looked up and only those are tested. The index
   folds case more widely than LIKE (all of Unicode, not ASCII alone), so it finds a superset;
2. without it (an older SQLite, a needle of fewer than three characters, which has no trigram), or
   when the needle is in so many sentences that reading them all once is cheaper than fetching
   each, every sentence is tested;
3. on PostgreSQL the test is an ``ILIKE``, which the ``pg_trgm`` GIN index of migration 8 answers
   (the planner decides when), and, for the rows it lets through, a ``LIKE`` on the text with ASCII
   letters lowered (``translate``): ILIKE folds case at least as widely, so it only narrows, and the
   second test gives SQLite's answers exactly.
"""

from __future__ import annotations

import string
from typing import Any

from sqlalchemy import ColumnElement, String, and_, column, func, literal_column, select, table
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from warwatch.store.migrations import SENTENCE_INDEX, sqlite_trigram
from warwatch.store.schema import mentions

#: a needle shorter than this has no trigram for the index to look up
MIN_INDEXED = 3

#: past this share of all sentences holding the needle, testing every sentence once beats fetching
#: each match through the index (~1 µs a match against ~0.5 µs a sentence scanned, measured)
INDEX_SHARE = 0.2

#: at most this many needles' :func:`use_index` answers kept on a connection
PLANS_KEPT = 256

_INDEX = table(SENTENCE_INDEX, column("rowid"))

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


class ascii_lower(FunctionElement[str]):
    """The text with ASCII letters lowered and nothing else: SQLite's ``lower()``, and on PostgreSQL
    (whose ``lower()`` folds all of Unicode) a ``translate`` of A-Z, so both databases fold alike."""

    type = String()
    name = "ascii_lower"
    inherit_cache = True


@compiles(ascii_lower)
def _lower(element: ascii_lower, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(ascii_lower, "postgresql")
def _translate(element: ascii_lower, compiler: Any, **kw: Any) -> str:
    return (f"translate({compiler.process(element.clauses, **kw)}, "
            f"'{string.ascii_uppercase}', '{string.ascii_lowercase}')")


def folded_contains(column: Any, needle: str) -> ColumnElement[bool]:
    """Substring test that ignores the case of ASCII letters only, as SQLite's LIKE and lower() do,
    on every database; % and _ in the needle are literal. No index serves it: for short columns."""
    return ascii_lower(column).like(like_pattern(needle.translate(_ASCII_LOWER)), escape="/")


def like_pattern(needle: str) -> str:
    """``%needle%`` for LIKE ... ESCAPE '/', with %, _ and / in the needle matched literally."""
    return "%" + needle.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def contains(column: Any, needle: str, dialect: str) -> ColumnElement[bool]:
    """Case-insensitive substring test, with % and _ in the needle matched literally."""
    if dialect == "sqlite":
        # SQLite's LIKE ignores ASCII case already; lower() on both sides would only cost time. An
        # ESCAPE clause slows every comparison (~20% on a scan of the sentences): only when needed
        return column.contains(needle, autoescape=any(ch in needle for ch in "%_/"))
    if dialect == "postgresql":
        # ILIKE for the trigram index (migration 8), then SQLite's folding (ASCII letters only) decides
        return and_(column.ilike(like_pattern(needle), escape="/"), folded_contains(column, needle))
    return column.icontains(needle, autoescape=True)


def has_index(conn: Connection) -> bool:
    """True when the database has the sentence index and this SQLite can read it."""
    if conn.dialect.name != "sqlite":
        return False
    # the library cannot change under an open connection: asked once per connection
    if "warwatch_trigram" not in conn.info:
        conn.info["warwatch_trigram"] = sqlite_trigram(conn)
    if not conn.info["warwatch_trigram"]:
        return False
    found = conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                 (SENTENCE_INDEX,)).first()
    return found is not None


def _phrase(needle: str) -> str:
    """The needle as one FTS5 string: its trigrams in a row, nothing in it read as query syntax."""
    return '"' + needle.replace('"', '""') + '"'


def indexable(needle: str) -> bool:
    """True when the index can look the needle up (three characters or more, nothing FTS5 refuses)."""
    return len(needle) >= MIN_INDEXED and "\x00" not in needle


def _indexed(needle: str) -> Any:
    """SELECT of the rowids (mention ids) whose sentence holds the needle's trigrams in a row."""
    return select(_INDEX.c.rowid).where(literal_column(SENTENCE_INDEX).match(_phrase(needle)))


def use_index(conn: Connection, needle: str) -> bool:
    """True when looking the needle up in the index is the cheaper way to its sentences.

    Asks the index for at most :data:`INDEX_SHARE` of the sentences: if it has that many the needle
    is common and a scan wins. A common needle stops early; a rare one costs what it finds. The
    answer is kept on the connection until sentences are added (a plan, never a result, rests on it).
    """
    if not indexable(needle) or not has_index(conn):
        return False
    sentences = conn.execute(select(func.max(mentions.c.id))).scalar() or 0
    known: dict[tuple[str, int], bool] = conn.info.setdefault("warwatch_index_use", {})
    if (needle, sentences) not in known:
        enough = max(1, int(INDEX_SHARE * sentences))
        found = conn.execute(select(func.count()).select_from(_indexed(needle).limit(enough).subquery())).scalar_one()
        if len(known) >= PLANS_KEPT:
            known.clear()
        known[needle, sentences] = int(found) < enough
    return known[needle, sentences]


def sentence_test(conn: Connection, needle: str, *, index: bool | None = None) -> ColumnElement[bool]:
    """The test of a ``mentions`` row for the needle: through the index when it narrows, else a scan.

    ``index`` forces one way (True falls back to the scan where the index cannot serve); None
    decides with :func:`use_index`.
    """
    said = contains(mentions.c.sentence_text, needle, conn.dialect.name)
    if not (indexable(needle) and has_index(conn)) or not (use_index(conn, needle) if index is None else index):
        return said
    return and_(mentions.c.id.in_(_indexed(needle)), said)
