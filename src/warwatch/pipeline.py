"""The per-article pass (extract → geocode) and the batch job that stores its results.

``Pipeline.process`` is a pure function of (article, loaded resources): it never touches the
database, so it can run in worker processes. ``Pipeline.process_batch`` places a batch of articles
together (the theatre: see :mod:`warwatch.geocode.theatre`). ``ingest`` reads inputs, runs the
batch pass over them (up to THEATRE_BATCH articles at a time, with the stored reports of the
period as their theatre), and is the single writer to the store: one transaction per article,
duplicates skipped, a bad file reported and skipped.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from warwatch.geocode.theatre import Theatre
from warwatch.models import COUNTRY_ONLY, Article, Mention, Place, Toponym

if TYPE_CHECKING:
    from warwatch.extract.mentions import Extraction
    from warwatch.geocode import Geocoder
    from warwatch.ingest import IngestFailure
    from warwatch.store import Store

#: spaCy is fastest on these machines with batches of 8-32 texts
BATCH_SIZE = 16
#: articles placed together (see Pipeline.process_batch): a larger batch holds more in memory
THEATRE_BATCH = 2000
#: stored reports this many days either side of a batch's dates make its theatre
THEATRE_DAYS = 180


@dataclass
class IngestReport:
    """What one ``ingest`` run did."""

    stored: int = 0
    duplicates: int = 0
    mentions: int = 0
    events: set[str] = field(default_factory=set)
    failures: list[IngestFailure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """False only when nothing at all could be read (DESIGN: exit non-zero then)."""
        return self.stored + self.duplicates > 0 or not self.failures


class Pipeline:
    """spaCy and the gazetteer, loaded once, and the per-article pass over them."""

    def __init__(self, geocoder: Geocoder | None = None) -> None:
        from warwatch.extract.nlp import load_nlp

        if geocoder is None:
            from warwatch.geocode import Geocoder

            geocoder = Geocoder()
        self.geocoder = geocoder
        self.nlp = load_nlp()

    def process(self, article: Article) -> list[Mention]:
        """Event mentions of one article, with their places resolved."""
        extraction = self._extract(article, self.nlp(article.text))
        return self._settle(self.locate(extraction))

    def process_many(self, articles: Iterable[Article], n_process: int = 1) -> Iterator[tuple[Article, list[Mention]]]:
        """``process`` over many articles, parsed in spaCy batches."""
        pending = list(articles)
        docs = self.nlp.pipe((a.text for a in pending), batch_size=BATCH_SIZE, n_process=n_process)
        for article, doc in zip(pending, docs, strict=True):
            yield article, self._settle(self.locate(self._extract(article, doc)))

    def process_batch(self, articles: Sequence[Article], n_process: int = 1,
                      theatre: Theatre | None = None) -> list[tuple[Article, list[Mention]]]:
        """``process`` over a batch of articles that inform each other's places.

        A first pass places every toponym on its own; the places it settles with confidence (plus
        ``theatre``, those of stored reports) make the theatre of the second pass, which chooses
        between namesakes the text leaves open (see :mod:`warwatch.geocode.theatre`). Both
        passes see the whole batch, so the result does not depend on the order of the articles.
        """
        docs = self.nlp.pipe((a.text for a in articles), batch_size=BATCH_SIZE, n_process=n_process)
        extractions = [self._extract(a, d) for a, d in zip(articles, docs, strict=True)]
        theatre = theatre if theatre is not None else Theatre()
        for extraction in extractions:
            theatre.add_places(m.place for m in self.locate(extraction) if m.toponym)
        return [(a, self._settle(self.locate(x, theatre))) for a, x in zip(articles, extractions, strict=True)]

    def _extract(self, article: Article, doc) -> Extraction:  # type: ignore[no-untyped-def]
        from warwatch.extract.mentions import extract_mentions

        return extract_mentions(article, doc, self.geocoder)

    def locate(self, extraction: Extraction, theatre: Theatre | None = None) -> list[Mention]:
        """The extraction's mentions with their places resolved (again, when called again)."""
        tops = [m.toponym for m in extraction.mentions if m.toponym]
        # the landmarks a place was named by ("Abdeen, near Khan Sheikhoun") are the article's places too
        names = list(dict.fromkeys([*(t.text for t in tops), *(w for t in tops for w in t.landmarks)]))
        story = extraction.iso2
        # no country named: the provinces the article names say it ("(Laas Caanood, Sool)")
        guessed = (story or self.geocoder.context_country([w for t in tops for w in t.context])
                   or self.geocoder.context_country(names, districts=False))
        # a place named twice keeps the provinces said with it the first time ("in Bila Hora,
        # Luhansk ... airstrikes at Bila Hora")
        said_with: dict[str, list[str]] = {}
        for t in tops:
            if t.context:
                said_with.setdefault(t.text, t.context)
        cache: dict[tuple, Place] = {}
        for mention in extraction.mentions:
            top = mention.toponym
            if top is None:
                continue
            if not top.context and said_with.get(top.text):
                top.context = list(said_with[top.text])
            key = (top.text, top.qualifier, tuple(top.context))
            if key not in cache:
                place = self._place(top, [n for n in names if n != top.text], story, guessed, theatre)
                # a province said with the place vouches for its country, whichever the article names
                # ("Turkish warplanes struck Werxele area ... of Duhok": Iraq, though Turkey is named)
                vouched = place.country in {iso for w in top.context for iso in self.geocoder.region_countries(w)}
                cache[key] = place if vouched else _in_a_named_country(place, extraction.named_countries, story)
            mention.place = cache[key]
        _province_of_the_story(extraction.mentions)
        _crowds_of_the_place(extraction.mentions)
        return extraction.mentions

    def _place(self, top: Toponym, others: list[str], story: str | None, guessed: str | None,
               theatre: Theatre | None) -> Place:
        if top.qualifier == COUNTRY_ONLY:
            # no place named: the event stays unlocated, in the story's country (never geocoded)
            return Place(text=top.text, country=story or guessed)
        # the provinces named next to the place outrank a story country they do not fit, and a
        # guess from elsewhere in the article must fit them: "Punta Arenas (Bolivar)" is not in
        # Costa Rica because Puntarenas is a province there
        named = {iso for word in top.context for iso in self.geocoder.region_countries(word)}
        country = (self.geocoder.context_country(top.context, prefer=story)
                   or (self.geocoder.context_country([top.text], prefer=story, districts=False)
                       if top.qualifier == "region" else None)  # "the countryside of Dar'a"
                   or (guessed if not named or guessed in named else None))
        place = self.geocoder.resolve(top, country=country, article_places=others, theatre=theatre)
        abroad = (self.geocoder.context_country([top.text], districts=False)
                  if not place.located and not top.context else None)
        if abroad and abroad != country:
            # a province (or its capital) of one other country, said with no province of its
            # own, "Russian forces shelled Kharkiv": the story's country was read from who
            # fights, not where
            place = self.geocoder.resolve(top, country=abroad, article_places=others, theatre=theatre)
        if not place.located:
            place = (self._district_seat(top, country) or self._landmark(top, country)
                     or self._admin_from_context(place, top.context, country))
        return place

    def _landmark(self, top: Toponym, country: str | None) -> Place | None:
        """An unlocated place the text puts near a town ("a camp in Mon Lai Hket near Laiza"): coded
        to the town at geo_precision 2, as ACLED does, when the gazetteer has the town's name as
        written (a loose spelling match would put the event at a stranger's village)."""
        from rapidfuzz import fuzz

        from warwatch.geocode.fold import ascii_fold

        for name in [*top.landmarks, *top.bearings]:
            near = self.geocoder.resolve(Toponym(name, top.start, top.end, "near", list(top.context)), country=country)
            if near.located and near.name and fuzz.ratio(ascii_fold(name).lower(), ascii_fold(near.name).lower()) >= 90:
                near.text, near.geo_precision = top.text, 2
                return near
        return None

    @staticmethod
    def _settle(mentions: list[Mention]) -> list[Mention]:
        """A mention placed at a named town is the more likely a real event there."""
        for mention in mentions:
            if mention.place.located and mention.place.geo_precision == 1:
                mention.confidence = round(min(1.0, mention.confidence + 0.15), 2)
        return mentions

    def _district_seat(self, top: Toponym, country: str | None) -> Place | None:
        """A village the gazetteer lacks, in a district the text names ("Prom area of Panjgur
        district"): the district's seat, at geo_precision 2, as ACLED codes it. The text stays."""
        for unit in top.within:
            if self.geocoder.region(unit, country=country) is not None:
                continue  # a province: too coarse to stand for the village
            others = [c for c in top.context if c != unit]
            seat = self.geocoder.resolve(Toponym(unit, top.start, top.end, "district", others), country=country)
            if seat.located:
                seat.text = top.text
                seat.geo_precision = 2
                return seat
        return None

    def _admin_from_context(self, place: Place, context: Sequence[str], country: str | None) -> Place:
        """An unlocated village still gets the province the sentence names ("Abdin … in southern Idlib")."""
        for name in context:
            if country is None and len(self.geocoder.region_countries(name)) > 1:
                continue  # "Amazonas" of which country? the article's other places may tell
            region = self.geocoder.region(name, country=country)
            if region is not None:
                place.admin1 = region.admin1 or region.name
                place.country = region.country
                break
        else:
            place.country = place.country or country
        return place


