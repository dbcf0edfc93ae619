"""Publication dates as news pages print them: datelines, ISO strings, manifest values."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from ..wordkey import word_key

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
MONTH_WORDS = frozenset(_MONTHS)
WEEKDAY_WORDS = frozenset(
    ["mon", "monday", "tue", "tues", "tuesday", "wed", "wednesday", "thu", "thur", "thurs", "thursday",
     "fri", "friday", "sat", "saturday", "sun", "sunday"]
)  # fmt: skip
_MONTH = r"(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"

#: the three shapes a printed date takes: 2018-09-09, September 9, 2018 / Sept. 9 2018,
#: 9 September 2018 / 8 September, 2018 / 9th of September 2018
_DATE_PATTERNS = [
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<mnum>[01]\d)-(?P<day>[0-3]\d)(?![\d-])"),
    re.compile(r"\b" + _MONTH + r"\s+" + _DAY + r"\s*,?\s+" + _YEAR + r"\b", re.I),
    re.compile(r"\b" + _DAY + r"\s+(?:of\s+)?" + _MONTH + r"\s*,?\s+" + _YEAR + r"\b", re.I),
]

# What a dateline may carry besides its dates: weekdays, times, time zones, "Updated:",
# separators. A line that is nothing but these and dates is page furniture.
_DATELINE_NOISE = re.compile(
    r"""
    \b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?\b\.?
    | \b\d{1,2}[:.]\d{2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?)?
    | \b(?:gmt|utc|bst|cet|cest|eet|eest|est|edt|cst|cdt|mst|mdt|pst|pdt|ast|msk|ist|jst|sgt|hkt
          |aest|aedt|sast|pkt)(?:\s*[+-]\s*\d{1,2}(?::?\d{2})?)?\b
    | [+-]\d{2}:?\d{2}\b
    | \b\d+\s*(?:min|mins|minute|minutes)\s+read\b
    | \b\d+\s+(?:second|minute|hour|day|week|month|year)s?\s+ago\b
    | \b(?:last|first|updated?|published|posted|modified|created|date[d]?|on|at|and)\b
    | [|,:;()\[\]·•/\-–—]
    """,
    re.I | re.X,
)


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_dates(text: str) -> list[tuple[int, int, date]]:
    """Every printed date in ``text`` as (start, end, date), in order of appearance."""
    found: list[tuple[int, int, date]] = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            groups = m.groupdict()
            # word_key, not lower(): the pattern is case-insensitive, and so matches "ſeptember" too
            month = int(groups["mnum"]) if groups.get("mnum") else _MONTHS[word_key(groups["mon"])]
            value = _make(int(groups["year"]), month, int(groups["day"]))
            if value is None:
                continue
            # one span can match two shapes ("September 9, 2018" inside a longer one): keep first
            if any(s < m.end() and m.start() < e for s, e, _ in found):
                continue
            found.append((m.start(), m.end(), value))
    return sorted(found)


def split_dateline(line: str, max_len: int = 120) -> tuple[date | None, str]:
    """The first date of a short line and what the line says besides dates, times and weekdays.

    ("September 9, 2018 Updated: September 9, 2018") gives (2018-09-09, ""); ("By Tom Perry |
    Sept 9, 2018") gives (2018-09-09, "By Tom Perry"); a line with no date, or a long one, gives
    (None, line).
    """
    stripped = line.strip()
    if not stripped or len(stripped) > max_len:
        return None, line
    dates = find_dates(stripped)
    if not dates:
        return None, line
    rest = stripped
    for start, end, _ in reversed(dates):
        rest = rest[:start] + " " + rest[end:]
    rest = " ".join(_DATELINE_NOISE.sub(" ", rest).split())
    return dates[0][2], rest


def dateline_date(line: str, max_len: int = 120) -> date | None:
    """The date of a line that is only a dateline ("September 9, 2018 Updated: ..."), else None.

    A line that says anything besides dates, times, weekdays and "Updated"/"Published" words is
    prose, not a dateline, and gives None: a date inside a sentence is not a publication date.
    """
    value, rest = split_dateline(line, max_len)
    return value if value is not None and not rest else None


_LEADING_DATE = re.compile(
    r"^\s*(?:(?:date|published|posted|updated)\s*:?\s*)?(?P<date>"
    r"(?:19|20)\d\d-[01]\d-[0-3]\d|[A-Za-z]+\.?\s+[0-3]?\d,?\s+(?:19|20)\d\d|[0-3]?\d\s+[A-Za-z]+\.?,?\s+(?:19|20)\d\d)"
    r"\s*[-–—|:]?\s+(?=[\"“‘'A-Z])",
    re.I,
)


def leading_date(line: str) -> tuple[date, str] | None:
    """A date glued to the start of a paragraph by a scraper (" date 2018-09-08 Russian jets...").

    Returns the date and the paragraph without it, or None.
    """
    m = _LEADING_DATE.match(line)
    if not m:
        return None
    dates = find_dates(m.group("date"))
    if not dates or dates[0][1] - dates[0][0] != len(m.group("date")):
        return None
    return dates[0][2], line[m.end() :]


_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?\s*$")


def parse_iso_date(value: object) -> date | None:
    """A manifest/JSONL "published" value (YYYY-MM-DD, or an ISO timestamp) as a date.

    Raises ValueError with a one-line reason when the value is present but not a valid date.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"bad published date {value!r} (expected a YYYY-MM-DD string)")
    m = _ISO.match(value)
    parsed = _make(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
    if parsed is None:
        raise ValueError(f"bad published date {value!r} (expected YYYY-MM-DD)")
    return parsed


#: no page that warwatch reads was published before this: an older date in a URL or a dateline
#: is an id, an archive number or history, not the day the page came out
EARLIEST_PUBLISHED = date(1990, 1, 1)


def latest_published() -> date:
    """The latest day a page can carry now: today where the calendar is furthest ahead (UTC+14).

    A page dated in local time east of the machine running warwatch is not in the future; one
    dated after this day is (a typo, an event schedule, an id read as a date).
    """
    return (datetime.now(UTC) + timedelta(hours=14)).date()


def plausible_published(value: date | None) -> date | None:
    """``value`` when it can be a publication day (1990 up to today), else None."""
    if value is None or not EARLIEST_PUBLISHED <= value <= latest_published():
        return None
    return value


# Where a URL path carries the day its page came out. Kept as data, one shape a line, most
# trusted first, because news sites print the day in a handful of fixed shapes while anything
# looser reads ids as dates: an article number ("/499252/"), a unix timestamp ("-1657820976"), a
# hex id or a Reuters id with a date glued to letters ("idUSKCN0RX05G20151003") are not taken.
# Every shape needs separators on both sides, so a longer run of digits never matches.
_URL_DAY_PATTERNS = [
    # /2022/07/14/, /2015/10/4/ (some sites print the day without a leading zero)
    re.compile(r"/(?P<y>(?:19|20)\d\d)/(?P<m>[01]?\d)/(?P<d>[0-3]?\d)(?=/|$|\.[a-z]+$)"),
    # /2022-07-15/ or /2022_07_15/ as a whole path segment
    re.compile(r"/(?P<y>(?:19|20)\d\d)([-_])(?P<m>[01]\d)\2(?P<d>[0-3]\d)(?=/|$|\.[a-z]+$)"),
    # /20151004/ as a whole path segment (8 digits exactly: a 10-digit timestamp never fits)
    re.compile(r"/(?P<y>(?:19|20)\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)(?=/|$)"),
    # a slug that ends in its day: /some-story-2018-04-08 or /some-story-2018-04-08.html
    re.compile(r"[-_](?P<y>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)(?=/?$|\.[a-z]+$)"),
]
# /2015/10/ with no day after it: only a month. It is never turned into a day (the 1st would be
# invented); it only bounds a day found elsewhere (see :func:`within_url_month`).
_URL_MONTH_PATTERN = re.compile(r"/(?P<y>(?:19|20)\d\d)/(?P<m>[01]?\d)/(?![0-3]?\d(?:/|$|\.[a-z]+$))")


def _url_path(url: str | None) -> str:
    if not url:
        return ""
    try:
        return urlsplit(url.strip()).path.lower()
    except ValueError:
        return ""


def url_date(url: str | None) -> date | None:
    """The publication day a URL's path prints ("/2022/07/14/", "/2022-07-15/", "/20151004/",
    "...-2018-04-08"), or None. The query string and ids are never read; a day outside 1990 up
    to today is no publication day."""
    path = _url_path(url)
    for pattern in _URL_DAY_PATTERNS:
        m = pattern.search(path)
        if m:
            value = _make(int(m.group("y")), int(m.group("m")), int(m.group("d")))
            if value is not None:
                return plausible_published(value)
    return None


def url_month(url: str | None) -> tuple[int, int] | None:
    """(year, month) of a URL that prints only a month ("/2015/10/slug"), else None."""
    if url_date(url) is not None:
        return None
    m = _URL_MONTH_PATTERN.search(_url_path(url))
    if not m or not 1 <= int(m.group("m")) <= 12:
        return None
    first = date(int(m.group("y")), int(m.group("m")), 1)
    return (first.year, first.month) if plausible_published(first) else None


def within_url_month(value: date | None, url: str | None) -> bool:
    """False when the URL prints a month and ``value`` lies outside it: the page contradicts it."""
    month = url_month(url)
    return value is None or month is None or (value.year, value.month) == month


#: where an Article's publication date came from, most trusted first. A date the user gave
#: (a manifest line, a JSONL record) wins; then what the publisher's markup says (a feed entry,
#: an HTML page's metadata); then the URL the publisher chose; then a dateline printed in the
#: text; then the day a web archive fetched the page (its WARC-Date); last the ``--published``
#: default for articles that still have none.
#:
#: "crawl" comes after every date the publisher printed: a page is fetched on or after the day it
#: came out, by a re-crawl weeks later. It comes before "default" all the same: ``--published`` is
#: one date given blindly to a whole batch, while the crawl date is evidence about this page (it
#: was out by then, and a news crawl such as CC-NEWS fetches most pages within a day or two), and
#: a month of crawl given one ``--published`` day would lose the days its pages differ by.
PUBLISHED_SOURCES = ("manifest", "record", "feed", "page", "url", "dateline", "crawl", "default")


def best_published(*candidates: tuple[date | None, str | None]) -> tuple[date | None, str | None]:
    """The most trusted (date, source) of ``candidates`` that has a date, else (None, None)."""
    dated = [(d, s) for d, s in candidates if d is not None and s in PUBLISHED_SOURCES]
    if not dated:
        return None, None
    return min(dated, key=lambda pair: PUBLISHED_SOURCES.index(pair[1]))


# Words of a sentence, not of a credit: "By the time it was over, on July 14, 2022" is prose.
_NOT_CREDIT = frozenset(
    ["was", "were", "is", "are", "has", "had", "have", "been", "will", "would", "time", "end", "then",
     "which", "that", "when", "after", "before", "mid", "late", "early", "noon", "evening", "morning"]
)  # fmt: skip


def credit_dateline(line: str, max_len: int = 120) -> date | None:
    """The date of a credit line that ends in its dateline ("by The Kyiv Independent news desk
    July 14, 2022 11:37 AM 2 min read"), else None.

    The credit is "by" and at most six words; only times, weekdays, "N min read" and the like may
    follow the date. A sentence that starts with "By" ("By July 14, 2022, the toll had risen")
    has words after its date and is not taken.
    """
    stripped = line.strip()
    if len(stripped) > max_len or not re.match(r"by\s", stripped, re.I):
        return None
    dates = find_dates(stripped)
    if not dates:
        return None
    words = stripped[2 : dates[0][0]].split()
    after = stripped[dates[0][1] :]
    for start, end, _ in reversed(dates[1:]):  # "July 14, 2022 Updated July 15, 2022"
        after = after[: start - dates[0][1]] + " " + after[end - dates[0][1] :]
    if _DATELINE_NOISE.sub(" ", after).strip() or not 1 <= len(words) <= 6:
        return None
    if any(w.lower().strip(".,|:") in _NOT_CREDIT for w in words):
        return None
    return plausible_published(dates[0][2])
