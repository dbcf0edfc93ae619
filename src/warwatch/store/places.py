"""The ``--where`` place test: the events whose place, district, province or country is a place
named under any of its spellings.

Reports, gazetteers and ACLED spell one place many ways ("Idlib", "Idleb", "Edlib"; "Hama",
"Hamah"), and the store keeps one spelling per event: a plain substring test of the stored
columns finds nothing for most of the others (``--where Idlib`` over provinces stored as
"Idleb"). Transliteration cannot be folded in SQL alike on SQLite and PostgreSQL, so the test
works in two steps:

1. the DISTINCT stored location, admin2 and admin1 values are read (one pass over the table, and
   the admin1 index; the distinct values are few beside the rows, and kept on the connection until
   the table changes) and compared with the query in Python, with the transliteration-insensitive
   keys of :mod:`warwatch.geocode.fold`, and the first-level units' alternate names shipped with
   the gazetteer (``admin1.json``: "Aleppo" is "Halab");
2. the events are then selected by exact ``IN (...)`` lists of the matching stored spellings
   (and the country codes of matching country names): the same SQL on both databases, answered
   by the admin1 and country indexes where they narrow.

The full gazetteer index is never loaded (tens of seconds cold): only ``admin1.json`` (20 kB),
read once and kept.
"""

from __future__ import annotations

import json
import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Column, ColumnElement, bindparam, false, or_, select
from sqlalchemy.engine import Connection

from warwatch.geocode.fold import ascii_fold, fold, words
from warwatch.geocode.index import DATA_DIR
from warwatch.store import acled
from warwatch.store.schema import events

#: a query with fewer letters than this (after folding) matches only a name written exactly so:
#: "I" or "Id" would otherwise be inside half the names of a country
MIN_LETTERS = 3
#: a fold key at least this long may also be found among a longer name's words ("Idlib" in "Idleb
#: governorate"); a shorter one ("Hama" is "ham") must equal the whole name's key, or it would
#: match any name with a word that sounds alike
MIN_CONTAINED = 4
#: words after a name that say what kind of place it is, not which: "Idlib governorate" is Idlib
UNIT_WORDS = frozenset({
    "governorate", "province", "oblast", "region", "state", "district", "subdistrict", "sub-district",
    "township", "raion", "rayon", "county", "division", "wilayat", "city", "town", "village", "countryside",
})
_UNIT_TAIL = re.compile(r"(?:[\s,]+(?:" + "|".join(sorted(UNIT_WORDS, key=len, reverse=True)) + r"))+\s*$",
                        re.IGNORECASE)
_THE = re.compile(r"^the\s+", re.IGNORECASE)
_NUMBER = re.compile(r"[0-9]+")
#: at most this many names' keys kept, about 1 kB each (a store has a few thousand distinct places;
#: past this many, a query works out the keys of the others again)
KEYS_KEPT = 1 << 15


@dataclass(frozen=True, slots=True)
class Keys:
    """The comparison keys of one name."""

    #: the name as written, case folded: always matches itself, whatever else fails
    exact: str
    #: lower case ASCII words, accents and punctuation gone ("qal at al madiq")
    plain: str
    #: the phonetic key ("Idlib" and "Idleb": "adlab")
    key: str
    #: the phonetic key of each word, Arabic articles left out ("Khan Shaykhun": ("Xan", "SaXun")); a
    #: number as written (the phonetic key merges doubled digits: "112" would be "12")
    words: tuple[str, ...]
    #: the numbers in the name, which the phonetic key must not blur ("Village 112" is not "Village 12")
    numbers: tuple[str, ...]

    @property
    def letters(self) -> int:
        """How many letters the plain form has (spaces aside): how much the name says."""
        return len(self.plain) - self.plain.count(" ")


@lru_cache(maxsize=KEYS_KEPT)
def keys(name: str) -> Keys:
    """The keys of a name (cached: the same stored names are compared at every query)."""
    text = " ".join(name.split())
    plain = ascii_fold(text)
    return Keys(exact=text.casefold(), plain=plain, key=fold(text),
                words=tuple(k for k in (w if w.isdigit() else fold(w) for w in words(text)) if k),
                numbers=tuple(_NUMBER.findall(plain)))


