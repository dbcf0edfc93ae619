"""``warwatch reprocess``: every stored article read again by the current pipeline, the events fused
again, and what changed.

The articles are read in the batches a fresh ingest of them would use (``THEATRE_BATCH`` at a time,
in the order they were stored, one theatre growing across the batches, none from the old reports:
those are what is being replaced), so a reprocessed database holds what a fresh ingest of the same
articles would. The store then replaces every article's reports, mentions and claims in one
transaction and keeps event ids where the incident is the same (:mod:`warwatch.store.rewrite`).
An article the pipeline fails on is reported and keeps what it had. An article stored with no
publication date takes the day its URL prints, as ingest now reads it (a date in the text's
dateline is not looked for again: ingest read it from the page's header, which the stored text
no longer holds).

The relevance gate (:mod:`warwatch.extract.relevance`) judges every stored article again, as a fresh
ingest would: an article it passes is read (one it rejected before too, which is then read and no
longer rejected); one it rejects is not parsed, keeps no mention and is stored with the reason.
``keep_irrelevant`` reads every article, as ``ingest --keep-irrelevant`` does, and none stays rejected.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from warwatch.geocode.theatre import Theatre
from warwatch.ingest import IngestFailure
from warwatch.ingest.dates import url_date
from warwatch.models import Article, Mention
from warwatch.pipeline import BATCH_SIZE, THEATRE_BATCH, Pipeline
from warwatch.store.rewrite import EventState, Rewritten


@dataclass(frozen=True)
class Change:
    """One event whose field changed: its id, and the field's value before and after."""

    event: str
    before: str
    after: str


