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
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from warwatch.geocode.theatre import Theatre
from warwatch.ingest.limits import PIECE_CHARS
from warwatch.models import COUNTRY_ONLY, Article, Mention, Place, Toponym
from warwatch.store.lock import DEFAULT_WAIT

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

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


class Interrupted(Exception):
    """Raised between two articles when the caller's ``should_stop`` says so (Ctrl-C, SIGTERM)."""


@dataclass
class IngestReport:
    """What one ``ingest`` run did."""

    stored: int = 0
    duplicates: int = 0
    mentions: int = 0
    events: set[str] = field(default_factory=set)
    failures: list[IngestFailure] = field(default_factory=list)
    #: new articles found in the inputs (stored + still to store when interrupted + failed)
    new: int = 0
    #: True when a stop was asked for before every new article was stored
    interrupted: bool = False
    #: of the articles stored, those the relevance gate kept out of the pipeline (stored unparsed)
    rejected: int = 0
    #: of the inputs already stored, those stored unparsed by the gate: ``--keep-irrelevant`` does not read
    #: them again here (``warwatch reprocess --keep-irrelevant`` does, fusing the whole store again)
    stored_rejected: int = 0

    @property
    def ok(self) -> bool:
        """False only when nothing at all could be read (DESIGN: exit non-zero then)."""
        return self.stored + self.duplicates > 0 or not self.failures


def pieces(text: str, limit: int = PIECE_CHARS) -> list[str]:
    """``text`` cut into pieces of at most ``limit`` characters that join back into it exactly:
    between paragraphs where it can, else between lines, after a sentence, between words, and
    only as a last resort inside a word (a "paragraph" of 100,000 characters with no space)."""
    if len(text) <= limit:
        return [text]
    out: list[str] = []
    start = 0
    while len(text) - start > limit:
        window = text[start:start + limit]
        for separator in ("\n\n", "\n", ". ", " "):
            cut = window.rfind(separator)
            if cut > 0:
                cut += len(separator)  # the separator stays with the piece before it
                break
        else:
            cut = limit
        out.append(text[start:start + cut])
        start += cut
    out.append(text[start:])
    return out


