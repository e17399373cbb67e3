"""English resources that work offline: NLTK's Punkt sentence model and stopword list, and
the Snowball stemmer (PyStemmer).

Both come from the NLTK data that llama-index-core ships inside its wheel, so nothing is
downloaded at run time. The files are read here with plain `open`, not through NLTK's data
loader: that loader refuses files with more than one hard link, which is how uv and other
installers lay out packages, and it would need a process-wide search path.
"""

from __future__ import annotations

import importlib.util
from functools import cache, lru_cache
from pathlib import Path


@cache
def _nltk_data() -> Path:
    # Found without importing llama_index.core, which takes over a second.
    spec = importlib.util.find_spec("llama_index.core")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("llama-index-core is not installed; run `make setup`.")
    return Path(spec.submodule_search_locations[0]) / "_static" / "nltk_cache"


@cache
def sentence_tokenizer():
    """Punkt with its English parameters; `.span_tokenize(text)` gives sentence spans."""
    from nltk.tabdata import PunktDecoder
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    folder = _nltk_data() / "tokenizers" / "punkt_tab" / "english"
    decode = PunktDecoder()
    params = PunktParameters()
    with open(folder / "collocations.tab", encoding="utf-8") as f:
        params.collocations = set(decode.tab2tups(f))
    with open(folder / "sent_starters.txt", encoding="utf-8") as f:
        params.sent_starters = decode.txt2set(f)
    with open(folder / "abbrev_types.txt", encoding="utf-8") as f:
        params.abbrev_types = decode.txt2set(f)
    with open(folder / "ortho_context.tab", encoding="utf-8") as f:
        params.ortho_context = decode.tab2intdict(f)
    return PunktSentenceTokenizer(params)  # a PunktParameters object stands in for training text


@cache
def stopwords() -> frozenset[str]:
    """NLTK's English stopwords (198 words)."""
    text = (_nltk_data() / "corpora" / "stopwords" / "english").read_text(encoding="utf-8")
    return frozenset(text.split())


@cache
def snowball():
    """PyStemmer's English Snowball stemmer (C, fast)."""
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball stem of a lower-cased word ("visited", "visits" -> "visit")."""
    return snowball().stemWord(word)
