"""Whose words a question asks for, and how much a sentence is that speaker's.

This is newsdesk's own idea, written by hand over spaCy's named entities and lemmas
(`language`), the conversation (`conversation.people`), the speakers of quotations
(`attribution`) and the verbs of speech learned from news articles (`newsdesk.fitted`'s
`speech`, by `newsdesk.evals.speech`). A question asks for someone's words when a verb of
speech asks what they said or think ("What did Zelensky say?", "What did he say about Kursk?"
after questions about Putin), or asks for a list of what they set out ("What conditions did
Putin set?"). Its speakers are the people (else the places, "What did China say?") it names, or
those its pronouns point to in the earlier turns. A sentence in a quotation is theirs when they
are named beside it; one outside a quotation is theirs when their name stands near a verb of
speech, and someone else's when another name does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache, lru_cache

import numpy as np

from newsdesk import attribution, conversation, language
from newsdesk.citations import Sentence
from newsdesk.fitted import packaged
from newsdesk.index.english import stopwords
from newsdesk.types import Turn

_WORD = re.compile(r"[\w’']+")
# Who a question can ask the words of: people and organisations first, else countries and groups.
_WHO_SPEAKS = (("PERSON", "ORG"), ("GPE", "NORP"))
# How much a sentence's score rises when it is the speaker's words, or falls when another's.
PREFERENCE = 0.15


def asked_about(question: str, history: Sequence[Turn] = (), several: bool = False) -> set[str]:
    """The lower-cased words of the name of whose words `question` asks for (a list question,
    `several`, too): the first person it names or points to with a pronoun before its verb of
    speech (after "according to"), whose name is read
    in `history` ("he" after "Who gave Putin an update?" is the person the answer named; "What
    does he think Trump will do?" asks for his words, not Trump's), else the first place it
    names ("What did China say?"); empty when it asks for nobody's words."""
    say = speech_at(question)
    if not several and say is None:
        return set()
    found = language.names(question)
    named = [(s, question[s:e]) for s, e, label in found if label in _WHO_SPEAKS[0]]
    named += conversation.people_at(question, history)
    if not named:
        named = [(s, question[s:e]) for s, e, label in found if label in _WHO_SPEAKS[1]]
    if say is not None:  # who speaks stands before the verb ("What does the author think Putin
        # will do?" asks for nobody named), or after it when it opens its clause ("According to
        # Ian, what ...?", "What happened, according to Irena Halas?")
        at, opens = say
        named = [(s, name) for s, name in named if (s > at) is opens]
    return _words([min(named)[1]]) if named else set()


@lru_cache(maxsize=1024)
def asking_verbs(question: str) -> frozenset[str]:
    """The words of `question` (lower case) that are verbs of speech asking for someone's words,
    not what about: one that attributes quotations ("Who *said* that?", "*according* to":
    `SpeechVerbs.quoting`), or another whose object the question word is ("What did the mayor
    *report*?", "What does she *think* ..."). Not one whose subject the question word is
    ("Which senator *announced* a run?"), nor one a question adverb asks about ("When was the
    phone *announced*?"): those tell the event asked about."""
    speech = packaged().speech
    words = language.analyse(question).words
    asked = language.read_question(question)
    wh = question.find(asked.phrase) if asked.wh else -1
    # the question word's own verb: the first verb after it, with no auxiliary between them
    own = next(((start, pos) for start, _, _, _, pos in words
                if start > wh and pos in ("VERB", "AUX")), None) if wh >= 0 else None
    adverb = any(start == wh and pos in ("ADV", "SCONJ") for start, _, _, _, pos in words)
    return frozenset(word for start, _, word, lemma, pos in words if pos == "VERB" and (
        lemma in speech.quoting or lemma in speech.lemmas and not adverb
        and own != (start, "VERB")))


def speech_at(question: str) -> tuple[int, bool] | None:
    """Where the first verb of speech of `question` that asks for someone's words starts
    (`asking_verbs`: "say", "think", "according" ...; not the noun "report", nor "announced" of
    "Which senator announced ...?"), and whether it opens its clause (first, or after
    punctuation); None if it has none."""
    asking = asking_verbs(question)
    words = language.analyse(question).words
    return next(((start, i == 0 or words[i - 1][4] == "PUNCT")
                 for i, (start, _, word, _, pos) in enumerate(words)
                 if pos == "VERB" and word in asking), None)


def preference(speakers: set[str], sentence: str, said_by: set[str] | None = None) -> float:
    """How much `sentence` is the words of `speakers` (`asked_about`): +`PREFERENCE` when they
    say it, -`PREFERENCE` when someone else does, else 0. `said_by`: the names beside the
    quotation it stands in (`attribution.speakers`), if any."""
    if not speakers:
        return 0.0
    if said_by:  # a quotation: theirs if they are named beside it
        named = any(w.startswith(t[:6]) for t in speakers for w in said_by)
        return PREFERENCE if named else -PREFERENCE
    if _speaker_among(speakers, sentence):
        return PREFERENCE
    if _someone_else_speaks(sentence):
        return -PREFERENCE  # "... Zelenskyy's removal," Ian tells us: Ian's words, not Zelensky's
    return 0.0


def preferences(speakers: set[str], sentences: Sequence[Sentence]) -> np.ndarray:
    """`preference` of each of `sentences` (quotations read by `attribution.speakers`)."""
    if not speakers:
        return np.zeros(len(sentences))
    quoted = attribution.speakers(sentences)
    return np.array([preference(speakers, s.text, said_by)
                     for s, said_by in zip(sentences, quoted, strict=True)])


def theirs_first(scores: np.ndarray, preferred: np.ndarray) -> np.ndarray:
    """`scores`, with the sentences someone else says (`preferred` < 0, as `preferences`) put
    behind every other, when some sentence is the speaker's own: "What did Zelensky say?" quotes
    Zelensky before an analyst who names him, however the rest of the score reads them. (Not
    every sentence without a speaker after theirs: a speaker's words go on past the sentence that
    names them.)"""
    if not (preferred > 0).any():
        return scores
    behind = float(scores.max() - scores.min()) + 1.0  # below the least of the others
    return np.where(preferred < 0, scores - behind, scores)


@cache
def speech_forms() -> frozenset[str]:
    """The verbs of speech as articles spell them ("said", "told", "according")."""
    return frozenset(packaged().speech.forms)


def _words(names: Sequence[str]) -> set[str]:
    return {w.lower() for name in names for w in _WORD.findall(name)}


def _speaker_among(terms: set[str], sentence: str) -> bool:
    """Whether one of `terms` names who speaks: within four words of a speech verb."""
    words = [w.lower() for w in _WORD.findall(sentence)]
    speech = [i for i, w in enumerate(words) if w in speech_forms()]
    named = [i for i, w in enumerate(words) if any(w.startswith(t[:6]) for t in terms)]
    return any(abs(s - n) <= 4 for s in speech for n in named)


def _someone_else_speaks(sentence: str) -> bool:
    """Whether a named person is right beside a speech verb ("Ian tells", "says Hanna")."""
    words = _WORD.findall(sentence)
    for i, word in enumerate(words):
        if word.lower() in speech_forms():
            near = words[max(0, i - 1):i] + words[i + 1:i + 2]
            if any(w[:1].isupper() and w.lower() not in stopwords() for w in near):
                return True
    return False
