"""The answerer protocol: one primitive, `stream`, that writes an answer from the evidence.

Every answerer (the extractive one, an LLM) streams the same typed events: `TextPiece`s as the
text is written, `Checking` while a draft's citations are verified, and last the final `Answer`.
Consumers match on the event type; `answer()` is built on `stream()`.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator

from newsdesk.types import Answer, AnswerEvent, Evidence


class Answerer(ABC):
    """Writes a cited answer from a question and its retrieved passages.

    Subclasses implement `stream`; its last event is the `Answer`, and there is exactly one.
    """

    name: str = "answerer"

    @abstractmethod
    def stream(self, evidence: Evidence) -> Iterator[AnswerEvent]:
        """The answer as it is written: `TextPiece`s, perhaps `Checking`, then the `Answer`."""

    def answer(self, evidence: Evidence) -> Answer:
        """The final answer, without the events before it."""
        return final_answer(self.stream(evidence))


def final_answer(events: Iterable[AnswerEvent]) -> Answer:
    """The `Answer` that ends a stream of answer events."""
    answer = None
    for event in events:
        match event:
            case Answer():
                answer = event
    if answer is None:
        raise RuntimeError("an answer stream ended without its Answer")
    return answer


def timings(evidence: Evidence, started: float) -> dict[str, float]:
    """Milliseconds spent retrieving, answering (since `started`), and both."""
    answer = (time.perf_counter() - started) * 1000
    return {"retrieve": round(evidence.retrieve_ms, 1), "answer": round(answer, 1),
            "total": round(evidence.retrieve_ms + answer, 1)}
