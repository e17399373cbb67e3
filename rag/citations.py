"""Sentences of retrieved passages, and the citations an answer makes of them.

Both answerers quote passages sentence by sentence; this module is the one place where a quoted
sentence becomes a numbered `Citation`, so `[n]` always resolves to a verbatim quote and its
character span in the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from newsdesk.index.chunk import sentence_spans
from newsdesk.types import Citation, Passage

_WORD = re.compile(r"[\w’']+")


@dataclass(frozen=True)
class Sentence:
    """A sentence of a passage: `passage.text` holds `text` at document offsets `start:end`.

    `vector` is the sentence's embedding as ingest stored it; None when it must be made now.
    """

    passage: Passage
    start: int
    end: int
    text: str
    vector: np.ndarray | None = None

    @classmethod
    def at(cls, passage: Passage, start: int, end: int, vector: np.ndarray | None = None
           ) -> Sentence:
        """The sentence of `passage` at document offsets `start:end`."""
        return cls(passage, start, end, passage.text[start - passage.start:end - passage.start],
                   vector)

    @property
    def key(self) -> tuple[str, int]:
        return self.passage.doc_id, self.start


def passage_sentences(passages: list[Passage] | tuple[Passage, ...]) -> list[Sentence]:
    """Distinct sentences of the passages that can stand alone in an answer.

    Sentences and their vectors come as ingest stored them; a passage without them (an index
    from an older newsdesk) is split here and its sentences embedded when scored.
    """
    seen: set[tuple[str, int]] = set()
    found: list[Sentence] = []
    for passage in passages:
        for n, (start, end) in enumerate(sentence_spans_of(passage)):
            vector = passage.sentence_vectors[n] if passage.sentence_vectors is not None else None
            sentence = Sentence.at(passage, start, end, vector)
            if sentence.key in seen or not _stands_alone(sentence.text):
                continue
            seen.add(sentence.key)
            found.append(sentence)
    return found


class Citations:
    """Numbers quoted sentences in the order they are first cited; a quote keeps its number."""

    def __init__(self) -> None:
        self._cited: dict[tuple[str, int], Citation] = {}

    def cite(self, sentence: Sentence) -> int:
        """The number of `sentence`'s citation, made on its first use."""
        if sentence.key not in self._cited:
            p = sentence.passage
            self._cited[sentence.key] = Citation(
                n=len(self._cited) + 1, doc_id=p.doc_id, source=p.source, title=p.title,
                date=p.date, quote=sentence.text, start=sentence.start, end=sentence.end,
                score=p.score, publisher=p.publisher, url=p.url, also_in=p.also_in)
        return self._cited[sentence.key].n

    def all(self) -> list[Citation]:
        """Every citation made, by number."""
        return list(self._cited.values())


def sentence_spans_of(passage: Passage) -> list[tuple[int, int]]:
    """The passage's sentences as spans of its document (as ingest stored them, or split now)."""
    if passage.sentence_vectors is not None:
        return list(passage.sentences)
    return [(passage.start + s, passage.start + e) for s, e in sentence_spans(passage.text)]


def _stands_alone(text: str) -> bool:
    """A real sentence: several words, not a heading or a line in capitals."""
    words = _WORD.findall(text)
    return len(words) >= 5 and any(c.islower() for c in text)
