"""ingest: news reports from text, HTML, JSONL, RSS/Atom feeds and manifests, as Articles.

Boilerplate and page furniture are removed on the way in (see ``boilerplate.json``); every
problem with an input becomes an :class:`IngestFailure`, never an exception.
"""

from .clean import clean_text
from .collect import IngestFailure, collect
from .html import read_html
from .text import read_text

__all__ = ["IngestFailure", "clean_text", "collect", "read_html", "read_text"]