def _run(part: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    """True when ``part`` is a contiguous run of ``whole``."""
    n = len(part)
    if not 0 < n <= len(whole) or part[0] not in whole:  # the common case, rejected at once
        return False
    return any(whole[i:i + n] == part for i in range(len(whole) - n + 1))


def same_name(a: Keys, b: Keys) -> bool:
    """Two spellings of one name: equal as written or as plain ASCII, or (a key of three letters
    or more) equal phonetic keys. Symmetric; no containment."""
    if a.exact == b.exact or (a.plain and a.plain == b.plain):
        return True
    return len(a.key) >= MIN_LETTERS and a.key == b.key and a.numbers == b.numbers


def names_in(query: Keys, stored: Keys) -> bool:
    """True when the stored name is the queried place, or has it in its name.

    See :func:`where_condition` for the rule.
    """
    if same_name(query, stored):
        return True
    if query.letters < MIN_LETTERS:
        return False
    if query.plain in stored.plain:
        return True  # the old substring test, now blind to accents and punctuation as well as case
    return len(query.key) >= MIN_CONTAINED and _run(query.words, stored.words)


def variants(text: str) -> list[Keys]:
    """The query's keys, and those of the query less the words that only say what kind of place it is
    ("the Idlib governorate" is also "Idlib")."""
    name = " ".join(text.split())
    bare = _UNIT_TAIL.sub("", _THE.sub("", name)).strip(" ,")
    return [keys(name)] + ([keys(bare)] if bare and bare.casefold() != name.casefold() else [])


@lru_cache(maxsize=1)
def unit_names() -> tuple[tuple[Keys, ...], ...]:
    """The names of each first-level unit of the shipped gazetteer (ACLED's spelling, the display
    name and the aliases reporters use), one tuple of keys per unit."""
    with open(DATA_DIR / "admin1.json", encoding="utf-8") as handle:
        data = json.load(handle)
    out = []
    for country, units in data.items():
        if country == "about":
            continue
        for unit_id, unit in units.items():
            if unit_id == "by_county" or not isinstance(unit, dict):
                continue  # a split unit's county map, not a unit
            names = [unit.get("acled"), unit.get("name"), *unit.get("aliases", [])]
            found = tuple(dict.fromkeys(keys(n) for n in names if n and n.strip()))
            if found:
                out.append(found)
    return tuple(out)


def unit_spellings(queried: list[Keys]) -> list[Keys]:
    """Every name of the first-level units that the query names (by :func:`same_name`)."""
    out: list[Keys] = []
    for names in unit_names():
        if any(same_name(q, n) for q in queried for n in names):
            out.extend(names)
    return out


def matching_values(values: set[str], queried: list[Keys], aliases: Sequence[Keys] = ()) -> list[str]:
    """The stored values (sorted) that the query names, directly or as one of a unit's other names."""
    found = []
    for value in values:
        stored = keys(value)
        if any(names_in(q, stored) for q in queried) or any(same_name(a, stored) for a in aliases):
            found.append(value)
    return sorted(found)


def _in(column: Column, values: list[str]) -> ColumnElement[bool]:
    # the values written into the SQL (quoted by SQLAlchemy): a common name can match more spellings
    # than a database takes bound parameters (999 on an old SQLite)
    return column.in_(bindparam(f"where_{column.name}", values, unique=True, expanding=True, literal_execute=True))


@dataclass
class Stored:
    """The distinct places stored, column by column, and the answers already worked out over them."""

    locations: set[str]
    districts: set[str]
    provinces: set[str]
    #: query text -> (locations, districts, provinces) that it names
    found: dict[str, tuple[list[str], list[str], list[str]]]


def _state(conn: Connection) -> object | None:
    """What says the stored places have not changed since they were read on this connection.

    SQLite: ``PRAGMA data_version`` (changes when another connection's commit becomes visible to this
    one) with this connection's count of changed rows (its own writes): the places are read again
    after any write. Elsewhere the transaction in progress (a weak reference: equal only to itself
    while it lives), so within one request's reads, not beyond. None: nothing to compare with.
    """
    if conn.dialect.name == "sqlite":
        changes = getattr(conn.connection.dbapi_connection, "total_changes", None)
        if changes is None:
            return None
        return ("sqlite", conn.exec_driver_sql("PRAGMA data_version").scalar(), changes)
    transaction = conn.get_transaction()
    return None if transaction is None else weakref.ref(transaction)


#: conn.info key of the :class:`Stored` places read on a connection, with the state they were read in
_MEMO = "warwatch_where_places"
#: at most this many queries' answers kept with them
ANSWERS_KEPT = 64


def stored_places(conn: Connection) -> Stored:
    """The distinct location, admin2 and admin1 values of the events table.

    One pass over the table (admin1 from its index), kept on the connection while :func:`_state`
    says nothing changed: the API asks for one page's count and rows in two queries, and a
    dashboard asks again and again.
    """
    memo = conn.info.get(_MEMO)
    before = _state(conn)
    if memo is not None and before is not None and memo[0] == before:
        return memo[1]
    pairs = conn.execute(select(events.c.location, events.c.admin2).distinct()).all()
    provinces = conn.execute(select(events.c.admin1).distinct()).scalars()
    found = Stored(locations={p.location for p in pairs if p.location}, districts={p.admin2 for p in pairs if p.admin2},
                   provinces={p for p in provinces if p}, found={})
    # SQLite's state is taken before the reads (a commit in between only makes the next query read
    # again); a transaction exists once a statement began it, so after them
    state = before if isinstance(before, tuple) else _state(conn)
    if state is not None:
        conn.info[_MEMO] = (state, found)
    return found


def where_condition(conn: Connection, text: str | None) -> ColumnElement[bool] | None:
    """The condition on ``events`` of the events placed at, in or under the place that ``text`` names;
    None for no place (empty text), a false condition when no stored place is it.

    A stored location, admin2 or admin1 value matches when, for the query or the query less a
    trailing kind-of-place word ("Idlib governorate", "Aleppo city"):

    * it is the same name: equal as written (any case), as plain ASCII (accents, apostrophes and
      punctuation aside), or by phonetic key (:func:`warwatch.geocode.fold.fold`: "Idlib" and
      "Idleb", "Hamah" and "Hama") when that key has three letters or more;
    * or, for a query of three letters or more, the query is part of it: a substring of its plain
      ASCII form (the old test: "Hama" in "Hama countryside"), or, for a phonetic key of four
      letters or more, the query's words are a run of its words ("Khan Sheikhoun" in
      "Khan Shaykhun town", "Idlib" in "Idleb governorate");
    * an admin1 value also matches when it is a name (as above: the same name) of a first-level
      unit that the query names: "Halab" finds the Aleppo province stored as "Aleppo".

    A country matches when a word of its name begins with the query (three letters or more:
    :func:`country_codes`). So one or two letters match only a place of exactly that name, and
    never every event. The events are then selected by exact ``IN`` lists of the matching stored
    spellings: the same SQL on SQLite and PostgreSQL, and a province alone is answered by the
    admin1 index.
    """
    if not text or not text.strip():
        return None
    name = " ".join(text.split())
    queried = variants(name)
    stored = stored_places(conn)
    if name not in stored.found:
        if len(stored.found) >= ANSWERS_KEPT:
            stored.found.clear()
        stored.found[name] = (matching_values(stored.locations, queried), matching_values(stored.districts, queried),
                              matching_values(stored.provinces, queried, unit_spellings(queried)))
    locations, districts, provinces = stored.found[name]
    c = events.c
    tests = [_in(column, values) for column, values in ((c.admin1, provinces), (c.location, locations),
                                                        (c.admin2, districts)) if values]
    codes = country_codes(queried)
    if codes:
        tests.append(c.country.in_(codes))
    return or_(*tests) if tests else false()


def country_codes(queried: list[Keys]) -> list[str]:
    """The codes of the countries the query names: a query of three letters or more that begins a
    word of the country's name, ACLED's or GeoNames' ("Syria", "syr", "Congo"); not one inside a
    word ("Hama" is not the Bahamas)."""
    out = set()
    for q in queried:
        if q.letters < MIN_LETTERS:
            continue
        for code in acled.codes_named(q.exact):  # the names holding the query: few to look at
            country = acled.countries()[code]
            if any(f" {q.plain}" in f" {keys(n).plain}" for n in (country.name, country.geonames_name)):
                out.add(code)
    return sorted(out)
