"""Re-extraction in the store: each article's reports, mentions and claims replaced by what a newer
pipeline reads, everything fused again, event ids kept where the incident is the same.

Identity is carried by the *report* rows. A new in-article group takes over the old report of the
same article that shares the most of its mentions (same sentence and toponym), else the most of
its sentences: the report keeps its id and so its event, and fusion (which gives each cluster the
old event it overlaps most, :class:`warwatch.store.fusion.Assignment`) keeps the event's id even
when the group's date, place, type or toll changed. An old report that no new group takes over is
deleted; its event, when left with no report, redirects (``merged_into``) to the event of the new
group that holds most of its sentences, and is deleted, with the tombstones that pointed at it,
when no new group holds any (the incident is no longer read from any source).

Mention and claim rows keep their ids too (an article's old ids, in the order they were written),
so that re-extracting with an unchanged pipeline changes nothing at all: the same rows, the same
event summaries (``updated_at`` moves only when a summary changes), the same exports.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from warwatch.fuse.group import group_mentions
from warwatch.models import Article, Mention
from warwatch.store import copies
from warwatch.store.fusion import now, refuse_all, report_values
from warwatch.store.schema import articles, claims, events, mentions, reports
from warwatch.store.summaries import summarise_events
from warwatch.store.write import claim_rows, mention_values


@dataclass(frozen=True)
class EventState:
    """What the change summary compares of one event row."""

    id: int
    name: str
    event_date: date | None
    event_type: str
    sub_event_type: str
    location: str | None
    admin1: str | None
    country: str | None
    latitude: float | None
    longitude: float | None
    fatalities: int | None
    merged_into: int | None

    @property
    def place(self) -> str:
        """The place as a reader names it: "location, admin1, country" (what is known of it)."""
        parts = [p for p in (self.location, self.admin1, self.country) if p]
        return ", ".join(dict.fromkeys(parts)) or "unlocated"


@dataclass
class Rewritten:
    """What :func:`rewrite` did: the events before and after, and the articles it could not store."""

    before: dict[int, EventState]
    after: dict[int, EventState]
    #: article id -> why its new extraction could not be stored (its old rows are kept)
    failed: dict[int, str] = field(default_factory=dict)


def snapshot(conn: Connection) -> dict[int, EventState]:
    """Every events row (tombstones included), by primary key."""
    c = events.c
    rows = conn.execute(select(c.id, c.event_id_cnty, c.event_date, c.event_type, c.sub_event_type, c.location,
                               c.admin1, c.country, c.latitude, c.longitude, c.fatalities, c.merged_into))
    return {r.id: EventState(id=r.id, name=r.event_id_cnty or f"XXX{r.id}", event_date=r.event_date,
                             event_type=r.event_type, sub_event_type=r.sub_event_type or "", location=r.location,
                             admin1=r.admin1, country=r.country, latitude=r.latitude, longitude=r.longitude,
                             fatalities=r.fatalities, merged_into=r.merged_into) for r in rows}


def stored_articles(conn: Connection) -> list[tuple[int, Article]]:
    """Every stored article as ingest read it, in the order it was stored."""
    c = articles.c
    rows = conn.execute(select(c.id, c.text, c.title, c.published, c.outlet, c.url, c.path, c.doc_id)
                        .order_by(c.id))
    return [(r.id, Article(text=r.text, title=r.title or "", published=r.published, outlet=r.outlet, url=r.url,
                           path=r.path, doc_id=r.doc_id)) for r in rows]


# --- matching an article's new groups with its old reports -------------------------------------

@dataclass
class _OldReport:
    id: int
    ordinal: int
    event_id: int | None
    keys: set[tuple[int, int | None]]
    sentences: set[int]


def _key(m: Mention) -> tuple[int, int | None]:
    """A mention as the text locates it: its sentence and its toponym (what a new release re-reads)."""
    return m.evidence.start, m.toponym.start if m.toponym else None


def match_reports(old: Sequence[_OldReport], groups: Sequence[list[Mention]]) -> tuple[dict[int, int], dict[int, int]]:
    """(new group index -> old report id it takes over, old report id left over -> the group holding most
    of its sentences). One to one, the largest overlaps first, then the nearest ordinals."""
    keys = [{_key(m) for m in g} for g in groups]
    sentences = [{m.evidence.start for m in g} for g in groups]
    pairs = []
    for r in old:
        for k in range(len(groups)):
            shared = (len(r.keys & keys[k]), len(r.sentences & sentences[k]))
            if shared != (0, 0):
                pairs.append((-shared[0], -shared[1], abs(r.ordinal - k), r.ordinal, k, r.id))
    taken: dict[int, int] = {}
    used: set[int] = set()
    for *_, k, rid in sorted(pairs):
        if k not in taken and rid not in used:
            taken[k] = rid
            used.add(rid)
    absorbed: dict[int, int] = {}
    for *_, k, rid in sorted(pairs):
        if rid not in used and rid not in absorbed:
            absorbed[rid] = k
    return taken, absorbed


# --- the rewrite ---------------------------------------------------------------------------------

@dataclass
class _Prepared:
    """One article's new rows, built (and serialised) before anything is written."""

    article_id: int
    groups: list[list[Mention]]
    reports: list[dict]
    #: per group: (mention values, claim rows) of each of its mentions
    rows: list[list[tuple[dict, list[dict]]]]


