"""Fetched pages into the store, through the same pipeline as files, with their versions.

The steps are those of :func:`warwatch.pipeline.ingest`: the relevance gate first (what it rejects
is stored unparsed with its reason), then the pipeline over the cycle's new articles as one batch
(with the stored reports of their period as the theatre), then one transaction per article. An
article in a language with no pipeline is stored unparsed too, held (:mod:`warwatch.store.holds`).

A page edited in place (its text changed since the stored version) is stored as a new article, and
the version it replaces is then *superseded*: held, its reports and mentions taken out, and every
event fused again (:meth:`warwatch.store.Store.rewrite`), so that the incident carries the new
toll from one source, not the old and the new as two. Both versions stay in ``articles`` and in
``page_versions``. Each step can be repeated: a crash between them is mended by the next fetch
(the new text is found stored by its hash, the old version superseded again, which changes nothing).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select

from warwatch.errors import StoreError
from warwatch.models import Article, Mention
from warwatch.store import Store
from warwatch.store.holds import superseded
from warwatch.store.watch_tables import versions
from warwatch.watch import state
from warwatch.watch.state import PageRow

if TYPE_CHECKING:  # not imported at start-up: the pipeline pulls in spaCy
    from warwatch.pipeline import Pipeline


@dataclass
class Taken:
    """A fetched page whose text is new to its page, to be stored."""

    page: PageRow
    article: Article
    #: why it is not parsed (a language without a pipeline), decided before the gate
    hold: str | None = None
    language: str | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class Intake:
    """What storing one cycle's pages did."""

    stored: int = 0
    #: of them, stored unparsed: the relevance gate's reason or a hold, by URL
    unparsed: dict[str, str] = field(default_factory=dict)
    #: pages whose stored version a newer one superseded: URL -> (old article id, new article id)
    replaced: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: URL -> the events its article went into
    events: dict[str, list[str]] = field(default_factory=dict)
    #: URL -> why it could not be stored (the page stays due, and is fetched again later)
    failed: dict[str, str] = field(default_factory=dict)


def _old_versions(store: Store, page: PageRow) -> dict[str, int]:
    """content hash -> article id of the page's stored versions."""
    with store.engine.connect() as conn:
        return {r.content_hash: r.article_id for r in conn.execute(
            select(versions.c.content_hash, versions.c.article_id).where(versions.c.page_id == page.id))}


def take_in(store: Store, items: Sequence[Taken], pipeline: Callable[[], Pipeline], *,
            log: logging.Logger | None = None) -> Intake:
    """Store the pages' articles (gate, pipeline, store, versions); see the module's docstring.
    ``pipeline`` gives the loaded pipeline, called only when some article is to be parsed."""
    from warwatch.extract.relevance import judge
    from warwatch.pipeline import stored_theatre

    log = log or logging.getLogger("warwatch.watch")
    done = Intake()
    reasons: dict[int, str | None] = {}
    # a page that went back to a version stored before: that version is read again and made current
    revived: dict[int, int] = {}
    for i, item in enumerate(items):
        reasons[i] = item.hold
        if item.hold is None:
            verdict = judge(item.article.text, item.article.title)
            reasons[i] = None if verdict.relevant else verdict.reason
        earlier = _old_versions(store, item.page).get(item.article.content_hash) if item.page.versions else None
        if earlier is not None and earlier != item.page.article_id:
            revived[i] = earlier
    to_parse = [i for i, item in enumerate(items) if reasons[i] is None
                and (i in revived or not store.has_article(item.article.content_hash))]
    mentions: dict[int, list[Mention]] = {}
    if to_parse:
        runner = pipeline()
        batch = [items[i].article for i in to_parse]
        theatre = stored_theatre(store, [a.published for a in batch if a.published])
        ok, bad = runner.process_isolated(batch, 1, theatre)
        index = {id(items[i].article): i for i in to_parse}
        mentions = {index[id(a)]: found for a, found in ok}
        for article, why in bad:
            done.failed[article.url or ""] = why
    stored: dict[int, int] = {}
    for i, item in enumerate(items):
        url = item.page.url
        if url in done.failed:
            continue
        if i in revived:
            stored[i] = revived[i]
            continue
        try:
            result = store.add_article(item.article, mentions.get(i, []), rejected=reasons[i])
        except StoreError as error:
            done.failed[url] = str(error)
            continue
        stored[i] = result.article_id
        done.events[url] = result.events
        if result.created:
            done.stored += 1
        if reasons[i] is not None:
            done.unparsed[url] = reasons[i]
    # the versions each new one replaces: held and taken out of fusion, all in one re-fusion
    results: list[tuple[int, list[Mention]]] = []
    holds: dict[int, str | None] = {}
    for i, article_id in stored.items():
        page = items[i].page
        old = page.article_id
        if old is not None and old != article_id:
            results.append((old, []))
            holds[old] = superseded(page.versions, page.versions + 1, article_id)
            done.replaced[page.url] = (old, article_id)
        if i in revived:
            results.append((article_id, mentions.get(i, [])))
            holds[article_id] = reasons[i]
    if results:
        try:
            store.rewrite(results, rejected=holds)
        except StoreError as error:
            for i in stored:
                if items[i].page.url in done.replaced:
                    done.failed[items[i].page.url] = str(error)
            log.error("cannot take superseded versions out of their events: %s", error)
    with state.writing(store.engine) as conn:
        when = state.now()
        for i, article_id in stored.items():
            item = items[i]
            if item.page.url in done.failed:
                continue
            state.stored_version(conn, item.page, when, article_id=article_id,
                                 content_hash=item.article.content_hash, etag=item.etag,
                                 last_modified=item.last_modified, language=item.language)
    for i in revived:  # the events of the version made current again, as add_article tells them
        done.events[items[i].page.url] = store.add_article(items[i].article, []).events
    return done
