"""Plain-text articles: title, dateline and byline at the top, then the body.

Scraped and pasted articles share a layout: a headline, perhaps a site banner above it or the
headline printed twice, a dateline ("September 9, 2018 Updated: September 9, 2018"), a byline
("Minnie Murray"), a standfirst, then paragraphs. The header lines that are only metadata are
taken out of the text; everything else, the standfirst included, stays.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from ..errors import InputError
from ..models import Article, normalise_for_hash
from .clean import clean_text, has_text, normalise_whitespace
from .dates import (
    MONTH_WORDS,
    WEEKDAY_WORDS,
    credit_dateline,
    dateline_date,
    leading_date,
    plausible_published,
    split_dateline,
)

#: how many non-empty lines below the title may still be header (dateline, byline, standfirst)
HEADER_LINES = 5
#: lines just below the first paragraph where a line that is nothing but a date is still the
#: page's dateline (pages that print the standfirst above the date)
DATELINE_AFTER_LEAD = 2
TITLE_MAX_CHARS = 200

# Words that never occur in a person's name: a short title-case line that contains one is a
# heading or a section label ("Warnings of a Bloodbath"), not a byline.
_NOT_NAME = {
    "a", "an", "the", "of", "in", "on", "at", "to", "for", "from", "with", "as", "is", "are", "was",
    "were", "be", "after", "before", "over", "under", "into", "amid", "against", "says", "said",
    "new", "news", "live", "updates", "update", "breaking", "world", "war", "what", "why", "how",
    "who", "when", "where", "video", "photos", "analysis", "opinion", "editorial", "more", "read",
}  # fmt: skip
_PARTICLES = {"al", "el", "bin", "ibn", "abu", "abd", "van", "von", "de", "da", "del", "der", "la", "du"}
_NAME_TOKEN = re.compile(r"(?:[A-Z][\w'’-]*\.?|[A-Z]\.)+$")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"“‘'A-Z])")


def is_byline(line: str) -> bool:
    """True for a line that is only an author credit: "Minnie Murray", "By Tom Perry, Reuters"."""
    line = line.strip().rstrip(",;")
    if not line or len(line) > 80 or line[-1] in "?!:" or any(ch.isdigit() for ch in line):
        return False
    prefixed = re.match(r"(?:by|written by|reported by)\s+", line, re.I)
    if prefixed:
        line = line[prefixed.end() :]
        # "By Tom Perry | Reuters", "By Tom Perry, Staff Writer": the role after a separator
        line = re.split(r"\s*[|,/·•–—]\s*|\s+-\s+", line)[0]
    names = [part for part in re.split(r"\s+(?:and|&)\s+", line) if part] if prefixed else [line]
    for name in names:
        tokens = name.split()
        if not 1 + (not prefixed) <= len(tokens) <= 4:
            return False
        for token in tokens:
            low = token.lower().strip(".")
            if low in _NOT_NAME or low in MONTH_WORDS or low in WEEKDAY_WORDS:
                return False
            if low in _PARTICLES or low.split("-")[0] in _PARTICLES:
                continue
            if not _NAME_TOKEN.match(token) or len(token) > 20:
                return False
    return True


def is_title_like(line: str) -> bool:
    """A headline: short, and not a full sentence ending in a full stop."""
    if not line or len(line) > TITLE_MAX_CHARS:
        return False
    words = len(line.split())
    ends_like_prose = line.endswith(".") and not line.endswith("...")
    return not (ends_like_prose and words > 12) and len(_SENTENCE_SPLIT.split(line)) <= 2


def derive_title(paragraph: str, max_chars: int = 150) -> str:
    """A stand-in title when the text has no headline: its first sentence, shortened."""
    first = _SENTENCE_SPLIT.split(paragraph.strip(), maxsplit=1)[0]
    if len(first) <= max_chars:
        return first
    cut = first[:max_chars].rsplit(" ", 1)[0]
    return cut.rstrip(",;:–- ") + "…"


def _fold(line: str) -> str:
    return normalise_for_hash(line)


def split_header(
    text: str, *, title: str | None = None
) -> tuple[str, date | None, str]:
    """(title, dateline date, body) of a plain-text article whose white space is normalised.

    With ``title`` given (a JSONL record, an HTML page), the text is the body: its first line
    is dropped only when it repeats the title, and no title is guessed.
    """
    lines = text.split("\n")
    filled = [i for i, line in enumerate(lines) if line]
    if not filled:
        raise InputError("no text")
    published: date | None = None
    drop: set[int] = set()
    pos = 0
    if title is None:
        # A headline printed twice marks where the page's own banner ends.
        for k in range(min(4, len(filled) - 1)):
            line = lines[filled[k]]
            if _fold(line) == _fold(lines[filled[k + 1]]) and is_title_like(line):
                drop.update(filled[: k + 1])
                pos = k + 1
                break
        head = lines[filled[pos]]
        glued = leading_date(head)
        if glued:
            published, head = plausible_published(glued[0]), glued[1]
            lines[filled[pos]] = head
        if is_title_like(head) and dateline_date(head) is None:
            title = head
            drop.add(filled[pos])
            pos += 1
        else:
            title = derive_title(head)
    elif _fold(lines[filled[0]]) == _fold(title):
        drop.add(filled[0])
        pos = 1
    standfirst_seen = False
    header = filled[pos : pos + HEADER_LINES]
    for n, i in enumerate(header):
        line = lines[i]
        found, rest = split_dateline(line)
        if found is not None and (not rest or is_byline(rest)):
            # a dateline out of range (an id, a typo) is still furniture, but no publication day
            published = published or plausible_published(found)
            drop.add(i)
            continue
        credited = credit_dateline(line)
        if credited is not None:
            published = published or credited
            drop.add(i)
            continue
        if is_byline(line) and (not standfirst_seen or re.match(r"by\s", line, re.I)):
            drop.add(i)
            continue
        glued = leading_date(line) if published is None and len(line) > 80 else None
        if glued:
            published = plausible_published(glued[0])
            lines[i] = glued[1]
        if len(line) > TITLE_MAX_CHARS:
            # the body has begun; a line that is only a date right below the first paragraph
            # is still the page's dateline ("10 Oct 2023" under a long standfirst)
            below = filled[pos + n + 1 : pos + n + 1 + DATELINE_AFTER_LEAD]
            for j in below:
                only = dateline_date(lines[j])
                if only is not None:
                    published = published or plausible_published(only)
                    drop.add(j)
                    break
            break
        standfirst_seen = True
    body = "\n".join(line for i, line in enumerate(lines) if i not in drop)
    return title, published, body


def read_text(raw: str, *, path: str | None = None, title: str | None = None) -> Article:
    """A plain-text article: first line the title, dateline and byline read and removed.

    With ``title`` given (a JSONL record's), the text is taken as the body: its first line is
    dropped only when it repeats the title. Raises :class:`~warwatch.errors.InputError` when
    the text is empty or nothing but furniture is left.
    """
    text = normalise_whitespace(raw)
    if not text.strip():
        raise InputError("empty file (only white space)" if raw else "empty file")
    title, published, body = split_header(text, title=title)
    cleaned = clean_text(body)
    if not body.strip() and title and has_text(clean_text(title)):
        cleaned = clean_text(title)  # a one-line file ("On 8 March 2022, Russian forces shelled ...") is its own text
    if not has_text(cleaned):
        raise InputError("no article text left after removing boilerplate")
    return Article(
        text=cleaned,
        title=title,
        published=published,
        published_from="dateline" if published else None,
        path=path,
        doc_id=Path(path).stem if path else None,
    )