def _in_a_named_country(place: Place, named: frozenset[str], story: str | None) -> Place:
    """A place in a country the article never names, when it names the story's own ("Solhan" is
    also a Turkish town; the report is about Burkina Faso): a namesake abroad, not the village.
    It stays unlocated, in the story's country. Articles that name no country are left alone."""
    if not place.located or not named or not story or story not in named or place.country in named:
        return place
    return Place(text=place.text, country=story)


_CROWDS = ("Protesters", "Rioters", "Civilians")


def _crowds_of_the_place(mentions: Sequence[Mention]) -> None:
    """A crowd named with no country, the story's being unknown ("Protesters"), takes the country of
    the place where it gathered, as ACLED names it ("Protesters (Kenya)")."""
    from warwatch.store.acled import country as acled_country

    for m in mentions:
        found = acled_country(m.place.country) if m.place is not None else None
        if found is None:
            continue
        for attr in ("actor1", "actor2"):
            if getattr(m, attr) in _CROWDS:
                setattr(m, attr, f"{getattr(m, attr)} ({found.name})")


def _province_of_the_story(mentions: Sequence[Mention]) -> None:
    """An unlocated village with no province said next to it ("the village of Abdeen, near Khan
    Sheikhoun") gets the province of the article's located places when they all lie in one: an
    analyst files it there, and it meets the reports that name the province."""
    provinces = {(m.place.country, m.place.admin1) for m in mentions
                 if m.place is not None and m.place.located and m.place.admin1}
    if len(provinces) != 1:
        return
    country, admin1 = provinces.pop()
    for m in mentions:
        if m.place is not None and not m.place.located and not m.place.admin1 and m.place.country in (None, country):
            m.place = replace(m.place, country=country, admin1=admin1)


