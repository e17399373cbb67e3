"""English resources that work offline: NLTK's Punkt sentence model and stopword list.

Both come from the NLTK data that llama-index-core ships inside its wheel, so nothing is
downloaded at run time.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path


@cache
def _nltk():
    import nltk

    # Found without importing llama_index.core, which takes over a second.
    package = importlib.util.find_spec("llama_index.core").submodule_search_locations[0]
    bundled = Path(package) / "_static" / "nltk_cache"
    if str(bundled) not in nltk.data.path:
        nltk.data.path.insert(0, str(bundled))
    return nltk


@cache
def sentence_tokenizer():
    """Punkt with its English parameters; `.span_tokenize(text)` gives sentence spans."""
    _nltk()
    from nltk.tokenize.punkt import PunktTokenizer

    return PunktTokenizer("english")


@cache
def stopwords() -> frozenset[str]:
    """NLTK's English stopwords (179 words)."""
    return frozenset(_nltk().corpus.stopwords.words("english"))
