"""Event triggers of a sentence and whether each one reports something that happened.

A trigger is a word or phrase from ``lexicons/triggers.json``. Its *modality* is read from the
dependency tree: a trigger under a modal ("could hit"), a conditional ("if … is launched"), a
verb of warning, planning or fear ("warned of", "will target"), or a negation ("has not hit")
is not an event; one under a verb of denial ("denies using barrel bombs") is a denial.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Span, Token

from warwatch.extract.lexicon import load

# the kinds that name violence by themselves; "air" nouns (jets, helicopters) need a verb
STRONG = {"specific", "bombard", "territory", "protest", "arrest", "development"}
ATTACK_VERBS = {
    "hit",
    "strike",
    "bomb",
    "target",
    "attack",
    "drop",
    "pound",
    "destroy",
    "raid",
    "shell",
    "kill",
    "wound",
    "injure",
    "die",
    "fire",
    "launch",
    "carry",
}
_TERRITORY_NOUNS = {"capture", "recapture", "fall", "seizure", "takeover", "retake"}
_FACT_MARKS = {"after", "since", "because", "as", "while"}
# "vowed to investigate the attack that killed 22": what is investigated or condemned happened
_RESPONSE_VERBS = {"investigate", "condemn", "denounce", "probe", "mourn", "deplore", "decry", "blame"}
_DURATIONS = {"day", "week", "month", "year", "decade", "hour"}
_IRREALIS_MODIFIERS = {
    "potential", "possible", "imminent", "future", "planned", "feared", "expected", "threatened", "looming",
    "hypothetical",
}


@dataclass
class Trigger:
    """A trigger word in a sentence with its lexicon entry and modality."""

    token: Token
    end: int  # token index after the phrase
    phrase: str
    event_type: str | None
    sub_event_type: str | None
    weapon: str | None
    kind: str
    #: "event", "irrealis", "negated" or "denied"
    modality: str = "event"


@lru_cache(maxsize=1)
def _index() -> dict[str, list[tuple[list[str], dict]]]:
    index: dict[str, list[tuple[list[str], dict]]] = {}
    for entry in load("triggers")["entries"]:
        # spaCy splits "shoot-out" into shoot, -, out: split the phrase the same way
        words = re.sub(r"(?<=\w)-(?=\w)", " - ", entry["phrase"]).split()
        index.setdefault(words[0], []).append((words, entry))
    for options in index.values():
        options.sort(key=lambda o: -len(o[0]))
    return index


def _forms(token: Token) -> tuple[str, ...]:
    lower, lemma = token.lower_, token.lemma_.lower()
    if token.pos_ == "PROPN" and lemma == lower and lower.endswith("s") and len(lower) > 4:
        # a capitalised plural opening a sentence ("Airstrikes also were reported") is tagged a
        # proper noun and keeps its plural as lemma: read it as the common noun it is
        return (lower, lemma, lower[:-1])
    return (lower, lemma)


def _modality(token: Token, sent: Span) -> str:
    """Walk from the trigger up to the sentence root, reading what governs it."""
    mod = load("modality")
    irrealis, modal, marks = set(mod["irrealis_heads"]), set(mod["modal_aux"]), set(mod["conditional_marks"])
    denial, negations = set(mod["denial_heads"]), set(mod["negations"])
    if any(c.lower_ in _IRREALIS_MODIFIERS and c.dep_ in ("amod", "compound") for c in token.children):
        return "irrealis"  # "a feared chemical attack", "a potential offensive"
    if token.head.lower_ == "of" and token.head.head.lemma_.lower() in _DURATIONS:
        return "background"  # "in eight months of painful fighting": a war's length, not an incident
    if any(c.dep_ == "det" and c.lower_ in ("any", "every", "no") for c in token.children):
        return "irrealis"  # "to confront any attack": no attack in particular
    if (
        token.pos_ == "NOUN"
        and any(c.dep_ == "det" and c.lower_ == "the" for c in token.children)
        and token.lemma_.lower() in _TERRITORY_NOUNS
    ):
        return "reference"  # "The capture of Khan Sheikhoun brought Moscow closer": known history
    node, first, hops, clause = token, True, 0, False
    while True:
        children = list(node.children)
        if node.pos_ == "NOUN" and node.dep_ in ("dobj", "pobj") and node.head.lemma_.lower() in _RESPONSE_VERBS:
            return "event"
        if any(c.dep_ == "neg" or (c.lower_ in negations and c.dep_ in ("det", "neg", "advmod")) for c in children):
            return "negated"
        if any(c.dep_ in ("aux", "auxpass") and c.lower_ in modal for c in children):
            return "irrealis"
        if node.lemma_.lower() == "be" and any(
            c.dep_ == "acomp" and c.lower_ in _IRREALIS_MODIFIERS for c in children
        ):
            return "irrealis"  # "an assault ... is seemingly imminent"
        if any(c.dep_ == "mark" and c.lower_ in marks for c in children):
            return "irrealis"
        if node.lemma_.lower() in denial and hops <= 4 and not clause:
            # only what the verb itself denies ("denies using barrel bombs", "denied responsibility
            # for the attack"), not an attack in a clause hanging off its object ("rejected a call
            # for a ceasefire in Idlib, where an assault is imminent")
            return "denied"
        if not first and node.lemma_.lower() in irrealis:
            return "irrealis"
        if node.dep_ == "advcl" and any(c.lower_ in marks for c in children):
            return "irrealis"
        if node.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in _FACT_MARKS for c in children):
            # "strikes may have hit a hospital, after the group blamed an attack that killed three
            # staff": what the "after" clause says happened is asserted, whatever the main clause hedges
            return "event"
        if node.dep_ == "relcl" and node.pos_ == "VERB" and node.tag_ == "VBG" and any(
                c.dep_ == "aux" and c.lower_ in ("has", "have") for c in children):
            # "an ethnic group that has been fighting the army for autonomy": who the group is,
            # a war's background, not the incident the sentence reports
            return "background"
        if node.head.i == node.i or node.head.i < sent.start or node.head.i >= sent.end:
            return "event"
        clause = clause or (node.dep_ in ("relcl", "advcl") and node.pos_ in ("VERB", "AUX"))
        node, first, hops = node.head, False, hops + 1


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


def _fits(entry: dict, text: str) -> bool:
    """An entry's 'needs' and 'unless' conditions on its sentence ("agree" is an Agreement only in a
    sentence about a ceasefire, prisoners or armed groups; an arrest for drugs is ordinary crime)."""
    needs, unless = entry.get("needs"), entry.get("unless")
    if needs and not _regex(needs).search(text):
        return False
    return not (unless and _regex(unless).search(text))


def find_triggers(sent: Span) -> list[Trigger]:
    """Triggers of the sentence in text order, longest phrase first at each position."""
    index = _index()
    found: list[Trigger] = []
    i = sent.start
    doc = sent.doc
    while i < sent.end:
        token = doc[i]
        matched = False
        for form in _forms(token):
            for words, entry in index.get(form, ()):
                n = len(words)
                if i + n > sent.end:
                    continue
                if (all(w in _forms(doc[i + k]) for k, w in enumerate(words)) and _fits(entry, sent.text)
                        and (not entry.get("pos") or doc[i + n - 1].pos_ in entry["pos"])):
                    head = doc[i + n - 1]
                    found.append(
                        Trigger(
                            head, i + n, entry["phrase"], entry["type"], entry["sub"], entry["weapon"], entry["kind"]
                        )
                    )
                    i += n
                    matched = True
                    break
            if matched:
                break
        if not matched:
            i += 1
    for trigger in found:
        trigger.modality = _modality(trigger.token, sent)
    return found


def has_attack_verb(sent: Span) -> bool:
    """True when a verb of attack or harm stands in the sentence (for 'jets … hit')."""
    return any(t.lemma_.lower() in ATTACK_VERBS and t.pos_ in ("VERB", "NOUN") for t in sent)
