"""The relevance gate: a cheap test, before spaCy parses an article, of whether it can hold an event.

Most news is not about armed conflict, and spaCy's parse is the dearest step of the pipeline. The gate
reads the article as lower-case words, finds the phrases of a vocabulary (``lexicons/relevance.json``,
each group with the reason it is there) and scores each sentence:

1. A word that only conflict, protest or political violence uses ("airstrike", "militants",
   "protesters", "ceasefire") is a *strong* cue: one is enough.
2. A word that ordinary news uses too ("killed", "police", "attack", "arrested", "troops") is a *weak*
   cue, of one kind (harm, force, violent act, weapon...). A sentence needs weak cues of two kinds
   ("police arrested", "soldiers were killed"), since an earthquake kills and a striker attacks, but
   no earthquake has soldiers.
3. A figurative use ("price war", "heart attack", "ran riot", "bombshell") is read as one phrase and
   counts for nothing.
4. An article whose words place it in a field with a war-like jargon (sport, markets, films and games,
   commemorations, disasters, medicine) gets less from its weak cues: "blast", "crushed" and "shot" are
   the match report's own words there. Strong cues keep their weight.
5. A short text (a brief, a feed summary, a snippet: the lexicon says how short) is read as one
   sentence, and one weak cue is enough: it has no room for a second one.

An article passes when one sentence (or the title) reaches the threshold. Everything is word
look-ups in dictionaries, no regular expression per cue: the gate costs a small fraction of a parse
(``bench/relevance.py`` measures the ratio). The verdict says why, in words a reader can check
(``warwatch articles --rejected``). Recall comes first: an article wrongly rejected is an event lost,
one wrongly let through only costs a parse (the extractor yields no event from ordinary news).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from warwatch.extract.lexicon import load

_WORD = re.compile(r"[a-z0-9]+")
#: a sentence ends at . ! ? or a line break (headlines, bullet lines and captions end at the line)
_SENTENCE = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+|\s*\n\s*")
_MONTH = re.compile(r"\bMarch\b")
_APOSTROPHES = str.maketrans({"’": "", "'": "", "‘": "", "`": ""})
#: endings ``word+`` stands for in the lexicon: enough for English inflection, harmless when one is no word
_ENDINGS = ("", "s", "es", "ed", "d", "ing", "er", "ers", "ings")


def words(text: str) -> list[str]:
    """The lower-case words of ``text``: apostrophes dropped ("army's" is "armys"), hyphens split."""
    return _WORD.findall(text.lower().translate(_APOSTROPHES))


def expand(term: str) -> list[tuple[str, ...]]:
    """The word sequences a lexicon term stands for: ``"air strike+"`` is "air strike", "air strikes",
    "air striked"... (the ending goes on the last word; a final "e" is dropped before "ing")."""
    if not term.endswith("+"):
        return [tuple(words(term))]
    *head, last = words(term[:-1])
    forms = {last + e for e in _ENDINGS}
    if last.endswith("e"):
        forms |= {last[:-1] + e for e in ("ing", "ings")}
    return [(*head, form) for form in sorted(forms)]


@dataclass(frozen=True)
class Verdict:
    """The gate's decision on one article."""

    relevant: bool
    #: the best sentence's score (the threshold is the lexicon's)
    score: float
    #: why, in words: the cues the decision rests on
    reason: str


@dataclass(frozen=True)
class _Entry:
    kind: str  # "cue", "figurative" or "context"
    group: str
    weight: float = 0.0
    strong: bool = False