def _prepare(article_id: int, found: list[Mention]) -> _Prepared:
    ordinals = {id(m): i for i, m in enumerate(found)}
    groups = group_mentions(list(found))
    return _Prepared(article_id, groups, [report_values(g) for g in groups],
                     [[(mention_values(m, ordinals[id(m)]), claim_rows(m)) for m in g] for g in groups])


def _old_reports(conn: Connection, article_id: int) -> list[_OldReport]:
    out = {r.id: _OldReport(r.id, r.ordinal, r.event_id, set(), set()) for r in conn.execute(
        select(reports.c.id, reports.c.ordinal, reports.c.event_id).where(reports.c.article_id == article_id))}
    for m in conn.execute(select(mentions.c.report_id, mentions.c.sentence_start, mentions.c.toponym_start)
                          .where(mentions.c.article_id == article_id)):
        if m.report_id in out:
            out[m.report_id].keys.add((m.sentence_start, m.toponym_start))
            out[m.report_id].sentences.add(m.sentence_start)
    return sorted(out.values(), key=lambda r: (r.ordinal, r.id))


class _Ids:
    """Row ids handed out again: an article's old ids first (in the order they were written), then
    fresh ones past every id the table ever had in this run, so no two rows ever meet."""

    def __init__(self, start: int) -> None:
        self.next = start

    def take(self, reuse: list[int]) -> int:
        if reuse:
            return reuse.pop(0)
        self.next += 1
        return self.next


