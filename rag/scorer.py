"""A learned sentence scorer: how likely a sentence of the passages holds the answer.

Each sentence is described by a few numbers (`sentence_features`): how close it is in meaning
to the question, how many of the question's words it holds, where its passage ranked, how far
into its article it stands, what its neighbours say, and what kind of thing it holds (digits,
names the question does not hold, a quotation) read against the kind of answer the question asks
for (`newsdesk.language`). A logistic regression weighs them; its weights are fitted on
RealTimeQA train by `newsdesk train` (evals/train.py) and shipped in the fitted values
(`newsdesk.fitted`, rag/fitted.json), with the cross-validated figures of the fit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from newsdesk.citations import Sentence
from newsdesk.index.store import chunk_position
from newsdesk.language import ANSWER_TYPES, Words

_WORD = re.compile(r"[\w’']+")
_QUOTE = re.compile(r"[\"“”]")


@dataclass(frozen=True)
class SentenceScorer:
    """Logistic-regression weights over named features (standardised by `mean` and `scale`)."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    intercept: float
    fitted: dict

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SentenceScorer:
        """The scorer of `as_json`'s form (checked by `newsdesk.fitted`)."""
        return cls(tuple(data["features"]), np.asarray(data["mean"]), np.asarray(data["scale"]),
                   np.asarray(data["weights"]), float(data["intercept"]), data["fitted"])

    def as_json(self) -> dict[str, Any]:
        """Its weights as plain lists (rounded), with the figures of its fit."""
        return {"features": list(self.features), "mean": _rounded(self.mean),
                "scale": _rounded(self.scale), "weights": _rounded(self.weights),
                "intercept": round(self.intercept, 6), "fitted": self.fitted}

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of question (`Words.kind`) it was fitted to tell apart."""
        return tuple(self.fitted.get("kinds", ()))

    def score(self, table: dict[str, np.ndarray]) -> np.ndarray:
        """The log-odds that each sentence holds the answer."""
        columns = np.column_stack([table[name] for name in self.features])
        return ((columns - self.mean) / self.scale) @ self.weights + self.intercept


@dataclass(frozen=True)
class AnswerTypes:
    """What kind of named entity answers a question, read from the vectors of the question and
    of its question phrase (`Words.phrase`: "Which company"), side by side: a multinomial
    logistic regression over the entity types of spaCy's English model (OntoNotes: PERSON, GPE,
    DATE, ...) and "" (an answer that is no named entity: "a new charging standard"), fitted by
    `newsdesk train` on the types of RealTimeQA train's answer choices."""

    labels: tuple[str, ...]
    weights: np.ndarray  # one row per label
    intercept: np.ndarray
    fitted: dict

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AnswerTypes:
        """The answer types of `as_json`'s form (checked by `newsdesk.fitted`)."""
        return cls(tuple(data["labels"]), np.asarray(data["weights"]), np.asarray(data["intercept"]),
                   data["fitted"])

    def as_json(self) -> dict[str, Any]:
        """Its weights as plain lists (rounded), with the figures of its fit."""
        return {"labels": list(self.labels), "weights": [_rounded(row, 4) for row in self.weights],
                "intercept": _rounded(self.intercept), "fitted": self.fitted}

    @property
    def dimension(self) -> int:
        """The length of the embedding model's vectors it reads (a question's and a phrase's)."""
        return self.weights.shape[1] // 2

    def likely(self, question: np.ndarray, phrase: np.ndarray) -> dict[str, float]:
        """The probability of each entity type ("": none) being the answer's, from the vectors
        of the question and of its question phrase."""
        logits = self.weights @ np.concatenate([question, phrase]) + self.intercept
        odds = np.exp(logits - logits.max())
        return dict(zip(self.labels, (odds / odds.sum()).tolist(), strict=True))


def short_types(kind: str, likely: dict[str, float], least: float) -> tuple[str, ...]:
    """The entity types a short answer may be, the likeliest first: those the question word
    names (`language.ANSWER_TYPES`: "who", "where", "when", "how much"), else those that
    `likely` (`AnswerTypes.likely`) gives at least `least` ("Which company ...": ORG)."""
    if kind in ANSWER_TYPES:
        return ANSWER_TYPES[kind]
    return tuple(sorted((label for label, p in likely.items() if label and p >= least),
                        key=lambda label: -likely[label]))


def sentence_features(question: Words, asked: set[str], sentences: Sequence[Sentence],
                      meaning: np.ndarray, overlap: np.ndarray, kinds: Sequence[str],
                      ages: Sequence[float] | None = None) -> dict[str, np.ndarray]:
    """The features of each sentence, by name.

    Args:
        question: The question as spaCy reads it.
        asked: The question's words, lower-cased (a name it already holds is not an answer).
        sentences: The passages' sentences, in passage order.
        meaning: Each sentence's cosine similarity to the question.
        overlap: Each sentence's share of the question's content words.
        kinds: The kinds of question the scorer tells apart (its other kinds count as none).
        ages: Days from each sentence's article to the moment the question is about
            (`when.ages`); None when it is about no moment. The feature `staleness` is how much
            older than the newest article found a sentence's article is, on a log scale.
    """
    rank: dict[str, int] = {}
    for s in sentences:
        rank.setdefault(s.passage.chunk_id, len(rank))
    cues = {
        "digits": np.array([float(any(c.isdigit() for c in s.text)) for s in sentences]),
        "new_names": np.array([_new_names(s.text, asked) for s in sentences]),
        "quoted": np.array([float(bool(_QUOTE.search(s.text))) for s in sentences]),
    }
    table = {
        "meaning": meaning,
        "overlap": overlap,
        "passage_similarity": np.array([s.passage.similarity for s in sentences]),
        "passage_rank": np.array([1 / (1 + rank[s.passage.chunk_id]) for s in sentences]),
        "lead": np.array([1 / (1 + chunk_position(s.passage.chunk_id)) for s in sentences]),
        "neighbour_meaning": _neighbours(sentences, meaning),
        "length": np.array([min(len(_WORD.findall(s.text)), 60) / 60 for s in sentences]),
        "staleness": _staleness(ages, len(sentences)),
        **cues,
    }
    for kind in kinds:
        asks = float(question.kind == kind)
        for cue, values in cues.items():
            table[f"{kind}*{cue}"] = asks * values
    return table


def _staleness(ages: Sequence[float] | None, count: int) -> np.ndarray:
    """log(1 + age) less the least of them: 0 for the newest article's sentences."""
    if ages is None or not count:
        return np.zeros(count)
    logged = np.log1p(np.maximum(np.asarray(ages, dtype=float), 0.0))
    return logged - logged.min()


def _new_names(text: str, asked: set[str]) -> float:
    """Capitalised words after the first that the question does not hold (up to 3, as 0-1)."""
    words = _WORD.findall(text)[1:]
    return min(sum(1 for w in words if w[:1].isupper() and w.lower() not in asked), 3) / 3


def _neighbours(sentences: Sequence[Sentence], meaning: np.ndarray) -> np.ndarray:
    """The best meaning of the sentences right before and after each one in its article."""
    order = sorted(range(len(sentences)), key=lambda i: (sentences[i].passage.doc_id,
                                                         sentences[i].start))
    best = np.zeros(len(sentences))
    for a, b in zip(order, order[1:], strict=False):
        if sentences[a].passage.doc_id == sentences[b].passage.doc_id:
            best[a] = max(best[a], meaning[b])
            best[b] = max(best[b], meaning[a])
    return best


def _rounded(values: np.ndarray, digits: int = 6) -> list[float]:
    return [round(float(v), digits) for v in values]
