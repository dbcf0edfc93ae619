"""A fetched article page as an :class:`~warwatch.models.Article`, and the language it is written in.

The page is read exactly as ``warwatch ingest`` reads a saved .html file (:func:`warwatch.ingest.read_html`:
trafilatura's main text, title, date and site name), with what the watcher knows on top: the URL it
came from, the source's outlet, and the listing's title and date as the last fallbacks.
"""

from __future__ import annotations

import re
import threading
from datetime import date

from warwatch.errors import InputError
from warwatch.ingest.collect import decode
from warwatch.ingest.dates import url_date
from warwatch.ingest.html import read_html
from warwatch.models import Article

#: the languages the pipeline reads (its spaCy model, lexicons and patterns are English)
PIPELINE_LANGUAGES = frozenset({"en"})
#: detection decides only on this much text (more costs time and changes nothing), and only when it is
#: at least this sure: a short English page full of Arabic place names must not be sent away
DETECT_CHARS = 4000
DETECT_MIN_PROBABILITY = 0.9
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
_identifier = None
_identifier_lock = threading.Lock()


def _langid():  # type: ignore[no-untyped-def]
    """py3langid's identifier with normalised probabilities, loaded once (half a second)."""
    global _identifier
    with _identifier_lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _identifier


def detect_language(text: str) -> str | None:
    """The language of ``text`` ("en", "fr", ...), or None when detection is not sure enough."""
    sample = text[:DETECT_CHARS]
    if len(sample.strip()) < 20:
        return None
    language, probability = _langid().classify(sample)
    return str(language) if probability >= DETECT_MIN_PROBABILITY else None


def language_hold(language: str | None) -> str | None:
    """The reason an article in ``language`` is stored unparsed ("language: fr, no pipeline yet"), or None."""
    if language is None or language in PIPELINE_LANGUAGES:
        return None
    return f"language: {language}, no pipeline yet"


def page_text(content: bytes, headers: dict[str, str]) -> str:
    """The page's bytes as text: UTF-8, or the charset the page declares, or the one the response names."""
    try:
        return decode(content, "html")
    except InputError:
        found = _CHARSET.search(headers.get("content-type", ""))
        if found:
            try:
                return content.decode(found.group(1))
            except (LookupError, UnicodeDecodeError):
                pass
        raise


def read_page(content: bytes, headers: dict[str, str], url: str, *, outlet: str | None = None,
              listed_title: str | None = None, listed_day: str | None = None) -> Article:
    """The page as an Article. Outlet: the source's, else the page's site name. Publication date: the
    page's metadata, then a day in the URL, then the listing's. Raises InputError for a page with no
    article text."""
    article = read_html(page_text(content, headers), url=url)
    article.url = url
    article.doc_id = url
    article.outlet = outlet or article.outlet
    if not article.title and listed_title:
        article.title = listed_title
    if article.published is None or article.published_from == "dateline":
        # the markup said nothing: the URL's day, then the listing's, before a day printed in the text
        day = url_date(url)
        source = "url"
        if day is None and listed_day:
            try:
                day, source = date.fromisoformat(listed_day), "feed"
            except ValueError:
                day = None
        if day is not None:
            article.published, article.published_from = day, source
    return article
