"""One event's fields from all its sources: every claim kept, figures reconciled, a grade and a confidence.

:func:`fuse_fields` turns the reports of one event (each the mentions of one article) into the
columns of the ``events`` table. The place, date, type and note are the seed's (the most precise
report, :func:`~warwatch.fuse.units.priority`); the rest is reconciled across sources:

- **sources**: articles that copy another article (:mod:`warwatch.fuse.copies`) count as their
  original; articles of the same outlet count once. ``n_independent`` is what is left.
- **event_type**, **actor1** and **sub_event_type** (among the mentions of that type): what
  most independent sources say; a tie goes to the seed.
- **fatalities / injuries**: each article's figure is the highest it gives for the event;
  "no casualties" (0) only stands when no source gives a positive figure. ``low`` / ``high``
  are the smallest and largest figures, ``best`` the median of the independent sources'
  (each source's smallest), rounded down; the ACLED ``fatalities`` column is ``low``, ACLED's
  most conservative credible figure: counts that a report from any outlet says have risen ("the
  toll rose to 23") are superseded first, and a war's or a period's total sets nothing.
  Conflicting figures are flagged, not averaged away.
- **grade** (documented in docs/fusion.md): ``contested`` when independent sources blame
  different named parties (:func:`competing_claims`) or a denial is reported; else
  ``corroborated`` with two or more independent sources; else ``single_source``.
- a **province-level report** that joined a finer event (it was the one event of its province
  that day) is kept with its claims, but sets no field and corroborates nothing.
- **confidence**: ``1 − (1 − c₁) · Π (1 − c_i / 2)`` over the independent sources' best mention
  confidences (c₁ the highest), times 0.75 when contested.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from warwatch.errors import InputError
from warwatch.fuse.group import fold, summarise
from warwatch.fuse.units import specific
from warwatch.models import Mention

GRADES = ("single_source", "corroborated", "contested")
#: how much a second, third... independent source adds (the first counts fully)
CORROBORATION_WEIGHT = 0.5
CONTESTED_FACTOR = 0.75


def normal_grade(text: str) -> str:
    """A grade as the user may type it ("single source", "Single-Source") in its stored form."""
    grade = "_".join(text.strip().lower().replace("-", " ").split())
    if grade not in GRADES:
        raise InputError(f"unknown grade {text!r}: one of {', '.join(g.replace('_', '-') for g in GRADES)}")
    return grade


def source_key(outlet: str | None, url: str | None, article_id: int) -> str:
    """Who an (original) article counts as: its outlet, else its web site, else itself."""
    if outlet and outlet.strip():
        return "outlet:" + fold(outlet)
    host = (urlsplit(url).hostname or "") if url else ""
    host = host[4:] if host.startswith("www.") else host
    return f"site:{host}" if host else f"article:{article_id}"


@dataclass
class SourceReport:
    """One report of an event with what :func:`fuse_fields` needs to know about its article."""

    mentions: list[Mention]
    article_id: int
    #: who the report counts as: the outlet of the original it copies (or its own)
    source_key: str
    #: True for the event's seed (exactly one report)
    seed: bool = False
    #: True when the article copies another (its claims are kept but corroborate nothing)
    copy: bool = False


#: "the death toll rose to 23", "had risen to at least 29 by evening", "climbed to 40": the
#: figure after it is a later count that supersedes lower ones
_RISEN = re.compile(r"\b(?:rose|risen|rising|climbed|increased|jumped|mounted|grew|reached)\s+to\s+"
                    r"(?:at\s+least\s+|more\s+than\s+|over\s+|nearly\s+|almost\s+)?([\d,]+)", re.I)
#: a figure for a war, a campaign or a period, not for the incident: it never sets an event's toll
_AGGREGATE = re.compile(
    r"\b(?:since\s+(?:the\s+(?:start|beginning|outbreak)|it\s+(?:began|started)|\d{4}|january|february|march|"
    r"april|may|june|july|august|september|october|november|december)|so\s+far\s+this\s+(?:year|month)"
    r"|(?:war|conflict|fighting|insurgency|crisis)\s+(?:has|have|had)\s+(?:killed|claimed)"
    r"|in\s+(?:the\s+)?(?:past|last)\s+(?:few\s+)?(?:\w+\s+)?(?:weeks|months|years))", re.I)


#: counts in words, which ACLED turns into numbers by convention ("dozens" = 12)
_VAGUE = re.compile(r"\b(?:dozens|a\s+dozen|scores|tens|hundreds|several)\b", re.I)


def rising(m: Mention) -> bool:
    """Does the mention give its death toll as one that has risen? The extractor's flag, or the
    sentence saying "rose to N" of the mention's own figure (the flag is not stored, the sentence is)."""
    if m.fatalities_rising:
        return True
    if m.fatalities is None:
        return False
    return any(match.group(1).replace(",", "") == str(m.fatalities) for match in _RISEN.finditer(m.evidence.text))


