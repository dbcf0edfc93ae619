"""Copies: exact and near-duplicate articles (syndicated wire copy, light edits, spun rewrites).

Two steps, as near-duplicate detection usually goes:

1. **Candidates** by MinHash locality-sensitive hashing (datasketch's :class:`MinHash`, banded
   with the band/row split datasketch's :class:`MinHashLSH` picks for :data:`LSH_THRESHOLD`).
   The set hashed is the article's *name bigrams*: consecutive capitalised words and numbers
   ("Kafr Zeita", "Russian Syrian", "15 al-Habeet"). A spun rewrite swaps common words
   ("barrel bombs" → "drums of bombs") but keeps the names in their order, so these bigrams
   survive rewriting far better than word shingles do. The band keys are stored, so finding
   the candidates of a new article is one indexed query however many articles are stored.
2. **Verification** by sentence alignment: a sentence of the shorter article is matched when a
   sentence of the other has most of its content words (Jaccard ≥ :data:`SENTENCE_MATCH`) and
   the same names. The pair is a copy when at least half of the shorter article's sentences,
   and at least :data:`MIN_SHARED` of them (all of them for a shorter text), are matched.
   Paragraph order, a new headline, a changed death toll or a spun verb do not matter; two
   reports written independently about the same strike share a sentence or two at most.

Which of two copies is the original is decided by :func:`rank` (earliest publication date,
undated last), never by the order the articles were stored in.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datasketch import MinHash

# datasketch is imported where it is used: importing it loads scipy (about half a second), which every
# command that only reads the store (events, export, report, serve) would pay at start

#: MinHash permutations; the seed is fixed so that stored band keys stay comparable
NUM_PERM = 128
MINHASH_SEED = 7
#: name-bigram Jaccard similarity from which articles become candidates (about 50% are found
#: at 0.12, 80% at 0.16, 99% at 0.27; copies in the evaluation clusters are at 0.16-0.30)
LSH_THRESHOLD = 0.12
#: content-word Jaccard at which two sentences say the same thing; stricter when few sentences count
SENTENCE_MATCH = 0.4
SENTENCE_MATCH_SHORT = 0.7
#: sentences of the shorter article that must be matched: this many, and this share of them
MIN_SHARED = 3
MIN_SHARE = 0.5
#: a sentence counts with at least this many content words
MIN_WORDS = 4

_LEXICON = json.loads(resources.files("warwatch.fuse").joinpath("copies_lexicon.json").read_text(encoding="utf-8"))
_STOP = frozenset(_LEXICON["stop"])
_CALENDAR = frozenset(_LEXICON["calendar"])
_WORD = re.compile(r"[^\W_]+")
_NAME = re.compile(r"[A-Z][\w'’`-]*|\d+")
_SPLIT = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’)]))\s+|\n+")


@cache
def bands() -> tuple[int, int]:
    """(bands, rows per band) for :data:`LSH_THRESHOLD`, as datasketch's LSH optimises them."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    return lsh.b, lsh.r


@cache
def _template() -> MinHash:
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED)


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def name_bigrams(text: str) -> set[str]:
    """Consecutive capitalised words and numbers, pairwise: the features MinHash is computed on."""
    names = [n.lower() for n in _NAME.findall(_normal(text))]
    return {f"{a} {b}" for a, b in pairwise(names)}


def signature(text: str) -> MinHash | None:
    """The article's MinHash over its name bigrams; None when it has too few names to compare."""
    features = name_bigrams(text)
    if len(features) < 3:
        return None
    from datasketch import MinHash

    template = _template()
    sig = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, permutations=template.permutations, scheme=template.scheme)
    sig.update_batch([f.encode("utf-8") for f in sorted(features)])
    return sig


def band_keys(sig: MinHash) -> list[int]:
    """One signed 64-bit key per LSH band: two articles are candidates when any key is shared."""
    b, r = bands()
    values = sig.hashvalues
    keys = []
    for i in range(b):
        digest = hashlib.blake2b(values[i * r:(i + 1) * r].tobytes(), digest_size=8, person=b"ww-lsh%02d" % i)
        keys.append(int.from_bytes(digest.digest(), "big", signed=True))
    return keys


@dataclass(frozen=True, slots=True)
class _Sentence:
    words: frozenset[str]
    names: frozenset[str]


