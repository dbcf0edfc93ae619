"""Store-wide fusion chores: re-fuse everything, list copies, note reprints of a stored text."""

from __future__ import annotations

from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import Connection

from warwatch.models import Article
from warwatch.store import copies
from warwatch.store.fusion import now, refuse_all, report_values
from warwatch.store.read import ARTICLE_COLUMNS, _article, _mention
from warwatch.store.records import CopyRecord
from warwatch.store.schema import article_links, article_reprints, articles, mentions, reports
from warwatch.store.summaries import _NOBODY, summarise_events


def refresh_reports(conn: Connection) -> None:
    """Recompute every report's fusion columns from its stored mentions."""
    ids = list(conn.execute(select(reports.c.id).order_by(reports.c.id)).scalars())
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        said: dict[int, list] = {rid: [] for rid in chunk}
        for row in conn.execute(select(mentions).where(mentions.c.report_id.in_(chunk))
                                .order_by(mentions.c.sentence_start, mentions.c.id)):
            said[row.report_id].append(_mention(row, _NOBODY).to_mention())
        for rid, group in said.items():
            if group:
                values = report_values(group)
                conn.execute(update(reports).where(reports.c.id == rid).values(**values, follows=None))


def refuse_everything(conn: Connection, *, rebuild: bool = False) -> int:
    """Fingerprint what is not, re-derive copies, re-cluster every report; return events changed."""
    if rebuild:
        refresh_reports(conn)
    # an article the relevance gate kept out is nobody's copy and nobody's original (store/write.py)
    unsigned = conn.execute(select(articles.c.id, articles.c.text).where(
        or_(articles.c.signed.is_(None), articles.c.signed.is_(False)), articles.c.rejected.is_(None))
        .order_by(articles.c.id)).all()
    for row in unsigned:
        copies.sign(conn, row.id, row.text)
    every = set(conn.execute(select(articles.c.id)).scalars())
    copies.relink(conn, every)
    followed = set(conn.execute(select(reports.c.article_id).where(reports.c.follows.is_not(None))).scalars())
    copied = set(conn.execute(select(articles.c.id).where(articles.c.copy_of.is_not(None))).scalars())
    for article_id in sorted(followed | copied):
        copies.align(conn, article_id)
    return summarise_events(conn, refuse_all(conn))


def fetch_copies(conn: Connection) -> list[CopyRecord]:
    """Every article with copy_of set, with its original, its root and the link between them."""
    infos = {row.id: _article(row) for row in conn.execute(
        select(*ARTICLE_COLUMNS).where(or_(articles.c.copy_of.is_not(None), articles.c.id.in_(
            select(articles.c.copy_of).where(articles.c.copy_of.is_not(None))), articles.c.id.in_(
            select(articles.c.root_id).where(articles.c.copy_of.is_not(None))))))}
    out = []
    for info in sorted((i for i in infos.values() if i.copy_of is not None), key=lambda i: i.id):
        a, b = sorted((info.id, info.copy_of))  # type: ignore[type-var]
        link = conn.execute(select(article_links).where(article_links.c.a_id == a,
                                                        article_links.c.b_id == b)).first()
        root = infos.get(info.root_id or info.copy_of)  # type: ignore[arg-type]
        out.append(CopyRecord(copy=info, original=infos[info.copy_of], root=root or infos[info.copy_of],  # type: ignore[index]
                              shared=link.shared if link else 0, of=link.of if link else 0,
                              kind=link.kind if link else "near"))
    return out


def note_reprint(conn: Connection, article_id: int, article: Article) -> bool:
    """Note that a stored text came again under another outlet, URL or file; True when noted."""
    stored = conn.execute(select(*ARTICLE_COLUMNS).where(articles.c.id == article_id)).one()
    where = {"outlet": article.outlet, "url": article.url, "path": article.path, "doc_id": article.doc_id}
    if tuple(where.values()) == (stored.outlet, stored.url, stored.path, stored.doc_id):
        return False
    same = [article_reprints.c[k].is_(None) if v is None else article_reprints.c[k] == v for k, v in where.items()]
    if conn.execute(select(article_reprints.c.id).where(article_reprints.c.article_id == article_id, *same)).first():
        return False
    conn.execute(insert(article_reprints).values(article_id=article_id, published=article.published,
                                                 noted_at=now(), **where))
    return True