def ingest(
    paths: Sequence[str | Path],
    *,
    db: str | Path,
    manifest: str | Path | None = None,
    published: date | None = None,
    pipeline: Pipeline | None = None,
    on_article: Callable[[Article | IngestFailure], None] | None = None,
    n_process: int | None = None,
) -> IngestReport:
    """Read, extract, geocode and store every input; never stops on one bad file."""
    from warwatch.ingest import IngestFailure, collect
    from warwatch.store import Store

    report = IngestReport()
    articles: list[Article] = []
    with Store(db) as store:
        for item in collect(paths, manifest=manifest, published=published):
            if isinstance(item, IngestFailure):
                report.failures.append(item)
                if on_article:
                    on_article(item)
            elif store.has_article(item.content_hash):
                report.duplicates += 1
                if on_article:
                    on_article(item)
            elif all(a.content_hash != item.content_hash for a in articles):
                articles.append(item)
            else:
                report.duplicates += 1
        if not articles:
            return report
        pipeline = pipeline or Pipeline()
        if n_process is None:
            # spaCy in two worker processes while this one extracts and stores: worth its start-up
            # cost from a few batches on, on a machine with two cores or more
            n_process = 2 if len(articles) > 2 * BATCH_SIZE and (os.cpu_count() or 1) >= 2 else 1
        theatre = stored_theatre(store, [a.published for a in articles if a.published])
        batches = (articles[i:i + THEATRE_BATCH] for i in range(0, len(articles), THEATRE_BATCH))
        done = ((a, m) for batch in batches for a, m in pipeline.process_batch(batch, n_process, theatre))
        for article, mentions in done:
            result = store.add_article(article, mentions)
            if result.created:
                report.stored += 1
                report.mentions += len(mentions)
                report.events.update(result.events)
            else:
                report.duplicates += 1
            if on_article:
                on_article(article)
    return report


def stored_theatre(store: Store, days: Sequence[date]) -> Theatre:
    """The theatre of the stored reports within THEATRE_DAYS of the days (all of them if none)."""
    from warwatch.store.placed import stored_places

    window = timedelta(days=THEATRE_DAYS)
    since, until = (min(days) - window, max(days) + window) if days else (None, None)
    theatre = Theatre()
    for places in stored_places(store, since, until):
        theatre.add_places(places)  # the same rule as for the batch's own places
    return theatre
