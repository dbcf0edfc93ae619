"""Fatality and injury figures of a sentence, as ACLED counts them.

Only numbers that count people are read ("more than 150 shells" is not a toll). Groups joined
by "and" add up ("13 soldiers … and seven fighters" = 20); a sub-count after "including" does
not ("10 people, including five children" = 10). Vague words use ACLED's conventions:
"dozens" = 12, "tens" = 10, "hundreds" = 100. A range keeps its low end ("1-2" = 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Span, Token

WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "dozen": 12,
    "dozens": 12,
    "tens": 10,
    "hundreds": 100,
    "scores": 20,
    "couple": 2,
    "thousands": 1000,
}
PEOPLE = {
    "people",
    "person",
    "civilian",
    "child",
    "children",
    "woman",
    "women",
    "man",
    "men",
    "member",
    "fighter",
    "soldier",
    "troop",
    "militant",
    "rebel",
    "insurgent",
    "resident",
    "villager",
    "family",
    "boy",
    "girl",
    "infant",
    "baby",
    "student",
    "worker",
    "farmer",
    "policeman",
    "officer",
    "guard",
    "personnel",
    "combatant",
    "jihadist",
    "gunman",
    "others",
    "other",
    "victim",
    "protester",
    "demonstrator",
    "volunteer",
    "rescuer",
    "doctor",
    "nurse",
    "patient",
    "journalist",
    "teacher",
    "shepherd",
    "passenger",
    "pilgrim",
    "militiaman",
    "recruit",
    "cadet",
    "commander",
    "elder",
    "individual",
    "relative",
    "brother",
    "sister",
    "son",
    "daughter",
    "mother",
    "father",
    "body",
    "idp",
    "idps",
    "refugee",
    "displaced",
    "worshipper",
    "staff",
    "employee",
    "pupil",
    "guest",
    "shopper",
    "vendor",
}
KILL = {"kill", "die", "dead", "death", "slay", "behead", "execute", "massacre", "killing", "body", "perish", "toll"}
INJURE = {"wound", "injure", "hurt", "injury", "wounded", "injured", "injuring", "wounding"}
NONE_KILLED = re.compile(
    r"\bno (reported )?(casualties|deaths|fatalities|injuries|one was (killed|hurt|injured))\b|"
    r"\bwithout (causing )?casualties\b|\bnobody was (killed|hurt)\b|\bno one was killed\b",
    re.I,
)


@dataclass
class Toll:
    """Harm reported in a sentence, with the words it was read from."""

    killed: int | None = None
    killed_text: str | None = None
    injured: int | None = None
    injured_text: str | None = None


def _value(token: Token) -> int | None:
    text = token.lower_.replace(",", "")
    # isdecimal, not isdigit: "²" and "①" are digits that int() refuses (a ValueError)
    if text.isdecimal():
        return int(text)
    m = re.fullmatch(r"(\d+)[-–](\d+)", text)
    if m:
        return int(m.group(1))
    return WORDS.get(text)


def _is_number(token: Token) -> bool:
    if token.lower_ in ("a", "an", "one"):
        return False  # "a child was killed" is read through the noun, below
    return _value(token) is not None and (token.like_num or token.lower_ in WORDS)


#: what befell people that is neither death nor injury ("30 were missing", "12 were arrested")
NOT_CASUALTIES = {"missing", "unaccounted", "arrested", "detained", "abducted", "kidnapped", "displaced", "rescued",
                  "evacuated", "released", "freed", "captured", "trapped", "stranded"}
_AUX = {"was", "were", "had", "have", "has", "are", "is", "been", "being"}


def _own_verb(token: Token, sent: Span) -> str | None:
    """The casualty word of the noun's own passive or perfect clause: "over 500 people, mostly
    women, were injured" (the parser may hang the noun on an earlier "died")."""
    seen_aux = False
    for other in token.doc[token.i + 1 : min(token.i + 12, sent.end)]:
        if other.text in (";", ".") or (_is_number(other) and not seen_aux):
            return None
        if other.lower_ in _AUX:
            seen_aux = True
            continue
        lemma = other.lemma_.lower()
        if seen_aux and (lemma in KILL or other.lower_ in KILL):
            return "killed"
        if seen_aux and (lemma in INJURE or other.lower_ in INJURE):
            return "injured"
        if seen_aux and other.lower_ in NOT_CASUALTIES:
            return "neither"  # "30 were missing": not dead, not wounded
    return None


