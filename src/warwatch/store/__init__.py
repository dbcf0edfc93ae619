"""The event store: articles, events, mentions and claims in SQLite (or another SQLAlchemy database).

``Store(path)`` opens or creates the database and applies pending migrations;
``add_article(article, mentions)`` writes one article in one transaction; ``events(...)`` and
``event(id)`` read them back as :class:`EventRecord` / :class:`EventDetail`.
"""

from warwatch.store.db import Store
from warwatch.store.records import (
    AddResult,
    ArticleInfo,
    ClaimRecord,
    EventDetail,
    EventRecord,
    MentionRecord,
)

__all__ = ["AddResult", "ArticleInfo", "ClaimRecord", "EventDetail", "EventRecord", "MentionRecord", "Store"]
