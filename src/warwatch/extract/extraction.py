"""What the extractor reads: everything read from one sentence, and the result for one article."""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Span

from warwatch.extract.actors import ActorRef
from warwatch.extract.dates import DateRef
from warwatch.extract.toponyms import Found
from warwatch.extract.triggers import Trigger
from warwatch.models import Evidence, Mention


@dataclass
class Extraction:
    """What the extractor read from one article."""

    mentions: list[Mention]
    #: the story's country (ACLED name) and its ISO2 code, when the article makes it clear
    country: str | None = None
    iso2: str | None = None
    denials: list[Evidence] = field(default_factory=list)
    #: ISO2 codes of every country the article names (by name, people or capital)
    named_countries: frozenset[str] = frozenset()


@dataclass
class _Sentence:
    """Everything read from one sentence, before mentions are made."""

    span: Span
    index: int
    triggers: list[Trigger]
    places: list[Found]
    actors: list[ActorRef]
    dates: list[DateRef]
    is_event: bool = False
    mentions: list[Mention] = field(default_factory=list)
