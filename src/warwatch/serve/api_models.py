"""The shapes of the REST API's responses (pydantic), so /docs documents them and responses are checked."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class ErrorOut(BaseModel):
    """Every error: a message a person can read, and FastAPI's ``detail`` (a string or a list of errors)."""

    message: str
    detail: Any = None


class EventOut(BaseModel):
    """One event row. Column names follow ACLED's; ``country`` is the name, ``country_code`` ISO alpha-2."""

    event_id: str = Field(description="ACLED-style id: ISO3 + number, e.g. SYR12")
    event_date: date | None
    year: int | None
    time_precision: int = Field(description="1 day, 2 week, 3 month")
    event_type: str
    sub_event_type: str
    actor1: str | None
    assoc_actor_1: str | None
    actor2: str | None
    assoc_actor_2: str | None
    civilian_targeting: bool
    country: str | None
    country_code: str | None
    admin1: str | None
    admin2: str | None
    location: str | None
    latitude: float | None
    longitude: float | None
    geo_precision: int | None = Field(description="1 town, 2 near a town / part of a region, 3 region")
    place_text: str | None = Field(description="the place name as the source wrote it")
    fatalities: int | None = Field(description="best estimate; null when no source gave a figure")
    injuries: int | None
    weapon: str | None
    target: str | None
    actor_attributed: bool = Field(description="the perpetrator is only believed or suspected")
    confidence: float
    grade: str | None = Field(description="corroboration grade (single_source, corroborated, contested)")
    flags: list[str] = Field(default_factory=list, description="why the event is contested or disputed")
    fatalities_low: int | None = None
    fatalities_high: int | None = None
    n_sources: int = Field(description="independent sources (a copy counts as its original)")
    n_articles: int | None = Field(None, description="every article behind the event, copies included")
    sources: list[str]
    copies: list[str] = Field(default_factory=list, description="articles that copy another one")
    notes: str | None


class EventList(BaseModel):
    """One page of events and how many match the filters in all (exactly, or at least: see ``total_capped``)."""

    total: int = Field(description="events matching the filters; a lower bound when total_capped is true")
    total_capped: bool = Field(
        False, description="true when more events match than were counted: total is then a lower bound (at least"
        " the server's cap, 10,000 by default) and more than total match. Counts up to the cap, and counts the"
        " indexes give for free (no filter), are always exact; exact_total=true asks for the exact count")
    offset: int
    limit: int
    sort: str
    events: list[EventOut]


class EventPoints(BaseModel):
    """The located events matching the filters, one compact row each, for drawing them on a map."""

    fields: list[str] = Field(description="what each row of points holds, in order: event_id, latitude,"
                              " longitude, event_type, fatalities")
    # rows as lists, not tuples: a tuple's schema (prefixItems) is not read by every OpenAPI tool yet
    points: list[list[str | int | float | None]] = Field(
        description="one row per located event: [event_id, latitude, longitude, event_type, fatalities]; degrees"
        " rounded to 5 decimals (about a metre); fatalities null when no source gives a figure")
    truncated: bool = Field(description="more located events match than limit let through")
    unlocated: int = Field(description="events matching the filters that have no coordinates (not in points)")
    sort: str
    offset: int
    limit: int | None


class SourceFigure(BaseModel):
    """One source's fatality figure (its highest for the event)."""

    figure: int
    source: str
    article_id: int
    claimant: str | None
    quote: str | None


class FatalityEstimates(BaseModel):
    """UCDP-style low / best / high, with every source's figure."""

    reported: list[SourceFigure]
    low: int | None
    best: int | None
    high: int | None


class ArticleRef(BaseModel):
    """A source article as an event refers to it."""

    id: int
    source: str
    title: str
    outlet: str | None
    url: str | None
    published: date | None
    doc_id: str | None
    copy_of: int | None = Field(None, description="the article this one copies (not an independent source)")


class Sentence(BaseModel):
    """An evidence (or denial) sentence, by character offsets in its article's text."""

    article_id: int
    source: str
    start: int
    end: int
    text: str


class Claim(BaseModel):
    """One field as one source claims it, with the words and sentence it was read from."""

    field: str
    value: str | None
    claimant: str | None
    quote: str | None
    attributed: bool
    article_id: int
    source: str
    sentence: str | None
    start: int
    end: int


class EventDetailOut(EventOut):
    """An event with everything behind it: sources, their figures, claims and sentences."""

    fatality_estimates: FatalityEstimates
    articles: list[ArticleRef]
    evidence: list[Sentence]
    denials: list[Sentence]
    claims: list[Claim]
    gazetteer_id: str | None
    ambiguous: bool
    runner_up: dict[str, Any] | None
    acled: dict[str, Any] = Field(description="the remaining ACLED columns (disorder_type, inter1, ...)")
    created_at: datetime
    updated_at: datetime


class ArticleMentionOut(BaseModel):
    """A sentence of the article that an event rests on (kind "evidence") or that denies it ("denial")."""

    event_id: str
    start: int = Field(description="offset in code points (not UTF-16 units) into the article text")
    end: int
    text: str
    kind: str
    event_type: str
    sub_event_type: str


class ArticleOut(ArticleRef):
    """A stored article: its full text and the sentences its events rest on."""

    ingested_at: datetime | None
    text: str
    mentions: list[ArticleMentionOut]
    events: list[str]
    rejected: str | None = Field(None, description="why the relevance gate kept the article out of the pipeline "
                                                   "(it was stored unparsed); null for an article that was read")


class Count(BaseModel):
    """Events and reported fatalities."""

    events: int
    fatalities: int


class DayStats(Count):
    """One day: totals, and the same per event type."""

    date: date
    by_type: dict[str, Count]


class DailyStats(BaseModel):
    """Events and fatalities per day by event type, for the filtered events."""

    event_types: list[str]
    days: list[DayStats]
    undated: Count
    total: Count


class FacetValue(BaseModel):
    value: str
    count: int


class TypeFacet(BaseModel):
    """One ACLED event type with its count and its sub-event types' ("" groups stray sub-types)."""

    value: str
    count: int
    sub_event_types: list[FacetValue]


class Facets(BaseModel):
    """The values the filters can take, with counts, and the range of event dates."""

    types: list[TypeFacet] = Field(description="all six ACLED event types in ACLED's order, each with its "
                                   "sub-event types, counts 0 included")
    event_type: list[FacetValue]
    sub_event_type: list[FacetValue]
    admin1: list[FacetValue]
    country: list[FacetValue]
    grade: list[FacetValue]
    date_min: date | None
    date_max: date | None
    total: int


class Layer(BaseModel):
    url: str
    attribution: str


class ClientConfig(BaseModel):
    """What the dashboard needs to know about this server."""

    tiles: Layer | None
    boundaries: Layer
    ingest: bool
    grade: bool


class IngestFailureOut(BaseModel):
    source: str
    reason: str


class IngestResult(BaseModel):
    """What an ingest request stored."""

    stored: int
    duplicates: int
    mentions: int
    events: list[str]
    failures: list[IngestFailureOut]
    rejected: int = Field(0, description="of the stored articles, those the relevance gate kept out (not parsed)")
