"""The typed records that pass between stages: the contract of the pipeline.

ingest → :class:`Article`; extract → :class:`Mention` (one per event mention, one place
each); geocode fills :attr:`Mention.place`; store groups mentions into :class:`Event` rows.
Every field that a coder would have to justify carries the character offsets of the
sentence it came from (:class:`Evidence`), relative to :attr:`Article.text`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date


def normalise_for_hash(text: str) -> str:
    """Text with case, accents and white space folded, so trivial copies hash alike."""
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Article:
    """One news report, as read from a file, a page or a JSONL line."""

    text: str
    title: str = ""
    published: date | None = None
    outlet: str | None = None
    url: str | None = None
    path: str | None = None
    #: a short name for the report (file stem or JSONL id), used in logs and evaluation
    doc_id: str | None = None
    #: where :attr:`published` came from, most trusted first: "manifest" (a manifest line),
    #: "record" (a JSONL record's field), "feed" (the feed entry), "page" (HTML metadata), "url"
    #: (a day in the URL path), "dateline" (printed at the top of the text), "crawl" (the day a
    #: web archive fetched the page), "default" (``--published``); None when undated (see
    #: ``ingest.dates.PUBLISHED_SOURCES``)
    published_from: str | None = None

    @property
    def content_hash(self) -> str:
        """sha256 of the folded title and text: an identical article is stored once."""
        body = normalise_for_hash(self.title) + "\n" + normalise_for_hash(self.text)
        return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass
class Evidence:
    """A sentence of an article and where it stands in :attr:`Article.text`."""

    start: int
    end: int
    text: str


@dataclass
class Candidate:
    """A gazetteer entry that a toponym may denote, with the resolver's score."""

    name: str
    lat: float
    lon: float
    country: str  # ISO 3166-1 alpha-2
    admin1: str | None = None
    admin2: str | None = None
    population: int = 0
    gazetteer_id: str = ""
    placetype: str = "locality"
    score: float = 0.0
    #: the gazetteers that hold it ("wof+ocha-syria") and its humanitarian P-code, if any
    source: str = ""
    pcode: str | None = None
    #: human-readable reasons for the score, for ``warwatch geocode``
    why: list[str] = field(default_factory=list)
    #: the name or alternate name of the entry that the toponym matched ("Toretsk" of Dzerzhyns'k)
    label: str = ""


@dataclass
class Place:
    """Where a mention happened, as resolved against the gazetteer (or not)."""

    #: the toponym as the article wrote it
    text: str
    name: str | None = None
    lat: float | None = None
    lon: float | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    admin1: str | None = None
    admin2: str | None = None
    #: ACLED geo_precision: 1 town, 2 near a town / part of a region, 3 region; None unlocated
    geo_precision: int | None = None
    gazetteer_id: str | None = None
    score: float = 0.0
    ambiguous: bool = False
    runner_up: dict | None = None

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None


#: :attr:`Toponym.qualifier` of an event whose report names no place: only its country is known
COUNTRY_ONLY = "country"


@dataclass
class Toponym:
    """A place name found in a sentence, with what the sentence says around it."""

    text: str
    start: int  # character offsets in the article text
    end: int
    #: "near" for "near X", "outskirts of X", "X countryside"; "region" for a province/region;
    #: "district" for a district or township ("Majzar district"), coded to its seat
    qualifier: str | None = None
    #: admin units named next to it ("southern Idlib", "northern Hama province")
    context: list[str] = field(default_factory=list)
    #: the district, township or commune the text puts it in ("Prom area of Panjgur district"):
    #: where ACLED codes an event whose village the gazetteer lacks
    within: list[str] = field(default_factory=list)
    #: towns the text names to say where it lies ("a camp in Mon Lai Hket near Laiza"): where an
    #: unlocated place is coded, at geo_precision 2, when the landmark's name is found as written
    landmarks: list[str] = field(default_factory=list)
    #: towns it is said to lie north, south... of ("Toto area, north of Tabit"): the same fallback,
    #: but no help in choosing between namesakes (the town may be far: "south of Kyiv")
    bearings: list[str] = field(default_factory=list)


@dataclass
class Mention:
    """One event mention: one incident at one place, as one sentence of one article reports it."""

    event_type: str
    sub_event_type: str
    evidence: Evidence
    toponym: Toponym | None = None
    place: Place | None = None
    event_date: date | None = None
    #: ACLED time_precision: 1 day, 2 week, 3 month
    time_precision: int = 1
    date_text: str | None = None
    actor1: str | None = None
    assoc_actor1: str | None = None
    actor2: str | None = None
    assoc_actor2: str | None = None
    #: True when the perpetrator is only believed/suspected ("jets believed to be Russian")
    actor_attributed: bool = False
    actor_text: str | None = None
    weapon: str | None = None
    target: str | None = None
    fatalities: int | None = None
    fatalities_text: str | None = None
    #: True when the sentence says the toll has risen to this figure ("the death toll rose to N",
    #: "had risen to N by evening"): lower counts of the incident are superseded
    fatalities_rising: bool = False
    injuries: int | None = None
    injuries_text: str | None = None
    civilian_targeting: bool = False
    #: who makes the claim ("SOHR", "state media", "activists")
    claimant: str | None = None
    #: sentences denying the attack or the weapon, attached to the mention
    denials: list[Evidence] = field(default_factory=list)
    confidence: float = 0.5
    #: where the place was put before other reports weighed in (the batch's first pass): what this report
    #: adds to the theatre of later ones. Stored, so that a run resumed after a crash weighs namesakes
    #: with the same theatre as a run never stopped (see warwatch.pipeline.ingest)
    theatre_place: Place | None = None


@dataclass
class Event:
    """One real-world incident: one or more mentions fused, with a row's worth of fields."""

    event_id: str
    event_type: str
    sub_event_type: str
    event_date: date | None
    time_precision: int
    place: Place
    mentions: list[Mention] = field(default_factory=list)
    actor1: str | None = None
    assoc_actor1: str | None = None
    actor2: str | None = None
    assoc_actor2: str | None = None
    fatalities: int | None = None
    injuries: int | None = None
    civilian_targeting: bool = False
    weapon: str | None = None
    target: str | None = None
    confidence: float = 0.5