def rewrite(conn: Connection, results: Sequence[tuple[int, list[Mention]]],
            published: dict[int, date] | None = None, rejected: dict[int, str | None] | None = None) -> Rewritten:
    """Replace these articles' reports, mentions and claims with the new mentions, re-fuse every
    report, and summarise the events again; all on ``conn``, inside the caller's transaction.
    ``published``: article id -> its publication date, for articles stored undated that now have one.
    ``rejected``: article id -> the relevance gate's reason for keeping it out now, or None for an article
    read now (an article rejected now comes in ``results`` with no mentions)."""
    before = snapshot(conn)
    for article_id, day in sorted((published or {}).items()):
        conn.execute(update(articles).where(articles.c.id == article_id, articles.c.published.is_(None))
                     .values(published=day))
    verdicts = _rejudge(conn, rejected or {})
    if published or verdicts:
        # who copies whom follows from the articles' dates and fingerprints: decided again for every article
        copies.relink(conn, set(conn.execute(select(articles.c.id)).scalars()))
    failed: dict[int, str] = {}
    prepared: list[_Prepared] = []
    for article_id, found in results:
        try:
            prepared.append(_prepare(article_id, found))
        except (TypeError, ValueError) as error:  # a value the store cannot hold: keep the old rows
            failed[article_id] = str(error)
    mention_ids = _Ids(int(conn.execute(select(func.max(mentions.c.id))).scalar() or 0))
    claim_ids = _Ids(int(conn.execute(select(func.max(claims.c.id))).scalar() or 0))
    # which report of its original a copy's report repeats is read again below, from the new reports
    # (for the articles that copied before too: a report no longer a copy's takes its own dates back)
    followed = set(conn.execute(select(reports.c.article_id).where(reports.c.follows.is_not(None))).scalars())
    conn.execute(update(reports).where(reports.c.follows.is_not(None)).values(follows=None))
    pending: list[tuple[_Prepared, list[int], list[int], list[int]]] = []
    gone: dict[int, tuple[int | None, int | None]] = {}  # deleted report -> (its event, the report holding it now)
    for p in prepared:
        old = _old_reports(conn, p.article_id)
        old_mentions = list(conn.execute(select(mentions.c.id).where(mentions.c.article_id == p.article_id)
                                         .order_by(mentions.c.id)).scalars())
        old_claims = list(conn.execute(select(claims.c.id).where(claims.c.article_id == p.article_id)
                                       .order_by(claims.c.id)).scalars())
        conn.execute(delete(claims).where(claims.c.article_id == p.article_id))
        conn.execute(delete(mentions).where(mentions.c.article_id == p.article_id))
        taken, absorbed = match_reports(old, p.groups)
        report_ids = []
        for k, values in enumerate(p.reports):
            if k in taken:
                conn.execute(update(reports).where(reports.c.id == taken[k]).values(ordinal=k, **values))
                report_ids.append(taken[k])
            else:
                result = conn.execute(insert(reports).values(article_id=p.article_id, ordinal=k, **values))
                report_ids.append(int(result.inserted_primary_key[0]))
        for r in old:
            if r.id not in taken.values():
                gone[r.id] = (r.event_id, report_ids[absorbed[r.id]] if r.id in absorbed else None)
                conn.execute(delete(reports).where(reports.c.id == r.id))
        pending.append((p, report_ids, old_mentions, old_claims))
    copied = set(conn.execute(select(articles.c.id).where(articles.c.copy_of.is_not(None))).scalars())
    for article_id in sorted(copied | followed):
        copies.align(conn, article_id)
    touched = refuse_all(conn)
    event_of = {rid: event for rid, event in conn.execute(select(reports.c.id, reports.c.event_id))}
    for p, report_ids, old_mentions, old_claims in pending:
        for group_rows, report_id in zip(p.rows, report_ids, strict=True):
            event_pk = event_of[report_id]
            for values, claim_values in group_rows:
                mention_id = mention_ids.take(old_mentions)
                conn.execute(insert(mentions).values(id=mention_id, **values, article_id=p.article_id,
                                                     event_id=event_pk, report_id=report_id))
                if claim_values:
                    conn.execute(insert(claims), [dict(c, id=claim_ids.take(old_claims), mention_id=mention_id,
                                                       event_id=event_pk, article_id=p.article_id)
                                                  for c in claim_values])
    _settle_emptied(conn, before, gone, event_of)
    summarise_events(conn, touched | {e for e in event_of.values() if e is not None})
    return Rewritten(before=before, after=snapshot(conn), failed=failed)


def _rejudge(conn: Connection, rejected: dict[int, str | None]) -> set[int]:
    """Store the relevance gate's new verdicts; return the articles whose verdict changed. An article
    rejected now loses its fingerprint and copy links (a rejected article is nobody's original: see
    store/write.py); one read now that was rejected is fingerprinted and linked to its copies."""
    stored = {row.id: row.rejected for row in conn.execute(
        select(articles.c.id, articles.c.rejected).where(articles.c.id.in_(sorted(rejected))))} if rejected else {}
    changed = set()
    for article_id, reason in sorted(rejected.items()):
        if article_id not in stored or stored[article_id] == reason:
            continue
        changed.add(article_id)
        conn.execute(update(articles).where(articles.c.id == article_id).values(rejected=reason))
        if reason is not None:
            copies.unsign(conn, article_id)
        elif stored[article_id] is not None:
            text = conn.execute(select(articles.c.text).where(articles.c.id == article_id)).scalar_one()
            copies.sign(conn, article_id, text)
    return changed


def _settle_emptied(conn: Connection, before: dict[int, EventState], gone: dict[int, tuple[int | None, int | None]],
                    event_of: dict[int, int | None]) -> None:
    """Events left with no report because their reports were deleted: redirected to where their
    sentences went, else deleted with the tombstones that pointed at them."""
    holding = {e for e in event_of.values() if e is not None}
    merged = {pk: into for pk, into in conn.execute(select(events.c.id, events.c.merged_into))}
    emptied = sorted(e for e, state in before.items()
                     if state.merged_into is None and e not in holding and merged.get(e) is None)
    for event_id in emptied:
        went = [event_of.get(new) for old_event, new in gone.values() if old_event == event_id and new is not None]
        went = [e for e in went if e is not None]
        if went:
            counts = Counter(went)
            target = max(counts, key=lambda e: (counts[e], -e))
            conn.execute(update(events).where(events.c.id == event_id).values(merged_into=target, updated_at=now()))
            conn.execute(update(events).where(events.c.merged_into == event_id).values(merged_into=target))
        else:
            conn.execute(delete(events).where(events.c.merged_into == event_id))
            conn.execute(delete(events).where(events.c.id == event_id))
