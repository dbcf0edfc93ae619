"""Resolve the time expressions of a sentence against the publication date.

Relative days ("on Saturday", "overnight on Wednesday", "yesterday", "the previous day") resolve
to the most recent such day on or before the publication date (or, for "the previous day", the
last date the article stated). Explicit dates keep their own value, so a caption about
4 April 2017 stays in 2017. Each date also gets a *role*: a date inside an "after …", "since …"
or "before …" phrase dates something other than the clause's own event ("hit Kabaneh after a
similar raid on Tuesday"), so it is background, not the event's date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from spacy.tokens import Span, Token

from warwatch.wordkey import word_key

MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
WEEKDAYS = {d: i for i, d in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_PATTERNS = [
    # September 9, 2018 / Sept. 9 / August 31
    re.compile(_MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<year>(?:19|20)\d\d))?\b", re.I),
    # 4 April 2017 / 31 August
    re.compile(
        r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+(?P<year>(?:19|20)\d\d))?\b", re.I
    ),
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<nmonth>\d\d)-(?P<day>\d\d)\b"),
]
_WEEKDAY = re.compile(r"\b(?P<wd>" + "|".join(WEEKDAYS) + r")(?:'s|’s)?\b", re.I)
_MONTH_ONLY = re.compile(
    r"\b(?:(?P<rel>last|this|early|late|mid|mid-|in)\s+)?" + _MONTH + r"(?:\s+(?P<year>(?:19|20)\d\d))?\b", re.I
)
_YEAR_ONLY = re.compile(r"\b(?:in|since|during)\s+(?P<year>(?:19|20)\d\d)\b", re.I)
_RELATIVE = {
    "yesterday": -1,
    "last night": -1,
    "overnight": -1,
    "today": 0,
    "this morning": 0,
    "tonight": 0,
    "this evening": 0,
    "this afternoon": 0,
    "earlier today": 0,
    "the day before": "prev",
    "the previous day": "prev",
    "a day earlier": "prev",
    "the day before yesterday": -2,
    "last week": -7,
}
_RELATIVE_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _RELATIVE), key=len, reverse=True)) + r")\b", re.I)
_BACKGROUND_PREPS = {"after", "since", "before", "until", "following", "ago", "prior"}


@dataclass
class DateRef:
    """A time expression of a sentence, resolved."""

    value: date
    #: ACLED time_precision: 1 day, 2 week, 3 month; 4 = only the year is known
    precision: int
    text: str
    start: int  # offsets in the article text
    end: int
    #: "event" dates the sentence's own event; "background" dates something it is compared to
    role: str = "event"
    #: 3 explicit calendar date, 2 weekday, 1 relative word ("yesterday"), 0 month or year only
    strength: int = 3
    #: token index of the "after"/"since"/"following" that the expression hangs under, if any
    barrier: int | None = None
    #: True when the text itself gives the year (so the value does not depend on publication)
    absolute: bool = False


def _shifted(day: date, days: int) -> date | None:
    """``day`` moved by ``days``, or None past either end of the calendar. A publication day can be
    0001-01-01 or 9999-12-31 (a record's own "published" field), and "yesterday" of the first day
    the calendar has is no day at all: an OverflowError if computed."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return None


def _calendar_day(year: int, month: int, day: int) -> date | None:
    """The date, or None where there is none (February 30, a month of year 0 before 0001-01-01)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _last_weekday(weekday: int, published: date) -> date | None:
    return _shifted(published, -((published.weekday() - weekday) % 7))


def _year_for(month: int, day: int, published: date) -> int:
    """Year of a day given without one: the latest that is not after publication."""
    year = published.year
    latest, value = _shifted(published, 1), _calendar_day(year, month, day)
    if latest is not None and value is not None and value > latest:
        year -= 1
    return year


def _barrier(span_start: int, span_end: int, sent: Span) -> int | None:
    """Index of the after/since/before token the expression hangs under, else None."""
    tokens = [t for t in sent if t.idx >= span_start and t.idx < span_end]
    if not tokens:
        return None
    token: Token = tokens[-1]
    for t in tokens:
        if t.lower_ in ("ago", "since"):
            return t.i
    seen = 0
    while token.head.i != token.i and seen < 8:
        if token.lower_ in _BACKGROUND_PREPS and token.dep_ in ("prep", "mark", "advmod", "advcl", "pcomp"):
            return token.i
        if any(c.dep_ == "mark" and c.lower_ in _BACKGROUND_PREPS for c in token.children):
            return token.i  # "… since it declared a truce on August 31": the whole clause is background
        token = token.head
        seen += 1
        if token.pos_ in ("VERB", "AUX") and token.dep_ in ("ROOT", "ccomp", "conj"):
            break
    return None


def find_dates(sent: Span, published: date, anchor: date | None = None) -> list[DateRef]:
    """Every time expression in the sentence that resolves to a date, in text order."""
    text, base = sent.text, sent.start_char
    found: list[DateRef] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, value: date | None, precision: int, strength: int, absolute: bool = False) -> None:
        if value is None or any(s < end and start < e for s, e in taken):
            return  # no such day (see _shifted, _calendar_day), or the words are taken by another date
        taken.append((start, end))
        barrier = _barrier(base + start, base + end, sent)
        found.append(
            DateRef(
                value,
                precision,
                text[start:end],
                base + start,
                base + end,
                "event" if barrier is None else "background",
                strength,
                barrier,
                absolute,
            )
        )

    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            # word_key, not lower(): these patterns are case-insensitive (see warwatch.wordkey)
            month = MONTHS.get(word_key(m.groupdict().get("month") or "").rstrip(".")) or int(m.group("nmonth") or 0)
            day = int(m.group("day"))
            year = int(m.group("year")) if m.group("year") else _year_for(month, day, published)
            add(m.start(), m.end(), _calendar_day(year, month, day), 1, 3, bool(m.group("year")))
    for m in _RELATIVE_RE.finditer(text):
        offset = _RELATIVE[word_key(m.group(1))]
        if offset == "prev":
            add(m.start(), m.end(), _shifted(anchor or published, -1), 1, 1)
        else:
            add(m.start(), m.end(), _shifted(published, int(offset)), 1 if offset != -7 else 2, 1)
    for m in _WEEKDAY.finditer(text):
        add(m.start(), m.end(), _last_weekday(WEEKDAYS[word_key(m.group("wd"))], published), 1, 2)
    for m in _MONTH_ONLY.finditer(text):
        month = MONTHS[word_key(m.group("month")).rstrip(".")]
        if word_key(m.group("month")) == "may" and not m.group("rel") and not m.group("year"):
            continue  # the modal verb
        if m.group("year"):
            year = int(m.group("year"))
        else:
            year = published.year if month <= published.month else published.year - 1
            if word_key(m.group("rel") or "") == "last" and month >= published.month:
                year = published.year - 1
        add(m.start(), m.end(), _calendar_day(year, month, 1), 3, 0, bool(m.group("year")))
    for m in _YEAR_ONLY.finditer(text):
        add(m.start("year"), m.end("year"), date(int(m.group("year")), 1, 1), 4, 0, True)
    found.sort(key=lambda d: d.start)
    return found
