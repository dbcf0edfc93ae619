"""Name matching against the index: exact fold keys, skeletons, and fuzzy scoring in blocks.

Three tiers, each stricter about what may match than the one after it:

1. the fold key equals (``"Kafr Zeita"`` = ``"Kafr Zaytah"``): similarity from the kind of
   name matched (primary, alternate, Arabic, transliterated Cyrillic, generic head dropped);
2. the consonant skeleton equals (``"Latamneh"`` ~ ``"Al Lataminah"``): rapidfuzz edit
   similarity of the spellings, lifted to a floor that grows with the skeleton's length;
3. the first three skeleton consonants equal (``"Kansarfa"`` ~ ``"Kansafrah"``): rapidfuzz
   edit similarity alone, at least :data:`FUZZY_CUTOFF`; run only when tiers 1-2 found
   nothing good. Names of as many words must also agree word by word (:func:`words_agree`).

:func:`lookup` (is this span a place?) uses tier 1 alone; fuzzy tiers serve :func:`candidates`.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from warwatch.geocode.fold import (
    ARTICLES,
    GENERIC_HEADS,
    ascii_fold,
    burmese_key,
    consonant_key,
    fold,
    has_arabic,
    has_myanmar,
    skeleton,
    words,
)
from warwatch.geocode.index import ALT, ARABIC, BURMESE, CONSONANTS, CYRILLIC, GENERIC, PRIMARY, plain

KIND_SIM = {PRIMARY: 1.0, ARABIC: 1.0, ALT: 0.98, CYRILLIC: 0.95, GENERIC: 0.88, BURMESE: 0.93,
            CONSONANTS: 0.93}
CONSONANT_MIN = 6  # "c:" and four consonants: three are shared by too many villages
#: how much the letters themselves may still lower an exact fold match ("Hass" is closer to
#: "Hass" than to "Haysah", though both fold to "has")
LITERAL_WEIGHT = 0.1
EXACT, SKELETON, FUZZY = 0, 1, 2
KIND_WORD = {PRIMARY: "name", ARABIC: "Arabic name", ALT: "alternate name", CYRILLIC: "Cyrillic name",
             GENERIC: "name without its generic head word", BURMESE: "Myanmar spelling of",
             CONSONANTS: "consonants of the Arabic name"}
#: a fuzzy match never scores like an exact one
FUZZY_CAP = 0.94
MAX_BLOCK = 5000


@dataclass
class Hit:
    """One gazetteer place matched by a name, with the best of its names."""

    place: int
    sim: float
    label: str
    how: str
    tier: int = EXACT


def similarity(a: str, b: str) -> float:
    """Similarity of two fold keys in [0, 1]: the better of indel ratio and OSA (transpositions)."""
    return max(fuzz.ratio(a, b) / 100.0, OSA.normalized_similarity(a, b))


def spelling_similarity(name: str, label: str) -> float:
    """How close two spellings are, edit by edit (a transposition is one edit): on the fold keys
    (transliteration variants) and on the letters (typos: "Sheihkoun" = "Sheikhoun")."""
    return max(OSA.normalized_similarity(fold(name), fold(label)),
               OSA.normalized_similarity(plain(name), plain(label)))


FUZZY_CUTOFF = 0.84  # one edit in seven letters
BURMESE_LETTERS = 0.75  # a Myanmar-key match keeps three letters in four ("Kan Pauk" ~ "Kanbauk")
SKELETON_MIN = 0.70  # a shared skeleton lifts a spelling only this close to the floor


class Matcher:
    """Queries of the name table, safe to share between threads."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con
        self.lock = threading.Lock()

    def rows(self, sql: str, args: tuple) -> list[tuple]:
        with self.lock:
            return self.con.execute(sql, args).fetchall()

    def _where_country(self, country: str | None) -> tuple[str, tuple]:
        return (" AND country = ?", (country,)) if country else ("", ())

    def exact(self, name: str, country: str | None, *, strict: bool = False) -> dict[int, Hit]:
        """Places one of whose names has the same fold key (tier 1).

        ``strict``: for short names and GeoNames places the letters must agree as well
        ("Army" ≠ "Arma"), as :func:`lookup` needs.
        """
        key = fold(name)
        hits: dict[int, Hit] = {}
        if len(key) < 2:
            return hits
        extra, args = self._where_country(country)
        want = plain(name)
        short = len(key) <= 4
        for place, kind, label in self.rows(
            "SELECT place, kind, label FROM name WHERE fold = ?" + extra, (key, *args)
        ):
            if strict and (short or place < 0) and not same_letters(name, label):
                continue
            literal = 1.0 if kind == ARABIC else fuzz.ratio(want, plain(label)) / 100.0
            sim = KIND_SIM[kind] - LITERAL_WEIGHT * (1.0 - literal)
            self._keep(hits, Hit(place, sim, label, f"{KIND_WORD[kind]} '{label}'"))
        tokens = words(name)
        if not hits and len(tokens) >= 2 and tokens[0] in GENERIC_HEADS and not strict:
            # "Hazrati Imam Sahib", "Tall Shanan": the gazetteer may know the name without its head
            for hit in self.exact(" ".join(tokens[1:]), country).values():
                hit.sim *= KIND_SIM[GENERIC]
                hit.how = f"{hit.how}, without the head word '{tokens[0]}'"
                self._keep(hits, hit)
        mm = burmese_key(name) if country == "MM" and not strict else ""
        if len(mm) > 6:  # "mm:" and four letters at least
            for place, label in self.rows("SELECT place, label FROM name WHERE fold = ? AND country = 'MM'", (mm,)):
                if OSA.normalized_similarity(want, plain(label)) < BURMESE_LETTERS:
                    continue  # the key is loose: the letters must stay close ("Hpa Lu Gyi" ≠ "Balawkhi")
                sim = KIND_SIM[BURMESE] - LITERAL_WEIGHT * (1.0 - fuzz.ratio(want, plain(label)) / 100.0)
                self._keep(hits, Hit(place, sim, label, f"{KIND_WORD[BURMESE]} '{label}'"))
        if country and not strict:  # (a namesake elsewhere in the country is no reason to skip it)
            self._consonants(name, country, hits)
        return hits

    def _consonants(self, name: str, country: str, hits: dict[int, Hit]) -> None:
        """Names known only in Arabic script (Yemen's village list), met by the consonants of a
        Latin spelling; a looser tier than a name's own letters, so never an exact match."""
        key = consonant_key(name)
        if len(key) < CONSONANT_MIN:
            return
        for place, label in self.rows("SELECT place, label FROM name WHERE fold = ? AND country = ? AND kind = ?",
                                      (key, country, CONSONANTS)):
            self._keep(hits, Hit(place, KIND_SIM[CONSONANTS], label, f"{KIND_WORD[CONSONANTS]} '{label}'", SKELETON))

    def prefix(self, name: str, country: str, limit: int = 200) -> dict[int, Hit]:
        """Places of the country with a name that begins like ``name`` ("Baqim as Suq" for
        "Baqim"), by fold key; the caller checks the words."""
        key = fold(name)
        hits: dict[int, Hit] = {}
        if len(key) < 4:
            return hits
        for place, kind, label in self.rows(
            "SELECT place, kind, label FROM name WHERE fold > ? AND fold < ? AND country = ?"
            f" LIMIT {limit}", (key, key + "\uffff", country)
        ):
            self._keep(hits, Hit(place, KIND_SIM[kind] * 0.95, label, f"{KIND_WORD[kind]} '{label}'", SKELETON))
        return hits

    def fuzzy(self, name: str, country: str | None, hits: dict[int, Hit]) -> dict[int, Hit]:
        """Add skeleton (tier 2) and block (tier 3) matches to ``hits``."""
        key = fold(name)
        if has_arabic(key) or has_myanmar(key) or len(key) < 4:
            return hits
        skel = skeleton(key)
        extra, args = self._where_country(country)
        if len(skel) >= 2:
            # a shared skeleton of 3+ consonants is evidence in itself (vowels are what
            # transliterations disagree on most); a short one only with close spelling
            floor = {2: 0.0, 3: 0.84, 4: 0.87}.get(len(skel), 0.90)
            for place, kind, label, _other in self.rows(
                "SELECT place, kind, label, fold FROM name WHERE skel = ?" + extra
                + f" LIMIT {MAX_BLOCK}", (skel, *args)
            ):
                spelled = spelling_similarity(name, label)
                if spelled < (SKELETON_MIN if floor else 0.8) or not words_agree(name, label):
                    continue
                sim = min(FUZZY_CAP, max(spelled, floor)) * (0.95 if kind == GENERIC else 1.0)
                self._keep(hits, Hit(place, sim, label, f"spelling close to '{label}'", SKELETON))
        best = max((h.sim for h in hits.values()), default=0.0)
        if best >= 0.9 or len(key) < 5 or len(skel) < 3:
            return hits
        rows = self.rows(
            "SELECT place, kind, label, fold FROM name WHERE skel >= ? AND skel < ?" + extra
            + f" LIMIT {MAX_BLOCK}", (skel[:3], skel[:3] + "\uffff", *args)
        )
        if not rows:
            return hits
        folds = [r[3] for r in rows]
        # indel ratio in C++ as a sieve, then the edit-by-edit similarity on the few left
        for _other, _ratio, i in process.extract(key, folds, scorer=fuzz.ratio,
                                                 score_cutoff=(FUZZY_CUTOFF - 0.1) * 100, limit=50):
            place, kind, label, _ = rows[i]
            score = spelling_similarity(name, label)
            if score < FUZZY_CUTOFF or not words_agree(name, label):
                continue
            sim = min(FUZZY_CAP, score) * (0.95 if kind == GENERIC else 1.0)
            self._keep(hits, Hit(place, sim, label, f"fuzzy match of '{label}' ({score:.2f})", FUZZY))
        return hits

    @staticmethod
    def _keep(hits: dict[int, Hit], hit: Hit) -> None:
        if hit.place not in hits or hits[hit.place].sim < hit.sim:
            hits[hit.place] = hit


def words_agree(name: str, label: str) -> bool:
    """Two names of as many words must be close word by word ("Kafr Nabl" is not "Kafr Nabudah"
    however close the joined keys are); names split differently are not compared."""
    a, b = words(name), words(label)
    if len(a) != len(b) or len(a) < 2:
        return True
    # a word may differ in its vowels, or by a letter or two, but not in a consonant of a short
    # word ("Maaret al-Naasan" is not "Maarat al-Numan")
    return all(skeleton(fold(x)) == skeleton(fold(y)) or spelling_similarity(x, y) >= 0.84
               for x, y in zip(a, b, strict=True))


def same_letters(name: str, label: str) -> bool:
    """Equal letters, up to accents, doubled letters, a final -h and a leading article
    ("Al Bab" = "Bab", "Hamah" = "Hama")."""
    if has_arabic(name):
        return True

    def forms(text: str) -> set[str]:
        tokens = ascii_fold(text).split()
        out = {plain(text)}
        if len(tokens) > 1 and tokens[0] in ARTICLES:
            out.add(plain(" ".join(tokens[1:])))
        return {f[:-1] if f.endswith("h") and len(f) > 3 else f for f in out}

    return bool(forms(name) & forms(label))