class Pipeline:
    """spaCy and the gazetteer, loaded once, and the per-article pass over them.

    ``piece_chars``: texts longer than this are parsed in pieces (see :func:`pieces`) and the
    pieces' parses joined into one, with the same offsets; spaCy refuses texts over a million
    characters, and its memory grows with the length of the text.
    """

    def __init__(self, geocoder: Geocoder | None = None, piece_chars: int = PIECE_CHARS) -> None:
        if geocoder is None:
            from warwatch.geocode import Geocoder

            geocoder = Geocoder()
        self.geocoder = geocoder
        self._nlp: Language | None = None
        self.piece_chars = piece_chars

    @property
    def nlp(self) -> Language:
        """spaCy, loaded on first use: a writer whose articles Dask workers parse never loads it."""
        if self._nlp is None:
            from warwatch.extract.nlp import load_nlp

            self._nlp = load_nlp()
        return self._nlp

    def parse(self, texts: Iterable[str], n_process: int = 1) -> Iterator[Doc]:
        """The spaCy parse of each text, long texts in pieces (joined back into one Doc each)."""
        from spacy.tokens import Doc

        split = [pieces(t, self.piece_chars) for t in texts]
        docs = self.nlp.pipe((p for ps in split for p in ps), batch_size=BATCH_SIZE, n_process=n_process)
        try:
            for ps in split:
                parts = [next(docs) for _ in ps]
                yield parts[0] if len(parts) == 1 else Doc.from_docs(parts, ensure_whitespace=False)
        finally:
            # spaCy's worker processes are told to stop here, not whenever the garbage collector finds
            # the generator (run from the collector, its clean-up can wait for them forever)
            close = getattr(docs, "close", None)
            if close is not None:
                close()

    def process(self, article: Article) -> list[Mention]:
        """Event mentions of one article, with their places resolved."""
        extraction = self._extract(article, next(self.parse([article.text])))
        return self._settle(self.locate(extraction))

    def process_many(self, articles: Iterable[Article], n_process: int = 1) -> Iterator[tuple[Article, list[Mention]]]:
        """``process`` over many articles, parsed in spaCy batches."""
        pending = list(articles)
        docs = self.parse((a.text for a in pending), n_process=n_process)
        for article, doc in zip(pending, docs, strict=True):
            yield article, self._settle(self.locate(self._extract(article, doc)))

    def process_batch(self, articles: Sequence[Article], n_process: int = 1, theatre: Theatre | None = None,
                      should_stop: Callable[[], bool] | None = None) -> list[tuple[Article, list[Mention]]]:
        """``process`` over a batch of articles that inform each other's places.

        A first pass places every toponym on its own; the places it settles with confidence (plus
        ``theatre``, those of stored reports) make the theatre of the second pass, which chooses
        between namesakes the text leaves open (see :mod:`warwatch.geocode.theatre`). Both
        passes see the whole batch, so the result does not depend on the order of the articles.
        ``theatre`` gains the batch's places only when the whole batch went through. Raises
        :class:`Interrupted` as soon as ``should_stop()`` is true (checked after each parse).

        The two passes are :meth:`first_pass` (per article: what Dask workers run, see
        :mod:`warwatch.distribute`) and :meth:`place_batch` (the whole batch: the writer's).
        """
        return self.place_batch(articles, self.first_pass(articles, n_process, should_stop), theatre)

    def first_pass(self, articles: Sequence[Article], n_process: int = 1,
                   should_stop: Callable[[], bool] | None = None) -> list[Extraction]:
        """The per-article part of :meth:`process_batch`: parse, extract, and place each toponym on its
        own (``Mention.theatre_place``). Each article's result depends on that article alone, and holds
        no spaCy object: it can be computed anywhere (a Dask worker) and pickled back."""
        extractions = []
        docs = self.parse((a.text for a in articles), n_process)
        try:
            for article, doc in zip(articles, docs, strict=True):
                if should_stop is not None and should_stop():
                    raise Interrupted
                extractions.append(self._extract(article, doc))
        finally:
            docs.close()
        for x in extractions:
            for m in self.locate(x):
                m.theatre_place = m.place if m.toponym else None
        return extractions

    def place_batch(self, articles: Sequence[Article], extractions: Sequence[Extraction],
                    theatre: Theatre | None = None) -> list[tuple[Article, list[Mention]]]:
        """The whole-batch part of :meth:`process_batch`, after :meth:`first_pass`: the batch's first
        places (plus ``theatre``) choose between namesakes, and confidence is settled."""
        first = [[m.theatre_place for m in x.mentions if m.toponym] for x in extractions]
        mine = theatre.copy() if theatre is not None else Theatre()
        for places in first:
            mine.add_places(places)
        done = [(a, self._settle(self.locate(x, mine))) for a, x in zip(articles, extractions, strict=True)]
        if theatre is not None:
            for places in first:
                theatre.add_places(places)
        return done

    def process_isolated(self, articles: Sequence[Article], n_process: int = 1, theatre: Theatre | None = None,
                         should_stop: Callable[[], bool] | None = None
                         ) -> tuple[list[tuple[Article, list[Mention]]], list[tuple[Article, str]]]:
        """``process_batch``, where an article the pipeline fails on costs only itself: (results, [(article,
        why)]). See :meth:`first_isolated` and :meth:`place_isolated`, its two halves."""
        return self.place_isolated(articles, self.first_isolated(articles, n_process, should_stop), theatre)

    def first_isolated(self, articles: Sequence[Article], n_process: int = 1,
                       should_stop: Callable[[], bool] | None = None) -> list[Extraction | str]:
        """:meth:`first_pass`, with the reason in place of the extraction of an article it fails on.
        When the batch fails, each article alone finds the ones that fail, and the rest goes through
        together again (so their parses are as they would have been)."""
        try:
            return list(self.first_pass(articles, n_process, should_stop))
        except Interrupted:
            raise
        except Exception:  # one bad article must not stop the others: found and named below
            pass
        why: dict[int, str] = {}
        for i, article in enumerate(articles):
            if should_stop is not None and should_stop():
                raise Interrupted
            try:
                self.first_pass([article])
            except Exception as error:
                why[i] = _cannot(error)
        good = iter(self.first_pass([a for i, a in enumerate(articles) if i not in why], n_process, should_stop))
        return [why[i] if i in why else next(good) for i in range(len(articles))]

    def place_isolated(self, articles: Sequence[Article], extractions: Sequence[Extraction | str],
                       theatre: Theatre | None = None
                       ) -> tuple[list[tuple[Article, list[Mention]]], list[tuple[Article, str]]]:
        """:meth:`place_batch` over the articles whose first pass went through (the others, given as the
        reason, come back with it): (results, [(article, why)]). An article that fails here is found
        alone, and the rest placed together again (placing is idempotent: a retry gives what one pass
        would)."""
        bad = [(a, x) for a, x in zip(articles, extractions, strict=True) if isinstance(x, str)]
        good = [(a, x) for a, x in zip(articles, extractions, strict=True) if not isinstance(x, str)]
        if not good:
            return [], bad
        try:
            return self.place_batch([a for a, _ in good], [x for _, x in good], theatre), bad
        except Exception:  # found and named below
            pass
        failed: set[int] = set()
        for i, (article, x) in enumerate(good):
            try:
                self.place_batch([article], [x], Theatre())
            except Exception as error:
                failed.add(i)
                bad.append((article, _cannot(error)))
        good = [g for i, g in enumerate(good) if i not in failed]
        done = self.place_batch([a for a, _ in good], [x for _, x in good], theatre) if good else []
        order = {id(a): i for i, a in enumerate(articles)}
        return done, sorted(bad, key=lambda pair: order[id(pair[0])])

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