class Gate:
    """The vocabulary scorer, built once from a lexicon (the packaged one by default)."""

    def __init__(self, lexicon: dict[str, Any] | None = None) -> None:
        lexicon = lexicon if lexicon is not None else load("relevance")
        self.threshold = float(lexicon["threshold"])
        self.short_words = int(lexicon["short"]["words"])
        self.short_threshold = float(lexicon["short"]["threshold"])
        self.entries: dict[tuple[str, ...], _Entry] = {}
        for name, group in lexicon["cues"].items():
            entry = _Entry("cue", name, float(group["weight"]), float(group["weight"]) >= self.threshold)
            self._add(group["terms"], entry)
        for name, group in lexicon["figurative"].items():
            self._add(group["terms"], _Entry("figurative", name))
        self.context_share = float(lexicon["context_share"])
        self.contexts: dict[str, tuple[int, float]] = {}
        for name, group in lexicon["contexts"].items():
            self.contexts[name] = (int(group["min_words"]), float(group["damping"]))
            self._add(group["terms"], _Entry("context", name))
        self.longest = max(len(k) for k in self.entries)
        self.first = {k[0] for k in self.entries}

    def _add(self, terms: Iterable[str], entry: _Entry) -> None:
        for term in terms:
            for key in expand(term):
                other = self.entries.get(key)
                if other is not None and other != entry:
                    raise ValueError(f"relevance lexicon: {' '.join(key)!r} is in {other.group} and {entry.group}")
                self.entries[key] = entry

    def _scan(self, tokens: list[str]) -> list[tuple[str, _Entry]]:
        """The lexicon's phrases in these words, longest first at each word, left to right."""
        found = []
        i, n = 0, len(tokens)
        while i < n:
            if tokens[i] in self.first:
                for size in range(min(self.longest, n - i), 0, -1):
                    entry = self.entries.get(tuple(tokens[i:i + size]))
                    if entry is not None:
                        found.append((" ".join(tokens[i:i + size]), entry))
                        i += size
                        break
                else:
                    i += 1
            else:
                i += 1
        return found

    def judge(self, text: str, title: str = "") -> Verdict:
        """Whether the article (its title, when the text does not begin with it, and its text) can hold an event."""
        if title and not text.lstrip().startswith(title.strip()):
            text = f"{title}\n{text}"
        # the month, not the march: the one cue that is a word of the calendar, told apart by its capital
        pieces = [words(s) for s in _SENTENCE.split(_MONTH.sub("Marzo", text)) if s]
        short = sum(map(len, pieces)) <= self.short_words
        if short:  # no room for a second sentence's cue: the whole text is one sentence
            pieces = [[w for piece in pieces for w in piece]]
        threshold = self.short_threshold if short else self.threshold
        sentences = [self._scan(piece) for piece in pieces]
        damping, fields = self._field(sentences)
        best, best_cues = 0.0, []
        for found in sentences:
            groups: dict[str, tuple[float, str]] = {}  # a group counts once a sentence, at its best
            for phrase, entry in found:
                if entry.kind == "cue":
                    weight = entry.weight if entry.strong else entry.weight * damping
                    if entry.group not in groups or groups[entry.group][0] < weight:
                        groups[entry.group] = (weight, phrase)
            score = sum(w for w, _ in groups.values())
            if score > best:
                best, best_cues = score, [p for _, p in groups.values()]
        best = round(best, 3)
        if best >= threshold:
            return Verdict(True, best, "conflict vocabulary: " + _quoted(best_cues))
        found = [x for s in sentences for x in s]
        weak = [p for p, e in found if e.kind == "cue" and not e.strong]
        parts = ["weak cues only: " + _quoted(weak, 6) if weak else "no word of conflict"]
        if fields:
            parts.append(f"in the language of {' and '.join(sorted(fields))}")
        figurative = [p for p, e in found if e.kind == "figurative"]
        if figurative:
            parts.append("figurative: " + _quoted(figurative, 4))
        return Verdict(False, best, "; ".join(parts) + f" (score {best:g} < {threshold:g})")

    def _field(self, sentences: list[list[tuple[str, _Entry]]]) -> tuple[float, list[str]]:
        """The damping of weak cues and the fields that call for it. Context words are counted over the
        whole text, each distinct word once; a field damps only where its words are not far fewer than the
        conflict words (a war report that quotes analysts on the millions it costs is no market report)."""
        seen: dict[str, set[str]] = {}
        said: set[str] = set()
        for found in sentences:
            for phrase, entry in found:
                if entry.kind == "context":
                    seen.setdefault(entry.group, set()).add(phrase)
                elif entry.kind == "cue":
                    said.add(phrase)
        damping, fields = 1.0, []
        for name, phrases in seen.items():
            least, factor = self.contexts[name]
            if len(phrases) >= max(least, len(said) * self.context_share):
                fields.append(name)
                damping = min(damping, factor)
        return damping, fields


def _quoted(phrases: Iterable[str], most: int | None = None) -> str:
    return ", ".join(f"'{p}'" for p in list(dict.fromkeys(phrases))[:most])


@cache
def default_gate() -> Gate:
    """The gate over the packaged lexicon, built once per process."""
    return Gate()


def judge(text: str, title: str = "") -> Verdict:
    """:meth:`Gate.judge` with the packaged lexicon."""
    return default_gate().judge(text, title)
