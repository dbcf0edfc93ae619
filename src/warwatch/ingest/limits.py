"""The sizes past which an input is refused, and why each is where it is.

A monitor is fed whatever the web produces: a page that is 5 MB of inline scripts, a "text" file
that is a database dump, a JSONL line holding a whole crawl, a gzip file that inflates a
thousandfold. Each limit keeps one input from costing unbounded memory or time, and each refusal
is one line naming the limit (see docs/reliability.md). News articles are far below all of them:
the longest of the dev clusters is about 20,000 characters.
"""

from __future__ import annotations

#: one page, text file or feed, as read or as it inflates from gzip: a page of this size is
#: markup and scripts, and trafilatura's tree of it costs ten times as much memory
MAX_FILE_BYTES = 50 * 1024 * 1024
#: one line of a JSONL file or manifest, read in bounded chunks: the API's upload cap, so that a
#: file that ingests from disk also ingests over HTTP
MAX_LINE_BYTES = 20 * 1024 * 1024
#: the article's text once cleaned: an article is rarely over 100,000 characters; past this it is a
#: dump or a scrape gone wrong, and reading it would take minutes of the batch's time
MAX_ARTICLE_CHARS = 2_000_000
#: texts are parsed in pieces of at most this many characters, cut between paragraphs: spaCy
#: refuses texts over 1,000,000 characters, and its memory grows with the length of the text
PIECE_CHARS = 100_000


def too_long(chars: int) -> str:
    """The one-line reason an article of ``chars`` characters is refused."""
    return (f"article text of {chars:,} characters is over the cap of {MAX_ARTICLE_CHARS:,} "
            "(news articles are rarely over 100,000): split it into one article per file")


def megabytes(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"