def _cannot(error: Exception) -> str:
    """Why an article's events could not be extracted, on one line."""
    return f"cannot extract events: {type(error).__name__}: {' '.join(str(error).split())}"


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
    should_stop: Callable[[], bool] | None = None,
    wait: float = DEFAULT_WAIT,
    on_wait: Callable[[int | None], None] | None = None,
    keep_irrelevant: bool = False,
    scheduler: str | None = None,
    workers: int | None = None,
) -> IngestReport:
    """Read, extract, geocode and store every input; never stops on one bad file or article.

    Before spaCy parses it, the relevance gate (:mod:`warwatch.extract.relevance`) decides whether an
    article can hold an event; one it rejects is stored unparsed with the reason (``report.rejected``),
    for ``warwatch articles --rejected`` and ``warwatch reprocess --keep-irrelevant``. ``keep_irrelevant``
    reads every article.

    One writer at a time: the run holds the database's writer lock (:mod:`warwatch.store.lock`),
    waiting up to ``wait`` seconds for another ingest (``on_wait(pid)`` is told once). Each article
    is stored in its own transaction, so a run that is killed loses nothing stored, and running it
    again stores the rest. ``should_stop()`` is asked after each article parsed and before each one
    stored: when it is true the run ends there, with ``report.interrupted`` set.

    ``scheduler`` (the address of a running Dask cluster, "tcp://host:8786") or ``workers`` (that many
    local Dask worker processes) spread the per-article pass over Dask workers; this process stays the
    one writer and places each batch as a whole, so the result is the same (see :mod:`warwatch.distribute`).
    """
    from warwatch.extract.relevance import judge
    from warwatch.ingest import IngestFailure, collect
    from warwatch.store import Store
    from warwatch.store.lock import WriterLock
    from warwatch.store.placed import article_ids, stored_places

    report = IngestReport()

    def fail(failure: IngestFailure) -> None:
        report.failures.append(failure)
        if on_article:
            on_article(failure)

    # every readable input once, in order, with the id of its stored copy when it has one: an input
    # stored already (by a run that was stopped, or earlier) still counts in its batch's theatre, with
    # the places it counted with then, so that where a run resumes makes no difference to the result
    inputs: list[Article] = []
    cluster = None
    with WriterLock(db, wait=wait, on_wait=on_wait), Store(db) as store, ExitStack() as stack:
        seen: set[str] = set()
        for item in collect(paths, manifest=manifest, published=published):
            if isinstance(item, IngestFailure):
                fail(item)
            elif item.content_hash in seen:
                report.duplicates += 1
                if on_article:
                    on_article(item)
            else:
                seen.add(item.content_hash)
                inputs.append(item)
        stored = article_ids(store, seen)
        report.duplicates += len(stored)
        if stored and keep_irrelevant:
            report.stored_rejected = len(set(stored.values()) & set(store.rejections()))
        if on_article:
            for item in inputs:
                if item.content_hash in stored:
                    on_article(item)
        report.new = len(inputs) - len(stored)
        if not report.new:
            return report
        # the gate's verdicts first: spaCy is loaded only when some article is to be read
        rejected: dict[str, str] = {}
        for article in inputs:
            verdict = None if keep_irrelevant or article.content_hash in stored else judge(article.text, article.title)
            if verdict is not None and not verdict.relevant:
                rejected[article.content_hash] = verdict.reason
        # the articles to parse: new, and let through by the gate
        to_parse = [a for a in inputs if a.content_hash not in stored and a.content_hash not in rejected]
        unread = {a.content_hash for a in to_parse}
        to_read = len(to_parse)
        if to_read and (scheduler or workers):
            from warwatch.distribute import Workers

            # started before the gazetteer is opened here: a cluster that cannot be reached fails at once
            cluster = stack.enter_context(Workers(scheduler=scheduler, workers=workers))
        if to_read:
            pipeline = pipeline or Pipeline()
        if n_process is None:
            # spaCy in two worker processes while this one extracts and stores: worth its start-up
            # cost from a few batches on, on a machine with two cores or more
            n_process = 2 if to_read > 2 * BATCH_SIZE and (os.cpu_count() or 1) >= 2 else 1
        theatre = stored_theatre(store, [a.published for a in inputs if a.published], leave_out=stored.values())
        # the first pass of every article, in order: Dask workers run it ahead of the writer
        firsts = cluster.first_pass(to_parse, should_stop) if cluster is not None else None
        try:
            for i in range(0, len(inputs), THEATRE_BATCH):
                batch = inputs[i:i + THEATRE_BATCH]
                old = [stored[a.content_hash] for a in batch if a.content_hash in stored]
                for places in stored_places(store, articles=old):
                    theatre.add_places(places)
                for article in batch:
                    if article.content_hash in rejected and article.content_hash not in stored:
                        if should_stop is not None and should_stop():
                            raise Interrupted
                        _store(store, article, [], report, fail, rejected=rejected[article.content_hash])
                        if on_article:
                            on_article(article)
                new = [a for a in batch if a.content_hash in unread]
                if firsts is not None:
                    done, bad = pipeline.place_isolated(new, [next(firsts) for _ in new], theatre)
                else:
                    done, bad = pipeline.process_isolated(new, n_process, theatre, should_stop) if new else ([], [])
                for article, why in bad:
                    fail(IngestFailure(_name(article), why))
                for article, mentions in done:
                    if should_stop is not None and should_stop():
                        raise Interrupted
                    _store(store, article, mentions, report, fail)
                    if on_article:
                        on_article(article)
        except Interrupted:
            report.interrupted = True
    return report


