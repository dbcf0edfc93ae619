"""Publication dates as news pages print them: datelines, ISO strings, manifest values."""

from __future__ import annotations

import re
from datetime import date

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
    | \b(?:gmt|utc|bst|cet|cest|eet|eest|est|edt|pst|pdt|ast|msk|ist)(?:\s*[+-]\s*\d{1,2}(?::?\d{2})?)?\b
    | [+-]\d{2}:?\d{2}\b
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
            month = int(groups["mnum"]) if groups.get("mnum") else _MONTHS[groups["mon"].lower()]
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
