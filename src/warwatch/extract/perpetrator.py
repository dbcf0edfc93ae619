"""Who did it: the perpetrator a sentence names for its event, and who were the victims.

A party the actor lexicon knows is the perpetrator when the event's trigger hangs from it (its
subject, its agent, a word or two away); not when it only speaks of the attack, did something else
("agreed to leave Douma, hours after a chemical attack"), or is the side whose ground was hit.
"""

from __future__ import annotations

import re

from spacy.tokens import Span, Token

from warwatch.extract.actors import ActorRef
from warwatch.extract.extraction import _Sentence
from warwatch.extract.triggers import Trigger

_PRONOUNS = {"it", "we", "they"}
_MILITARY_VICTIMS = re.compile(
    r"\b(soldiers?|troops|servicem[ae]n|military (base|post|position|convoy|checkpoint|patrol|camp)s?|army (base|post|"
    r"position|checkpoint|patrol)s?|checkpoints?|police (station|post|officers|checkpoint|patrol)s?|policem[ae]n|"
    r"fighters|militants|militiam[ae]n|militias?|insurgents|"
    r"rebels|terrorists|jihadists|gendarmes?|personnel|"
    # any "forces" as the target: "security forces", and those named by nation or side ("fired on
    # the Ukrainian forces", "attacked pro-Hadi forces")
    r"forces|positions|bases?|patrols?|convoys?|barracks|outposts?)\b",
    re.I,
)
_CIVILIAN_VICTIMS = re.compile(
    r"\b(civilians?|villagers|residents|farmers|wom[ae]n|m[ae]n|children|child|boy|girl|famil(y|ies)|worshippers|"
    r"passengers|displaced|shepherds?|students|person|people|individuals?|traders?|merchants?|businessm[ae]n|"
    r"leaders?|pastoralists?|herders?|journalists?|teachers?|doctors?|drivers?|fishermen|workers?|victims?|chiefs?|"
    r"elders?|imams?|priests?|pastors?|clerics?|monks?|nuns?|nurses?|activists?|lawyers?|judges?|officials?)\b",
    re.I,
)
_SPEECH_VERBS = {"say", "tell", "report", "announce", "state", "add", "confirm", "claim", "write", "post"}


def _victims(sent: Span, words: re.Pattern[str]) -> bool:
    """The sentence names such people as targets, not as the ones who attack: "FARDC soldiers
    killed a man" has soldiers, but as the subject; "killed two soldiers" has them as victims."""
    base = sent.start_char
    for match in words.finditer(sent.text):
        token = next((t for t in sent if t.idx - base >= match.start()), None)
        if token is None:
            continue
        token = _noun_head(token)
        if token.dep_ in ("nsubj", "appos") or (token.dep_ == "conj" and token.head.dep_ == "nsubj"):
            continue  # the attackers
        return True
    return False


# the side whose ground was hit, not the attacker: "the headquarters of the KIA", "KIA-controlled"
_VICTIM_SIDE_BEFORE = re.compile(
    r"\b(?:(?:headquarters|stronghold|bastion|base|bases|camp|camps|territory|positions?|areas?|outposts?)\s+of"
    r"|(?:controlled|held|run|administered|besieged)\s+by)\s+(?:the\s+)?(?:[\w' -]{2,50}\(\s*)?$", re.I)
_VICTIM_SIDE_AFTER = re.compile(r"^\s*[-‐]\s*(?:controlled|held|run|administered)\b", re.I)


def _pronoun_subject(trigger: Trigger) -> bool:
    """True when the trigger's clause has a pronoun for a subject ("it targeted", "we hit")."""
    verb = trigger.token if trigger.token.pos_ in ("VERB", "AUX") else trigger.token.head
    return any(c.dep_ in ("nsubj", "nsubjpass") and c.lower_ in _PRONOUNS for c in verb.children)


def _noun_head(token: Token) -> Token:
    """"police" in "a police checkpoint" → "checkpoint"."""
    while token.dep_ in ("compound", "amod") and token.head.i != token.i:
        token = token.head
    return token


