"""HTML pages (main text and metadata through trafilatura) and HTML fragments (feed entries)."""

from __future__ import annotations

import copy
import re
from datetime import datetime
from pathlib import Path

import lxml.html
import trafilatura
from lxml import etree

from ..errors import InputError
from ..models import Article
from .clean import clean_text, has_text, normalise_whitespace
from .dates import parse_iso_date, url_date
from .text import derive_title, split_header

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_BLOCKS = {
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "table",
    "section", "article", "figcaption", "figure", "pre", "dd", "dt", "dl", "header", "main",
}  # fmt: skip
_DROP = ["script", "style", "noscript", "nav", "footer", "aside", "form", "iframe", "button", "svg"]
# Characters XML has no place for (C0 controls but tab and newlines, U+FFFE/U+FFFF, surrogates). lxml keeps
# them in a parsed tree (a stray byte, an entity like "&#1;") but refuses to set a node's text to a string
# that holds one (a ValueError), and setting text is what dropping a node or marking a block does
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_safe(tree: etree._Element) -> etree._Element:
    """The parsed tree with those characters turned into spaces, so that its text can be set again."""
    for el in tree.iter():
        if el.text and _NOT_XML.search(el.text):
            el.text = _NOT_XML.sub(" ", el.text)
        if el.tail and _NOT_XML.search(el.tail):
            el.tail = _NOT_XML.sub(" ", el.tail)
    return tree


def _parse(raw: str) -> etree._Element:
    # lxml refuses str input that still declares an encoding; the text is already decoded
    raw = _XML_DECLARATION.sub("", raw, count=1)
    try:
        return _xml_safe(lxml.html.document_fromstring(raw))
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"not parseable as HTML ({exc})") from exc


def _captions_to_paragraphs(tree: etree._Element) -> list[str]:
    """Turn each figure into a plain paragraph holding its caption; return the captions.

    trafilatura drops figures and anything classed "caption", but captions report events
    ("...after an air strike on the market in Maarat al-Numan"), so they are kept as text;
    their photo credits go later, in clean_text.
    """
    captions = []
    for figure in list(tree.iter("figure")):
        cap = figure.find(".//figcaption")
        if cap is None:
            continue
        text = " ".join(cap.text_content().split())
        parent = figure.getparent()
        if not text or parent is None:
            continue
        para = lxml.html.Element("p")
        para.text, para.tail = text, figure.tail
        parent.replace(figure, para)
        captions.append(text)
    return captions


def fragment_text(html: str) -> str:
    """Text of an HTML fragment (a feed entry's content), one paragraph per block element."""
    if "<" not in html:
        return normalise_whitespace(html)
    html = _XML_DECLARATION.sub("", html)
    try:
        root = _xml_safe(lxml.html.fragment_fromstring(html, create_parent="div"))
    except (etree.ParserError, ValueError):
        return ""
    except AssertionError:
        # lxml asserts that the fragment parses to exactly one <body>; a fragment holding "<html>" but no
        # body has none. It is a whole (if tiny) document: read it as one
        try:
            root = _xml_safe(lxml.html.document_fromstring(html))
        except (etree.ParserError, ValueError):
            return ""
    return _element_text(root)


def _element_text(root: etree._Element) -> str:
    for el in list(root.iter(*_DROP)):
        if el.getparent() is not None:
            el.drop_tree()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag == "br":
            el.tail = "\n" + (el.tail or "")
        elif el.tag in _BLOCKS:
            el.text = "\n\n" + (el.text or "")
            el.tail = "\n\n" + (el.tail or "")
    return normalise_whitespace(root.text_content())


def _in_article(tree: etree._Element, captions: list[str]) -> list[str]:
    """The captions that belong to the article itself: inside the page's <article> or <main>."""
    for tag in ("article", "main"):
        container = next(iter(tree.iter(tag)), None)
        if container is not None:
            inside = {" ".join(p.text_content().split()) for p in container.iter("p")}
            return [c for c in captions if c in inside]
    return []


def read_html(raw: str, *, path: str | None = None, url: str | None = None) -> Article:
    """An HTML page as an Article: main text, title, date, sitename (outlet) and url.

    Navigation, share bars, comments, related links and footers are left out by trafilatura;
    clean_text then removes what furniture remains inside the body. Raises
    :class:`~warwatch.errors.InputError` when the page has no article text.
    """
    if not raw.strip():
        raise InputError("empty file (only white space)" if raw else "empty file")
    tree = _parse(raw)
    captions = _in_article(tree, _captions_to_paragraphs(tree))
    doc = trafilatura.bare_extraction(
        copy.deepcopy(tree),  # trafilatura prunes the tree it is given; the fallback needs it whole
        url=url,
        with_metadata=True,
        include_comments=False,
        # markup only (meta tags, <time>, the URL): the extensive search reads years in
        # copyright footers as dates ("© 2019" → 2019-01-01)
        date_extraction_params={
            "extensive_search": False,
            "original_date": True,
            "max_date": datetime.now().strftime("%Y-%m-%d"),
            # the page's own markup first, its URL only where the markup has no date: htmldate reads
            # the URL first otherwise, and the trust order (dates.PUBLISHED_SOURCES) puts "page" above "url"
            "deferred_url_extractor": True,
        },
    )
    text = (doc.text or "") if doc is not None else ""
    # trafilatura puts one block per line; later stages want paragraphs as blank-line blocks
    text = "\n\n".join(line for line in text.split("\n") if line.strip())
    if not text.strip():
        # too short for trafilatura's heuristics: fall back to the visible body text
        body = tree.find("body")
        text = _element_text(body) if body is not None else ""
    # a lead photo's caption above the body is left out by trafilatura: put it back on top
    lead = [c for c in captions if c not in text]
    if lead:
        text = "\n\n".join([*lead, text])
    title = (doc.title if doc is not None else None) or _fallback_title(tree)
    published = None
    if doc is not None and doc.date:
        try:
            published = parse_iso_date(doc.date)
        except ValueError:
            published = None
    text = normalise_whitespace(text)
    if not text.strip():
        raise InputError("no article text found in the HTML page")
    # "" rather than None: a page without a title must not lose its first paragraph to one
    title, dateline, body = split_header(text, title=" ".join((title or "").split()))
    cleaned = clean_text(body)
    if not has_text(cleaned):
        raise InputError("no article text left after removing boilerplate")
    source = "page" if published else "dateline" if dateline else None
    if published and published in (url_date(url), url_date(doc.url if doc is not None else None)):
        # the day the URL prints: htmldate read it there, or the markup says the same day
        source = "url"
    return Article(
        text=cleaned,
        title=title or derive_title(cleaned.split("\n", 1)[0]),
        published=published or dateline,
        published_from=source,
        outlet=(doc.sitename if doc is not None else None) or None,
        url=url or (doc.url if doc is not None else None) or None,
        path=path,
        doc_id=Path(path).stem if path else None,
    )


def _fallback_title(tree: etree._Element) -> str | None:
    for tag in ("h1", "title"):
        el = next(iter(tree.iter(tag)), None)
        if el is not None and el.text_content().strip():
            return " ".join(el.text_content().split())
    return None
