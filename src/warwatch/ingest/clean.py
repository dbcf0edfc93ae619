"""Boilerplate and page-furniture removal, driven by the patterns in ``boilerplate.json``.

News text reaches us with the page still clinging to it: share bars, comment forms, "Read
more" links, machine-translation notices, photo credits. Left in, they become false events
("Read more: Shelling of Kafr Zeita kills three" is another article's headline) or noise in
the evidence. The rules are data so they can grow without code changes; each carries examples
that the tests check.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ..models import normalise_for_hash

SCOPES = ("tail", "line", "prefix", "credit", "sentence")

#: a sentence starts at the start of a line or after end punctuation and a space
_SENTENCE_START = r"(?:^|(?<=[.!?…\"”’)]\s))"

# Characters that look like white space or nothing: folding them keeps offsets meaningful
# downstream and makes patterns match ("destroyed\xa0 by" in real scraped text).
_SPACES = re.compile(r"[ \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")


@dataclass(frozen=True)
class Rule:
    """One boilerplate pattern, compiled for its scope."""

    family: str
    scope: str
    regex: re.Pattern[str]


def _expand(pattern: str, vocab: dict[str, list[str]]) -> str:
    for name, values in vocab.items():
        # longest first, so "AP Photo" wins over "AP" in an alternation
        alternation = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))
        pattern = pattern.replace("{" + name + "}", alternation)
    return pattern


def compile_rule(entry: dict, vocab: dict[str, list[str]]) -> Rule:
    """Compile one entry of boilerplate.json so that its scope's matching is built in."""
    scope = entry["scope"]
    if scope not in SCOPES:
        raise ValueError(f"unknown boilerplate scope {scope!r}")
    body = _expand(entry["pattern"], vocab)
    if scope in ("tail", "line"):
        source = rf"(?:{body})"  # used with fullmatch
    elif scope == "prefix":
        source = rf"^(?:{body})"
    elif scope == "credit":
        source = rf"(?:{body})\s*$"
    else:
        source = rf"{_SENTENCE_START}(?:{body})(?=\s|$)"
    return Rule(entry["family"], scope, re.compile(source, re.I))


@lru_cache(maxsize=1)
def load_rules() -> dict[str, tuple[Rule, ...]]:
    """The packaged rules, grouped by scope (read once)."""
    data = json.loads(resources.files(__package__).joinpath("boilerplate.json").read_text("utf-8"))
    vocab = data.get("vocab", {})
    grouped: dict[str, list[Rule]] = {scope: [] for scope in SCOPES}
    for entry in data["patterns"]:
        rule = compile_rule(entry, vocab)
        grouped[rule.scope].append(rule)
    return {scope: tuple(rules) for scope, rules in grouped.items()}


def normalise_whitespace(text: str) -> str:
    """Unix newlines, no BOM or zero-width characters, runs of spaces folded, lines stripped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = _INVISIBLE.sub("", text)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def _is(rules: tuple[Rule, ...], line: str) -> bool:
    return any(rule.regex.fullmatch(line) for rule in rules)


def clean_line(line: str) -> str:
    """One line without its furniture: "" when the whole line is furniture.

    Tail markers are treated as plain furniture lines here; :func:`clean_text` decides
    whether they also end the article.
    """
    rules = load_rules()
    line = _SPACES.sub(" ", line).strip()
    if not line or _is(rules["tail"], line) or _is(rules["line"], line):
        return ""
    before = None
    while before != line:  # a caption can carry two credits: "... (AFP) / Getty Images"
        before = line
        for rule in rules["prefix"]:
            line = rule.regex.sub("", line, count=1).strip()
        for rule in rules["credit"]:
            line = rule.regex.sub("", line, count=1).rstrip()
        for rule in rules["sentence"]:
            line = rule.regex.sub("", line)
        line = _SPACES.sub(" ", line).strip()
    if line and (_is(rules["tail"], line) or _is(rules["line"], line)):
        return ""
    return line


#: fewer words than this after cleaning is a page without an article ("News", a lone link)
MIN_WORDS = 3


def has_text(cleaned: str) -> bool:
    """Whether cleaned text is enough to be an article rather than leftover furniture."""
    return sum(1 for word in cleaned.split() if any(ch.isalpha() for ch in word)) >= MIN_WORDS


def clean_text(text: str) -> str:
    """Text with boilerplate and page furniture removed, paragraph breaks (blank lines) kept.

    Whole furniture lines go ("Add a Comment", share bars, "Read more: ...", cookie notices,
    "Powered by automated translation"); furniture sentences inside a paragraph go ("... contributed
    to this report."); photo credits at the end of captions go and the caption stays. A comments
    or related-links marker in the second half of the text ends the article. Runs of blank lines
    become one, and a paragraph repeated right after itself (a title printed twice) is kept once.
    """
    rules = load_rules()
    text = normalise_whitespace(text)
    lines = text.split("\n")
    half = len(text) / 2
    kept: list[str] = []
    offset = 0
    for raw in lines:
        start, offset = offset, offset + len(raw) + 1
        if raw and start >= half and _is(rules["tail"], raw):
            break  # comments / related links: nothing after this is the article
        line = clean_line(raw) if raw else ""
        if raw and not line:
            continue  # a furniture line goes without leaving a paragraph break behind
        kept.append(line)
    paragraphs: list[str] = []
    for block in "\n".join(kept).split("\n\n"):
        block = block.strip("\n")
        if not block:
            continue
        if paragraphs and normalise_for_hash(paragraphs[-1]) == normalise_for_hash(block):
            continue
        paragraphs.append(block)
    return "\n\n".join(paragraphs)