def _does_something_else(s: _Sentence, actor: ActorRef, heads: list[Token]) -> bool:
    """The actor is the subject of a verb with no attack under it ("the raids came a day after
    Russia rejected a call for a ceasefire"): it did that, not the attack."""
    for t in s.span:
        if actor.start <= t.idx < actor.end and t.dep_ in ("nsubj", "nsubjpass") and t.head.pos_ == "VERB":
            verb = t.head
            if heads and all(_behind_barrier(h, verb) for h in heads):
                # "Jaish al-Islam agreed to leave Douma, hours after a chemical attack": the attack
                # is what came before the group's own act, not something it did
                return True
            if verb.lemma_.lower() in _SPEECH_VERBS and any(
                c.dep_ in ("ccomp", "parataxis") and any(
                    g.dep_ in ("nsubj", "nsubjpass") and g.lower_ not in _PRONOUNS and g.lower_ not in ("its", "their")
                    for g in c.children)
                for c in verb.children
            ):
                # "Ukraine's air force said missiles hit a factory": who speaks, not who fired
                # ("Russia said it hit" keeps Russia: the pronoun is the speaker)
                return True
            return bool(heads) and verb not in heads and not any(h in verb.subtree for h in heads)
    return False


_BARRIERS = {"after", "before", "since", "following", "amid", "despite"}


def _behind_barrier(head: Token, verb: Token) -> bool:
    """The trigger hangs from the verb through "after/before/since ...": another, earlier act."""
    node, steps = head, 0
    while node.i != verb.i and node.head.i != node.i and steps < 10:
        if node.lower_ in _BARRIERS or any(c.lower_ in _BARRIERS and c.dep_ in ("mark", "prep", "advmod")
                                           for c in node.children):
            return node.head.i == verb.i or verb in node.ancestors
        node, steps = node.head, steps + 1
    return False


def _choose_actor(s: _Sentence, triggers: list[Trigger]) -> list[ActorRef]:
    """Perpetrators named in the sentence, most likely first."""
    heads = [t.token for t in triggers]
    text, base = s.span.text, s.span.start_char  # (doc.text is rebuilt from the tokens on each access)
    parties = [a for a in s.actors if a.kind in ("state", "rebel") and not _does_something_else(s, a, heads)
               and not _VICTIM_SIDE_BEFORE.search(text[max(0, a.start - base - 40):max(0, a.start - base)])
               and not _VICTIM_SIDE_AFTER.match(text[a.end - base:a.end - base + 15])]
    if not parties:
        return []

    def rank(actor: ActorRef) -> tuple[int, int]:
        doc = s.span.doc
        tokens = [t for t in s.span if actor.start <= t.idx < actor.end]
        near = min((abs(t.i - h.i) for t in tokens for h in heads), default=99)
        subject = any(
            t.dep_ in ("nsubj", "nsubjpass", "pobj", "compound", "amod", "poss") and t.head in heads for t in tokens
        ) or any(  # "Russian forces engaged in an offensive": the subject of the verb that governs it
            t.dep_ == "nsubj" and t.head.pos_ == "VERB" and any(t.head in (h.head, h.head.head) for h in heads)
            for t in tokens
        )
        agent = any(t.head.lower_ == "by" for t in tokens)
        victim = any(_noun_head(t).head.lower_ in ("on", "against", "targeting", "at") for t in tokens)
        score = 0 if subject or agent or near <= 2 else 1 if tokens and heads and tokens[0].i < heads[0].i else 2
        del doc
        return (score + (3 if victim else 0), actor.start)

    ordered = sorted(parties, key=rank)
    if ordered and rank(ordered[0])[0] >= 3:
        return []  # "a grenade was thrown at a police checkpoint": the only party named is the target
    unique: list[ActorRef] = []
    for a in ordered:
        if all(a.name != u.name for u in unique):
            unique.append(a)
    return unique
