"""The assistant: a conversation turn -> retrieval -> a cited answer."""

from __future__ import annotations

import re
import time
from pathlib import Path

from index.errors import BadInputError
from index.settings import Settings
from rag.answer import AnswerConfig, ExtractiveAnswerer, asks_for_several
from rag.retrieve import Filters, RetrievalConfig, Retriever, check_query
from rag.types import Answer

# Top passages whose next chunk is read too: an answer often runs on past a chunk's end.
_FOLLOWING = 5

# A turn that leans on the one before it: "And what did Zelensky say?", "When was that?"
_FOLLOW_UP = re.compile(
    r"^\s*(and|but|also|so|what about|how about|then)\b|\b(that|this|it|he|she|they|them|his|"
    r"her|their|those|these|there|then|him)\b", re.I)


def condense(question: str, history: list[dict] | None) -> str:
    """Earlier turns a follow-up question depends on, as text to search with ("" if none)."""
    turns = check_history(history)
    users = [t["content"] for t in turns if t["role"] == "user"]
    if not users or not _FOLLOW_UP.search(question):
        return ""
    return users[-1]


def check_history(history: list[dict] | None) -> list[dict]:
    """The history as `[{"role", "content"}]`; BadInputError for anything else."""
    turns = []
    for turn in history or []:
        if not isinstance(turn, dict) or turn.get("role") not in ("user", "assistant") or \
                not isinstance(turn.get("content"), str):
            raise BadInputError(
                'History must be a list of {"role": "user" | "assistant", "content": str}.')
        turns.append(turn)
    return turns


class Assistant:
    """Answers questions about the indexed articles, with citations.

    Example:
        >>> assistant = Assistant.open()
        >>> answer = assistant.ask("What conditions did Putin set?")
        >>> answer.refused, answer.citations[0].quote[:20]
        (False, 'Putin said those que')
    """

    def __init__(self, retriever: Retriever, answerer: ExtractiveAnswerer, k: int = 8):
        self.retriever = retriever
        self.answerer = answerer
        self.k = k

    @classmethod
    def open(
        cls,
        home: str | Path | None = None,
        chroma_url: str | None = None,
        *,
        settings: Settings | None = None,
        retrieval: RetrievalConfig | None = None,
        answering: AnswerConfig | None = None,
    ) -> Assistant:
        """An assistant over the index at `home` (or a Chroma server at `chroma_url`)."""
        retriever = Retriever.open(home, chroma_url, settings=settings, config=retrieval)
        answerer = ExtractiveAnswerer(retriever.embedder, answering or AnswerConfig(),
                                      retriever.lexical.unknown_words)
        return cls(retriever, answerer)

    def ask(
        self,
        question: str,
        history: list[dict] | None = None,
        *,
        k: int | None = None,
        sources: list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> Answer:
        """Answer `question`, reading earlier turns of `history` for follow-ups.

        Args:
            question: The question; at most 4,000 characters.
            history: Earlier turns, `[{"role": "user" | "assistant", "content": str}]`.
            k: Passages to read (default 8; 12 for questions that ask for a list).
            sources: Only these articles (doc_id or source path).
            since: Only articles dated on or after this day (YYYY-MM-DD).
            until: Only articles dated on or before this day.

        Returns:
            An `Answer`; `refused` is True when the articles do not hold the answer.
        """
        question = check_query(question)
        filters = Filters.make(sources, since, until)
        started = time.perf_counter()
        context = condense(question, history)
        query = f"{question} {context}".strip()
        wide = asks_for_several(question)
        passages = self.retriever.search(query, k or (self.k * 3 // 2 if wide else self.k), filters)
        passages = self.retriever.with_following(passages, _FOLLOWING)
        retrieved = time.perf_counter()
        answer = self.answerer.answer(question, passages, context)
        done = time.perf_counter()
        answer.timings_ms.update(retrieve=round((retrieved - started) * 1000, 1),
                                 answer=round((done - retrieved) * 1000, 1),
                                 total=round((done - started) * 1000, 1))
        return answer