def _category(token: Token, sent: Span) -> str | None:
    """'killed' or 'injured': the noun's own clause's casualty word, else the one that governs
    this noun, else the nearest one."""
    own = _own_verb(token, sent)
    if own is not None:
        return None if own == "neither" else own
    node, steps = token, 0
    while steps < 6:
        lemma = node.lemma_.lower()
        if lemma in KILL or node.lower_ in KILL:
            return "killed"
        if lemma in INJURE or node.lower_ in INJURE:
            return "injured"
        if node.head.i == node.i:
            break
        node, steps = node.head, steps + 1
    best, distance = None, 99
    for other in sent:
        lemma = other.lemma_.lower()
        kind = "killed" if lemma in KILL or other.lower_ in KILL else "injured" if lemma in INJURE else None
        if kind and abs(other.i - token.i) < distance:
            best, distance = kind, abs(other.i - token.i)
    return best if distance <= 6 else None


def _under_including(token: Token) -> bool:
    if token.i > 0 and token.doc[token.i - 1].lower_ == "among":
        return False  # "11 children were among 29 IDPs killed": 29 is the total
    ahead = token.doc[token.i + 1 : token.i + 5]
    if any(t.lower_ == "among" for t in ahead) and any(_is_number(t) for t in token.doc[token.i + 2 : token.i + 7]):
        return True  # "11 children were among 29 ...": 11 is a part of it
    node, steps = token, 0
    while node.head.i != node.i and steps < 4:
        if node.lower_ in ("including", "among") or node.head.lower_ in ("including", "among"):
            return True
        node, steps = node.head, steps + 1
    left = token.doc[max(token.i - 3, 0) : token.i]
    return any(t.lower_ in ("including", "among") for t in left)


def read_toll(sent: Span) -> Toll:
    """Killed and injured counts of the sentence (None where it gives none)."""
    toll = Toll()
    if NONE_KILLED.search(sent.text):
        toll.killed, toll.killed_text = 0, NONE_KILLED.search(sent.text).group(0)
    groups: dict[str, list[tuple[int, str]]] = {"killed": [], "injured": []}
    used: set[int] = set()
    for token in sent:
        if token.i in used or not _is_number(token):
            continue
        before = token.doc[max(token.i - 2, 0) : token.i]
        if len(before) == 2 and before[1].text in ("-", "–", "to") and _is_number(before[0]):
            continue  # the high end of a range: "1-2 people" counts 1
        # the counted noun: the number's head ("six civilians") or a noun just after it
        noun = token.head if token.dep_ in ("nummod", "quantmod", "amod", "compound") else None
        if noun is None or noun.lemma_.lower() not in PEOPLE:
            after = []
            for t in token.doc[token.i + 1 : min(token.i + 5, sent.end)]:
                if t.is_punct or t.pos_ in ("VERB", "AUX"):
                    break
                if t.pos_ in ("NOUN", "PROPN"):
                    after.append(t)
            noun = next((t for t in after if t.lemma_.lower() in PEOPLE or t.lower_ in PEOPLE), None)
            if noun is None and after and after[0].i == token.i + 1:
                continue  # "150 shells": a number of things, not of people
        if noun is not None and noun.lemma_.lower() not in PEOPLE and noun.lower_ not in PEOPLE:
            continue
        anchor = noun or token
        if _under_including(token):
            continue
        kind = _category(anchor, sent)
        if kind is None:
            continue
        # "at least 1-2": keep the low end; "dozens of" and "hundreds of" read as ACLED does
        value = _value(token)
        if value is None or value >= 1000:
            continue
        used.add(token.i)
        start = token.i
        while start > sent.start and token.doc[start - 1].lower_ in (
            "least",
            "at",
            "more",
            "than",
            "some",
            "about",
            "nearly",
            "around",
            "over",
            "up",
            "to",
        ):
            start -= 1
        phrase = token.doc[start : (anchor.i if anchor.i > token.i else token.i) + 1].text
        groups[kind].append((value, phrase))
    # a lone noun with an article: "a child was killed"
    for token in sent:
        if token.lower_ in ("a", "an", "one") and token.head.lemma_.lower() in PEOPLE and token.head.i not in used:
            kind = _category(token.head, sent)
            if kind and not _under_including(token) and not groups[kind]:
                groups[kind].append((1, f"{token.text} {token.head.text}"))
    if groups["killed"]:
        toll.killed = sum(v for v, _ in groups["killed"])
        toll.killed_text = "; ".join(p for _, p in groups["killed"])
    if groups["injured"]:
        toll.injured = sum(v for v, _ in groups["injured"])
        toll.injured_text = "; ".join(p for _, p in groups["injured"])
    return toll