def aggregate(m: Mention) -> bool:
    """Is the mention's figure a war's, a campaign's or a period's total rather than the incident's?"""
    return bool(_AGGREGATE.search(m.evidence.text))


def _figures(reports: Sequence[SourceReport], attr: str) -> tuple[dict[int, int], dict[str, int]]:
    """Each article's figure (its highest), and each independent source's (its smallest article figure)."""
    per_article: dict[int, int] = {}
    keys: dict[int, str] = {}
    for r in reports:
        for m in r.mentions:
            value = getattr(m, attr)
            if value is not None and aggregate(m):
                continue
            if value is not None and value > per_article.get(r.article_id, -1):
                per_article[r.article_id] = value
                keys[r.article_id] = r.source_key
    positive = {a: v for a, v in per_article.items() if v > 0}
    used = positive or per_article
    per_source: dict[str, int] = {}
    for article, value in used.items():
        key = keys[article]
        per_source[key] = min(value, per_source.get(key, value))
    return per_article, per_source


def estimates(reports: Sequence[SourceReport], attr: str = "fatalities") -> dict:
    """UCDP-style low / best / high of a figure, and whether the sources disagree.

    ``low`` is ACLED's most conservative credible figure: a count that a report (from any outlet)
    says has since risen ("the toll rose to 23") is superseded by the risen figure, and of the
    figures left the lowest stands. A 0 never stands beside a positive figure, and a war's or a
    period's total (:func:`aggregate`) is no figure of the incident.
    """
    per_article, per_source = _figures(reports, attr)
    if not per_source:
        return {"low": None, "best": None, "high": None, "conflict": False}
    used = [v for v in per_article.values() if v > 0] or list(per_article.values())
    risen = [m.fatalities for r in reports for m in r.mentions
             if attr == "fatalities" and m.fatalities and rising(m) and not aggregate(m)]
    floor = max(risen, default=0)
    credible = [v for v in used if v >= floor] or used
    if attr == "fatalities":
        # "dozens were killed" (12 by ACLED's rule) beside "29 were killed": the word is a rough
        # count of the same dead, not a lower credible figure
        vague = {m.fatalities for r in reports for m in r.mentions
                 if m.fatalities and _VAGUE.search(m.fatalities_text or "")}
        precise = [v for v in credible if v not in vague]
        credible = [v for v in credible if v not in vague or not any(p >= v for p in precise)] or credible
    values = sorted(v for v in per_source.values() if v >= floor) or sorted(per_source.values())
    return {"low": min(credible), "best": values[(len(values) - 1) // 2], "high": max(used),
            "conflict": len(set(per_article.values())) > 1}


def _winner(reports: Sequence[SourceReport], attr: str) -> Mention | None:
    """The first mention of the value of ``attr`` that most independent sources give (reports in
    order, the seed first, so a tie goes to the seed's value)."""
    votes: dict[str, set[str]] = {}
    first: dict[str, tuple[int, Mention]] = {}
    for rank, r in enumerate(reports):
        for m in r.mentions:
            value = getattr(m, attr)
            if value:
                votes.setdefault(value, set()).add(r.source_key)
                first.setdefault(value, (rank, m))
    if not votes:
        return None
    best = min(votes, key=lambda v: (-len(votes[v]), first[v][0]))
    return first[best][1]


def _vote(reports: Sequence[SourceReport], attr: str) -> str | None:
    winner = _winner(reports, attr)
    return getattr(winner, attr) if winner is not None else None


def _province_only(r: SourceReport) -> bool:
    return all(m.place is not None and m.place.located and (m.place.geo_precision or 1) >= 3 for m in r.mentions)


def competing_claims(reports: Sequence[SourceReport]) -> bool:
    """Do independent sources blame different parties? ("Russian jets" in one, "Syrian jets" in another.)

    Only named parties count ("gunmen" blames nobody), and only as the side that acted: two
    sources that name the same two sides in another order agree, as does a source that names
    one of them only. Copies count as their original (they share its source key). The caller
    does not ask for battles, where both sides act and nobody claims responsibility.
    """
    said: dict[str, set[tuple[str, str | None]]] = {}
    for r in reports:
        for m in r.mentions:
            if specific(m.actor1):
                said.setdefault(r.source_key, set()).add((m.actor1, m.actor2))  # type: ignore[arg-type]
    keys = sorted(said)
    for i, one in enumerate(keys):
        for other in keys[i + 1:]:
            for a1, a2 in said[one]:
                for b1, b2 in said[other]:
                    if a1 != b1 and a1 != b2 and b1 != a2:
                        return True
    return False


def confidence(per_source: Sequence[float], contested: bool) -> float:
    """Noisy-OR of the independent sources' confidences: the best counts fully, others by half."""
    if not per_source:
        return 0.0
    values = sorted(per_source, reverse=True)
    doubt = 1.0 - values[0]
    for c in values[1:]:
        doubt *= 1.0 - CORROBORATION_WEIGHT * c
    score = 1.0 - doubt
    return round(score * CONTESTED_FACTOR if contested else score, 2)


def fuse_fields(reports: Sequence[SourceReport]) -> dict:
    """The ``events`` columns of one fused event (see the module docstring for the rules)."""
    if not reports:
        raise ValueError("fuse_fields() needs at least one report")
    seed = next((r for r in reports if r.seed), reports[0])
    ordered = [seed, *[r for r in reports if r is not seed]]
    fields = summarise(seed.mentions)
    everything = [m for r in ordered for m in r.mentions]
    # a province-level report that joined a finer event keeps its claims, but its figures and its
    # word are about the province: they neither set the event's fields nor corroborate it
    if (fields["geo_precision"] or 3) < 3:
        ordered = [r for r in ordered if r is seed or not _province_only(r)]
    # the type most independent sources give (a tie goes to the seed), then its sub-type
    fields["event_type"] = _vote(ordered, "event_type") or fields["event_type"]
    typed = [SourceReport(mentions=[m for m in r.mentions if m.event_type == fields["event_type"]],
                          article_id=r.article_id, source_key=r.source_key, seed=r.seed) for r in ordered]
    fields["sub_event_type"] = _vote(typed, "sub_event_type") or fields["sub_event_type"]
    winner = _winner(ordered, "actor1")
    if winner is not None:
        claims = [m for m in everything if m.actor1 == winner.actor1]
        fields.update(actor1=winner.actor1, assoc_actor_1=winner.assoc_actor1,
                      actor_attributed=all(m.actor_attributed for m in claims))
        if winner.actor2:
            fields.update(actor2=winner.actor2, assoc_actor_2=winner.assoc_actor2)
    if fields["actor2"] is None:
        other = next((m for m in everything if m.actor2 and m.actor2 != fields["actor1"]), None)
        if other is not None:
            fields.update(actor2=other.actor2, assoc_actor_2=other.assoc_actor2)
    # the weapon of a report of the sub-event type chosen (a "shelling" seed outvoted by "air
    # strike" reports does not keep its shells)
    kind = [SourceReport(mentions=[m for m in r.mentions if m.sub_event_type == fields["sub_event_type"]],
                         article_id=r.article_id, source_key=r.source_key, seed=r.seed) for r in ordered]
    fields["weapon"] = _vote(kind, "weapon") or _vote(ordered, "weapon")
    if fields["target"] is None:
        fields["target"] = next((m.target for m in everything if m.target), None)
    fields["civilian_targeting"] = any(m.civilian_targeting for m in everything)
    deaths, injuries = estimates(ordered, "fatalities"), estimates(ordered, "injuries")
    fields.update(fatalities=deaths["low"], fatalities_low=deaths["low"], fatalities_best=deaths["best"],
                  fatalities_high=deaths["high"], injuries=injuries["low"])
    flags = []
    if fields["event_type"] != "Battles" and competing_claims(ordered):
        flags.append("competing_claims")
    if any(m.denials for m in everything):
        flags.append("denial")
    if deaths["conflict"]:
        flags.append("conflicting_fatalities")
    if injuries["conflict"]:
        flags.append("conflicting_injuries")
    best: dict[str, float] = {}
    for r in ordered:
        for m in r.mentions:
            best[r.source_key] = max(m.confidence, best.get(r.source_key, 0.0))
    contested = "competing_claims" in flags or "denial" in flags
    fields["n_independent"] = len(best) or 1
    fields["grade"] = "contested" if contested else ("corroborated" if len(best) >= 2 else "single_source")
    fields["flags"] = flags
    fields["confidence"] = confidence(list(best.values()), contested)
    return fields
