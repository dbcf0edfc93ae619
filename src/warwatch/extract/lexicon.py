"""Load the rule lexicons that live as JSON data beside this module."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any


@cache
def load(name: str) -> dict[str, Any]:
    """Parsed ``lexicons/NAME.json``."""
    text = resources.files("warwatch.extract").joinpath("lexicons", f"{name}.json").read_text("utf-8")
    return json.loads(text)


def phrase_regex(phrases: list[str]) -> re.Pattern[str]:
    """One case-insensitive alternation of whole phrases, longest first."""
    ordered = sorted(set(phrases), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in ordered) + r")\b", re.IGNORECASE)