def _name(article: Article) -> str:
    """How a failure names an article: its file, with the record or entry id when the file holds many."""
    if article.path:
        own = article.doc_id in (None, "", Path(article.path).stem)
        return article.path if own else f"{article.path}#{article.doc_id}"
    return article.doc_id or article.url or article.title[:60] or article.content_hash[:12]


def _store(store: Store, article: Article, mentions: list[Mention], report: IngestReport,
           fail: Callable[[IngestFailure], None], rejected: str | None = None) -> None:
    """One article into the store, in its own transaction; a failure costs this article only.
    ``rejected``: the relevance gate's reason, for an article stored unparsed."""
    from warwatch.errors import StoreError
    from warwatch.ingest import IngestFailure

    try:
        result = store.add_article(article, mentions, rejected=rejected)
    except StoreError as error:
        fail(IngestFailure(_name(article), str(error)))
        return
    if result.created:
        report.stored += 1
        report.rejected += rejected is not None
        report.mentions += len(mentions)
        report.events.update(result.events)
    else:
        report.duplicates += 1


def _shift(day: date, by: timedelta) -> date:
    """``day + by``, stopped at the calendar's ends (a record may say it was published on 0001-01-01)."""
    try:
        return day + by
    except OverflowError:
        return date.max if by > timedelta(0) else date.min


def stored_theatre(store: Store, days: Sequence[date], leave_out: Iterable[int] = ()) -> Theatre:
    """The theatre of the stored reports within THEATRE_DAYS of the days (all of them if none), but
    those of the articles ``leave_out``."""
    from warwatch.store.placed import stored_places

    window = timedelta(days=THEATRE_DAYS)
    since, until = (_shift(min(days), -window), _shift(max(days), window)) if days else (None, None)
    theatre = Theatre()
    for places in stored_places(store, since, until, leave_out=set(leave_out)):
        theatre.add_places(places)  # the same rule as for the batch's own places
    return theatre
