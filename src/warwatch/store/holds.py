"""Articles stored but held out of the pipeline for a reason the relevance gate cannot lift.

They sit in ``articles.rejected`` like the gate's own verdicts (so ``warwatch articles --rejected``
lists them, and fusion reads nothing of them), but with a reason that begins with one of
:data:`HOLDS`. ``warwatch reprocess`` (even with ``--keep-irrelevant``) keeps them as they are:
reading a superseded version of a page again would count its old toll a second time, and an
article in a language without a pipeline would be parsed by the English one.
"""

from __future__ import annotations

#: reason prefix -> why such an article is held (rules as data)
HOLDS = {
    "superseded:": "an older version of a page edited in place: the newer version stands for it in its events",
    "language:": "written in a language that has no pipeline yet: stored, flagged, not parsed",
}


def is_hold(reason: str | None) -> bool:
    """True when a stored article's ``rejected`` reason is a hold (see :data:`HOLDS`)."""
    return reason is not None and reason.startswith(tuple(HOLDS))


def superseded(version: int, by: int, article_id: int) -> str:
    """The hold of a page's version ``version`` once version ``by`` (stored as ``article_id``) replaced it."""
    return f"superseded: version {version} of the page, replaced by version {by} (article {article_id})"