@dataclass
class ReprocessReport:
    """What one ``reprocess`` run changed."""

    articles: int = 0
    reprocessed: int = 0
    #: articles the relevance gate kept out this time (not parsed, no mention)
    rejected: int = 0
    #: of them, articles that were read before
    newly_rejected: int = 0
    #: articles rejected before and read this time
    readmitted: int = 0
    #: articles stored undated that their URL now dates
    dated: int = 0
    failures: list[IngestFailure] = field(default_factory=list)
    #: events live before and after
    kept: int = 0
    added: list[str] = field(default_factory=list)
    #: events no source reads any more (deleted)
    removed: list[str] = field(default_factory=list)
    #: (event, the event it now redirects to)
    merged: list[tuple[str, str]] = field(default_factory=list)
    redated: list[Change] = field(default_factory=list)
    replaced: list[Change] = field(default_factory=list)
    retyped: list[Change] = field(default_factory=list)
    tolls: list[Change] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when any event was added, removed, merged or changed in what the summary compares."""
        return any((self.added, self.removed, self.merged, self.redated, self.replaced, self.retyped, self.tolls))

    @property
    def changes(self) -> list[tuple[str, str, str, str]]:
        """Every change as (what, event, before, after), for a table."""
        rows = [("added", e, "", "") for e in self.added]
        rows += [("removed", e, "", "") for e in self.removed]
        rows += [("merged", e, e, into) for e, into in self.merged]
        for what, found in (("re-dated", self.redated), ("re-placed", self.replaced), ("re-typed", self.retyped),
                            ("toll changed", self.tolls)):
            rows += [(what, c.event, c.before, c.after) for c in found]
        return rows


def _text(value: object) -> str:
    return "none" if value is None else str(value)


def _kind(state: EventState) -> str:
    return f"{state.event_type} / {state.sub_event_type}" if state.sub_event_type else state.event_type


def compare(rewritten: Rewritten, report: ReprocessReport) -> ReprocessReport:
    """Fill ``report`` with the differences between the events before and after."""
    before, after = rewritten.before, rewritten.after
    for pk, new in sorted(after.items()):
        old = before.get(pk)
        if new.merged_into is not None:
            if old is not None and old.merged_into is None:
                into = after.get(new.merged_into)
                report.merged.append((old.name, into.name if into else str(new.merged_into)))
            continue
        if old is None or old.merged_into is not None:
            report.added.append(new.name)
            continue
        report.kept += 1
        if old.event_date != new.event_date:
            report.redated.append(Change(new.name, _text(old.event_date), _text(new.event_date)))
        if (old.place, old.latitude, old.longitude) != (new.place, new.latitude, new.longitude):
            report.replaced.append(Change(new.name, old.place, new.place))
        if (old.event_type, old.sub_event_type) != (new.event_type, new.sub_event_type):
            report.retyped.append(Change(new.name, _kind(old), _kind(new)))
        if old.fatalities != new.fatalities:
            report.tolls.append(Change(new.name, _text(old.fatalities), _text(new.fatalities)))
    report.removed = [old.name for pk, old in sorted(before.items()) if pk not in after and old.merged_into is None]
    return report


def _name(article: Article, article_id: int) -> str:
    return article.doc_id or article.path or article.url or article.title[:60] or f"article {article_id}"


def _process(pipeline: Pipeline, batch: Sequence[tuple[int, Article]], n_process: int, theatre: Theatre,
             failures: list[IngestFailure]) -> list[tuple[int, list[Mention]]]:
    """The batch through the pipeline together; an article it fails on is reported and left out."""
    ids = {id(article): article_id for article_id, article in batch}
    done, bad = pipeline.process_isolated([a for _, a in batch], n_process, theatre)
    failures += [IngestFailure(_name(article, ids[id(article)]), why) for article, why in bad]
    return [(ids[id(article)], mentions) for article, mentions in done]


def reprocess(
    db: str | Path,
    *,
    pipeline: Pipeline | None = None,
    on_start: Callable[[int], None] | None = None,
    on_article: Callable[[Article | IngestFailure], None] | None = None,
    on_store: Callable[[], None] | None = None,
    n_process: int | None = None,
    keep_irrelevant: bool = False,
) -> ReprocessReport:
    """Read every stored article again, replace its mentions, fuse again; return what changed.

    ``on_start`` gets the number of articles, ``on_article`` each article read or rejected (or failure),
    ``on_store`` is called once all are read, before the store writes them and fuses again.
    ``keep_irrelevant``: read the articles the relevance gate rejects too (see the module's docstring).
    """
    from warwatch.extract.relevance import judge
    from warwatch.store import Store
    from warwatch.store.holds import is_hold
    from warwatch.store.lock import WriterLock

    report = ReprocessReport()
    # an ingest running meanwhile would add articles this rewrite does not know: one writer at a time
    with WriterLock(db), Store(db) as store:
        stored = store.stored_articles()
        before = store.rejections()
        report.articles = len(stored)
        published = {}
        for article_id, article in stored:
            day = url_date(article.url) if article.published is None else None
            if day is not None:
                article.published = published[article_id] = day
        report.dated = len(published)
        if on_start:
            on_start(len(stored))
        if not stored:
            return report
        verdicts: dict[int, str | None] = {}
        for article_id, article in stored:
            if is_hold(before.get(article_id)):  # a superseded version, a language without a pipeline: kept out
                verdicts[article_id] = before[article_id]
                continue
            verdict = None if keep_irrelevant else judge(article.text, article.title)
            verdicts[article_id] = None if verdict is None or verdict.relevant else verdict.reason
        report.rejected = sum(1 for reason in verdicts.values() if reason is not None)
        report.newly_rejected = sum(1 for i, reason in verdicts.items() if reason is not None and i not in before)
        report.readmitted = sum(1 for i, reason in verdicts.items() if reason is None and i in before)
        # a rejected article is not parsed: its old mentions, if it had any, go (it comes with none)
        results: list[tuple[int, list[Mention]]] = [(i, []) for i, reason in verdicts.items() if reason is not None]
        to_read = [(i, a) for i, a in stored if verdicts[i] is None]
        if n_process is None:
            n_process = 2 if len(to_read) > 2 * BATCH_SIZE and (os.cpu_count() or 1) >= 2 else 1
        theatre = Theatre()  # as a fresh ingest's: the stored places are what is being replaced
        names = {article_id: _name(a, article_id) for article_id, a in stored}
        if on_article:
            for article_id, article in stored:
                if verdicts[article_id] is not None:
                    on_article(article)
        runner = (pipeline or Pipeline()) if to_read else None  # spaCy is loaded only when an article is read
        for i in range(0, len(to_read), THEATRE_BATCH):
            batch = to_read[i:i + THEATRE_BATCH]
            failed: list[IngestFailure] = []
            assert runner is not None
            done = _process(runner, batch, n_process, theatre, failed)
            results += done
            report.failures += failed
            if on_article:
                for failure in failed:
                    on_article(failure)
                read = {article_id for article_id, _ in done}
                for article_id, article in batch:
                    if article_id in read:
                        on_article(article)
        if on_store:
            on_store()
        # an article the pipeline failed on keeps what it had, its old verdict included
        given = {article_id for article_id, _ in results}
        rewritten = store.rewrite(results, published, {i: v for i, v in verdicts.items() if i in given})
    for article_id, message in rewritten.failed.items():
        failure = IngestFailure(names[article_id], f"cannot store: {message}")
        report.failures.append(failure)
        if on_article:
            on_article(failure)
    report.reprocessed = len(results) - report.rejected - len(rewritten.failed)
    return compare(rewritten, report)