def sentences(text: str) -> list[_Sentence]:
    """The sentences worth comparing: their content words and the names in them."""
    out = []
    for raw in _SPLIT.split(_normal(text)):
        words = frozenset(w for w in (t.lower() for t in _WORD.findall(raw)) if (len(w) > 2 or w.isdigit())
                          and w not in _STOP)
        if len(words) < MIN_WORDS:
            continue
        out.append(_Sentence(words, _names(raw)))
    return out


def _names(sentence: str) -> frozenset[str]:
    """The names in a sentence, cut to their first four letters so that "Syria", "Syrian" and
    "Syria's" agree (rewrites swap "Turkey, Iran and Russia" for "Turkish, Iranian and Russian")."""
    out = set()
    for name in _NAME.findall(sentence):
        low = name.lower()
        if not low.isdigit() and low not in _STOP and low not in _CALENDAR:
            out.add(low[:4])
    return frozenset(out)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def _same_names(a: _Sentence, b: _Sentence) -> bool:
    """Names agree: a sentence about another village is another report, however alike the words."""
    if len(a.names) < 2 or len(b.names) < 2:
        return True
    return _jaccard(a.names, b.names) >= 0.5


@dataclass(frozen=True)
class Similarity:
    """How much of the shorter of two articles the longer one contains, sentence by sentence."""

    #: sentences of the shorter article with a counterpart in the other
    shared: int
    #: sentences of the shorter article that were compared
    of: int
    #: every compared sentence of both articles has an identical counterpart
    identical: bool

    @property
    def share(self) -> float:
        return self.shared / self.of if self.of else 0.0

    @property
    def is_copy(self) -> bool:
        return self.of > 0 and self.shared >= min(MIN_SHARED, self.of) and self.share >= MIN_SHARE

    @property
    def kind(self) -> str:
        """"exact" for the same text (perhaps under another headline), else "near"."""
        return "exact" if self.identical else "near"


def _align(a: list[_Sentence], b: list[_Sentence]) -> tuple[int, bool]:
    """Sentences of ``a`` with a counterpart in ``b``, and whether every one is identical."""
    threshold = SENTENCE_MATCH if len(a) >= MIN_SHARED else SENTENCE_MATCH_SHORT
    postings: dict[str, list[int]] = {}
    for j, s in enumerate(b):
        for w in s.words:
            postings.setdefault(w, []).append(j)
    shared, identical = 0, True
    for s in a:
        counts: dict[int, int] = {}
        for w in s.words:
            for j in postings.get(w, ()):
                counts[j] = counts.get(j, 0) + 1
        best, exact = 0.0, False
        for j, common in counts.items():
            score = common / (len(s.words) + len(b[j].words) - common)
            if score >= threshold and score > best and _same_names(s, b[j]):
                best, exact = score, s.words == b[j].words
        shared += best > 0
        identical = identical and exact
    return shared, identical


def compare(text_a: str, text_b: str) -> Similarity:
    """Sentence alignment of two texts; symmetric (the shorter is aligned against the longer)."""
    a, b = sentences(text_a), sentences(text_b)
    if len(a) > len(b):
        a, b = b, a
    if not a:
        return Similarity(0, 0, False)
    shared, identical = _align(a, b)
    if len(a) == len(b):
        back, back_identical = _align(b, a)
        shared, identical = max(shared, back), identical and back_identical
    else:
        identical = False
    return Similarity(shared=shared, of=len(a), identical=identical)


def rank(published: date | None, content_hash: str) -> tuple:
    """Which of two copies is the original: the one published first; undated ones last; then a
    fixed tie-break (the content hash), never the order of storing."""
    return (published is None, published or date.max, content_hash)


@dataclass(frozen=True)
class Link:
    """A near-duplicate pair as stored: the other article and how alike they are."""

    other: int
    share: float
    kind: str


def choose_original(own_rank: tuple, links: Iterable[tuple[Link, tuple]]) -> int | None:
    """The article a copy copies: of its near-duplicates that rank before it, the most alike
    (then the best ranked); None when it ranks first, i.e. it is an original."""
    before = [(link, r) for link, r in links if r < own_rank]
    if not before:
        return None
    link, _ = min(before, key=lambda lr: (-lr[0].share, lr[1]))
    return link.other
