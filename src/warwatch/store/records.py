"""What the store hands back: typed, read-only views of stored events, mentions and claims."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from warwatch.models import Evidence, Mention, Place, Toponym


@dataclass
class AddResult:
    """The outcome of :meth:`Store.add_article`."""

    article_id: int
    #: False when an identical article (same content_hash) was already stored
    created: bool
    #: event_id_cnty of the events this article's mentions went into
    events: list[str] = field(default_factory=list)


@dataclass
class ArticleInfo:
    """A source article, as an event's evidence refers to it."""

    id: int
    title: str
    outlet: str | None
    url: str | None
    published: date | None
    path: str | None
    doc_id: str | None
    #: the article this one copies (None: an original), and the original at the end of the chain
    copy_of: int | None = None
    root_id: int | None = None

    @property
    def is_copy(self) -> bool:
        return self.copy_of is not None

    @property
    def source(self) -> str:
        """The name an ACLED ``source`` column gives it: the outlet, else the document id."""
        return self.outlet or self.doc_id or self.path or f"article {self.id}"


@dataclass
class ClaimRecord:
    """One field as one mention claims it, with who claims it and the sentence it rests on."""

    id: int
    mention_id: int
    article_id: int
    #: fatalities, injuries, actor1, actor2, date, weapon, target or location
    field: str
    value: str | None
    #: the words the value was read from ("two men", "jets believed to be Russian"), if known
    quote: str | None
    claimant: str | None
    #: True when the claim is only a belief or suspicion (actor claims)
    attributed: bool
    #: character offsets of the evidence sentence in the article text
    sentence_start: int
    sentence_end: int


@dataclass
class EventRecord:
    """One row of the ``events`` table, plus the names of its sources.

    Column names follow ACLED's where ACLED has the column. ``country`` is ISO 3166-1 alpha-2;
    latitude/longitude are None for an unlocated event; ``fatalities`` None means no figure was
    reported (0 is a reported "no casualties").
    """

    id: int
    event_id_cnty: str
    event_date: date | None
    time_precision: int
    event_type: str
    sub_event_type: str
    actor1: str | None
    assoc_actor_1: str | None
    actor2: str | None
    assoc_actor_2: str | None
    civilian_targeting: bool
    country: str | None
    admin1: str | None
    admin2: str | None
    location: str | None
    latitude: float | None
    longitude: float | None
    geo_precision: int | None
    gazetteer_id: str | None
    place_text: str | None
    ambiguous: bool
    runner_up: dict | None
    fatalities: int | None
    injuries: int | None
    weapon: str | None
    target: str | None
    actor_attributed: bool
    confidence: float
    notes: str | None
    created_at: datetime
    updated_at: datetime
    #: single_source, corroborated or contested (see docs/fusion.md)
    grade: str | None = None
    #: independent sources: copies count as their original, one outlet counts once
    n_independent: int | None = None
    #: why the event is contested or its figures disputed: competing_claims, denial,
    #: conflicting_fatalities, conflicting_injuries
    flags: list[str] = field(default_factory=list)
    #: UCDP-style estimates over the sources' figures (``fatalities`` is ``fatalities_low``)
    fatalities_low: int | None = None
    fatalities_best: int | None = None
    fatalities_high: int | None = None
    #: set on an event fused into another one (such events are not listed)
    merged_into: int | None = None
    #: the independent sources (outlet, else document id), earliest first
    sources: list[str] = field(default_factory=list)
    n_sources: int = 0
    #: the articles that copy another one (not independent sources)
    copies: list[str] = field(default_factory=list)
    #: every article behind the event, copies included
    n_articles: int = 0

    @property
    def event_id(self) -> str:
        return self.event_id_cnty

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass
class MentionRecord:
    """A stored mention: the sentence of one article that reports the event, and what it claims."""

    id: int
    article: ArticleInfo
    ordinal: int
    event_type: str
    sub_event_type: str
    event_date: date | None
    time_precision: int
    date_text: str | None
    #: the evidence sentence and its offsets in the article text
    sentence: Evidence
    toponym: Toponym | None
    place: Place | None
    actor1: str | None
    assoc_actor_1: str | None
    actor2: str | None
    assoc_actor_2: str | None
    actor_attributed: bool
    actor_text: str | None
    weapon: str | None
    target: str | None
    fatalities: int | None
    fatalities_text: str | None
    injuries: int | None
    injuries_text: str | None
    civilian_targeting: bool
    claimant: str | None
    confidence: float
    denials: list[Evidence] = field(default_factory=list)
    claims: list[ClaimRecord] = field(default_factory=list)
    #: the in-article group (report) the mention belongs to
    report_id: int | None = None

    def to_mention(self) -> Mention:
        """The :class:`Mention` this record was stored from (for re-fusing stored mentions)."""
        return Mention(
            event_type=self.event_type, sub_event_type=self.sub_event_type, evidence=self.sentence,
            toponym=self.toponym, place=self.place, event_date=self.event_date,
            time_precision=self.time_precision, date_text=self.date_text, actor1=self.actor1,
            assoc_actor1=self.assoc_actor_1, actor2=self.actor2, assoc_actor2=self.assoc_actor_2,
            actor_attributed=self.actor_attributed, actor_text=self.actor_text, weapon=self.weapon,
            target=self.target, fatalities=self.fatalities, fatalities_text=self.fatalities_text,
            injuries=self.injuries, injuries_text=self.injuries_text,
            civilian_targeting=self.civilian_targeting, claimant=self.claimant,
            denials=list(self.denials), confidence=self.confidence,
        )


@dataclass
class EventDetail(EventRecord):
    """An event with everything behind it: mentions (with claims and denials) and source articles."""

    mentions: list[MentionRecord] = field(default_factory=list)
    #: the distinct source articles, earliest published first (copies included)
    articles: list[ArticleInfo] = field(default_factory=list)

    @property
    def by_source(self) -> list[tuple[ArticleInfo, list[MentionRecord]]]:
        """The mentions grouped by article, originals before copies, in the order of ``articles``."""
        grouped: dict[int, list[MentionRecord]] = {}
        for m in self.mentions:
            grouped.setdefault(m.article.id, []).append(m)
        ordered = sorted(self.articles, key=lambda a: a.is_copy)
        return [(a, grouped.get(a.id, [])) for a in ordered]

    @property
    def claims(self) -> list[ClaimRecord]:
        """Every claim of every mention."""
        return [c for m in self.mentions for c in m.claims]

    @property
    def evidence(self) -> list[tuple[ArticleInfo, Evidence]]:
        """Every evidence sentence, with the article it is in."""
        return [(m.article, m.sentence) for m in self.mentions]


@dataclass
class CopyRecord:
    """An article that copies another one (a reprint, a light edit or a spun rewrite)."""

    copy: ArticleInfo
    #: the article it copies, and the original at the end of that chain
    original: ArticleInfo
    root: ArticleInfo
    #: sentences of the shorter of the two found in the other, of how many compared
    shared: int
    of: int
    #: "exact" (the same text, perhaps under another headline) or "near"
    kind: str
