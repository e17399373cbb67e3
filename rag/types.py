"""The values the read side hands out: passages, citations, answers, and the events of an answer
being written."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Literal

import numpy as np


@dataclass(frozen=True)
class Copy:
    """Another article of the same story: a wire copy republished by another outlet, or an
    earlier or later version (see `newsdesk.index.wire`)."""

    doc_id: str
    title: str = ""
    publisher: str = ""
    url: str = ""
    date: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk: `document.text[start:end] == text`.

    `score` ranks passages (fused); `similarity` is the cosine between the query and the
    passage, comparable across queries. `sentences` and `sentence_vectors` are the spans (in
    the document) and vectors of its sentences, as ingest stored them; the answerer uses them.
    `story` is the story of its article (its wire copies share it); `also_in` the other
    articles of that story, which say the same: one copy is cited, the others are listed.
    """

    chunk_id: str
    doc_id: str
    text: str
    start: int
    end: int
    score: float
    similarity: float
    title: str = ""
    date: str = ""
    source: str = ""
    publisher: str = ""
    url: str = ""
    story: str = field(default="", compare=False)
    also_in: tuple[Copy, ...] = field(default=(), compare=False)
    sentences: tuple[tuple[int, int], ...] = field(default=(), repr=False, compare=False)
    sentence_vectors: np.ndarray | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        values = {f.name: getattr(self, f.name) for f in fields(self)
                  if f.name not in ("sentences", "sentence_vectors")}
        return {**values, "also_in": [c.to_dict() for c in self.also_in]}


@dataclass(frozen=True)
class Citation:
    """Citation `[n]` of an answer: a verbatim quote and where it stands in its document, with
    the article's title, date (ISO 8601, "" if undated), publisher and URL."""

    n: int
    doc_id: str
    source: str
    title: str
    date: str
    quote: str
    start: int
    end: int
    score: float
    publisher: str = ""
    url: str = ""
    also_in: tuple[Copy, ...] = ()  # the other copies of the quoted article's story

    def to_dict(self) -> dict:
        return {**asdict(self), "also_in": [c.to_dict() for c in self.also_in]}


@dataclass(frozen=True)
class ShortAnswer:
    """The short answer that opens an answer: `text` stands verbatim at `start:end` of the
    article that citation `[n]` quotes ("86%", "Gen. Valery Gerasimov"); `confidence` is the
    fitted probability that it is right (`newsdesk.short`), None for a value in dispute."""

    text: str
    n: int
    start: int
    end: int
    confidence: float | None = None

    def to_dict(self) -> dict:
        """Its fields; `confidence` only when it has one (a value in dispute has none)."""
        found = asdict(self)
        if self.confidence is None:
            del found["confidence"]
        return found


@dataclass(frozen=True)
class Conflict:
    """Cited sources that disagree on one value of the answer: each value a verbatim span of
    the quote `[n]` it stands in, like a short answer ("Tampa, Florida" [1], "Glendale,
    Arizona" [3]); `kind` is the kind of value ("who", "where", "when", "how much")."""

    kind: str
    values: tuple[ShortAnswer, ...]

    def to_dict(self) -> dict:
        return {"kind": self.kind, "values": [v.to_dict() for v in self.values]}


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of an answer, the citations behind it, and whether they support it."""

    text: str
    citations: list[int]
    supported: bool = True

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """An answer with its citations; `refused` when the articles do not hold the answer.

    `related` lists the closest passages when the answer is refused. `sentences` says which
    citations back each sentence and whether they support it; `answerer` names who wrote it
    ("extractive", or the LLM); `notice` tells of a fallback (an LLM that failed);
    `short_answer` is the short answer the text opens with, None when there is none;
    `conflicts` are the values the cited sources disagree on (the text says so); `as_of`
    is the day the question was asked as of ("" for no moment).
    """

    question: str
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    related: list[Passage] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    sentences: list[AnswerSentence] = field(default_factory=list)
    answerer: str = "extractive"
    notice: str = ""
    short_answer: ShortAnswer | None = None
    conflicts: list[Conflict] = field(default_factory=list)
    as_of: str = ""

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": self.text,
            "short_answer": self.short_answer.to_dict() if self.short_answer else None,
            "refused": self.refused,
            "conflicts": [c.to_dict() for c in self.conflicts],
            "citations": [c.to_dict() for c in self.citations],
            "related": [p.to_dict() for p in self.related],
            "sentences": [s.to_dict() for s in self.sentences],
            "answerer": self.answerer,
            "notice": self.notice,
            "as_of": self.as_of,
            "timings_ms": self.timings_ms,
        }


@dataclass(frozen=True)
class Turn:
    """One earlier turn of a conversation."""

    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True)
class Evidence:
    """A question and what retrieval found for it: everything an answerer answers from.

    `context` is the earlier turn a follow-up question leans on ("" if none); `vectors` are the
    embeddings of the question and, after a follow-up, of the question with its context (None:
    not made yet); `retrieve_ms` is how long retrieval took, so that the answer reports the
    whole time; `as_of` is the day the question is asked as of ("" for no moment).
    """

    question: str
    passages: tuple[Passage, ...]
    history: tuple[Turn, ...] = ()
    context: str = ""
    retrieve_ms: float = 0.0
    as_of: str = ""
    vectors: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def queries(self) -> list[str]:
        """The texts `vectors` embed: the question, and the question with its context."""
        return [self.question, f"{self.question} {self.context}"] if self.context else [self.question]


# -- the events of an answer being written: TextPiece..., perhaps Checking, then the Answer --

@dataclass(frozen=True)
class TextPiece:
    """A piece of the answer's text, as it is written."""

    text: str


@dataclass(frozen=True)
class Checking:
    """The draft is written; its citations are being checked against the sources."""


AnswerEvent = TextPiece | Checking | Answer
