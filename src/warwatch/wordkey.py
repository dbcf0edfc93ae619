"""The dictionary key of a word that a case-insensitive regex matched.

Python's ``re.IGNORECASE`` equates four non-ASCII letters with ASCII ones: "ſ" (long s) with "s",
"K" (the Kelvin sign) with "k", "İ" and "ı" (dotted and dotless I) with "i". ``str.lower()`` keeps "ſ"
and "ı" and turns "İ" into "i" plus a combining dot, so a word such a regex matched ("ſeptember",
"Frıday") is missing from a table keyed by the lower-case ASCII spelling, and the lookup raised
KeyError on real, if odd, text (OCR output and old typography have the long s; Turkish text the
dotless i).
"""

from __future__ import annotations

#: every non-ASCII character that ``re.IGNORECASE`` matches to an ASCII letter (checked over all of Unicode)
_REGEX_CASE = str.maketrans({"ſ": "s", "K": "k", "İ": "i", "ı": "i"})


def word_key(matched: str) -> str:
    """``matched`` lower-cased as the regex compared it: the key to look it up by in an ASCII table."""
    return matched.translate(_REGEX_CASE).lower()
