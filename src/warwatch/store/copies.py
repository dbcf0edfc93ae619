"""Copies in the store: fingerprint each article, link near-duplicates, decide who copies whom.

:func:`sign` stores an article's MinHash LSH band keys and the near-duplicate links it has with
stored articles (verified by sentence alignment, :mod:`warwatch.fuse.copies`). :func:`relink`
derives ``articles.copy_of`` (the article it copies) and ``articles.root_id`` (the original at
the end of that chain) from the links and the articles' ranks, so the result does not depend on
which arrived first. :func:`align` then says which report of a copy repeats which report of
its original (``reports.follows``): such a report joins the original's event and corroborates
nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.engine import Connection

from warwatch.fuse.copies import Link, band_keys, choose_original, compare, rank, signature
from warwatch.fuse.units import affinity, aligned, date_range
from warwatch.store.fusion import UNIT_COLUMNS, _day, unit
from warwatch.store.schema import article_bands, article_links, articles, reports


def sign(conn: Connection, article_id: int, text: str) -> set[int]:
    """Fingerprint a stored article and link it to its near-duplicates; return their ids."""
    linked: set[int] = set()
    sig = signature(text)
    if sig is not None:
        keys = sorted(set(band_keys(sig)))
        candidates = set(conn.execute(select(article_bands.c.article_id).distinct()
                                      .where(article_bands.c.key.in_(keys))).scalars()) - {article_id}
        for other in sorted(candidates):
            other_text = conn.execute(select(articles.c.text).where(articles.c.id == other)).scalar_one()
            similarity = compare(text, other_text)
            if not similarity.is_copy:
                continue
            a, b = sorted((article_id, other))
            exists = conn.execute(select(article_links.c.a_id).where(
                article_links.c.a_id == a, article_links.c.b_id == b)).first()
            if exists is None:
                conn.execute(insert(article_links).values(
                    a_id=a, b_id=b, shared=similarity.shared, of=similarity.of,
                    share=round(similarity.share, 4), kind=similarity.kind))
            linked.add(other)
        stored = set(conn.execute(select(article_bands.c.key).where(article_bands.c.article_id == article_id))
                     .scalars())
        fresh = [k for k in keys if k not in stored]
        if fresh:
            conn.execute(insert(article_bands), [{"key": k, "article_id": article_id} for k in fresh])
    conn.execute(update(articles).where(articles.c.id == article_id).values(signed=True))
    return linked


def unsign(conn: Connection, article_id: int) -> set[int]:
    """Forget an article's fingerprint and its near-duplicate links; return the articles it was linked to
    (their copy_of is decided again by :func:`relink`)."""
    linked = {other for other, _share, _kind in _links(conn, article_id)}
    conn.execute(delete(article_links).where(or_(article_links.c.a_id == article_id,
                                                 article_links.c.b_id == article_id)))
    conn.execute(delete(article_bands).where(article_bands.c.article_id == article_id))
    conn.execute(update(articles).where(articles.c.id == article_id).values(signed=False))
    return linked


def _links(conn: Connection, article_id: int) -> list[tuple[int, float, str]]:
    rows = conn.execute(select(article_links).where(or_(article_links.c.a_id == article_id,
                                                        article_links.c.b_id == article_id)))
    return [(r.b_id if r.a_id == article_id else r.a_id, r.share, r.kind) for r in rows]


def _rank(conn: Connection, article_id: int) -> tuple:
    row = conn.execute(select(articles.c.published, articles.c.content_hash)
                       .where(articles.c.id == article_id)).one()
    return rank(row.published, row.content_hash)


def relink(conn: Connection, article_ids: Iterable[int]) -> set[int]:
    """Recompute copy_of for these articles and root_id for them and everything that copies them;
    return the articles whose copy_of or root_id changed."""
    changed: set[int] = set()
    todo = set(article_ids)
    ranks: dict[int, tuple] = {}  # a wire story and its many reprints: each rank read once

    def ranked(article_id: int) -> tuple:
        if article_id not in ranks:
            ranks[article_id] = _rank(conn, article_id)
        return ranks[article_id]

    for article_id in sorted(todo):
        own = ranked(article_id)
        links = [(Link(other, share, kind), ranked(other)) for other, share, kind in _links(conn, article_id)]
        original = choose_original(own, links)
        current = conn.execute(select(articles.c.copy_of).where(articles.c.id == article_id)).scalar()
        if original != current:
            conn.execute(update(articles).where(articles.c.id == article_id).values(copy_of=original))
            changed.add(article_id)
    # roots: these articles and, down the copy_of tree, every copy of them
    frontier, seen = set(todo), set()
    while frontier:
        seen |= frontier
        frontier = set(conn.execute(select(articles.c.id).where(articles.c.copy_of.in_(sorted(frontier))))
                       .scalars()) - seen
    for article_id in sorted(seen):
        root, path = article_id, {article_id}
        while True:
            parent = conn.execute(select(articles.c.copy_of).where(articles.c.id == root)).scalar()
            if parent is None or parent in path:
                break
            path.add(parent)
            root = parent
        current = conn.execute(select(articles.c.root_id).where(articles.c.id == article_id)).scalar()
        if current != root:
            conn.execute(update(articles).where(articles.c.id == article_id).values(root_id=root))
            changed.add(article_id)
    return changed


def align(conn: Connection, article_id: int) -> set[int]:
    """Set which report of the original each report of a copy repeats (``follows``); clear it
    for an original. Return the article's report ids (all of them need re-fusing)."""
    original = conn.execute(select(articles.c.copy_of).where(articles.c.id == article_id)).scalar()
    published = {row.id: row.published for row in conn.execute(select(articles.c.id, articles.c.published).where(
        articles.c.id.in_([article_id, original or article_id])))}
    mine_day, their_day = published.get(article_id), published.get(original)
    slack = max(1, abs(mine_day.toordinal() - their_day.toordinal())) if mine_day and their_day else 1
    own = conn.execute(select(*UNIT_COLUMNS).join(articles, articles.c.id == reports.c.article_id)
                       .where(reports.c.article_id == article_id).order_by(reports.c.ordinal)).all()
    theirs = []
    if original is not None:
        theirs = [unit(r) for r in conn.execute(
            select(*UNIT_COLUMNS).join(articles, articles.c.id == reports.c.article_id)
            .where(reports.c.article_id == original).order_by(reports.c.ordinal))]
    for row in own:
        mine = unit(row)
        # an undated copy is compared with its own (absent) date, not one inherited earlier
        lo, hi = date_range(row.event_date, row.time_precision or 1)
        mine.lo, mine.hi = lo, hi
        options = [o for o in theirs if aligned(mine, o, slack)]
        follows = max(options, key=lambda o: (affinity(o, mine), -o.order[1])).rid if options else None
        values: dict = {"follows": follows}
        if follows is None:
            values.update(day_lo=_day(lo), day_hi=_day(hi), date_inherited=False)
        conn.execute(update(reports).where(reports.c.id == row.id).values(**values))
    return {row.id for row in own}
