"""The short answer: a few words that answer the question, right or absent.

A stage of the extractive answerer. It reads the sentences the answer quotes (best first) and
the kinds of named entity the question asks for (`Wanted`: the types its question word names,
or those the learned answer types find likely, with their probabilities), takes each entity of
those types that the question does not name as a candidate (`candidates`), and describes it with
a few numbers (`features`): how likely its type is, where its sentence ranks, how near it stands
to the question's words, whether other quoted sentences repeat it or rival it. A logistic
regression fitted on RealTimeQA train (`newsdesk train`, stored in the fitted values) turns them
into the probability that it is right; the likeliest candidate is offered only when that clears
a threshold chosen on train for precision (`pick`). Otherwise the answer opens with its quotes.
A bold answer that is wrong is worse than none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from newsdesk import language
from newsdesk.citations import Sentence
from newsdesk.scorer import SentenceScorer

# The kinds of question the confidence tells apart (`Words.kind`); any other counts as "other".
KINDS = ("who", "where", "when", "how much")
# The least learned probability of a type for its entities to be candidates, where the question
# word names no type; below it they are almost never right.
LEAST_LIKELY = 0.1


@dataclass(frozen=True)
class Wanted:
    """What a question asks for: its kind (`Words.kind`), the entity types that may answer it
    (likeliest first; none: no short answer) and the learned probability of each type
    (`scorer.AnswerTypes.likely`; "" for an answer that is no entity)."""

    kind: str
    types: tuple[str, ...]
    likely: Mapping[str, float] = field(default_factory=dict)

    def likeliest(self) -> tuple[str, ...]:
        """`types`, else every entity type by its learned probability, likeliest first."""
        return self.types or tuple(sorted((label for label in self.likely if label),
                                          key=lambda label: -self.likely[label]))


@dataclass(frozen=True)
class Candidate:
    """An entity of a quoted sentence that may answer: `sentence.text[start:end]`, of type
    `label`, described by `features`."""

    sentence: Sentence
    start: int
    end: int
    label: str
    features: Mapping[str, float]

    @property
    def text(self) -> str:
        return self.sentence.text[self.start:self.end]


def candidates(question: str, wanted: Wanted, quoted: Sequence[Sentence],
               gaps: Sequence[float], terms: set[str], read: Sequence[Sentence] = ()
               ) -> list[Candidate]:
    """The entities of `quoted` (the answer's sentences, best first; `gaps`: each one's score
    less the best one's) of a `wanted` type that `question` does not name, each with its
    features; `terms` are the question's content words, `read` every sentence of the passages
    (how many of their articles name a candidate is one of its features)."""
    types = _types(wanted)
    if not types:
        return []
    asked = question.lower()
    asked_words = {w[2] for w in language.analyse(question).words}
    found = []
    for place, (sentence, gap) in enumerate(zip(quoted, gaps, strict=True)):
        analysis = language.analyse(sentence.text)
        for start, end, label in analysis.entities:
            words = [w[2] for w in analysis.words if start <= w[0] and w[1] <= end]
            named = sum(1 for w in words if w in asked_words)
            # not an entity the question names, even in part ("Donald Trump" of "Trump-backed")
            if label in types and sentence.text[start:end].lower() not in asked and \
                    2 * named < max(len(words), 1):
                found.append((place, gap, sentence, start, end, label, analysis))
    texts = [sentence.text[start:end].lower() for _, _, sentence, start, end, _, _ in found]
    articles: dict[str, str] = {}
    for sentence in read or quoted:
        articles[sentence.passage.doc_id] = articles.get(sentence.passage.doc_id, "") + " " + \
            sentence.text.lower()
    result = []
    for (place, gap, sentence, start, end, label, analysis), text in zip(found, texts, strict=True):
        spanned = [w for w in analysis.words if start <= w[0] and w[1] <= end]
        rivals = {t for t, (*_, other, _) in zip(texts, found, strict=True)
                  if other == label and t != text}
        features = {
            "type_probability": float(wanted.likely.get(label, 0.0)),
            "named_type": float(label in language.ANSWER_TYPES.get(wanted.kind, ())),
            "type_rank": 1 / (1 + types.index(label)),
            "place": 1 / (1 + place),
            "gap": float(gap),
            "adjectival": float(_adjectival(analysis, end)),
            "nearness": _nearness(analysis, start, end, terms),
            "rivals": 1 / (1 + len(rivals)),
            "repeated": min(sum(1 for s in quoted if text in s.text.lower()) - 1, 2) / 2,
            "support": min(sum(1 for body in articles.values() if text in body), 3) / 3,
            "length": min(len(spanned), 6) / 6,
            "asked_share": (sum(1 for w in spanned if w[2] in asked_words) / len(spanned)
                            if spanned else 0.0),
            **{f"kind={kind}": float(wanted.kind == kind) for kind in KINDS},
        }
        result.append(Candidate(sentence, start, end, label, features))
    return result


def _types(wanted: Wanted) -> tuple[str, ...]:
    """The types a candidate may be: those `wanted` names, and for a question whose word names
    none ("Which ...", "What ..."), any the learned answer types give at least `LEAST_LIKELY`
    (its confidence weighs how likely)."""
    if not wanted.types or wanted.kind in language.ANSWER_TYPES:
        return wanted.types
    more = sorted((label for label, p in wanted.likely.items()
                   if label and p >= LEAST_LIKELY and label not in wanted.types),
                  key=lambda label: -wanted.likely[label])
    return (*wanted.types, *more)


def confidences(found: Sequence[Candidate], model: SentenceScorer) -> np.ndarray:
    """The probability that each candidate is the answer, as `model` (the fitted logistic
    regression over `Candidate.features`) reads it."""
    if not found:
        return np.zeros(0)
    table = {name: np.array([c.features[name] for c in found]) for name in model.features}
    return 1 / (1 + np.exp(-model.score(table)))


def pick(found: Sequence[Candidate], model: SentenceScorer, least: float
         ) -> tuple[Candidate, float] | None:
    """The likeliest candidate and its confidence, if that is at least `least`; else None."""
    if not found:
        return None
    sure = confidences(found, model)
    best = int(np.argmax(sure))
    return (found[best], float(sure[best])) if sure[best] >= least else None


def _adjectival(analysis: language.Analysis, end: int) -> bool:
    """An entity used as an adjective ("the US proposal", "a 30-day truce"): a noun follows."""
    after = next((w for w in analysis.words if w[0] >= end), None)
    return after is not None and after[4] == "NOUN"


def _nearness(analysis: language.Analysis, start: int, end: int, terms: set[str]) -> float:
    """1 / (1 + the words between the entity and the nearest of the question's words), 0 when
    the sentence holds none of them."""
    words = analysis.words
    at = [i for i, w in enumerate(words) if start <= w[0] < end]
    near = [i for i, w in enumerate(words)
            if (w[2] in terms or w[3] in terms) and not start <= w[0] < end]
    if not at or not near:
        return 0.0
    return 1 / (1 + min(abs(i - j) for i in near for j in (at[0], at[-1])))
